"""`voimala-ops`: the operations team's one command.

    voimala-ops status                         every service: ready, version, uptime, lag, ...
    voimala-ops dlq list [--service S]         dead letters: where from, why
    voimala-ops dlq show ID                    one, its personal data only counted
    voimala-ops dlq replay ID... --reason R    back to where they came from (recorded)
    voimala-ops dlq replay --service S --all --reason R [--dry-run]

`--json` on every subcommand prints the same as JSON. Exit codes: 0 done (for status: every
service ready), 1 refused or failed, 2 wrong usage, 3 some service not ready.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

import structlog

from .config import CONSUMERS, OpsConfig
from .deadletters import (
    DeadLetterId,
    RateLimitedError,
    dead_letters,
    one_dead_letter,
    replay,
)
from .status import platform_status

__all__ = ["main"]

NOT_READY = 3


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print JSON")
    parser = argparse.ArgumentParser(
        prog="voimala-ops", description="Status, lag and dead letters of the Voimala platform."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("status", parents=[common], help="every service at a glance")
    dlq = commands.add_parser("dlq", help="dead letters").add_subparsers(
        dest="dlq_command", required=True
    )
    listing = dlq.add_parser("list", parents=[common], help="dead letters, oldest first")
    listing.add_argument("--service", choices=CONSUMERS)
    listing.add_argument("--limit", type=int, default=100, help="the newest this many (0: all)")
    show = dlq.add_parser("show", parents=[common], help="one dead letter")
    show.add_argument("id", help="<service>:<partition>:<offset>")
    again = dlq.add_parser(
        "replay", parents=[common], help="send dead letters back to their original topic"
    )
    again.add_argument("ids", nargs="*", help="<service>:<partition>:<offset> ...")
    again.add_argument("--service", choices=CONSUMERS)
    again.add_argument("--all", action="store_true", help="every one of --service not replayed yet")
    again.add_argument("--reason", required=True, help="why it will work now (recorded)")
    again.add_argument("--dry-run", action="store_true", help="say what would be replayed")
    again.add_argument("--rate", type=float, default=5.0, help="at most this many a second")
    again.add_argument("--max", type=int, default=100, help="refuse to replay more at once")
    return parser


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = int(seconds)
    if s < 120:
        return f"{s}s"
    if s < 7200:
        return f"{s // 60}m"
    if s < 172800:
        return f"{s // 3600}h {s % 3600 // 60}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _status_table(states: list[dict[str, Any]]) -> str:
    rows = [
        [
            "SERVICE",
            "READY",
            "VERSION",
            "UPTIME",
            "LAG",
            "LAG AGE",
            "OUTBOX",
            "OLDEST",
            "DEAD LETTERS",
        ]
    ]
    for s in states:
        if not s["reachable"]:
            ready = "down"
        elif s["ready"]:
            ready = "ready"
        else:
            failing = [k for k, v in s["checks"].items() if v not in ("ok", "running")]
            ready = "NOT READY (" + ", ".join(failing) + ")"
        rows.append(
            [
                s["service"],
                ready,
                s["version"] or "-",
                _duration(s["uptime_seconds"]),
                _number(s["lag_records"]),
                _duration(s["lag_seconds"]),
                _number(s["outbox_backlog"]),
                _duration(s["outbox_oldest_seconds"]),
                _number(s["dead_letters"]),
            ]
        )
    return table(rows)


def _dlq_table(letters: list[dict[str, Any]]) -> str:
    if not letters:
        return "no dead letters"
    rows = [["ID", "DEAD-LETTERED", "FROM", "EVENT TYPE", "ERROR", "REPLAYS"]]
    for d in letters:
        origin = d["original"]
        rows.append(
            [
                d["id"],
                (d["dead_lettered_at"] or "-")[:19],
                f"{origin['topic']}:{origin['partition']}:{origin['offset']}",
                d["event"]["type"] or "-",
                f"{d['error']['class']}: {d['error']['message'] or ''}"[:70],
                str(d["replays"]),
            ]
        )
    return table(rows)


def _show(detail: dict[str, Any]) -> str:
    lines = [f"dead letter {detail['id']}"]
    keys = ("dead_lettered_at", "consumer", "replays", "replay_of", "key")
    lines.extend(f"  {key}: {detail[key]}" for key in keys)
    lines.append(f"  original: {json.dumps(detail['original'])}")
    lines.append(f"  error: {detail['error']['class']}: {detail['error']['message']}")
    lines.append("headers:")
    lines.extend(f"  {k}: {v}" for k, v in detail["headers"].items())
    lines.append("envelope:")
    lines.extend(
        "  " + line
        for line in json.dumps(detail["envelope"], indent=2, ensure_ascii=False).splitlines()
    )
    return "\n".join(lines)


async def _run(args: argparse.Namespace, config: OpsConfig) -> tuple[Any, str, int]:
    """The answer as data, as text, and the exit code."""
    if args.command == "status":
        states = [s.as_dict() for s in await platform_status(config)]
        code = 0 if all(s["ready"] for s in states) else NOT_READY
        return states, _status_table(states), code
    if args.dlq_command == "list":
        letters = await dead_letters(config, args.service, args.limit)
        return letters, _dlq_table(letters), 0
    if args.dlq_command == "show":
        detail = await one_dead_letter(config, DeadLetterId.parse(args.id))
        if detail is None:
            return {"error": f"no dead letter {args.id}"}, f"no dead letter {args.id}", 1
        return detail, _show(detail), 0
    if args.all != (args.service is not None) or (args.all and args.ids):
        raise ValueError("name dead letters, or use --service S --all")
    if not args.all and not args.ids:
        raise ValueError("name the dead letters to replay, or use --service S --all")
    outcomes = await replay(
        config,
        reason=args.reason,
        ids=None if args.all else [DeadLetterId.parse(i) for i in args.ids],
        service=args.service if args.all else None,
        dry_run=args.dry_run,
        per_second=max(min(args.rate, 50.0), 0.1),
        most=args.max,
    )
    found = [o.as_dict() for o in outcomes]
    text = (
        table(
            [["ID", "OUTCOME", "DETAIL"]]
            + [
                [
                    o.id,
                    o.outcome,
                    o.detail
                    or (
                        f"-> {o.topic}:{o.partition}:{o.offset}"
                        if o.offset is not None
                        else o.topic or ""
                    ),
                ]
                for o in outcomes
            ]
        )
        if outcomes
        else "nothing to replay"
    )
    code = 1 if any(o.outcome == "refused" for o in outcomes) else 0
    return found, text, code


def _quiet_logs() -> None:
    """The answer alone on stdout; the kit's and the clients' warnings on stderr."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    structlog.configure(
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _quiet_logs()
    config = OpsConfig.from_env()
    try:
        data, text, code = asyncio.run(_run(args, config))
    except (ValueError, RateLimitedError) as exc:
        data, text, code = {"error": str(exc)}, f"voimala-ops: {exc}", 1
        if not args.json:
            print(text, file=sys.stderr)  # noqa: T201 - a command line tool
            return code
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else text)  # noqa: T201
    return code
