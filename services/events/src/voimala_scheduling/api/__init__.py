"""HTTP entrypoints: one transaction per request, opened and committed here."""

from .attendance_report import router as attendance_report_router
from .guests import router as guests_router
from .ideas import router as ideas_router
from .occurrences import router as occurrences_router
from .programme import router as programme_router
from .series import router as series_router

ROUTERS = [
    series_router,
    occurrences_router,
    programme_router,
    ideas_router,
    guests_router,
    attendance_report_router,
]

__all__ = ["ROUTERS"]
