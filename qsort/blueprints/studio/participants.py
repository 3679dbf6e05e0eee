"""Studio views: participants (being written)."""
from . import bp  # noqa: F401
