#!/usr/bin/env bash
# The four services, the portal and the operations API (voimala-ops over HTTP, for the ops
# role) as background processes (make run). Each is one process:
# HTTP API, consumer and outbox relay together. Logs: .local/logs/<service>.log (JSON lines).
# Usage: services.sh {start|stop|status}
set -euo pipefail
# shellcheck source=deploy/local/env.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"

# service:python package:port
SERVICES=(participants:voimala_participants:8001 events:voimala_scheduling:8002
    matching:voimala_matching:8003 notifications:voimala_notifications:8004
    portal:voimala_portal:8000 ops:voimala_ops.api:8005)
# Development stand-ins for the outside world that notifications talks to, so that e-mail and
# SMS are really handed over (and can be read in .local/logs/smtp-sink.log, sms-sink.log).
# name|python arguments|port
SINKS=("smtp-sink|$DEPLOY_DIR/smtp_sink.py --port 1025|1025"
    "sms-sink|-m voimala_notifications.fake_sms|8090")
LOG_DIR="$LOCAL_DIR/logs"
export VOIMALA_JWT_PUBLIC_KEY_FILE="${VOIMALA_JWT_PUBLIC_KEY_FILE:-$LOCAL_DIR/keys/jwt-public.pem}"
export VOIMALA_KAFKA_BOOTSTRAP_SERVERS="${VOIMALA_KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$VOIMALA_KAFKA_PORT}"
# The portal signs the services' tokens for the people it signs in with a key of its own, which
# the services trust beside the development key; `make run` also turns on its development
# sign-in page (the demo people of every role, from the demo loader).
export VOIMALA_JWT_EXTRA_PUBLIC_KEY_FILES="${VOIMALA_JWT_EXTRA_PUBLIC_KEY_FILES:-$LOCAL_DIR/keys/portal/jwt-public.pem}"
export PORTAL_SIGNING_KEY_FILE="${PORTAL_SIGNING_KEY_FILE:-$LOCAL_DIR/keys/portal/jwt-private.pem}"
export PORTAL_DEV_SIGN_IN="${PORTAL_DEV_SIGN_IN:-true}"
export PORTAL_DEV_PEOPLE_FILE="${PORTAL_DEV_PEOPLE_FILE:-$LOCAL_DIR/demo-people.json}"
export PORTAL_PUBLIC_URL="${PORTAL_PUBLIC_URL:-http://127.0.0.1:${PORTAL_PORT:-8000}}"
# The calendar feed's events link back to their pages in the portal.
export EVENTS_PORTAL_URL="${EVENTS_PORTAL_URL:-$PORTAL_PUBLIC_URL}"
# The signed accept/decline links in e-mails open the portal's answer pages (/actions/…),
# which say what is being answered in the portal's layout.
export NOTIFICATIONS_PUBLIC_URL="${NOTIFICATIONS_PUBLIC_URL:-$PORTAL_PUBLIC_URL}"
# The operations pages (/ops, role ops) ask the operations API, started here as `ops`.
export PORTAL_OPS_URL="${PORTAL_OPS_URL:-http://127.0.0.1:${OPS_PORT:-8005}}"

port_of() {
    local name=$1 default=$2 var
    var="$(echo "$name" | tr '[:lower:]' '[:upper:]')_PORT"
    echo "${!var:-$default}"
}

start_sinks() {
    local sink name args port pid_file
    for sink in "${SINKS[@]}"; do
        IFS='|' read -r name args port <<<"$sink"
        pid_file="$RUN_DIR/$name.pid"
        if pid_is "$(cat "$pid_file" 2>/dev/null)" "${args%% *}"; then
            continue
        fi
        port_open "$port" && { echo "$name: port $port already answers; using it"; continue; }
        # shellcheck disable=SC2086 # the arguments are meant to split
        setsid nohup "$VENV_PYTHON" $args >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
        echo $! >"$pid_file"
        for _ in $(seq 1 50); do port_open "$port" && break; sleep 0.1; done
        echo "$name: listening on 127.0.0.1:$port (log: .local/logs/$name.log)"
    done
}

stop_sinks() {
    local sink name args port pid
    for sink in "${SINKS[@]}"; do
        IFS='|' read -r name args port <<<"$sink"
        pid=$(cat "$RUN_DIR/$name.pid" 2>/dev/null || true)
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" && echo "$name: stopped"
        fi
        rm -f "$RUN_DIR/$name.pid"
    done
}

