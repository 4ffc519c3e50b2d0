"""Use cases, run inside the transaction their entrypoint opened: each is
`async def verb(deps, conn, cmd[, who])`, and refuses with `voimala_kit.refusals`."""
