"""Template renders for the motion classifier: procedural characters with exact rigs, every motion.

The classes are the puppet engine's 20 character motions
(:func:`~sticker_studio.core.puppet.motions.list_character_motions`) and today's whole-body
presets (:func:`~sticker_studio.core.motion.presets.list_presets`), the latter named
``body:<preset>``. Training characters come from :mod:`sticker_studio.training.rig.characters`
(all families, seeds from :data:`TRAIN_SEED_BASE` on), rigged with their exact labels; none of
the evaluation characters (the OpenMoji set, the library art) is ever drawn here.

Each character plays every motion its rig supports and a few whole-body presets, with a random
amplitude, frame count and number of cycles, at a random size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from sticker_studio.core.motion.presets import animate as animate_preset
from sticker_studio.core.motion.presets import list_presets
from sticker_studio.core.puppet.animate import AnimateOptions, animate_character, prepare
from sticker_studio.core.puppet.motions import CharacterParams, list_character_motions, missing_for
from sticker_studio.core.puppet.rig import BodyPlan, Ellipse, Joint, Rig
from sticker_studio.engine.adherence.classes import BODY_PREFIX
from sticker_studio.training.rig.characters import FAMILIES, Drawing, render_character

#: character seeds of the classifier's training set start here (other ranges: the rig model's)
TRAIN_SEED_BASE = 70_000_000
#: share of faces drawn with a wide emoji mouth (:func:`~sticker_studio.training.rig.characters.build_character`):
#: with the rig network's small procedural mouths only, the classifier read talking on wide emoji smiles as crying
WIDE_MOUTHS = 0.5


@dataclass
class Clip:
    label: str
    frames: list[np.ndarray]
    family: str
    seed: int


def rig_from_drawing(d: Drawing) -> Rig:
    """The exact rig of a procedural drawing (its joints, face and part map)."""
    h, w = d.rgba.shape[:2]
    rig = Rig(w, h, {k: Joint(float(x), float(y), 1.0) for k, (x, y) in d.joints.items()},
              {k: Ellipse(*(float(v) for v in e)) for k, e in d.face.items() if e[2] > 0 and e[3] > 0},
              BodyPlan(d.body_plan.value), d.parts.astype(np.uint8).copy(), "truth")
    rig.validate()
    return rig


def character_clips(family: str, seed: int, *, presets: int = 6, size: int | None = None,
                    labels: frozenset[str] | None = None) -> Iterator[Clip]:
    """Every playable character motion of ``family``/``seed`` and ``presets`` random whole-body presets.

    ``labels``: only these classes are rendered; the others still draw their random parameters, so a clip
    is the same whether it is rendered alone or with the rest (a changed motion's clips can be rebuilt alone)."""
    rng = np.random.default_rng([seed, FAMILIES.index(family) if family in FAMILIES else 99])
    side = int(size or rng.choice([112, 144, 176, 208]))
    d = render_character(family, seed, side, wide_mouths=WIDE_MOUTHS)
    rig = rig_from_drawing(d)
    plan = prepare(d.rgba, rig)
    for m in list_character_motions():
        if missing_for(m, rig):
            continue
        params = CharacterParams(amplitude=float(rng.uniform(0.6, 1.3)), side=str(rng.choice(["auto", "l", "r"])))
        options = AnimateOptions(frames=int(rng.choice([16, 24, 24, 32])),
                                 speed=2.0 if rng.random() < 0.2 else 1.0, seed=int(rng.integers(1 << 16)))
        if labels is not None and m.name not in labels:
            continue
        try:
            sticker = animate_character(d.rgba, rig, m.name, params, options, plan=plan)
        except Exception:  # a motion this drawing cannot play (a side without an arm): not a training clip
            continue
        yield Clip(m.name, list(sticker.frames), family, seed)
    names = [p.name for p in list_presets()]
    for name in rng.choice(names, size=min(presets, len(names)), replace=False).tolist():
        frames, amplitude, speed = int(rng.choice([12, 16, 16, 24])), float(rng.uniform(0.6, 1.3)), \
            2.0 if rng.random() < 0.2 else 1.0
        if labels is not None and BODY_PREFIX + name not in labels:
            continue
        sticker = animate_preset(d.rgba, name, frames=frames, amplitude=amplitude, speed=speed)
        yield Clip(BODY_PREFIX + name, list(sticker.frames), family, seed)


def training_characters(count: int, offset: int = 0) -> list[tuple[str, int]]:
    """(family, seed) of ``count`` training characters, the families in turn."""
    return [(FAMILIES[k % len(FAMILIES)], TRAIN_SEED_BASE + offset + k) for k in range(count)]
