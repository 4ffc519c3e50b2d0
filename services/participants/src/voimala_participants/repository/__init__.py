"""Plain SQL, run on the caller's connection (and transaction): one module per table group."""
