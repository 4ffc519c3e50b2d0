"""The public pages: the month's programme, an event with registration, ideas, the poster."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from ..web.pages import render
from ..web.routing import page_router
from ..web.session import UserDep

router = page_router()


@router.get("/")
async def home(request: Request, user: UserDep) -> Response:
    return render(request, "public/home.html")
