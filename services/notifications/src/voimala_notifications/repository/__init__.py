"""Plain SQL, one module per aggregate: recipients (with whom they answer for), their messages
(added, read, listed), the delivery of messages (claims, outcomes, digests), answered
proposals, events waiting for their answerer, and who signs in with an address."""
