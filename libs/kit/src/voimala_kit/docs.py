"""The API's `/docs` (Swagger UI) and `/redoc` pages, with their scripts and styles served by
the service itself.

FastAPI's own pages load swagger-ui and redoc from a CDN (and redoc its fonts from Google), so
they are blank wherever the browser cannot reach those hosts, and they tell third parties who
reads our API documentation. The `fastapi-offline` package ships the same dist files; they are
mounted here under `/docs-assets` and the pages point at them. ReDoc's bundle would still
fetch its maker's logo from their CDN (the sidebar's "API docs by Redocly"): it is served with
that one URL pointing at the local favicon instead.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

__all__ = ["ASSETS_URL", "install_docs"]

ASSETS_URL = "/docs-assets"
ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
REDOC_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"


def install_docs(app: FastAPI) -> None:
    """`/docs` and `/redoc` for an app created with `docs_url=None, redoc_url=None`."""
    redoc_js: list[bytes] = []  # read on first use: most processes never serve it

    # Before the mount, which would otherwise answer this path with the file as shipped.
    @app.get(f"{ASSETS_URL}/redoc.standalone.js", include_in_schema=False)
    async def redoc_script() -> Response:
        if not redoc_js:
            shipped = (ASSETS / "redoc.standalone.js").read_bytes()
            redoc_js.append(shipped.replace(REDOC_LOGO, f"{ASSETS_URL}/favicon.png".encode()))
        return Response(redoc_js[0], media_type="text/javascript")

    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - API",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            # No "valid" badge: it would send the document to validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - API",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
