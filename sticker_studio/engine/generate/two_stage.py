"""Text → animated sticker in two stages: licensed art for the subject, then motion.

1. **Subject**: the prompt is read in its language (:mod:`sticker_studio.core.text.prompt_match`:
   one or two subjects and how they relate), the art library is searched
   (:mod:`sticker_studio.engine.generate.art_retrieval`: a calibrated match confidence; a weak
   match is reported as "no library art for ..." with the closest names, never shown as
   a confident subject), the chosen entry is rendered from its SVG at the output size
   (crisp, exact alpha: a clean cut-out), recoloured when the prompt's colour
   contradicts the art (:mod:`sticker_studio.core.recolour`), and a second subject ("a
   cat riding a bicycle") is composed with it (:mod:`sticker_studio.core.text.compose`).
   The seed picks the variant: another confident near-best subject, a shade, a mirror
   image, the motion's amplitude (seed 0: the best subject as drawn).
2. **Motion**: a prompt whose motion or emotion words name a character motion ("waving",
   "sleepy", "crying", "in love", "breathing fire") rigs the art automatically and moves its
   parts (:mod:`sticker_studio.engine.generate.character_motion`); when the rig lacks the part,
   or the scene has two subjects, the whole-body preset plays and the output says why.
   Otherwise the prompt's motion word picks the motion; the generator's
   image-to-animation (motion transferred onto the full-resolution subject) animates it
   when its measured adherence for that motion is high, otherwise the motion preset
   does (:mod:`sticker_studio.engine.generate.motion_choice`). The result says which.

``pick_subject`` is the first stage for the main subject (the app shows its candidates
and warning); ``pick_scene`` the first stage for the whole prompt; ``animate_subject``
the second; ``generate_two_stage`` both.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sticker_studio.core.cpu_share import sensible_threads  # noqa: F401 (re-exported: cmd_generate, bench)
from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.recolour import dominant_colour, needs_recolour, recolour
from sticker_studio.core.sticker import Sticker
from sticker_studio.core.text.art_library import ART_STYLES, DEFAULT_STYLE, ArtLibrary
from sticker_studio.core.text.compose import (
    SeedVariation,
    apply_variation,
    compose_pair,
    seed_variation,
)
from sticker_studio.core.text.prompt_match import HEADWEAR, PromptReading, Relation
from sticker_studio.core.text.prompt_words import PromptParts
from sticker_studio.engine.generate.art_retrieval import (
    MATCH_THRESHOLD,
    ArtIndex,
    Candidate,
    is_confident,
    variants,
)
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
    phrase: str = ""            #: the words of the prompt that name it ("axolotl", "chat")
    confident: bool = True      #: the best match reached MATCH_THRESHOLD

    @property
    def label(self) -> str:
        return self.chosen.entry.label

    @property
    def warning(self) -> str | None:
        """"no library art for 'axolotl' — closest: axe, maple leaf, zebra" when the match is weak."""
        if self.confident:
            return None
        return no_match_message(self.phrase, self.candidates)


def no_match_message(phrase: str, candidates: list[Candidate]) -> str:
    closest = ", ".join(f"{c.entry.label} ({c.score:.2f})" for c in candidates[:5])
    return f"no library art for '{phrase}' \u2014 closest: {closest} (a confident match is {MATCH_THRESHOLD:.2f})"


class WeakMatchError(InvalidInputError):
    """The library has nothing that surely is the prompt's subject (the CLI exits 2 listing the closest)."""

    def __init__(self, subject: Subject) -> None:
        self.subject = subject
        names = "; ".join(f"{i}: {c.entry.label}" for i, c in enumerate(subject.candidates[:6]))
        super().__init__(f"no library art for '{subject.phrase}' \u2014 closest: {names}. "
                         f"Pick one with --candidate N, or add --allow-weak-match to use the closest")


