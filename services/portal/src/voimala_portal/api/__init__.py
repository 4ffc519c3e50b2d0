"""The portal's pages, one module per area (its templates in `templates/<area>/`, its
messages in `locales/<lang>/<area>.po`)."""

from fastapi import APIRouter

from . import accessibility, public, signin

ROUTERS: list[APIRouter] = [public.router, signin.router, accessibility.router]
