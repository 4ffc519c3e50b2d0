"""The portal's pages, one module per area (its templates in `templates/<area>/`, its
messages in `locales/<lang>/<area>.po`)."""

from fastapi import APIRouter

from . import (
    accessibility,
    answers,
    employer,
    me,
    mentor,
    openings_for,
    ops,
    privacy,
    public,
    signin,
    staff,
    staff_programme,
)

ROUTERS: list[APIRouter] = [
    public.router,
    signin.router,
    accessibility.router,
    employer.router,
    mentor.router,
    answers.router,
    staff.router,
    staff_programme.router,
    privacy.router,
    me.router,
    openings_for.router,
    ops.router,
]
