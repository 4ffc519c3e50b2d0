#!/usr/bin/env bash
# Run a command with PostgreSQL and Kafka up. Starts only what is not already running and stops
# afterwards only what it started (also on failure or Ctrl-C), so it is safe to use both in CI
# and next to a developer's long-running infrastructure.
# Usage: with-infra.sh <command> [args...]      Exit code: the command's.
# Our own messages go to stderr so that the command's stdout stays clean.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if (($# == 0)); then
    echo "usage: $0 <command> [args...]" >&2
    exit 2
fi

started=()
# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
    if ((${#started[@]})); then
        "$HERE/infra.sh" down "${started[@]}" >&2 || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for part in postgres kafka; do
    "$HERE/$part.sh" status >/dev/null || started+=("$part")
done
# Recorded before starting: if only one part comes up, the EXIT trap still stops it.
if ((${#started[@]})); then
    "$HERE/infra.sh" up "${started[@]}" >&2
fi

rc=0
"$@" || rc=$?
exit "$rc"