start() {
    mkdir -p "$LOG_DIR" "$RUN_DIR"
    [[ -r "$VOIMALA_JWT_PUBLIC_KEY_FILE" ]] || die "no public key at $VOIMALA_JWT_PUBLIC_KEY_FILE (make keys)"
    start_sinks
    local spec name pkg port pid_file waiting=()
    for spec in "${SERVICES[@]}"; do
        IFS=: read -r name pkg port <<<"$spec"
        port=$(port_of "$name" "$port")
        pid_file="$RUN_DIR/$name.pid"
        if pid_is "$(cat "$pid_file" 2>/dev/null)" "$pkg"; then
            echo "$name: already running on http://127.0.0.1:$port (pid $(cat "$pid_file"))"
            continue
        fi
        if port_open "$port"; then
            die "$name: port $port is taken by another process; set $(echo "$name" | tr '[:lower:]' '[:upper:]')_PORT"
        fi
        setsid nohup "$VENV_PYTHON" -m "$pkg" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
        echo $! >"$pid_file"
        waiting+=("$name:$port")
    done
    local deadline=$((SECONDS + 60)) item
    for item in "${waiting[@]}"; do
        IFS=: read -r name port <<<"$item"
        until curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; do
            if ((SECONDS > deadline)) || ! pid_is "$(cat "$RUN_DIR/$name.pid")" "voimala_"; then
                tail -n 20 "$LOG_DIR/$name.log" >&2
                die "$name: not ready on port $port; see $LOG_DIR/$name.log"
            fi
            sleep 0.3
        done
        echo "$name: ready on http://127.0.0.1:$port"
    done
}

stop() {
    local spec name pkg port pid_file pid
    for spec in "${SERVICES[@]}"; do
        IFS=: read -r name pkg port <<<"$spec"
        pid_file="$RUN_DIR/$name.pid"
        pid=$(cat "$pid_file" 2>/dev/null || true)
        if ! pid_is "$pid" "$pkg"; then
            rm -f "$pid_file"
            echo "$name: not running"
            continue
        fi
        kill -TERM "$pid"
        for _ in $(seq 1 100); do
            pid_is "$pid" "$pkg" || break
            sleep 0.2
        done
        pid_is "$pid" "$pkg" && kill -KILL "$pid"
        rm -f "$pid_file"
        echo "$name: stopped"
    done
    stop_sinks
}

# "lag N records (oldest Ns), outbox N" out of a service's /metrics; empty when unreadable.
metrics_summary() {
    curl -fsS --max-time 3 "http://127.0.0.1:$1/metrics" 2>/dev/null | awk '
        /^voimala_consumer_lag_records[{ ]/ { lag += $NF; seen = 1 }
        /^voimala_consumer_lag_seconds[{ ]/ { if ($NF > age) age = $NF }
        /^voimala_outbox_backlog[{ ]/ { outbox += $NF; have_outbox = 1 }
        END {
            out = ""
            if (seen) out = sprintf("lag %d records (oldest %ds)", lag, age)
            else out = "lag -"
            if (have_outbox) out = out sprintf(", outbox %d", outbox)
            print out
        }'
}

status() {
    local spec name pkg port rc=0 pid_file sink args
    for spec in "${SERVICES[@]}"; do
        IFS=: read -r name pkg port <<<"$spec"
        port=$(port_of "$name" "$port")
        pid_file="$RUN_DIR/$name.pid"
        if ! pid_is "$(cat "$pid_file" 2>/dev/null)" "$pkg"; then
            echo "$name: stopped"
            rc=3
        elif curl -fsS --max-time 3 "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then
            echo "$name: ready on http://127.0.0.1:$port, $(metrics_summary "$port")"
        else
            echo "$name: NOT READY on http://127.0.0.1:$port (pid $(cat "$pid_file")): see /health/ready"
            rc=3
        fi
    done
    for sink in "${SINKS[@]}"; do
        IFS='|' read -r name args port <<<"$sink"
        if pid_is "$(cat "$RUN_DIR/$name.pid" 2>/dev/null)" "${args%% *}" && port_open "$port"; then
            echo "$name: listening on 127.0.0.1:$port"
        elif port_open "$port"; then
            echo "$name: port $port answers (not started by make run)"
        else
            echo "$name: stopped"
            rc=3
        fi
    done
    return "$rc"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
*) die "usage: $0 {start|stop|status}" ;;
esac
