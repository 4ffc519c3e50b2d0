#!/usr/bin/env bash
# PostgreSQL and Kafka together (both by default, or only the ones named).
# Usage: infra.sh {up|down|status} [postgres] [kafka]
# Exit: up/down 0 when every part succeeded; status 0 when all run, 3 when any is stopped.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {
    echo "usage: $0 {up|down|status} [postgres] [kafka]" >&2
    exit 2
}

case "${1:-}" in
up) verb=start ;;
down) verb=stop ;;
status) verb=status ;;
*) usage ;;
esac
shift
parts=("$@")
((${#parts[@]})) || parts=(postgres kafka)
for part in "${parts[@]}"; do
    [[ "$part" == postgres || "$part" == kafka ]] || usage
done

rc=0
if [[ "$verb" == status ]]; then
    for part in "${parts[@]}"; do
        "$HERE/$part.sh" status || rc=$?
    done
    exit "$rc"
fi

# Start/stop in parallel: the parts are independent and each mostly waits.
pids=()
for part in "${parts[@]}"; do
    "$HERE/$part.sh" "$verb" &
    pids+=("$!")
done
for pid in "${pids[@]}"; do
    wait "$pid" || rc=$?
done
exit "$rc"
