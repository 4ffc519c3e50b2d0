"""Pure rules of the programme: no I/O, no HTTP. The rows the repositories return are the
dataclasses defined here, so that a rule reads `occ.starts_at`, not a dictionary."""
