"""Which arms of an automatic rig can wave, cheer or clap: the ones that look like arms.

The automatic rig sometimes takes an ear beside the head for an arm (its "hand" then sits above the eyes: the
zombie, a rabbit's ears), a held tool pointing up for one (the farmer's pitchfork, the cook's spoon), the
shoulder of a bust cut off by the frame (its pixels reach the drawing's bottom: the genie), or a sliver of a
bust's edge (under :data:`MIN_ARM_SHARE` of the subject: the zombie's and the genie's, at 2.9–3.5 %, where
real arms in the Fluent library art are 4.6 % (penguin) to 19 %), or a thin strip of outline along the body
(:data:`MIN_ARM_WIDTH`), or places arm joints deep inside the body where no pixel is theirs. Waving those
tears the drawing or moves nothing, so the arm motions leave them out: a drawing whose automatic arms are all
doubtful gets a one-line error naming what is missing (fix the rig, or pick
another motion) — never a silent move of something else. With the network's joints taken from
confidence 0.2, a bust's "shoulder" can also sit in its hair (above the eyes) or a chain run from the hair
to a hand at the bottom (longer than :data:`MAX_ARM_LENGTH` of the drawing), or a hand sit on the bust's
bottom edge: the Fluent zombie and genie at 192 px. Rigs a person made or checked (any source but the
automatic ones) are trusted as they are.

The criteria were set on the Fluent library art (measured there; see
:mod:`sticker_studio.engine.generate.character_motion`, where text -> sticker first used them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sticker_studio.core.puppet.rig import Rig

if TYPE_CHECKING:
    from sticker_studio.core.puppet.layers import Puppet

#: a real arm holds at least this share of the subject's pixels (library art: 4.6 % to 19 %)
MIN_ARM_SHARE = 0.04
#: a real arm's chain (shoulder -> elbow -> hand) is at most this share of the drawing's longer side (library
#: art: 0.22 to 0.70, the wheelchair user's; procedural characters at most 0.48); a longer one runs from the hair to
#: a hand at the bottom (the Fluent zombie's at 192 px: 1.0)
MAX_ARM_LENGTH = 0.8
#: a real arm's pixels are on average at least this share of the drawing's longer side wide (its pixels over its
#: chain's length): the automatic rig's arms on the Fluent library art are 0.039 (the person's) to 0.15 (the
#: teddy's) wide, on 32 procedural people, chibis, animals and robots at least 0.044; a thinner "arm" is a strip of
#: outline along the body (a side view's arm drawn over its torso), which flies off alone when raised
MIN_ARM_WIDTH = 0.02
#: the rig sources the automatic rig writes (a rig from a person, a file or the training labels is trusted)
AUTOMATIC_SOURCES = frozenset({"geometry", "learned+geometry"})


def is_automatic(rig: Rig) -> bool:
    return rig.source in AUTOMATIC_SOURCES


def arm_doubts(rgba: np.ndarray, rig: Rig, puppet: Puppet) -> dict[str, str]:
    """Why each arm side ("l", "r") of the rig does not look like an arm ("" where it does).

    Only arms the rig has are listed; see the module docs for the criteria.
    """
    alpha = rgba[..., 3] > 127
    rows = np.nonzero(alpha.any(1))[0]
    out: dict[str, str] = {}
    sides = [s for s in ("l", "r") if rig.has_part(f"arm_{s}")]
    if rows.size == 0:
        return {s: "the drawing is empty" for s in sides}
    bottom, height = int(rows.max()), int(rows.max() - rows.min() + 1)
    subject = max(1, int(alpha.sum()))
    eyes = [rig.face[e].cy for e in ("eye_l", "eye_r") if e in rig.face]
    eye_line = min(eyes) if eyes else None
    layers = {layer.part: layer for layer in puppet.layers}
    for side in sides:
        layer = layers.get(f"arm_{side}")
        hand = f"hand_{side}" if f"hand_{side}" in rig.joints else f"elbow_{side}"
        shoulder = f"shoulder_{side}"
        why = ""
        if layer is None:
            why = "no pixel of the drawing is the arm's"
        elif hand not in rig.joints:
            why = "it has no hand or elbow"
        elif eye_line is not None and rig.joints[hand].y < eye_line:
            why = "its hand is above the eyes (an ear?)"
        elif eye_line is not None and shoulder in rig.joints and rig.joints[shoulder].y < eye_line:
            # (library art and procedural characters: a real shoulder is at least 0.1 of the drawing below the eyes)
            why = "its shoulder is above the eyes (hair or a hat's edge?)"
        elif _chain_length(rig, side) > MAX_ARM_LENGTH * float(puppet.size):
            why = (f"it is {_chain_length(rig, side) / float(puppet.size):.0%} of the drawing long (an arm is at most "
                   f"{MAX_ARM_LENGTH:.0%})")
        else:
            dx, dy = rig.xy(hand) - rig.xy(shoulder) if shoulder in rig.joints else (0.0, 0.0)
            arm_pixels = layer.still[..., 3] > 0.5
            arm_rows = np.nonzero(arm_pixels.any(1))[0] + int(puppet.origin[1])  # the puppet's crop -> drawing
            if -dy > 0.6 * max(1e-6, float(np.hypot(dx, dy))):
                why = "it points up at rest (a held tool or an ear?)"
            elif int(arm_pixels.sum()) < MIN_ARM_SHARE * subject:
                why = (f"it holds {arm_pixels.sum() / subject:.1%} of the drawing (an arm holds "
                       f"{MIN_ARM_SHARE:.1%} or more)")
            elif int(arm_pixels.sum()) < MIN_ARM_WIDTH * float(puppet.size) * _chain_length(rig, side):
                width = arm_pixels.sum() / max(_chain_length(rig, side), 1.0) / float(puppet.size)
                why = (f"it is a thin strip, {width:.1%} of the drawing wide (an arm is {MIN_ARM_WIDTH:.0%} or "
                       "more): an outline along the body?")
            elif (arm_rows.size == 0 or int(arm_rows.max()) >= bottom - 0.08 * height
                  or rig.joints[hand].y >= bottom - 0.08 * height):
                # (its pixels or its hand: the Fluent genie's "hand" sits at the bust's bottom edge; real hands in
                # the library art and procedural characters are at least 0.2 of the height above it)
                why = "it reaches the drawing's bottom (a bust's shoulder?)"
            elif _off_bones(rig, side, arm_pixels, puppet.origin):
                why = "its pixels lie away from its joints (another part taken for the arm?)"
        out[side] = why
    return out


def _chain_length(rig: Rig, side: str) -> float:
    chain = [rig.xy(n) for n in (f"shoulder_{side}", f"elbow_{side}", f"hand_{side}") if n in rig.joints]
    return sum(float(np.hypot(*(b - a))) for a, b in zip(chain, chain[1:], strict=False))


def _off_bones(rig: Rig, side: str, arm_pixels: np.ndarray, origin: np.ndarray) -> bool:
    """The arm's pixels centre farther from its shoulder -> elbow -> hand bones than half the arm's length
    (a part map that gave a tail the arm's label while its joints sit on a front leg)."""
    chain = [rig.xy(n) for n in (f"shoulder_{side}", f"elbow_{side}", f"hand_{side}") if n in rig.joints]
    ys, xs = np.nonzero(arm_pixels)
    if len(chain) < 2 or len(xs) == 0:
        return False
    c = np.array([xs.mean() + origin[0] + 0.5, ys.mean() + origin[1] + 0.5])
    length = sum(float(np.hypot(*(b - a))) for a, b in zip(chain, chain[1:], strict=False))
    dist = min(_seg_distance(c, a, b) for a, b in zip(chain, chain[1:], strict=False))
    return dist > 0.5 * max(length, 1.0)


def _seg_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    ab = b - a
    t = float(np.clip(np.dot(p - a, ab) / max(float(np.dot(ab, ab)), 1e-9), 0.0, 1.0))
    return float(np.hypot(*(p - (a + t * ab))))


def plausible_arm_sides(rgba: np.ndarray, rig: Rig, puppet: Puppet) -> list[str]:
    """The arm sides that can wave: every arm of a trusted rig, the plausible ones of an automatic rig;
    the right arm first (like the motions' own default)."""
    if not is_automatic(rig):
        return [s for s in ("r", "l") if rig.has_part(f"arm_{s}")]
    doubts = arm_doubts(rgba, rig, puppet)
    return [s for s in ("r", "l") if s in doubts and not doubts[s]]
