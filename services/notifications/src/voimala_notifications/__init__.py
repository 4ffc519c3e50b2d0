"""The notifications service: every message that reaches a person."""
