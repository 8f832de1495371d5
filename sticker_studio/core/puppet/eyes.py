"""Which eyes of an automatic rig the face motions may close: the ones that look like eyes.

The automatic rig sometimes takes an outline stroke for an eye (a dog's hind leg: an "eye" eight
times taller than wide), or a whole flank or limb (a cartwheeling person's legs, an alien's side:
one "eye" a sixth of the drawing). Lids drawn there cover a big, wrong piece of the drawing, so a
face motion leaves such eyes alone, and a motion that needs eyes (blink, look) on a drawing whose
automatic eyes are all doubtful gets a one-line error naming them (fix the rig, or pick another
motion). Rigs a person made or checked are trusted as they are.

An eye or a mouth must also lie on the subject:
:func:`~sticker_studio.core.puppet.on_subject.on_subject` (used by the automatic rig before it
keeps a face feature) refuses one whose ellipse is mostly transparent — a mug handle's
hole, the gap between an arm and the body, which the hole-filled silhouette counts as inside and
whose transparent pixels read as "dark" — so blink never draws a lid in a hole through the drawing.

The limits are set from the characters the project draws and the library art, not from the
held-out real set: eye ellipses of 160 procedural characters (their exact labels) are at most 1.5
times as tall as wide and each at most 2.2 % of the character; the automatic rig's eyes on the
Fluent library art (person, teddy, dog, cat, smiley, ghost, monkey, robot, clock at 256 px) at most
2.3 times and 3.4 % (the smiley's). :data:`MAX_EYE_ASPECT` and :data:`MAX_EYE_SHARE` leave room
above both. A bigger eye is still an eye where it is one of a pair of about one size that are the eyes
drawn there (:func:`~sticker_studio.core.puppet.drawn_eyes.is_drawn_pair`: big cartoon or alien eyes,
each up to a fifth of the drawing).
"""

from __future__ import annotations

import math

import numpy as np

from sticker_studio.core.puppet.arms import is_automatic
from sticker_studio.core.puppet.drawn_eyes import MAX_ASPECT, is_drawn_pair
from sticker_studio.core.puppet.drawn_eyes import MAX_EYE_SHARE as DRAWN_MAX_EYE_SHARE
from sticker_studio.core.puppet.drawn_eyes import MAX_SHARE as DRAWN_MAX_SHARE
from sticker_studio.core.puppet.rig import Rig

#: an eye ellipse longer than this many times its width is a stroke, not an eye
MAX_EYE_ASPECT = MAX_ASPECT
#: one eye ellipse bigger than this share of the subject's pixels is not an eye (twice the library's largest)
MAX_EYE_SHARE = DRAWN_MAX_EYE_SHARE


def eye_doubts(rgba: np.ndarray, rig: Rig) -> dict[str, str]:
    """Why each eye ("eye_l", "eye_r") of an automatic rig does not look like an eye ("" where it does);
    every eye of a trusted rig is fine."""
    eyes = {k: e for k, e in rig.face.items() if k in ("eye_l", "eye_r")}
    if not is_automatic(rig):
        return {k: "" for k in eyes}
    subject = max(1, int((rgba[..., 3] > 0).sum()))
    drawn_pair = None  # computed only when an eye is big
    out: dict[str, str] = {}
    for name, e in eyes.items():
        aspect = max(e.rx, e.ry) / max(min(e.rx, e.ry), 1e-6)
        share = math.pi * e.rx * e.ry / subject
        if aspect > MAX_EYE_ASPECT:
            out[name] = f"{aspect:.1f} times as long as wide (an outline stroke?)"
        elif share > MAX_EYE_SHARE:
            if drawn_pair is None:
                drawn_pair = share <= DRAWN_MAX_SHARE and is_drawn_pair(rgba, rig.face)
            out[name] = "" if drawn_pair else f"{share:.0%} of the drawing (an eye is at most {MAX_EYE_SHARE:.0%})"
        else:
            out[name] = ""
    return out
