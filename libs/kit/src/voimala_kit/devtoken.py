"""`make token ROLE=<role> [SUB=<id>] [ORG=<partner id>]`: a signed development token.

Creates the development key pair on first use. The token is printed alone on the last line.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path
from typing import cast

from .auth import ROLES, Role, generate_keys, issue_token


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make token", description=__doc__)
    parser.add_argument("--role", required=True, choices=sorted(ROLES))
    parser.add_argument("--sub", default=None, help="subject: e.g. the participant's id")
    parser.add_argument("--org", default=None, help="partner organisation id (employers)")
    parser.add_argument("--keys", type=Path, default=Path(".local/keys"))
    parser.add_argument("--hours", type=float, default=8.0)
    args = parser.parse_args(argv)
    private, _ = generate_keys(args.keys)
    token = issue_token(
        private.read_bytes(),
        role=cast(Role, args.role),
        subject=args.sub or None,
        org=args.org or None,
        lifetime=timedelta(hours=args.hours),
    )
    sys.stdout.write(token + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
