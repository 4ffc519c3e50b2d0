"""The kit's refusals, raised by matching's use cases, answer exactly as matching's own HTTP
problems did before them: same status, title, detail and extras (no database)."""

from __future__ import annotations

import json
from typing import Any

from voimala_kit.http import problem_of
from voimala_kit.refusals import DomainError, conflict, forbidden, invalid, not_found
from voimala_matching.domain.scoring import Filtered
from voimala_matching.handlers.proposals import not_a_candidate


def _answer(refusal: DomainError) -> tuple[int, dict[str, Any], str | None]:
    response = problem_of(refusal).response("/proposals")
    body: dict[str, Any] = json.loads(response.body)
    return response.status_code, body, response.headers.get("location")


def _problem(status: int, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return body | {"instance": "/proposals"} | extra


def test_not_found_and_forbidden() -> None:
    assert _answer(not_found("opening")) == (
        404,
        _problem(404, "Not found", "no such opening"),
        None,
    )
    detail = "only the partner it was made to may answer this proposal"
    assert _answer(forbidden(detail)) == (403, _problem(403, "Forbidden", detail), None)


def test_a_conflict_keeps_its_extras() -> None:
    refused = conflict("the proposal is already declined", proposal_status="declined")
    assert _answer(refused) == (
        409,
        _problem(409, "Conflict", "the proposal is already declined", proposal_status="declined"),
        None,
    )


def test_invalid_names_the_field_as_request_validation_does() -> None:
    status, body, _ = _answer(invalid("deadline", "the deadline is in the past"))
    assert status == 422
    assert body == _problem(
        422,
        "Invalid request",
        "the request does not match the API",
        errors=[
            {
                "loc": ["body", "deadline"],
                "type": "value_error",
                "msg": "the deadline is in the past",
            }
        ],
    )


def test_a_hard_filter_is_named() -> None:
    assert _answer(not_a_candidate(Filtered("language_level"))) == (
        422,
        _problem(
            422, "Not a candidate", "a hard filter excludes this pair", filter="language_level"
        ),
        None,
    )