@dataclass(frozen=True)
class Scene:
    """The still the motion step animates: the main subject, maybe a second one, composed."""

    reading: PromptReading
    main: Subject
    second: Subject | None
    relation: Relation | None
    rgba: np.ndarray
    ignored: tuple[str, ...]    #: what the prompt says that the sticker does not show
    variation: SeedVariation
    seed: int = 0

    @property
    def warning(self) -> str | None:
        return self.main.warning

    def what(self) -> str:
        """"a cat riding a bicycle", "a robot and a T-Rex" (the library's English names)."""
        main = _article(self.main.label)
        if self.second is None or self.relation is None:
            return main
        return f"{main} {self.relation.value} {_article(self.second.label)}"


def _article(label: str) -> str:
    """"a cat", "an owl", "a unicorn", "sunglasses" (a plural name takes no article), "a T-Rex"."""
    word = label.lower() if not label[:1].isupper() or label[1:2].islower() else label
    last = word.split()[-1] if word.split() else word
    if last.endswith("s") and not last.endswith(("us", "ss", "is", "as", "os")):
        return word
    vowel = word[:1].lower() in "aeiou" and not word.lower().startswith(("uni", "use", "eu", "one"))
    return f"{'an' if vowel else 'a'} {word}"


@dataclass
class TwoStageResult:
    sticker: Sticker
    subject: Subject
    motion: MotionChoice
    timings: dict[str, float] = field(default_factory=dict)
    scene: Scene | None = None

    @property
    def experimental(self) -> bool:
        return bool(self.sticker.metadata.get("experimental"))

    def label(self) -> str:
        """What was made, in an artist's words: "a robot, waving" ("experimental: ..." when it is)."""
        what = self.scene.what() if self.scene is not None else _article(self.subject.label)
        words = self.motion.words or motion_words(self.motion.motion)
        parts = self.scene.reading.parts if self.scene is not None else None
        if (not self.motion.words and parts is not None and self.scene is not None and parts.motion_word
                and self.scene.reading.language == "en" and parts.motion == self.motion.motion):
            words = parts.motion_word  # the prompt's own word: "waving" (the preset is called sway)
        text = f"{what}, {words}"
        return f"experimental: {text}" if self.experimental else text

    def summary(self) -> str:
        """The technical detail (``--verbose``, the app's details)."""
        art = f"{self.subject.label} ({self.subject.style})"
        colour = (
            f", recoloured {self.subject.art_colour} -> {self.subject.recoloured}" if self.subject.recoloured else ""
        )
        extra = ""
        if self.scene is not None and self.scene.second is not None:
            extra = f"; composed with {self.scene.second.label} ({self.scene.relation and self.scene.relation.value})"
        return f"subject: {art}{colour}{extra}; motion: {self.motion.motion} by {self.motion.reason}"

    def metadata(self, prompt: str, seed: int) -> dict[str, object]:
        scene = self.scene
        return {
            "prompt": prompt, "mode": "two-stage", "subject": self.subject.label,
            "art": f"{self.subject.style}:{self.subject.label}", "recoloured": self.subject.recoloured,
            "motion": self.motion.motion, "motion_source": self.motion.source, "motion_reason": self.motion.reason,
            "motion_words": self.motion.words,
            "seed": seed, "label": self.label(), "name": self.label(),
            "second_subject": scene.second.label if scene is not None and scene.second is not None else None,
            "relation": scene.relation.value if scene is not None and scene.relation is not None else None,
            "ignored": list(scene.ignored) if scene is not None else [],
            "match_confident": self.subject.confident,
            "variation": scene.variation.describe() if scene is not None else "as drawn",
        }


def render_entry(library: ArtLibrary, candidate: Candidate, style: str, side: int) -> tuple[str, np.ndarray]:
    from sticker_studio.formats.svg_render import render_svg

    style, _ = candidate.entry.icon(style)
    return style, render_svg(library.svg(candidate.entry, style), side)


def _render_candidate(index: ArtIndex, chosen: Candidate, style: str, size: int,
                      colour: str | None) -> tuple[str, np.ndarray, str | None, str]:
    used_style, rgba = render_entry(index.library, chosen, style, size)
    dominant = dominant_colour(rgba)
    recoloured = None
    if colour and needs_recolour(dominant, colour):
        rgba = recolour(rgba, colour, dominant)
        recoloured = colour
    return used_style, rgba, recoloured, dominant.name


