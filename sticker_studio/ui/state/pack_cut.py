"""A file imported into the app's pack (drop, Ctrl+I, ``gui FILE``): a drawing on paper cut out first.

:func:`pack_cut` runs on a worker (never in the window's thread): it calls
:func:`~sticker_studio.engine.matting.drawing_cut.cut_drawing_for_pack` and turns what can go
wrong into a message for the status bar. The user's file and the decoded original are never
changed; a blank cut-out adds nothing (an error, never a white square or an empty sticker), nor
does an image under 16 px a side. An animation on paper (a GIF on white) is cut out like a still;
one with transparency goes in as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from sticker_studio.core.drawing_size import DrawingTooSmallError
from sticker_studio.core.errors import StickerStudioError
from sticker_studio.core.sticker import Sticker
from sticker_studio.core.visibility import BlankOutputError
from sticker_studio.engine.matting.cutout import MattingHeadCache
from sticker_studio.engine.matting.drawing_cut import cut_drawing_for_pack


@dataclass(frozen=True)
class PackCut:
    """The sticker to add (``None``: nothing is added), what happened, and what went wrong."""

    sticker: Sticker | None
    note: str = ""
    problem: str = ""


def pack_cut(original: Sticker, name: str, heads: MattingHeadCache | None) -> PackCut:
    """``original`` (read from the file ``name``) as the pack's new sticker."""
    try:
        cut = cut_drawing_for_pack(original, None, heads)
    except (BlankOutputError, DrawingTooSmallError) as error:
        return PackCut(None, problem=f"{name}: not added: {error}")
    except StickerStudioError as error:  # e.g. the colour key found no flat background: kept, and said
        return PackCut(original, problem=f"{name}: the background was kept: {error}")
    return PackCut(cut.sticker, cut.note())
