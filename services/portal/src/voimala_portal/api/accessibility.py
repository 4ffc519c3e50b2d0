"""The accessibility statement (required by law for public services) with its feedback channel."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from ..web.pages import render
from ..web.routing import page_router
from ..web.session import UserDep

router = page_router()


@router.get("/accessibility")
async def statement(request: Request, user: UserDep) -> Response:
    return render(request, "public/accessibility.html")
