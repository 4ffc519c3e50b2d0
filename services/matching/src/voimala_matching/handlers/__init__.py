"""Use cases, run inside the transaction their entrypoint opened."""
