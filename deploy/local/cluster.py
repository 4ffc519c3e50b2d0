"""The platform distributed on this machine, as deploy/k8s runs it: three Kafka brokers (KRaft,
each controller and broker, replication 3, min.insync.replicas 2), a PostgreSQL of its own, and
two replicas of every service (each replica one process: API, relay and consumer).

    .venv/bin/python deploy/local/cluster.py start|stop|status       (make cluster)

It runs beside `make run`'s single broker (9092) and PostgreSQL (55432), never touching them:
brokers on 19092-19094 (controllers 19192-19194), PostgreSQL on 19532, the services' replicas
on 18000-18004 and 18100-18104, an SMTP sink on 11025 and an SMS stand-in on 18090. State in
.local/cluster (the PostgreSQL data, as `make run`'s, under /var/tmp where the postgres user
cannot enter the clone). tests/k8s/cluster (make cluster-faults) imports this module to kill
and restart its parts.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATE = ROOT / ".local" / "cluster"
RUN = STATE / "run"
LOGS = STATE / "logs"
PY = str(ROOT / ".venv" / "bin" / "python")
KEYS = ROOT / ".local" / "keys"

BROKERS = (1, 2, 3)
#: Below Linux's ephemeral range (32768-60999), so that no outgoing connection can hold it.
PG_PORT = 19532
PG_BIN = Path(os.environ.get("VOIMALA_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_SUPERPASSWORD = "voimala-cluster"
SMTP_PORT = 11025
SMS_PORT = 18090
REPLICAS = (0, 1)
#: service -> (package, port in deploy/local and compose); a replica r listens on
#: 18000 + 100 r + (port - 8000).
SERVICES = {
    "participants": ("voimala_participants", 8001),
    "events": ("voimala_scheduling", 8002),
    "matching": ("voimala_matching", 8003),
    "notifications": ("voimala_notifications", 8004),
    "portal": ("voimala_portal", 8000),
}
#: As deploy/k8s/base/kafka/topics.yaml.
EVENT_PARTITIONS = 12
DEAD_LETTER_PARTITIONS = 3
READY_SECONDS = float(os.environ.get("VOIMALA_CLUSTER_READY_SECONDS", "180"))


def log(message: str) -> None:
    sys.stdout.write(f"cluster: {message}\n")
    sys.stdout.flush()


def port_open(port: int) -> bool:
    import socket  # noqa: PLC0415 - only here

    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def alive(pid_file: Path, needle: str) -> int | None:
    """The pid in the file when that process is alive and its command line has `needle`."""
    try:
        pid = int(pid_file.read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (OSError, ValueError):
        return None
    if needle not in cmdline:
        return None
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return None if stat[0] == "Z" else pid


def spawn(name: str, command: list[str], env: dict[str, str] | None = None) -> int:
    LOGS.mkdir(parents=True, exist_ok=True)
    RUN.mkdir(parents=True, exist_ok=True)
    with (LOGS / f"{name}.log").open("ab") as out:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=ROOT,
            start_new_session=True,  # a Ctrl-C in the terminal reaches only us
        )
    (RUN / f"{name}.pid").write_text(str(process.pid))
    return process.pid


def signal_and_wait(name: str, needle: str, sig: signal.Signals, timeout: float = 60) -> None:
    pid = alive(RUN / f"{name}.pid", needle)
    if pid is None:
        return
    os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while alive(RUN / f"{name}.pid", needle) and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive(RUN / f"{name}.pid", needle):
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)


# --- Kafka ---------------------------------------------------------------------------------


def kafka_port(node: int) -> int:
    return 19091 + node


def controller_port(node: int) -> int:
    return 19191 + node


def bootstrap() -> str:
    return ",".join(f"127.0.0.1:{kafka_port(n)}" for n in BROKERS)


def jars() -> Path:
    """The broker jars `make run` resolved (deploy/local/kafka/pom.xml), or resolved here."""
    shared = ROOT / ".local" / "kafka" / "jars"
    if (shared / ".pom.sha256").exists():
        return shared
    own = STATE / "jars"
    if not (own / ".done").exists():
        log("resolving the Kafka jars with Maven (first run only)")
        pom = ROOT / "deploy" / "local" / "kafka" / "pom.xml"
        subprocess.run(
            [
                "mvn",
                "-q",
                "-B",
                "-f",
                str(pom),
                "dependency:copy-dependencies",
                f"-DoutputDirectory={own}",
                "-DincludeScope=runtime",
            ],
            check=True,
        )
        (own / ".done").write_text("")
    return own


def broker_config(node: int) -> Path:
    home = STATE / f"kafka-{node}"
    (home / "data").mkdir(parents=True, exist_ok=True)
    voters = ",".join(f"{n}@127.0.0.1:{controller_port(n)}" for n in BROKERS)
    config = home / "server.properties"
    config.write_text(
        f"""# Written by deploy/local/cluster.py.
