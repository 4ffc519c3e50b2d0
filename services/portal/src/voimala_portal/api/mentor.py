"""Pages of /mentor (being built)."""

from __future__ import annotations

from ..web.routing import page_router

router = page_router()
