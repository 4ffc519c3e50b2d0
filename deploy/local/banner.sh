#!/usr/bin/env bash
# What `make run` prints last: where to look and how to call the APIs.
set -euo pipefail
# shellcheck source=deploy/local/env.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"
cat <<TXT

Voimala is running.
  portal         http://127.0.0.1:${PORTAL_PORT:-8000}/     <- start here: the month's programme
                 Sign in as a demo person at http://127.0.0.1:${PORTAL_PORT:-8000}/sign-in/dev, e.g.
                   participant  Aleksi Nieminen          -> /me
                   employer     Riikka Salminen          -> /employer
                   mentor       Kari Mäkinen             -> /mentor
                   counsellor   Johan Handledare         -> /staff
                   coordinator  Sanna Koordinaattori     -> /staff
                   ops          Pekka Ylläpito           -> /ops
                 or ask a link by e-mail at /sign-in (riikka.salminen@elektroniikkapalvelu.example):
                 the e-mail is in .local/logs/smtp-sink.log
  participants   http://127.0.0.1:${PARTICIPANTS_PORT:-8001}/docs
  events         http://127.0.0.1:${EVENTS_PORT:-8002}/docs
  matching       http://127.0.0.1:${MATCHING_PORT:-8003}/docs
  notifications  http://127.0.0.1:${NOTIFICATIONS_PORT:-8004}/docs
  Kafka          127.0.0.1:$VOIMALA_KAFKA_PORT      PostgreSQL  127.0.0.1:$VOIMALA_PG_PORT
  poster         http://127.0.0.1:${PORTAL_PORT:-8000}/programme/$(date +%Y-%m)/poster   (printable, with a QR code)
  e-mail, SMS    handed to local sinks: .local/logs/smtp-sink.log, .local/logs/sms-sink.log
  logs           .local/logs/<service>.log
  operations     http://127.0.0.1:$VOIMALA_PROMETHEUS_PORT/alerts (Prometheus)   make status   make ops ARGS=status
                 the same as an API for the ops role: http://127.0.0.1:$OPS_PORT/docs

A token for the APIs (roles: coordinator counsellor employer mentor participant ops):
  TOKEN=\$(make -s token ROLE=coordinator | tail -n 1)
  curl -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:8001/participants

Stop everything with: make stop
TXT