def _choose(candidates: list[Candidate], candidate: int | None, seed: int,
            fit: Callable[[list[Candidate]], list[Candidate]] | None = None) -> Candidate:
    """``candidate`` when given; otherwise the seed's pick among the confident near-best ones (those
    ``fit`` keeps: the art that suits a feeling motion, :mod:`~sticker_studio.engine.generate.feeling_art`)."""
    if candidate is not None:
        if not 0 <= candidate < len(candidates):
            raise InvalidInputError(f"candidate must be between 0 and {len(candidates) - 1}, got {candidate}")
        return candidates[candidate]
    pool = variants(candidates)
    if fit is not None:
        pool = fit(pool)
    return pool[seed % len(pool)]


def _feeling_fit(index: ArtIndex, reading: PromptReading, style: str,
                 size: int) -> Callable[[list[Candidate]], list[Candidate]] | None:
    """For a prompt whose motion is a feeling ("a sleepy cat"): keep the plain subjects, and art that
    already shows that feeling and can still do the motion (rendered and rigged to tell)."""
    from sticker_studio.engine.generate.feeling_art import art_for_feeling, can_show, feeling_of

    motion = feeling_of(reading)
    if motion is None:
        return None

    def fit(pool: list[Candidate]) -> list[Candidate]:
        return art_for_feeling(pool, motion, lambda c: c.entry.label,
                               lambda c: can_show(render_entry(index.library, c, style, size)[1]))

    return fit


def pick_subject(
    prompt: str,
    *,
    candidate: int | None = None,
    style: str = DEFAULT_STYLE,
    size: int = DEFAULT_SIZE,
    count: int = DEFAULT_CANDIDATES,
    library_folder: Path | None = None,
    seed: int = 0,
) -> Subject:
    """Stage one for the main subject: retrieve ``count`` candidates, render the chosen one, recolour it.

    Never refuses a weak match: ``Subject.confident`` is False and ``Subject.warning``
    says "no library art for ..." with the closest names (the app shows them; the CLI
    refuses unless told otherwise). ``candidate`` None: the best (or, for another
    ``seed``, another confident near-best one).
    """
    if style not in ART_STYLES:
        raise InvalidInputError(f"unknown art style {style!r}; choose one of: {', '.join(ART_STYLES)}")
    index = ArtIndex.load(library_folder)
    reading = index.read(prompt)
    if not reading.parts.words:
        raise InvalidInputError("the prompt is empty; say what the sticker shows, e.g. 'a blue cat waving'")
    return _subject(index, reading, 0, candidate=candidate, style=style, size=size, count=count, seed=seed)


def _subject(index: ArtIndex, reading: PromptReading, slot: int, *, candidate: int | None, style: str, size: int,
             count: int, seed: int) -> Subject:
    from sticker_studio.engine.generate.art_retrieval import _colour_word

    words = reading.subjects[slot] if slot < len(reading.subjects) else ()
    if not words:  # "dancing": only a motion; the prompt itself is the query
        words = tuple(reading.parts.words)
    colour_word = _colour_word(reading) if slot == 0 else None
    scores = index.phrase_scores(words, reading.language, colour_word)
    if slot > 0 and reading.relation is not Relation.AND:  # a prop is a thing, not a face or a person
        groups = np.array([e.group in ("smileys-emotion", "people-body") for e in index.library.entries])
        scores = scores - 0.1 * groups
    candidates = index.rank(scores, max(count, (candidate or 0) + 1))
    fit = _feeling_fit(index, reading, style, size) if slot == 0 and candidate is None else None
    chosen = _choose(candidates, candidate, seed, fit)
    used_style, rgba, recoloured, art_colour = _render_candidate(
        index, chosen, style, size, reading.parts.colour if slot == 0 else None)
    return Subject(reading.parts, candidates[:max(count, (candidate or 0) + 1)], chosen, used_style, rgba,
                   recoloured, art_colour, " ".join(words), is_confident(candidates[0]))


