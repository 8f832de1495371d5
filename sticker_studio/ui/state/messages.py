"""What kind of message the app shows inline (the theme styles each: ``QLabel[kind="…"]``)."""

from __future__ import annotations

import enum


class MessageKind(enum.StrEnum):
    """The kinds of an inline message; the values are what signals carry and the theme matches."""

    INFO = "info"
    OK = "ok"
    ERROR = "error"
