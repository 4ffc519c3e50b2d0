"""HTTP entrypoints: one transaction per request, opened and committed here."""

from .consents import router as consents_router
from .esf import reports_router as esf_reports_router
from .esf import router as esf_router
from .eura import router as eura_router
from .participants import router as participants_router
from .path import router as path_router
from .privacy import router as privacy_router
from .reports import router as reports_router
from .service_point import router as service_point_router
from .worklist import router as worklist_router

ROUTERS = [
    participants_router,
    consents_router,
    path_router,
    service_point_router,
    reports_router,
    esf_router,
    esf_reports_router,
    privacy_router,
    worklist_router,
    eura_router,
]

__all__ = ["ROUTERS"]
