"""Text → animated sticker in two stages: licensed art for the subject, then motion.

1. **Subject**: the prompt is parsed (:mod:`sticker_studio.core.text.prompt_words`), the art
   library is searched (:mod:`sticker_studio.engine.generate.art_retrieval`), the chosen entry is
   rendered from its SVG at the output size (crisp, exact alpha: a clean cut-out), and
   recoloured when the prompt's colour contradicts the art (:mod:`sticker_studio.core.recolour`).
2. **Motion**: the prompt's motion word picks the motion; the generator's
   image-to-animation (motion transferred onto the full-resolution subject) animates it
   when its measured adherence for that motion is high, otherwise the motion preset
   does (:mod:`sticker_studio.engine.generate.motion_choice`). The result says which.

``pick_subject`` is the first stage alone (the app shows its candidates);
``animate_subject`` the second; ``generate_two_stage`` both.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.recolour import dominant_colour, needs_recolour, recolour
from sticker_studio.core.sticker import Sticker
from sticker_studio.core.text.art_library import ART_STYLES, DEFAULT_STYLE, ArtLibrary
from sticker_studio.core.text.prompt_words import PromptParts, parse_prompt
from sticker_studio.engine.generate.art_retrieval import ArtIndex, Candidate
from sticker_studio.engine.generate.motion_choice import (
    MotionAdherence,
    MotionChoice,
    choose_motion_source,
    read_motion_adherence,
)

DEFAULT_SIZE = 512
DEFAULT_CANDIDATES = 6
WarnCallback = Callable[[str], None]


@dataclass(frozen=True)
class Subject:
    """The first stage's result: the art, rendered and (maybe) recoloured."""

    parts: PromptParts
    candidates: list[Candidate]
    chosen: Candidate
    style: str
    rgba: np.ndarray
    recoloured: str | None      #: the colour it was moved to, None when the art already fits
    art_colour: str             #: the art's own dominant colour name

    @property
    def label(self) -> str:
        return self.chosen.entry.label


@dataclass
class TwoStageResult:
    sticker: Sticker
    subject: Subject
    motion: MotionChoice
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        art = f"{self.subject.label} ({self.subject.style})"
        colour = (
            f", recoloured {self.subject.art_colour} -> {self.subject.recoloured}" if self.subject.recoloured else ""
        )
        return f"subject: {art}{colour}; motion: {self.motion.motion} by {self.motion.reason}"


def sensible_threads() -> int:
    """Torch threads for one interactive job: the idle cores (1-min load average), 1..4.

    On a busy 2-core machine two threads contend with the other process and run about
    twice as slowly as one; on an idle one two threads are faster.
    """
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = 0.0
    return int(max(1, min(4, cores, int(cores - load + 0.5))))


def render_entry(library: ArtLibrary, candidate: Candidate, style: str, side: int) -> tuple[str, np.ndarray]:
    from sticker_studio.formats.svg_render import render_svg

    style, _ = candidate.entry.icon(style)
    return style, render_svg(library.svg(candidate.entry, style), side)


def pick_subject(
    prompt: str,
    *,
    candidate: int = 0,
    style: str = DEFAULT_STYLE,
    size: int = DEFAULT_SIZE,
    count: int = DEFAULT_CANDIDATES,
    library_folder: Path | None = None,
) -> Subject:
    """Stage one: retrieve ``count`` candidates, render the ``candidate``-th, recolour it."""
    if style not in ART_STYLES:
        raise InvalidInputError(f"unknown art style {style!r}; choose one of: {', '.join(ART_STYLES)}")
    parts = parse_prompt(prompt)
    if not parts.words:
        raise InvalidInputError("the prompt is empty; say what the sticker shows, e.g. 'a blue cat waving'")
    index = ArtIndex.load(library_folder)
    candidates = index.search(parts, k=max(count, candidate + 1))
    if not 0 <= candidate < len(candidates):
        raise InvalidInputError(f"candidate must be between 0 and {len(candidates) - 1}, got {candidate}")
    chosen = candidates[candidate]
    used_style, rgba = render_entry(index.library, chosen, style, size)
    dominant = dominant_colour(rgba)
    recoloured = None
    if parts.colour and needs_recolour(dominant, parts.colour):
        rgba = recolour(rgba, parts.colour, dominant)
        recoloured = parts.colour
    return Subject(parts, candidates[:count], chosen, used_style, rgba, recoloured, dominant.name)


