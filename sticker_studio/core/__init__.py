"""Pure Python + numpy: the Sticker type, frame edits, packs, motion presets. No Qt, no torch."""

from sticker_studio.core.errors import StickerStudioError
from sticker_studio.core.sticker import Sticker

__all__ = ["Sticker", "StickerStudioError"]
