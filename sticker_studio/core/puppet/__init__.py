"""The puppet engine: rig a drawing and move its parts (see docs/PUPPET.md).

The public API for the app and text -> sticker::

    from sticker_studio.core.puppet import propose_rig, animate_character, list_character_motions
    rig = propose_rig(rgba)                      # or load_rig(path)
    sticker = animate_character(rgba, rig, "wave", CharacterParams(amplitude=1.0))
    motion_needs()["wave"]                        # ('arm',)
    available_motions(rig)                        # what this drawing can play
"""

from __future__ import annotations

from sticker_studio.core.puppet.animate import (
    AnimateOptions,
    animate_character,
    available_motions,
    motion_needs,
    prepare,
)
from sticker_studio.core.puppet.autorig import propose_rig
from sticker_studio.core.puppet.motions import (
    CharacterMotion,
    CharacterParams,
    MissingPartError,
    find_character_motion,
    list_character_motions,
)
from sticker_studio.core.puppet.rig import BodyPlan, Rig, RigError, load_rig, save_rig

__all__ = [
    "AnimateOptions", "BodyPlan", "CharacterMotion", "CharacterParams", "MissingPartError", "Rig", "RigError",
    "animate_character", "available_motions", "find_character_motion", "list_character_motions", "load_rig",
    "motion_needs", "prepare", "propose_rig", "save_rig",
]
