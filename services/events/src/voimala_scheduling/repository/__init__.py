"""Plain SQL, one module per aggregate; every function runs on the caller's connection and
returns the domain's dataclasses (`voimala_kit.rows.Table` names their columns once)."""
