"""The coordinator's pages under /staff: the programme (series, moving and cancelling dates),
ideas and wishes, partners and mentors, the monthly report, and proposals waiting for an
answer. The staff front page (`api/staff/`) links here."""

from fastapi import APIRouter

from . import board, ideas, partners, programme, proposals, reports

router = APIRouter()
for _module in (programme, ideas, partners, reports, board, proposals):
    router.include_router(_module.router)
