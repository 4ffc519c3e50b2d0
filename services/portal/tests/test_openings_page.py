"""Issue 14 in the portal: the employer's opening form suggests the skills' vocabulary in the
page's language, without a script. (The openings pages against a real matching service are
tests/e2e/test_portal_openings_page.py.)"""

from __future__ import annotations

import uuid

from fastapi import FastAPI

from .conftest import Browser, signed_in


async def test_the_opening_form_suggests_the_vocabulary(browser: Browser, app: FastAPI) -> None:
    boss = await signed_in(
        browser, app.state.portal, "employer", str(uuid.uuid4()), org=uuid.uuid4()
    )
    r = await boss.get("/employer/openings/new?lang=sv")
    assert r.status_code == 200, r.text
    assert '<datalist id="skill-suggestions">' in r.text
    assert '<option value="städning">' in r.text
    assert 'list="skill-suggestions"' in r.text
    assert "<script" not in r.text.split("<main", 1)[-1]
