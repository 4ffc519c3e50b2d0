"""The events service (package `scheduling`): the service point's programme."""