process.roles=broker,controller
node.id={node}
controller.quorum.voters={voters}
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:{kafka_port(node)},CONTROLLER://127.0.0.1:{controller_port(node)}
advertised.listeners=PLAINTEXT://127.0.0.1:{kafka_port(node)}
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs={home / "data"}
# As deploy/k8s/base/kafka/kafka.yaml.
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
auto.create.topics.enable=false
unclean.leader.election.enable=false
group.initial.rebalance.delay.ms=0
"""
    )
    (home / "log4j.properties").write_text(
        f"""log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File={LOGS}/kafka-{node}-server.log
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
"""
    )
    return config


def java(node: int) -> list[str]:
    home = STATE / f"kafka-{node}"
    return [
        "java", "-Xmx384m", "-Xms128m", "-XX:+UseSerialGC", "-Djava.awt.headless=true",
        f"-Dlog4j.configuration=file:{home / 'log4j.properties'}", f"-Dkafka.logs.dir={LOGS}",
        "-cp", f"{jars()}/*",
    ]  # fmt: skip


def format_brokers() -> None:
    id_file = STATE / "cluster-id"
    if not id_file.exists():
        id_file.parent.mkdir(parents=True, exist_ok=True)
        raw = uuid.uuid4().bytes
        import base64  # noqa: PLC0415

        id_file.write_text(base64.urlsafe_b64encode(raw).decode().rstrip("="))
    cluster_id = id_file.read_text().strip()
    for node in BROKERS:
        config = broker_config(node)
        if (STATE / f"kafka-{node}" / "data" / "meta.properties").exists():
            continue
        subprocess.run(
            [*java(node), "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config)],
            check=True,
            capture_output=True,
        )


def start_broker(node: int) -> None:
    if alive(RUN / f"kafka-{node}.pid", "kafka.Kafka"):
        return
    if port_open(kafka_port(node)):
        raise RuntimeError(f"port {kafka_port(node)} is taken by another process")
    config = broker_config(node)
    spawn(f"kafka-{node}", [*java(node), "kafka.Kafka", str(config)])


def stop_broker(node: int, sig: signal.Signals = signal.SIGTERM) -> None:
    signal_and_wait(f"kafka-{node}", "kafka.Kafka", sig)


async def wait_brokers(nodes: tuple[int, ...] = BROKERS, timeout: float = 180) -> None:
    """Until every broker named answers a metadata request and the cluster sees them all."""
    from aiokafka.admin import AIOKafkaAdminClient  # noqa: PLC0415

    # The client logs every refused connection while a broker starts; that is the waiting.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    deadline = time.monotonic() + timeout
    while True:
        try:
            admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap(), request_timeout_ms=5000)
            await admin.start()
            try:
                cluster = await admin.describe_cluster()
            finally:
                await admin.close()
            if {b["node_id"] for b in cluster["brokers"]} >= set(nodes):
                return
        except Exception:  # noqa: BLE001, S110 - not up yet; tried again until the deadline
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"brokers {nodes} not all up after {timeout:.0f} s")
        await asyncio.sleep(1)


async def in_sync(timeout: float = 180) -> None:
    """Until every partition of the platform's topics has all three replicas in sync."""
    from aiokafka.admin import AIOKafkaAdminClient  # noqa: PLC0415
    from voimala_contracts import topics  # noqa: PLC0415

    deadline = time.monotonic() + timeout
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap(), request_timeout_ms=5000)
        try:
            await admin.start()
            described = await admin.describe_topics(topics.all_topics())
            short = [
                (t["topic"], p["partition"])
                for t in described
                for p in t["partitions"]
                if len(p["isr"]) < len(BROKERS)
            ]
            if not short and described:
                return
        except Exception:  # noqa: BLE001, S110 - a broker still starting
            pass
        finally:
            await admin.close()
        if time.monotonic() > deadline:
            raise TimeoutError("partitions not back in sync")
        await asyncio.sleep(1)