def pick_scene(
    prompt: str,
    *,
    candidate: int | None = None,
    seed: int = 0,
    style: str = DEFAULT_STYLE,
    size: int = DEFAULT_SIZE,
    count: int = DEFAULT_CANDIDATES,
    library_folder: Path | None = None,
    allow_weak: bool = True,
) -> Scene:
    """Stage one for the whole prompt: the main subject, a second one when the prompt has one, composed.

    ``allow_weak=False`` raises :class:`WeakMatchError` when the main subject's match is
    weak and no ``candidate`` was named. A weak second subject is left out and listed in
    ``Scene.ignored``. ``seed`` picks the variant (module docstring of :mod:`sticker_studio.core.text.compose`).
    """
    if style not in ART_STYLES:
        raise InvalidInputError(f"unknown art style {style!r}; choose one of: {', '.join(ART_STYLES)}")
    index = ArtIndex.load(library_folder)
    reading = index.read(prompt)
    if not reading.parts.words:
        raise InvalidInputError("the prompt is empty; say what the sticker shows, e.g. 'a blue cat waving'")
    main = _subject(index, reading, 0, candidate=candidate, style=style, size=size, count=count, seed=seed)
    if not main.confident and candidate is None and not allow_weak:
        raise WeakMatchError(main)
    from sticker_studio.engine.generate.character_motion import words_left_unused

    unused = words_left_unused(reading, reading.ignored)
    ignored = [" ".join(unused)] if unused else []
    if reading.names:
        ignored.append(f"the name {', '.join(n.capitalize() for n in reading.names)}")
    second: Subject | None = None
    rgba = main.rgba
    relation = reading.relation
    if len(reading.subjects) > 1 and relation is not None:
        other = _subject(index, reading, 1, candidate=None, style=style, size=size, count=count, seed=0)
        if other.confident:
            second = other
            headwear = bool(set(other.phrase.lower().split()) & HEADWEAR) or any(
                w in HEADWEAR for w in other.label.lower().replace("\u2019", " ").split())
            eyewear = any(w in ("glasses", "sunglasses", "goggles") for w in other.label.lower().split())
            rgba = compose_pair(main.rgba, other.rgba, relation, size, headwear=headwear or eyewear,
                                eyewear=eyewear)
        else:
            ignored.insert(0, f"{relation.value} {other.phrase} (no library art; closest: "
                              f"{', '.join(c.entry.label for c in other.candidates[:3])})")
            relation = None
    variation = seed_variation(seed)
    rgba = apply_variation(rgba, variation)
    return Scene(reading, main, second, relation, rgba, tuple(ignored), variation, seed)


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
    threads: int | None = None   #: torch threads for the model (None: leave torch's setting alone)


def animate_subject(
    subject: Subject | Scene,
    options: MotionOptions = MotionOptions(),
    *,
    size: int = DEFAULT_SIZE,
    warn: WarnCallback | None = None,
) -> tuple[Sticker, MotionChoice]:
    """Stage two: animate the subject (or the composed scene) by the model or the motion preset.

    A sticker the model made for a motion whose measured adherence has not cleared the
    bar (``--motion-source model`` asked for it) is marked ``metadata["experimental"]``.
    """
    parts = subject.reading.parts if isinstance(subject, Scene) else subject.parts
    rgba = subject.rgba
    label = subject.main.label if isinstance(subject, Scene) else subject.label
    amplitude = subject.variation.amplitude if isinstance(subject, Scene) else 1.0
    motion = parts.motion
    model, frames, fps = options.model, options.frames, options.fps
    if options.motion_source == "auto":
        made = _character_motion(subject, options, amplitude, label)
        if made is not None:
            return made
    adherence = model_adherence(model) if options.motion_source != "preset" else None
    choice = choose_motion_source(motion, adherence, options.motion_source)
    if choice.source == "model":
        from sticker_studio.engine.generate.pipeline import StickerPipeline
        from sticker_studio.engine.generate.request import GenerationRequest

        if options.threads:
            import torch

            torch.set_num_threads(options.threads)
        pipe = StickerPipeline.from_pretrained(None if model is None else str(model), device=options.device,
                                               warn=warn)
        request = GenerationRequest(prompt=motion_caption(parts, label), image=rgba,
                                    task="i2v", frames=frames or 8, size=size, seed=options.seed, fps=fps)
        sticker = pipe(request, warn=warn)
        measured = adherence.of(motion) if adherence is not None else None
        if measured is None or not measured.trusted:
            sticker.metadata["experimental"] = True
    else:
        from sticker_studio.core.motion.presets import animate, get_preset

        preset = get_preset(motion)
        sticker = animate(rgba, motion, frames=frames or preset.frames, fps=fps or preset.fps, size=size,
                          amplitude=amplitude)
    return sticker, choice


