"""Use cases: `async def verb(deps, conn, cmd, who) -> result`. Each runs inside the
transaction its caller (the boundary) opened, and refuses with the kit's refusals."""
