"""Use cases. Each runs inside the transaction its caller (the boundary) opened."""
