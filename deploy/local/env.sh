# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts that source this
# Shared settings for the no-Docker local infrastructure (kafka.sh, postgres.sh, infra.sh,
# with-infra.sh). Sourced, never executed. All state lives under $ROOT/.local (git-ignored),
# so deleting that folder resets everything.

# Repo root from this file's location, so the scripts work from any working directory and
# from any clone (CI clones into a fresh `mktemp -d`).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
DEPLOY_DIR="$ROOT/deploy/local"
LOCAL_DIR="$ROOT/.local"
RUN_DIR="$LOCAL_DIR/run"

# Ports and the PostgreSQL superuser password; override from the environment, e.g. to run a
# second set next to the first.
: "${VOIMALA_KAFKA_PORT:=9092}"
: "${VOIMALA_KAFKA_CONTROLLER_PORT:=9093}"
: "${VOIMALA_PG_PORT:=55432}"
: "${VOIMALA_PG_SUPERPASSWORD:=voimala-dev}"
: "${VOIMALA_PG_BIN:=/usr/lib/postgresql/15/bin}"
# The services' HTTP ports (services.sh, Prometheus's targets, make status) and Prometheus's.
: "${PORTAL_PORT:=8000}" "${PARTICIPANTS_PORT:=8001}" "${EVENTS_PORT:=8002}"
: "${MATCHING_PORT:=8003}" "${NOTIFICATIONS_PORT:=8004}" "${OPS_PORT:=8005}"
: "${VOIMALA_PROMETHEUS_PORT:=9090}"

KAFKA_DIR="$LOCAL_DIR/kafka"
KAFKA_JARS="$KAFKA_DIR/jars"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_LOGS="$KAFKA_DIR/logs"
KAFKA_PID_FILE="$RUN_DIR/kafka.pid"

# Holds data/, logs/ and run/ (sockets). May be a symlink to /var/tmp (see postgres.sh).
PG_STATE="$LOCAL_DIR/pg"

# One database per service, owned by a login role of the same name (password "<name>-dev").
# Tests do not use these: they create their own databases as the superuser.
VOIMALA_SERVICES=(participants events matching notifications portal)

# The keyring's key-encryption key (voimala_kit.personal: it wraps every person's data key in
# the `keyring` database that postgres.sh makes): the development one, refused in production.
: "${VOIMALA_KEYRING_KEK:=dm9pbWFsYS1kZXYta2VrLW5vdC1mb3ItcmVhbC11c2U=}"
export VOIMALA_KEYRING_KEK

# Used by the wait script; optional, a port probe is the fallback.
VENV_PYTHON="$ROOT/.venv/bin/python"

# True when something accepts TCP connections on 127.0.0.1:$1 (bash's /dev/tcp, no nc needed).
port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# True when $1 is a live process whose command line contains $2 (guards against pid reuse).
pid_is() {
    [[ -n "$1" && -r "/proc/$1/cmdline" ]] && tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | grep -qF -- "$2"
}

die() {
    echo "$*" >&2
    exit 1
}