def model_adherence(model: str | Path | None) -> MotionAdherence | None:
    """The adherence file of a generator folder or manifest id (None: not measured / no model)."""
    if model is not None and Path(model).is_dir():
        return read_motion_adherence(Path(model))
    from sticker_studio.core.errors import ModelNotFoundError
    from sticker_studio.engine.store.manifest import ModelManifest

    try:
        manifest = ModelManifest.load()
        model_id = manifest.choose_id(None if model is None else str(model), "generator",
                                      what="generator model", hint="")
        return read_motion_adherence(manifest.get(model_id).local_folder())
    except ModelNotFoundError:
        return None


def motion_caption(parts: PromptParts, label: str) -> str:
    """The generator's caption for an image-to-animation of the subject ("a cat waving")."""
    from sticker_studio.core.motion.presets import get_preset

    verbs = get_preset(parts.motion).verbs
    return f"a {label} {verbs[0] if verbs else parts.motion}"


@dataclass(frozen=True)
class MotionOptions:
    """How stage two animates a subject: the motion's source, its model and device, timing, seed."""

    seed: int = 0
    motion_source: str = "auto"
    model: str | Path | None = None
    device: str = "auto"
    frames: int | None = None
    fps: float | None = None


def animate_subject(
    subject: Subject,
    options: MotionOptions = MotionOptions(),
    *,
    size: int = DEFAULT_SIZE,
    warn: WarnCallback | None = None,
) -> tuple[Sticker, MotionChoice]:
    """Stage two: animate the subject by the model or the motion preset (see the module docstring)."""
    motion = subject.parts.motion
    model, frames, fps = options.model, options.frames, options.fps
    choice = choose_motion_source(motion, model_adherence(model) if options.motion_source != "preset" else None,
                                  options.motion_source)
    if choice.source == "model":
        from sticker_studio.engine.generate.pipeline import StickerPipeline
        from sticker_studio.engine.generate.request import GenerationRequest

        pipe = StickerPipeline.from_pretrained(None if model is None else str(model), device=options.device,
                                               warn=warn)
        request = GenerationRequest(prompt=motion_caption(subject.parts, subject.label), image=subject.rgba,
                                    task="i2v", frames=frames or 8, size=size, seed=options.seed, fps=fps)
        sticker = pipe(request, warn=warn)
    else:
        from sticker_studio.core.motion.presets import animate, get_preset

        preset = get_preset(motion)
        sticker = animate(subject.rgba, motion, frames=frames or preset.frames, fps=fps or preset.fps, size=size)
    return sticker, choice


def generate_two_stage(
    prompt: str,
    options: MotionOptions = MotionOptions(),
    *,
    candidate: int = 0,
    style: str = DEFAULT_STYLE,
    size: int = DEFAULT_SIZE,
    library_folder: Path | None = None,
    warn: WarnCallback | None = None,
) -> TwoStageResult:
    """Both stages; deterministic for a given prompt, seed and options."""
    t0 = time.perf_counter()
    subject = pick_subject(prompt, candidate=candidate, style=style, size=size, library_folder=library_folder)
    t1 = time.perf_counter()
    sticker, choice = animate_subject(subject, options, size=size, warn=warn)
    t2 = time.perf_counter()
    sticker.metadata.update({
        "prompt": prompt, "mode": "two-stage", "subject": subject.label, "art": f"{subject.style}:{subject.label}",
        "recoloured": subject.recoloured, "motion": choice.motion, "motion_source": choice.source,
        "motion_reason": choice.reason, "seed": options.seed,
    })
    return TwoStageResult(sticker, subject, choice, {"subject": t1 - t0, "motion": t2 - t1, "total": t2 - t0})


def candidate_thumbnails(subject: Subject, side: int = 72) -> list[np.ndarray]:
    """Small renders of every candidate (recoloured like the chosen one would be) for a picker."""
    library = ArtLibrary.load()
    thumbs: list[np.ndarray] = []
    for cand in subject.candidates:
        _, rgba = render_entry(library, cand, subject.style, side)
        if subject.parts.colour:
            dominant = dominant_colour(rgba)
            if needs_recolour(dominant, subject.parts.colour):
                rgba = recolour(rgba, subject.parts.colour, dominant)
        thumbs.append(rgba)
    return thumbs
