"""Outside programs the data tools call (npm, apt-get), found on PATH or explained."""

from __future__ import annotations

import shutil

from sticker_studio.core.errors import StickerStudioError


def require_program(name: str, missing: str) -> str:
    """The path of program ``name`` on PATH; raises :class:`StickerStudioError` with ``missing`` if absent."""
    path = shutil.which(name)
    if path is None:
        raise StickerStudioError(missing)
    return path