async def create_topics() -> None:
    from voimala_contracts import topics  # noqa: PLC0415
    from voimala_kit.kafka import ensure_topics  # noqa: PLC0415

    own = list(topics.BY_SERVICE.values())
    dead = [topics.dead_letter(s) for s in topics.BY_SERVICE]
    # A broker just started may be listed before it answers: try again for a while.
    for attempt in range(30):
        try:
            await ensure_topics(bootstrap(), own, partitions=EVENT_PARTITIONS, replication=3)
            await ensure_topics(bootstrap(), dead, partitions=DEAD_LETTER_PARTITIONS, replication=3)
        except Exception:
            if attempt == 29:
                raise
            await asyncio.sleep(2)
        else:
            return


# --- PostgreSQL ----------------------------------------------------------------------------


def pg_home() -> Path:
    digest = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
    return Path(f"/var/tmp/voimala-cluster-pg-{digest}")  # noqa: S108 - postgres must enter it


def as_postgres(*command: str) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


def start_postgres() -> None:
    home = pg_home()
    data = home / "data"
    if not (data / "PG_VERSION").exists():
        home.mkdir(mode=0o700, exist_ok=True)
        if os.geteuid() == 0:
            subprocess.run(["chown", "postgres:", str(home)], check=True)
        pwfile = home / ".pw"
        pwfile.write_text(PG_SUPERPASSWORD + "\n")
        if os.geteuid() == 0:
            subprocess.run(["chown", "postgres:", str(pwfile)], check=True)
        subprocess.run(
            as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres",
                        f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C",
                        "--auth-local=trust", "--auth-host=scram-sha-256"),
            check=True, capture_output=True, cwd="/",
        )  # fmt: skip
        pwfile.unlink()
    write_pg_config(home, data)
    if port_open(PG_PORT):
        return
    pg_ctl_start(home, data)
    for name in SERVICES:
        subprocess.run(
            [str(PG_BIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
             "-p", str(PG_PORT), "-U", "postgres", "-d", "postgres",
             "-v", f"svc={name}", "-v", f"pw={name}-dev"],
            input=CREATE_DATABASE, text=True, check=True, capture_output=True,
            env={**os.environ, "PGPASSWORD": PG_SUPERPASSWORD},
        )  # fmt: skip
    create_keyring()


def create_keyring() -> None:
    """As deploy/local/postgres.sh: the keyring database, owned by participants, its table
    (the kit's own), and every other service's role in keyring_writer (read and add keys)."""
    from voimala_kit.personal import SCHEMA  # noqa: PLC0415 - only the start needs the kit

    writers = ",".join(name for name in SERVICES if name != "participants")
    for database, sql in (
        ("postgres", CREATE_KEYRING),
        ("keyring", f"SET ROLE participants;\n{SCHEMA}"),
    ):
        subprocess.run(
            [str(PG_BIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
             "-p", str(PG_PORT), "-U", "postgres", "-d", database, "-v", f"writers={writers}"],
            input=sql, text=True, check=True, capture_output=True,
            env={**os.environ, "PGPASSWORD": PG_SUPERPASSWORD},
        )  # fmt: skip


def write_pg_config(home: Path, data: Path) -> None:
    """Rewritten on every start; as deploy/local/postgres.sh, the server never logs row values."""
    (data / "postgresql.auto.conf").write_text(
        f"listen_addresses = '127.0.0.1'\nport = {PG_PORT}\n"
        f"unix_socket_directories = '{home}'\nmax_connections = 300\nfsync = on\n"
        "log_error_verbosity = terse\nlog_min_error_statement = panic\n"
        "log_statement = 'none'\nlog_parameter_max_length_on_error = 0\n"
    )
    if os.geteuid() == 0:
        subprocess.run(["chown", "postgres:", str(data / "postgresql.auto.conf")], check=True)


def pg_ctl_start(home: Path, data: Path) -> None:
    """Start the server; on failure say why (pg_ctl's own words and the server log's tail).

    A postmaster.pid left by a server that died with its machine can name a PID that now
    belongs to another process, and then the server refuses to start: with no postmaster of
    ours alive, such a file is removed and the start tried once more.
    """
    command = as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l",
                          str(home / "server.log"), "-w", "-t", "120", "start")  # fmt: skip
    for attempt in (1, 2):
        done = subprocess.run(command, capture_output=True, text=True, cwd="/", check=False)
        if done.returncode == 0:
            return
        server_log = home / "server.log"
        tail = server_log.read_text(errors="replace").splitlines()[-20:] if server_log.exists() \
            else []  # fmt: skip
        print(f"postgresql: pg_ctl start failed (attempt {attempt}):", done.stdout, done.stderr,
              f"--- {server_log} (last lines) ---", *tail, sep="\n", file=sys.stderr)  # fmt: skip
        pid_file = data / "postmaster.pid"
        if attempt == 1 and pid_file.exists() and not port_open(PG_PORT):
            pid_file.unlink()
        time.sleep(2)
    raise SystemExit("postgresql: the cluster's server would not start (see above)")


#: As deploy/local/postgres.sh: a login role per service owning its database, which no one
#: else may open.
CREATE_DATABASE = """
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'svc', :'pw')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'svc') \\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'svc', :'svc')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'svc') \\gexec
REVOKE ALL ON DATABASE :"svc" FROM PUBLIC;
"""
#: The keyring (voimala_kit.personal), as deploy/local/postgres.sh makes it.
CREATE_KEYRING = """
SELECT 'CREATE ROLE keyring_writer NOLOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'keyring_writer') \\gexec
SELECT 'CREATE DATABASE keyring OWNER participants'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'keyring') \\gexec
REVOKE ALL ON DATABASE keyring FROM PUBLIC;
GRANT CONNECT ON DATABASE keyring TO keyring_writer;
SELECT format('GRANT keyring_writer TO %I', w)
  FROM unnest(string_to_array(:'writers', ',')) AS w \\gexec
"""


def stop_postgres() -> None:
    data = pg_home() / "data"
    if (data / "postmaster.pid").exists():
        subprocess.run(
            as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"),
            check=False, capture_output=True, cwd="/",
        )  # fmt: skip


def superuser_dsn(database: str) -> str:
    return f"postgresql://postgres:{PG_SUPERPASSWORD}@127.0.0.1:{PG_PORT}/{database}"


# --- the services --------------------------------------------------------------------------


@dataclass(frozen=True)
class Replica:
    service: str
    index: int

    @property
    def name(self) -> str:
        return f"{self.service}-{self.index}"

    @property
    def package(self) -> str:
        return SERVICES[self.service][0]

    @property
    def port(self) -> int:
        return 18000 + 100 * self.index + SERVICES[self.service][1] - 8000

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def replicas(service: str | None = None) -> list[Replica]:
    return [Replica(s, r) for s in SERVICES if service in (None, s) for r in REPLICAS]


def environment(replica: Replica) -> dict[str, str]:
    up = replica.service.upper()
    portal = Replica("portal", 0).url
    env = {
        **os.environ,
        "VOIMALA_ENV": "development",
        "VOIMALA_KAFKA_BOOTSTRAP_SERVERS": bootstrap(),
        "VOIMALA_JWT_PUBLIC_KEY_FILE": str(KEYS / "jwt-public.pem"),
        "VOIMALA_JWT_EXTRA_PUBLIC_KEY_FILES": str(KEYS / "portal" / "jwt-public.pem"),
        f"{up}_HOST": "127.0.0.1",
        f"{up}_PORT": str(replica.port),
        f"{up}_DATABASE_URL": (
            f"postgresql://{replica.service}:{replica.service}-dev@127.0.0.1:{PG_PORT}/"
            f"{replica.service}"
        ),
    }
    if replica.service == "notifications":
        env |= {
            "NOTIFICATIONS_SMTP_PORT": str(SMTP_PORT),
            "NOTIFICATIONS_SMS_PROVIDER_URL": f"http://127.0.0.1:{SMS_PORT}/messages",
            "NOTIFICATIONS_PUBLIC_URL": portal,
        }
    if replica.service == "events":
        env["EVENTS_PORTAL_URL"] = portal
    if replica.service == "portal":
        env |= {
            "PORTAL_PUBLIC_URL": portal,
            "PORTAL_SIGNING_KEY_FILE": str(KEYS / "portal" / "jwt-private.pem"),
            **{f"PORTAL_{s.upper()}_URL": Replica(s, 0).url for s in SERVICES if s != "portal"},
        }
    return env


def start_replica(replica: Replica) -> None:
    if alive(RUN / f"{replica.name}.pid", replica.package):
        return
    if port_open(replica.port):
        raise RuntimeError(f"{replica.name}: port {replica.port} is taken by another process")
    spawn(replica.name, [PY, "-m", replica.package], environment(replica))


def stop_replica(replica: Replica, sig: signal.Signals = signal.SIGTERM) -> None:
    signal_and_wait(replica.name, replica.package, sig)


def ready(replica: Replica) -> bool:
    try:
        with urllib.request.urlopen(f"{replica.url}/health/ready", timeout=3) as answer:  # noqa: S310
            return bool(answer.status == 200)
    except OSError:
        return False


def wait_ready(targets: list[Replica], timeout: float = READY_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    for replica in targets:
        while not ready(replica):
            if not alive(RUN / f"{replica.name}.pid", replica.package):
                raise RuntimeError(f"{replica.name} exited; see {LOGS / replica.name}.log")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{replica.name} not ready; see {LOGS / replica.name}.log")
            time.sleep(0.5)


def start_sinks() -> None:
    if not alive(RUN / "smtp-sink.pid", "smtp_sink"):
        spawn("smtp-sink", [PY, str(ROOT / "deploy" / "local" / "smtp_sink.py"),
                            "--port", str(SMTP_PORT)])  # fmt: skip
    if not alive(RUN / "sms-sink.pid", "fake_sms"):
        env = {**os.environ, "FAKE_SMS_PORT": str(SMS_PORT)}
        spawn("sms-sink", [PY, "-m", "voimala_notifications.fake_sms"], env)


# --- all of it -----------------------------------------------------------------------------


def start() -> None:
    if not (KEYS / "jwt-public.pem").exists() or not (KEYS / "portal" / "jwt-private.pem").exists():
        raise SystemExit("no keys in .local/keys: run `make keys`")
    format_brokers()
    for node in BROKERS:
        start_broker(node)
    start_postgres()
    asyncio.run(wait_brokers())
    asyncio.run(create_topics())
    log(f"3 brokers on {bootstrap()}, PostgreSQL on 127.0.0.1:{PG_PORT}")
    start_sinks()
    # One replica of each first, so that the migrations run once, then the second ones.
    for index in REPLICAS:
        batch = [r for r in replicas() if r.index == index]
        for replica in batch:
            start_replica(replica)
        wait_ready(batch)
    for replica in replicas():
        log(f"{replica.name} ready on {replica.url}")


def stop() -> None:
    for replica in replicas():
        stop_replica(replica)
    for name, needle in (("smtp-sink", "smtp_sink"), ("sms-sink", "fake_sms")):
        signal_and_wait(name, needle, signal.SIGTERM, timeout=10)
    for node in BROKERS:
        stop_broker(node)
    stop_postgres()
    log("stopped")


def status() -> int:
    down = 0
    for node in BROKERS:
        up = alive(RUN / f"kafka-{node}.pid", "kafka.Kafka") and port_open(kafka_port(node))
        down += not up
        log(f"kafka-{node} on {kafka_port(node)}: {'running' if up else 'stopped'}")
    pg = port_open(PG_PORT)
    down += not pg
    log(f"postgresql on {PG_PORT}: {'running' if pg else 'stopped'}")
    for replica in replicas():
        up = ready(replica)
        down += not up
        log(f"{replica.name} on {replica.port}: {'ready' if up else 'not ready'}")
    return 3 if down else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("start", "stop", "status"))
    command = parser.parse_args().command
    if command == "start":
        start()
        return 0
    if command == "stop":
        stop()
        return 0
    return status()


if __name__ == "__main__":
    raise SystemExit(main())
