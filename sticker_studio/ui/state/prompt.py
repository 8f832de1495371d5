"""What the prompt panel asks for, as a value (no widgets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sticker_studio.engine.generate.tasks import Task


@dataclass(frozen=True)
class PromptSettings:
    """What the user asked for; ``steps``/``guidance`` 0 mean the model's defaults."""

    prompt: str
    task: Task
    frames: int
    seed: int
    steps: int
    guidance: float
    #: text → sticker in two stages (library art + motion) instead of the model's task
    two_stage: bool = False


@dataclass(frozen=True)
class SubjectCandidates:
    """Stage one of a two-stage generation: the subjects found for a prompt, to pick from."""

    settings: PromptSettings
    labels: list[str]
    thumbnails: list[Any]      #: HxWx4 uint8 RGBA arrays
    notes: str = ""            #: e.g. "recoloured to blue"
    #: "no library art for 'axolotl' — closest: ..." when no candidate surely is the subject
    warning: str | None = None
