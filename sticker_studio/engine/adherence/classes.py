"""The motion classifier's classes: the 20 character motions, then the whole-body presets (``body:<name>``)."""

from __future__ import annotations

from sticker_studio.core.motion.presets import list_presets
from sticker_studio.core.puppet.motions import list_character_motions

CHARACTER_CLASSES: tuple[str, ...] = tuple(m.name for m in list_character_motions())
BODY_PREFIX = "body:"
BODY_CLASSES: tuple[str, ...] = tuple(BODY_PREFIX + p.name for p in list_presets())
CLASSES: tuple[str, ...] = (*CHARACTER_CLASSES, *BODY_CLASSES)
