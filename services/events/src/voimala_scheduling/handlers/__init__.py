"""The use cases, each applied inside the transaction its entrypoint opened:
`async def verb(deps, conn, cmd[, who])`. They raise the kit's refusals, never HTTP answers."""
