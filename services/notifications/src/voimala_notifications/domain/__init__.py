"""Pure rules of delivery: which channels, when, how long an SMS is, what a link says."""
