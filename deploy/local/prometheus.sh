#!/usr/bin/env bash
# Prometheus for `make run`: scrapes every service (ports from env.sh) and loads the alert
# rules in deploy/monitoring/rules. Debian's `prometheus` package (make monitoring-deps).
# Data in .local/prometheus, log in .local/logs/prometheus.log.
# Usage: prometheus.sh {start|stop|status|config}
#   config  prints the scrape configuration for the ports in the environment (tests use it)
set -euo pipefail
# shellcheck source=deploy/local/env.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"

PROM_DIR="$LOCAL_DIR/prometheus"
PID_FILE="$RUN_DIR/prometheus.pid"
RULES_DIR="$ROOT/deploy/monitoring/rules"
# name:port of everything that serves /metrics
TARGETS=("portal:$PORTAL_PORT" "participants:$PARTICIPANTS_PORT" "events:$EVENTS_PORT"
    "matching:$MATCHING_PORT" "notifications:$NOTIFICATIONS_PORT" "ops:$OPS_PORT")

config() {
    local target name port
    cat <<YAML
# Made by deploy/local/prometheus.sh from the ports in deploy/local/env.sh; do not edit.
global:
  scrape_interval: ${VOIMALA_PROMETHEUS_SCRAPE_INTERVAL:-15s}
  evaluation_interval: ${VOIMALA_PROMETHEUS_SCRAPE_INTERVAL:-15s}
rule_files:
  - $RULES_DIR/*.yml
scrape_configs:
  - job_name: voimala
    # The services label their own series with \`service\`; the target's label names the
    # series that carry none (up, process_*, notifications' own).
    honor_labels: true
    static_configs:
YAML
    for target in "${TARGETS[@]}"; do
        IFS=: read -r name port <<<"$target"
        printf '      - targets: ["127.0.0.1:%s"]\n        labels: { service: %s }\n' "$port" "$name"
    done
}

start() {
    command -v prometheus >/dev/null || {
        echo "prometheus: not installed (make monitoring-deps, as root); not started"
        return 0
    }
    if pid_is "$(cat "$PID_FILE" 2>/dev/null)" prometheus; then
        echo "prometheus: already running on http://127.0.0.1:$VOIMALA_PROMETHEUS_PORT/"
        return 0
    fi
    port_open "$VOIMALA_PROMETHEUS_PORT" &&
        die "prometheus: port $VOIMALA_PROMETHEUS_PORT is taken; set VOIMALA_PROMETHEUS_PORT"
    mkdir -p "$PROM_DIR/data" "$LOCAL_DIR/logs" "$RUN_DIR"
    config >"$PROM_DIR/prometheus.yml"
    setsid nohup prometheus --config.file="$PROM_DIR/prometheus.yml" \
        --storage.tsdb.path="$PROM_DIR/data" --storage.tsdb.retention.time=7d \
        --web.listen-address="127.0.0.1:$VOIMALA_PROMETHEUS_PORT" \
        >>"$LOCAL_DIR/logs/prometheus.log" 2>&1 </dev/null &
    echo $! >"$PID_FILE"
    for _ in $(seq 1 100); do
        curl -fsS "http://127.0.0.1:$VOIMALA_PROMETHEUS_PORT/-/ready" >/dev/null 2>&1 && break
        pid_is "$(cat "$PID_FILE")" prometheus || die "prometheus: did not start; see .local/logs/prometheus.log"
        sleep 0.2
    done
    echo "prometheus: ready on http://127.0.0.1:$VOIMALA_PROMETHEUS_PORT/ (alerts: /alerts)"
}

stop() {
    local pid
    pid=$(cat "$PID_FILE" 2>/dev/null || true)
    if pid_is "$pid" prometheus; then
        kill -TERM "$pid"
        for _ in $(seq 1 50); do pid_is "$pid" prometheus || break; sleep 0.2; done
        echo "prometheus: stopped"
    fi
    rm -f "$PID_FILE"
}

status() {
    if pid_is "$(cat "$PID_FILE" 2>/dev/null)" prometheus; then
        local firing
        firing=$(curl -fsS "http://127.0.0.1:$VOIMALA_PROMETHEUS_PORT/api/v1/alerts" 2>/dev/null |
            grep -o '"state":"firing"' | wc -l || true)
        echo "prometheus: running on http://127.0.0.1:$VOIMALA_PROMETHEUS_PORT/ ($firing alerts firing)"
    else
        echo "prometheus: stopped"
        return 3
    fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
config) config ;;
*) die "usage: $0 {start|stop|status|config}" ;;
esac
