from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..handlers import Deps


def get_deps(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


DepsDep = Annotated[Deps, Depends(get_deps)]
