"""Routers of pages: HTML, not in the OpenAPI document, CSRF checked on every POST."""

from fastapi import APIRouter, Depends

from .forms import check_csrf


def page_router() -> APIRouter:
    return APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
