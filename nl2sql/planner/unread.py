"""The planner's one exception: a part of the question it cannot map, with the words shown to the user.

Its own module so every reading step (time filters included) can raise it without importing the reader.
"""

from __future__ import annotations

__all__ = ["NotUnderstood"]


class NotUnderstood(Exception):
    """A part of the question the planner cannot map; ``words`` are shown to the user."""

    def __init__(self, reason: str, words: tuple[str, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.words = words
