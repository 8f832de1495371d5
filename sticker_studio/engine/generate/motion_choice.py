"""Model or preset? Per-motion adherence of a generator, and the choice it implies.

A generator folder may hold ``motion_adherence.json`` (written from its evaluation;
schema ``sticker-studio/motion-adherence/1``)::

    {"schema": "sticker-studio/motion-adherence/1", "model": "dfgn-sticker-64",
     "measured": "how and when",
     "overall": {"adherence": 0.25, "trials": 8},
     "motions": {"bounce": {"adherence": 0.0, "trials": 2}, "wave": 0.9, ...}}

``adherence`` is the fraction of held-out image-to-animation samples whose measured
motion matched the asked one; ``trials`` how many were judged. A bare number is read as
``{"adherence": n, "trials": MIN_TRIALS}``. A motion the file does not list takes the
overall figure. The model animates a motion only when its adherence is at least
:data:`MIN_ADHERENCE` over at least :data:`MIN_TRIALS` trials; otherwise the motion
preset does (exact by construction). A missing file means "not measured": presets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sticker_studio.core.errors import InvalidInputError

ADHERENCE_FILE = "motion_adherence.json"
ADHERENCE_SCHEMA = "sticker-studio/motion-adherence/1"
MIN_ADHERENCE = 0.8
MIN_TRIALS = 5
SOURCES = ("auto", "model", "preset")


@dataclass(frozen=True)
class Adherence:
    adherence: float
    trials: int

    @property
    def trusted(self) -> bool:
        return self.adherence >= MIN_ADHERENCE and self.trials >= MIN_TRIALS


@dataclass(frozen=True)
class MotionAdherence:
    """What one generator's evaluation measured, per motion."""

    model: str
    overall: Adherence | None = None
    motions: dict[str, Adherence] = field(default_factory=dict)

    def of(self, motion: str) -> Adherence | None:
        return self.motions.get(motion, self.overall)


def _adherence(value: object, where: str) -> Adherence:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Adherence(float(value), MIN_TRIALS)
    if isinstance(value, dict) and isinstance(value.get("adherence"), (int, float)):
        return Adherence(float(value["adherence"]), int(value.get("trials", 0)))
    raise InvalidInputError(f"{where}: expected a number or {{'adherence': x, 'trials': n}}, got {value!r}")


def read_motion_adherence(folder: Path) -> MotionAdherence | None:
    """The folder's ``motion_adherence.json``, or None when it has none."""
    path = Path(folder) / ADHERENCE_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise InvalidInputError(f"{path} cannot be read ({error})") from None
    if not isinstance(data, dict) or data.get("schema") != ADHERENCE_SCHEMA:
        raise InvalidInputError(f"{path} is not a {ADHERENCE_SCHEMA} file")
    overall = _adherence(data["overall"], f"{path} overall") if data.get("overall") is not None else None
    motions = {str(k): _adherence(v, f"{path} motions.{k}") for k, v in dict(data.get("motions") or {}).items()}
    return MotionAdherence(str(data.get("model") or Path(folder).name), overall, motions)


@dataclass(frozen=True)
class MotionChoice:
    """Which animates the subject, and why (shown to the user)."""

    motion: str
    source: str     #: "model", "preset" or "character" (the puppet engine, engine/generate/character_motion.py)
    reason: str
    words: str = ""  #: what the output line says, "waving (arm wave)" ("": the motion's own words)


def choose_motion_source(motion: str, adherence: MotionAdherence | None, requested: str = "auto") -> MotionChoice:
    """``requested`` is "auto" (by measured adherence), "model" or "preset"."""
    if requested not in SOURCES:
        raise InvalidInputError(f"unknown motion source {requested!r}; choose one of: {', '.join(SOURCES)}")
    if requested == "preset":
        return MotionChoice(motion, "preset", "motion preset (asked for)")
    if requested == "model":
        return MotionChoice(motion, "model", "the generator's image-to-animation (asked for)")
    measured = adherence.of(motion) if adherence is not None else None
    if measured is None:
        return MotionChoice(motion, "preset", "motion preset (the generator's adherence was not measured)")
    figure = f"{measured.adherence:.0%} over {measured.trials} trial{'s' if measured.trials != 1 else ''}"
    name = adherence.model if adherence is not None else "generator"
    if adherence is not None and motion not in adherence.motions:
        figure += f" overall, {motion} not measured on its own"
    if measured.trusted:
        return MotionChoice(motion, "model", f"{name} image-to-animation ({motion} adherence {figure})")
    return MotionChoice(motion, "preset", f"motion preset ({name}'s {motion} adherence is {figure}; "
                                          f"the model is used from {MIN_ADHERENCE:.0%} over {MIN_TRIALS} trials)")
