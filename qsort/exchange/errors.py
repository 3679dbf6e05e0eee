"""The one error of data in and out."""
from __future__ import annotations


class ExchangeError(ValueError):
    """An export or import that cannot be done; the message says what and where (file, line, field).

    ``problems`` lists each problem on its own (the message joins them with "; ")."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or [message]
