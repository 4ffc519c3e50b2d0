"""What the kit refuses before any page sees it is answered as a page, in the person's
language, with the portal's security headers."""

from __future__ import annotations

from .conftest import Browser, csrf


async def test_a_nul_character_in_a_form_is_a_page_not_a_500(browser: Browser) -> None:
    client = browser()
    token = await csrf(client)
    r = await client.post(
        "/sign-in?lang=sv",
        content=f"csrf_token={token}&email=a%00b@example.fi".encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")
    assert '<html lang="sv">' in r.text
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "default-src 'self'" in r.headers["content-security-policy"]


async def test_a_nul_in_the_address_and_a_huge_body_are_pages(browser: Browser) -> None:
    client = browser()
    address = await client.get("/programme/2026-12?category=%00")
    assert address.status_code == 400
    assert address.headers["content-type"].startswith("text/html")
    token = await csrf(client)
    huge = await client.post(
        "/sign-in",
        content=f"csrf_token={token}&email=".encode() + b"a" * (300 * 1024),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert huge.status_code == 413
    assert "text/html" in huge.headers["content-type"]
