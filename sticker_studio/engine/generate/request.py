"""What a user asks the generator for: :class:`GenerationRequest`.

Fields left ``None`` take the model's own defaults (from its ``model_index.json``
``defaults`` block), then the engine's (:data:`ENGINE_DEFAULTS`), so a model trained
for few-step sampling can say so without every caller knowing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, cast

import numpy as np

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.sticker import Sticker
from sticker_studio.engine.generate.tasks import Task

#: The output side (pixels) when a request gives no ``size``: the messenger sticker
#: size. i2v/loop with a reference ≥ this size get crisp frames by motion transfer;
#: other output is the model's frames upscaled (ask for ``size`` = the model's size to
#: keep the native frames).
DEFAULT_OUTPUT_SIZE = 512
MIN_FRAMES = 2
MAX_FRAMES = 48
SCHEDULERS: tuple[str, ...] = ("ddim", "dpm")

#: Used where neither the request nor the model's folder says otherwise. Guidance
#: scales are RDTF's (text 7.5, image 7.5, DDIM); 25 DDIM steps as in VSD2M.
ENGINE_DEFAULTS: dict[str, Any] = {
    "steps": {"ddim": 25, "dpm": 10},
    "guidance": 7.5,
    "image_guidance": 7.5,
    "fps": 10.0,
    "scheduler": "ddim",
    "eta": 0.0,
}


@dataclass
class GenerationRequest:
    """One generation: a prompt and/or a reference drawing, a task, and sampling settings.

    ``image``: a :class:`Sticker` (its frames are the given frames: the first for
    i2v/loop, first+last for interpolation, a prefix for continuation) or one RGBA
    ``HxWx4`` uint8 array. ``size``: output side in pixels (default
    :data:`DEFAULT_OUTPUT_SIZE`); a non-square reference keeps its aspect.
    ``seed=None`` draws a random seed (recorded in the output's metadata).
    """

    prompt: str = ""
    image: Sticker | np.ndarray | None = None
    task: Task | str = Task.TEXT_TO_ANIMATION
    frames: int = 8
    size: int | None = None
    steps: int | None = None
    guidance: float | None = None
    image_guidance: float | None = None
    seed: int | None = None
    scheduler: str | None = None
    fps: float | None = None
    eta: float | None = None
    interpolation: str = "ends"
    given_prefix: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.task = Task.parse(self.task)
        if not isinstance(self.prompt, str):
            raise InvalidInputError("the prompt must be text")
        if not MIN_FRAMES <= int(self.frames) <= MAX_FRAMES:
            raise InvalidInputError(f"frames must be between {MIN_FRAMES} and {MAX_FRAMES}, got {self.frames}")
        self.frames = int(self.frames)
        if self.size is not None and not 16 <= int(self.size) <= 2048:
            raise InvalidInputError(f"size must be between 16 and 2048 pixels, got {self.size}")
        if self.seed is not None and not 0 <= int(self.seed) < 2**64:
            raise InvalidInputError(f"seed must be between 0 and 2**64 - 1, got {self.seed}")
        if self.steps is not None and not 1 <= int(self.steps) <= 1000:
            raise InvalidInputError(f"steps must be between 1 and 1000, got {self.steps}")
        for name in ("guidance", "image_guidance"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= float(value) <= 50.0:
                raise InvalidInputError(f"{name.replace('_', ' ')} must be between 0 and 50, got {value}")
        if self.scheduler is not None and self.scheduler not in SCHEDULERS:
            raise InvalidInputError(f"unknown scheduler {self.scheduler!r}; choose one of: {', '.join(SCHEDULERS)}")
        if self.fps is not None and not 1.0 <= float(self.fps) <= 60.0:
            raise InvalidInputError(f"fps must be between 1 and 60, got {self.fps}")
        if self.interpolation not in ("ends", "alternate"):
            raise InvalidInputError("interpolation must be 'ends' or 'alternate'")
        if self.task.needs_image and self.image is None:
            raise InvalidInputError(
                f"task {self.task.value} needs a reference drawing (--image); use --task t2v for text only"
            )
        if self.image is not None and not isinstance(self.image, Sticker):
            arr = np.asarray(self.image)
            if arr.dtype != np.uint8 or arr.ndim not in (3, 4):
                raise InvalidInputError("the reference image must be an RGBA uint8 array or a Sticker")
            frames = list(arr) if arr.ndim == 4 else [arr]
            self.image = Sticker.from_frames(frames, fps=ENGINE_DEFAULTS["fps"])

    def resolved(self, defaults: dict[str, Any] | None = None) -> ResolvedSettings:
        """The settings to sample with: the request's, else the model's ``defaults``, else the engine's."""
        model = dict(defaults or {})

        def pick(name: str) -> Any:
            value = getattr(self, name)
            if value is not None:
                return value
            if model.get(name) is not None:
                return model[name]
            return ENGINE_DEFAULTS[name]

        scheduler = str(pick("scheduler"))
        steps = self.steps
        if steps is None:
            model_steps = model.get("steps")
            if isinstance(model_steps, dict):
                steps = model_steps.get(scheduler)
            elif model_steps is not None and scheduler == model.get("scheduler", "ddim"):
                steps = model_steps
        if steps is None:
            steps = ENGINE_DEFAULTS["steps"][scheduler]
        seed = self.seed if self.seed is not None else int(cast(int, np.random.SeedSequence().entropy) % (2**31))
        return ResolvedSettings(
            steps=int(steps),
            guidance=float(pick("guidance")),
            image_guidance=float(pick("image_guidance")),
            scheduler=scheduler,
            fps=float(pick("fps")),
            eta=float(pick("eta")),
            seed=int(seed),
            size=int(self.size) if self.size is not None else DEFAULT_OUTPUT_SIZE,
        )

    def with_changes(self, **changes: Any) -> GenerationRequest:
        return replace(self, **changes)


@dataclass(frozen=True)
class ResolvedSettings:
    """Sampling settings with every default filled in."""

    steps: int
    guidance: float
    image_guidance: float
    scheduler: str
    fps: float
    eta: float
    seed: int
    size: int
