"""What reaches the logs: not the URLs an HTTP client calls (they carry searches and ids)."""

from __future__ import annotations

import logging

from voimala_kit import configure_logging


def test_http_client_requests_are_not_logged_at_info() -> None:
    configure_logging("logtest", "INFO")
    assert logging.getLogger("voimala_kit").isEnabledFor(logging.INFO)
    for name in ("httpx", "httpcore"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO)
        assert logging.getLogger(name).isEnabledFor(logging.WARNING)