def _character_motion(subject: Subject | Scene, options: MotionOptions, amplitude: float,
                      label: str) -> tuple[Sticker, MotionChoice] | None:
    """The puppet path when the prompt names a character motion or effect (None: it names neither)."""
    from sticker_studio.core.motion.presets import animate, get_preset
    from sticker_studio.engine.generate.character_motion import (
        animate_character_subject,
        character_request,
        fallback_preset,
    )

    if isinstance(subject, Scene):
        reading = subject.reading
    else:
        from sticker_studio.core.text.prompt_match import read_prompt

        reading = read_prompt(subject.parts.prompt)
    parts = reading.parts
    request = character_request(reading, label)
    if request is None:
        return None
    named = parts.motion if parts.motion_named else None
    if isinstance(subject, Scene) and subject.second is not None:
        why = "two subjects: the whole-body preset moves the pair"
    else:
        body = named if request.motion == "idle" and named not in (None, "breathe") else None
        outcome = animate_character_subject(subject.rgba, request, label=label, seed=options.seed,
                                            amplitude=amplitude, body=body, frames=options.frames, fps=options.fps)
        if outcome.sticker is not None:
            return outcome.sticker, MotionChoice(outcome.motion, "character", outcome.reason, outcome.words)
        why = outcome.reason
    preset_name = parts.motion if request.motion == "idle" else fallback_preset(request, named)
    preset = get_preset(preset_name)
    sticker = animate(subject.rgba, preset_name, frames=options.frames or preset.frames,
                      fps=options.fps or preset.fps, size=subject.rgba.shape[0], amplitude=amplitude)
    verb = request.word or motion_words(preset_name)
    return sticker, MotionChoice(preset_name, "preset", f"whole-body {preset_name} preset ({why})",
                                 f"{verb} (whole-body {preset_name}: {why})")


def motion_words(motion: str) -> str:
    """The motion as an artist says it: "bouncing", "waving"."""
    from sticker_studio.core.motion.presets import get_preset

    verbs = get_preset(motion).verbs
    return verbs[0] if verbs else motion


def generate_two_stage(
    prompt: str,
    options: MotionOptions = MotionOptions(),
    *,
    candidate: int | None = None,
    style: str = DEFAULT_STYLE,
    size: int = DEFAULT_SIZE,
    library_folder: Path | None = None,
    warn: WarnCallback | None = None,
    allow_weak: bool = True,
) -> TwoStageResult:
    """Both stages; deterministic for a given prompt, seed and options (the seed picks the variant)."""
    t0 = time.perf_counter()
    scene = pick_scene(prompt, candidate=candidate, seed=options.seed, style=style, size=size,
                       library_folder=library_folder, allow_weak=allow_weak)
    t1 = time.perf_counter()
    sticker, choice = animate_subject(scene, options, size=size, warn=warn)
    t2 = time.perf_counter()
    result = TwoStageResult(sticker, scene.main, choice, {"subject": t1 - t0, "motion": t2 - t1, "total": t2 - t0},
                            scene)
    sticker.metadata.update(result.metadata(prompt, options.seed))
    return result


def candidate_thumbnails(subject: Subject, side: int = 72, library_folder: Path | None = None) -> list[np.ndarray]:
    """Small renders of every candidate (recoloured like the chosen one would be) for a picker."""
    library = ArtLibrary.load(library_folder)
    thumbs: list[np.ndarray] = []
    for cand in subject.candidates:
        _, rgba = render_entry(library, cand, subject.style, side)
        if subject.parts.colour:
            dominant = dominant_colour(rgba)
            if needs_recolour(dominant, subject.parts.colour):
                rgba = recolour(rgba, subject.parts.colour, dominant)
        thumbs.append(rgba)
    return thumbs
