"""The counsellor's worklist page (/staff/worklist): who may open it. (The page against a real
participants service is tests/e2e/test_portal_worklist_page.py.)"""

from __future__ import annotations

from fastapi import FastAPI

from .conftest import Browser, signed_in


async def test_only_staff_open_the_worklist(browser: Browser, app: FastAPI) -> None:
    for role in ("participant", "employer", "mentor", "ops"):
        client = await signed_in(browser, app.state.portal, role)
        assert (await client.get("/staff/worklist")).status_code == 403, role
    r = await browser().get("/staff/worklist")
    assert r.status_code == 303
    assert r.headers["location"].startswith("/sign-in?next=")
