"""Plain SQL, one module per table; every function runs on the caller's connection."""
