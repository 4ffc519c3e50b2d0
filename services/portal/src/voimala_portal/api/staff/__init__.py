"""Pages of /staff for the service point's counsellors and coordinators: the front page
(search, today's occurrences, one-click visit), registering a participant, the profile with
the service path, recording a visit, and the check-in list of an occurrence.

The programme, ideas, partners, mentors, reports and proposals pages live in
`api/staff_programme/`."""

from fastapi import APIRouter

from .checkin import router as check_in_pages
from .front import router as front_pages
from .profile import router as profile_pages
from .register import router as register_pages
from .visits import router as visit_pages
from .worklist import router as worklist_pages

router = APIRouter()
# /staff/participants/new before /staff/participants/{participant_id}.
for pages in (
    front_pages,
    visit_pages,
    register_pages,
    profile_pages,
    check_in_pages,
    worklist_pages,
):
    router.include_router(pages)
