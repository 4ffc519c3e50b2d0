"""HTTP entrypoints: the inbox, preferences, signed answers, and delivery status for staff."""

from .actions import router as actions
from .inbox import router as inbox
from .messages import router as messages
from .preferences import router as preferences

ROUTERS = [inbox, preferences, actions, messages]

__all__ = ["ROUTERS"]
