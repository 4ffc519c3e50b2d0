"""/staff/partners and /staff/mentors: the employers and associations with their contact
people, the mentors with their capacity; a coordinator adds either (the matching service
keeps registering them to coordinators)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ...repository.sessions import SessionUser
from ...services import ServiceError
from ...web.deps import PortalDep
from ...web.forms import clean, errors_from_problem
from ...web.i18n import Translator
from ...web.pages import render, translator
from ...web.routing import page_router
from .common import only_coordinator, page_of, staff

router = page_router()
Staff = Annotated[SessionUser, Depends(staff)]
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LANGUAGES = ("fi", "sv", "en")


def _phone(value: str) -> str | None:
    """A Finnish or international number as E.164 (as the participants service writes it)."""
    digits = re.sub(r"[\s\-()]", "", value)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif digits.startswith("0"):
        digits = "+358" + digits[1:]
    return digits if re.fullmatch(r"\+[1-9][0-9]{6,14}", digits) else None


def _contact(t: Translator, form: FormData, errors: dict[str, str]) -> dict[str, Any]:
    """Name, e-mail and/or phone and language, checked as the matching service checks them."""
    found: dict[str, Any] = {"name": clean(form, "name", 200)}
    if not found["name"]:
        errors["name"] = t.gettext("Enter the name")
    email, phone = clean(form, "email", 254), clean(form, "phone", 40)
    if email:
        if EMAIL.match(email):
            found["email"] = email
        else:
            errors["email"] = t.gettext("Enter an e-mail address like name@example.fi")
    if phone:
        if (normal := _phone(phone)) is not None:
            found["phone"] = normal
        else:
            errors["phone"] = t.gettext("Enter a phone number like 040 123 4567")
    if not email and not phone and "email" not in errors:
        errors["email"] = t.gettext("Enter an e-mail address or a phone number")
    language = clean(form, "language", 5)
    if language not in LANGUAGES:
        errors["language"] = t.gettext("Choose the language of the messages")
    found["preferred_language"] = language
    return found


def _language_options(t: Translator) -> list[tuple[str, str, None]]:
    return [
        ("fi", t.gettext("Finnish"), None),
        ("sv", t.gettext("Swedish"), None),
        ("en", t.gettext("English"), None),
    ]


@router.get("/staff/partners")
async def partners(request: Request, portal: PortalDep, user: Staff) -> Response:
    cursor = request.query_params.get("cursor", "")[:500] or None
    found = await page_of(
        portal.services.as_user(user).get("matching", "/partners", cursor=cursor, limit=50)
    )
    return render(
        request,
        "staff_programme/partners.html",
        {
            "partners": found["items"],
            "next_cursor": found["next_cursor"],
            "added": request.query_params.get("added") == "1",
        },
    )


def _partner_page(
    request: Request, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Response:
    t = translator(request)
    kinds = [
        ("employer", t.gettext("Employer"), t.gettext("A company: the business ID is needed.")),
        ("association", t.gettext("Association"), None),
    ]
    return render(
        request,
        "staff_programme/partner_new.html",
        {"kinds": kinds, "languages_": _language_options(t), "values": values, "errors": errors},
        status_code=status,
    )


@router.get("/staff/partners/new")
async def new_partner(request: Request, portal: PortalDep, user: Staff) -> Response:
    only_coordinator(user)
    return _partner_page(request, {"language": "fi"}, {})


@router.post("/staff/partners/new")
async def add_partner(request: Request, portal: PortalDep, user: Staff) -> Response:
    only_coordinator(user)
    t = translator(request)
    form = await request.form()
    values = {k: clean(form, k, 300) for k in form if k != "csrf_token"}
    errors: dict[str, str] = {}
    kind = clean(form, "kind", 20)
    if kind not in ("employer", "association"):
        errors["kind"] = t.gettext("Choose whether the partner is an employer or an association")
    partner_name = clean(form, "partner_name", 200)
    if not partner_name:
        errors["partner_name"] = t.gettext("Enter the name of the organisation")
    business_id = clean(form, "business_id", 20).replace(" ", "")
    if kind == "employer" and not re.fullmatch(r"[0-9]{7}-[0-9]", business_id):
        errors["business_id"] = t.gettext("Enter the business ID like 1234567-8")
    contact = _contact(t, form, errors)
    if errors:
        return _partner_page(request, values, errors, 400)
    body: dict[str, Any] = {
        "kind": kind,
        "name": partner_name,
        "business_id": business_id or None,
        "municipality": clean(form, "municipality", 100) or None,
        "contacts": [contact],
    }
    try:
        await portal.services.as_user(user).post("matching", "/partners", body)
    except ServiceError as exc:
        if exc.status == 409:
            errors = {"business_id": t.gettext("A partner with this business ID is already there")}
        elif exc.status == 422:
            errors = errors_from_problem(exc.problem, {"business_id": "business_id"})
            errors = {k or "partner_name": v for k, v in errors.items()}
        else:
            raise
        return _partner_page(request, values, errors, 400)
    return RedirectResponse("/staff/partners?added=1", 303)


@router.get("/staff/mentors")
async def mentors(request: Request, portal: PortalDep, user: Staff) -> Response:
    found = await portal.services.as_user(user).get("matching", "/mentors")
    ordered = sorted(found, key=lambda m: m["name"].lower())
    return render(
        request,
        "staff_programme/mentors.html",
        {"mentors": ordered, "added": request.query_params.get("added") == "1"},
    )


def _mentor_page(
    request: Request, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Response:
    t = translator(request)
    return render(
        request,
        "staff_programme/mentor_new.html",
        {"languages_": _language_options(t), "values": values, "errors": errors},
        status_code=status,
    )


def _words(value: str, most: int) -> list[str]:
    return [w.strip()[:100] for w in value.split(",") if w.strip()][:most]


@router.get("/staff/mentors/new")
async def new_mentor(request: Request, portal: PortalDep, user: Staff) -> Response:
    only_coordinator(user)
    return _mentor_page(request, {"language": "fi", "capacity": "2"}, {})


@router.post("/staff/mentors/new")
async def add_mentor(request: Request, portal: PortalDep, user: Staff) -> Response:
    only_coordinator(user)
    t = translator(request)
    form = await request.form()
    values = {k: clean(form, k, 1000) for k in form if k != "csrf_token"}
    errors: dict[str, str] = {}
    contact = _contact(t, form, errors)
    fields = _words(clean(form, "fields", 1000), 20)
    if not fields:
        errors["fields"] = t.gettext("Enter at least one field the mentor knows")
    capacity = clean(form, "capacity", 5)
    if not (capacity.isdigit() and int(capacity) <= 100):
        errors["capacity"] = t.gettext("Enter how many mentees at most, 0 to 100")
    if errors:
        return _mentor_page(request, values, errors, 400)
    body = contact | {
        "fields": fields,
        "languages": _words(clean(form, "languages", 300), 10),
        "capacity": int(capacity),
        "prefers_youth": form.get("prefers_youth") == "yes",
        "municipality": clean(form, "municipality", 100) or None,
    }
    try:
        await portal.services.as_user(user).post("matching", "/mentors", body)
    except ServiceError as exc:
        if exc.status != 422:
            raise
        errors = errors_from_problem(exc.problem, {"fields": "fields", "capacity": "capacity"})
        return _mentor_page(request, values, {k or "name": v for k, v in errors.items()}, 400)
    return RedirectResponse("/staff/mentors?added=1", 303)
