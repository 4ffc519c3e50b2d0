"""`/docs` and `/redoc` load nothing from another host: their assets come from the service."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from voimala_kit import ServiceSpec, create_app

from .conftest import KitSettings

#: Every URL a page names in src=, href= or a quoted string ending in .js/.css/.png.
_URL = re.compile(r"""(?:src|href)=["']([^"']+)["']|["'](/[^"']+\.(?:js|css|png))["']""")


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    # The lifespan (database, Kafka) is not started: the documentation pages need neither.
    settings = KitSettings(database_url="postgresql://x:y@127.0.0.1:1/none")
    app = create_app(ServiceSpec(settings, None, "Docs test", tmp_path))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as c:
        yield c


def _urls(html: str) -> list[str]:
    return [a or b for a, b in _URL.findall(html)]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_page_names_no_other_host_and_its_assets_answer(
    client: httpx.AsyncClient, page: str
) -> None:
    r = await client.get(page)
    assert r.status_code == 200
    html = r.text
    assert not re.search(r"https?://", html), "a page names another host"
    assert not re.search(r"""["'(]//""", html), "a protocol-relative URL"
    assets = [u for u in _urls(html) if u.startswith("/docs-assets/")]
    assert len(assets) >= 2, assets  # the script and the favicon at least (+ css for swagger)
    for url in assets:
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url
    assert "/openapi.json" in html


async def test_swagger_ui_gets_its_script_and_style(client: httpx.AsyncClient) -> None:
    html = (await client.get("/docs")).text
    assert "/docs-assets/swagger-ui-bundle.js" in html
    assert "/docs-assets/swagger-ui.css" in html
    css = await client.get("/docs-assets/swagger-ui.css")
    assert css.headers["content-type"].startswith("text/css")
    # The shipped bundle is swagger-ui itself, not a placeholder.
    js = await client.get("/docs-assets/swagger-ui-bundle.js")
    assert b"SwaggerUIBundle" in js.content


async def test_redoc_loads_no_web_fonts(client: httpx.AsyncClient) -> None:
    html = (await client.get("/redoc")).text
    assert "/docs-assets/redoc.standalone.js" in html
    assert "fonts.googleapis" not in html
    # The bundle's one fetch of its own (the maker's logo) points at our favicon instead.
    js = await client.get("/docs-assets/redoc.standalone.js")
    assert js.status_code == 200
    assert b"cdn.redoc.ly" not in js.content
    assert b"/docs-assets/favicon.png" in js.content
