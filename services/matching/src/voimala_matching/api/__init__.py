"""HTTP entrypoints: one transaction per request, opened and committed here."""

from .matching import router as matching_router
from .partners import router as partners_router
from .proposals import router as proposals_router

ROUTERS = [partners_router, matching_router, proposals_router]

__all__ = ["ROUTERS"]
