"""A bounded property-based fuzz of every service's OpenAPI document (schemathesis).

Each service runs in this process on a real database and Kafka (its whole lifespan, as in its
own suites), served by uvicorn on a free local port; schemathesis reads the document the
service publishes and sends the requests that document allows, with a coordinator's token.
What must hold: no 5xx, and no answer that breaks the schema it documents. Bounded: a few
examples per operation, no shrinking, so that the four services take well under two minutes.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import requests
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from voimala_kit.testing import auth, free_port

#: The service and the package its `bootstrap` and `Settings` live in.
SERVICES = {
    "participants": "voimala_participants",
    "events": "voimala_scheduling",
    "matching": "voimala_matching",
    "notifications": "voimala_notifications",
}
#: Examples per operation: enough to send nulls, empties and edge values to each, bounded.
EXAMPLES = 8


def _fuzz(url: str, headers: dict[str, str]) -> list[str]:
    """Every operation's examples against the running service; the failures, described."""
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    failures: list[str] = []
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()  # a document the service cannot describe is a failure itself
        failures.extend(_examples(operation, url, headers, session))
    return failures


def _examples(operation: Any, url: str, headers: dict[str, str], session: Any) -> list[str]:
    failures: list[str] = []
    label = operation.label

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: failures are collected
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        response = case.call(base_url=url, headers=headers, session=session)
        try:
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )
        except (AssertionError, BaseExceptionGroup) as failed:  # schemathesis' FailureGroup
            found = failed.exceptions if isinstance(failed, BaseExceptionGroup) else [failed]
            for failure in found:
                first = " | ".join(str(failure).strip().splitlines()[:3])
                failures.append(f"{label} -> {response.status_code}: {first}")

    run()
    return failures


@pytest.mark.parametrize("service", list(SERVICES))
async def test_no_5xx_and_no_answer_breaks_its_schema(
    service: str, service_settings: Callable[..., Any], token: Callable[..., str]
) -> None:
    package = SERVICES[service]
    settings_class = importlib.import_module(f"{package}.settings").Settings
    bootstrap = importlib.import_module(f"{package}.bootstrap").bootstrap
    app = bootstrap(await service_settings(settings_class))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
            await asyncio.sleep(0.05)
        url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"{url}/openapi.json")).status_code == 200
        failures = await asyncio.to_thread(_fuzz, url, auth(token("coordinator")))
    finally:
        server.should_exit = True
        await task
    assert failures == [], "\n".join(sorted(set(failures)))
