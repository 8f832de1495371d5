"""What the prompt panel asks for, as a value (no widgets)."""

from __future__ import annotations

from dataclasses import dataclass

from sticker_studio.engine.tasks import Task


@dataclass(frozen=True)
class PromptSettings:
    """What the user asked for; ``steps``/``guidance`` 0 mean the model's defaults."""

    prompt: str
    task: Task
    frames: int
    seed: int
    steps: int
    guidance: float
