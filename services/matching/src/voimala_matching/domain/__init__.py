"""Pure rules of matching: no I/O."""
