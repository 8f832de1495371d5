"""Text -> sticker with character motions: the prompt's motion and emotion words move the subject's parts.

"a robot waving hello" asks for ``wave`` (an arm rises and waves), "a sleepy panda" for
``sleepy`` (eyes droop, zzz), "a sad bunny crying" for ``cry`` (tears), "a cat in love" for
``love`` (hearts), "a dragon breathing fire" for fire puffs (on a calm idle). The library art is
rigged automatically (:func:`sticker_studio.engine.rig.auto.auto_rig`: the rig network +
geometry) and animated by the puppet engine (:mod:`sticker_studio.core.puppet`). When the rig
lacks the part the motion needs (a robot emoji is a head: no arm to wave), the whole-body
preset plays instead and the reason says so; a composed two-subject scene keeps the
whole-body preset too (the rig would take the pair for one character).

:func:`character_request` reads the prompt (any bundled language: the motion words are
translated first); :func:`animate_character_subject` rigs and animates, or returns the
fallback's reason.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from sticker_studio.core.puppet.animate import RenderPlan
from sticker_studio.core.puppet.arms import MIN_ARM_SHARE, plausible_arm_sides  # noqa: F401 (MIN_ARM_SHARE: re-exported)
from sticker_studio.core.puppet.rig import Rig
from sticker_studio.core.sticker import Sticker
from sticker_studio.core.text.prompt_match import LANG_MOTION, PromptReading

#: Character motion -> the words and phrases that ask for it (English; other languages are
#: translated by ``LANG_MOTION`` first). The earliest hit in the prompt wins.
CHARACTER_WORDS: dict[str, tuple[str, ...]] = {
    "wave": ("wave", "waves", "waving", "waved", "hello", "greeting", "greets", "bye", "goodbye"),
    "cheer": ("cheer", "cheers", "cheering", "hooray", "celebrate", "celebrates", "celebrating"),
    "clap": ("clap", "claps", "clapping", "applauding"),
    "blink": ("blink", "blinks", "blinking", "wink", "winks", "winking"),
    "talk": ("talk", "talks", "talking", "speaking", "chatting", "singing"),
    "look": ("looking around",),
    "nod": ("nod", "nods", "nodding"),
    "head-shake": ("shaking its head", "shakes its head", "saying no"),
    "head-tilt": ("tilting its head", "curious", "wondering", "confused"),
    "hop": ("hop", "hops", "hopping"),
    "dance": ("dance", "dances", "dancing"),
    "bow": ("bow", "bows", "bowing", "thank you", "thanking"),
    "shiver": ("shiver", "shivers", "shivering", "freezing"),
    "tail-wag": ("wagging", "wags its tail", "wagging its tail"),
    "sleepy": ("sleepy", "sleeping", "asleep", "sleep", "sleeps", "tired", "yawning", "drowsy", "snoozing"),
    "cry": ("cry", "cries", "crying", "sad", "sobbing", "tears", "weeping", "tearful"),
    "angry": ("angry", "mad", "furious", "grumpy"),
    "love": ("in love", "loving", "lovestruck", "smitten"),
}
#: The effect a character motion draws itself (not added again from the prompt's words).
OWN_EFFECTS: dict[str, str] = {"sleepy": "zzz", "cry": "tears", "love": "hearts", "angry": "anger",
                               "shiver": "sweat"}
#: The whole-body preset that stands in when the rig lacks the part (or the scene has two subjects).
FALLBACK_PRESET: dict[str, str] = {
    "wave": "sway", "cheer": "tada", "clap": "tada", "blink": "pulse", "talk": "bounce", "look": "wobble",
    "nod": "nod", "head-shake": "no", "head-tilt": "wobble", "hop": "bounce", "dance": "wobble", "bow": "nod",
    "shiver": "shake", "tail-wag": "wobble", "sleepy": "breathe", "cry": "shake", "angry": "shake",
    "love": "heartbeat", "idle": "breathe",
}
#: What the output line says after the motion's words: "waving (arm wave)".
SHORT: dict[str, str] = {
    "wave": "arm wave", "cheer": "both arms up", "clap": "hands clap", "blink": "eyes blink",
    "talk": "mouth talks", "look": "eyes look around", "nod": "head nods", "head-shake": "head shakes",
    "head-tilt": "head tilts", "hop": "hop with squash", "dance": "dance", "bow": "bow", "shiver": "shiver",
    "tail-wag": "tail wags", "sleepy": "sleepy", "cry": "cry", "angry": "angry", "love": "love", "idle": "idle",
}


@dataclass(frozen=True)
class CharacterRequest:
    """What the prompt asks the character to do: a motion (or a calm idle) and the effects to add."""

    motion: str                 #: a character motion name (core/puppet/motions.py)
    word: str | None            #: the prompt's word or phrase that asked for it (None: idle for the effects)
    effects: tuple[str, ...]    #: effect kinds beyond the motion's own ("fire")


def _hits(text: str, keys: tuple[str, ...]) -> list[int]:
    return [m.start() for key in keys for m in re.finditer(r"(?<![a-z])" + re.escape(key) + r"(?![a-z])", text)]


def _english_words(reading: PromptReading) -> list[str]:
    table = LANG_MOTION.get(reading.language, {})
    return [table.get(w, w) for w in reading.parts.words]


def character_request(reading: PromptReading, subject_label: str = "") -> CharacterRequest | None:
    """The character motion and effects the prompt names, or None when it names neither.

    ``subject_label`` (the library art's name) is left out of the effect words, so "a dragon"
    is not read as "fire" nor "a fire" as a fire effect.
    """
    from sticker_studio.core.puppet.effects import effects_for_words

    words = _english_words(reading)
    text = " " + " ".join(words) + " "
    best: tuple[int, str, str] | None = None
    for motion, keys in CHARACTER_WORDS.items():
        for key in keys:
            for pos in _hits(text, (key,)):
                if best is None or pos < best[0]:
                    best = (pos, motion, key)
    label_words = set(re.findall(r"[a-z]+", subject_label.lower()))
    effect_text = " ".join(w for w in words if w not in label_words)
    effects = [k.value for k in effects_for_words(effect_text)]
    if best is None:
        if not effects:
            return None
        return CharacterRequest("idle", None, tuple(effects))
    own = OWN_EFFECTS.get(best[1])
    return CharacterRequest(best[1], best[2], tuple(e for e in effects if e != own))


def words_left_unused(reading: PromptReading, words: tuple[str, ...]) -> tuple[str, ...]:
    """``words`` (the prompt's words the reading did not use) less those that ask for the character
    motion the prompt names ("clapping", "wagging ... tail", "跳舞"): the motion uses them, so the
    output does not list them as left out."""
    request = character_request(reading)
    if request is None or request.word is None:
        return words
    table = LANG_MOTION.get(reading.language, {})
    used = {token for phrase in CHARACTER_WORDS.get(request.motion, ()) for token in phrase.split()}
    return tuple(w for w in words if table.get(w, w) not in used)


@dataclass(frozen=True)
class CharacterOutcome:
    """The sticker when the puppet made it, or the whole-body preset and why."""

    sticker: Sticker | None
    motion: str                 #: the character motion made, or the fallback preset's name
    character: bool
    reason: str
    effects: tuple[str, ...] = ()
    words: str = ""             #: "waving (arm wave)" for the output line


def motion_phrase(motion: str, effects: tuple[str, ...] = ()) -> str:
    """"waving (arm wave)", "sleepy (sleepy + zzz)", "breathing (idle + fire)"."""
    from sticker_studio.core.puppet import find_character_motion

    found = find_character_motion(motion)
    verb = found.verbs[0] if found is not None and found.verbs else motion
    own = OWN_EFFECTS.get(motion)
    extras = ([own] if own else []) + [e.replace("_", " ") for e in effects]
    detail = " + ".join([SHORT.get(motion, motion), *extras])
    return f"{verb} ({detail})"


def fallback_preset(request: CharacterRequest, named_preset: str | None) -> str:
    """The whole-body preset for a request the rig cannot play: the prompt's own preset word when it
    named one, else the closest preset to the character motion."""
    return named_preset or FALLBACK_PRESET.get(request.motion, "bounce")


def plausible_arms(rgba: np.ndarray, rig: Rig, plan: RenderPlan) -> list[str]:
    """The arm sides ("l", "r") the automatic rig found that look like arms (right first); the criteria,
    measured on the Fluent library art, are :func:`sticker_studio.core.puppet.arms.arm_doubts`'s (the
    animate command, the app's gallery and ``eval motion`` use them too)."""
    return plausible_arm_sides(rgba, rig, plan.puppet)


#: the automatic rig and render plan of the last few drawings (the app's next sticker of the same
#: art, another seed or motion, skips ~0.4 s of rigging and mesh setup); keyed by the pixels
_PREPARED: OrderedDict[bytes, tuple[Rig, RenderPlan]] = OrderedDict()
_PREPARED_LOCK = threading.Lock()
_PREPARED_MAX = 4


def rigged(rgba: np.ndarray) -> tuple[Rig, RenderPlan]:
    """``auto_rig(rgba)`` and ``prepare(rgba, rig)``, cached per drawing (a RenderPlan is made to be
    reused across motions; the rig is not changed by animating). Library art as text -> sticker draws
    it has its rig precomputed (:mod:`sticker_studio.engine.rig.rig_cache`: the same rig, ~0.2 s less)."""
    from sticker_studio.core.puppet import prepare
    from sticker_studio.engine.rig.rig_cache import auto_rig_cached

    key = hashlib.blake2b(np.ascontiguousarray(rgba).data, digest_size=16,
                          person=str(rgba.shape).encode()[:16]).digest()
    with _PREPARED_LOCK:
        hit = _PREPARED.get(key)
        if hit is not None:
            _PREPARED.move_to_end(key)
            return hit
    from sticker_studio.core.cpu_share import sensible_threads

    rig = auto_rig_cached(rgba)
    made = (rig, prepare(rgba, rig, workers=min(2, sensible_threads())))  # (the idle cores make the layers)
    with _PREPARED_LOCK:
        _PREPARED[key] = made
        while len(_PREPARED) > _PREPARED_MAX:
            _PREPARED.popitem(last=False)
    return made


def animate_character_subject(rgba: np.ndarray, request: CharacterRequest, *, label: str, seed: int = 0,
                              amplitude: float = 1.0, body: str | None = None,
                              frames: int | None = None, fps: float | None = None) -> CharacterOutcome:
    """Rig ``rgba`` automatically and play ``request``; ``sticker`` None (with the reason) when the rig
    lacks what the motion needs. ``body`` stacks a whole-body preset (the prompt named one too)."""
    from sticker_studio.core.puppet import AnimateOptions, CharacterParams, MissingPartError
    from sticker_studio.core.puppet.motions import find_character_motion, missing_for

    rig, plan = rigged(rgba)
    motion = find_character_motion(request.motion)
    if motion is None:  # a table above names a motion the engine lost: say so, never guess
        return CharacterOutcome(None, request.motion, False, f"no character motion {request.motion!r}")
    missing = missing_for(motion, rig)
    if missing:
        parts = " and ".join(m.removeprefix("an ").removeprefix("a ") for m in missing)
        why = f"the {label}'s automatic rig has no {parts} to {motion.name}"
        return CharacterOutcome(None, motion.name, False, why)
    side = "auto"
    if {"arm", "arms"} & set(motion.needs):
        sides = plausible_arms(rgba, rig, plan)
        if not sides or ("arms" in motion.needs and len(sides) < 2):
            why = (f"the {label}'s automatic rig found no arm it is sure of to {motion.name} "
                   f"(an ear, a held tool or a shoulder cut off by the frame)")
            return CharacterOutcome(None, motion.name, False, why)
        side = sides[seed % len(sides)] if motion.name == "wave" else "auto"
    options = AnimateOptions(frames=frames, fps=fps, body=body, seed=seed, extra_effects=request.effects)
    # square, the subject at the presets' size (the grown canvas of a hop was 512x568, the subject smaller),
    # drawn straight at that framing (no full-size render resampled per frame)
    from sticker_studio.core.cpu_share import sensible_threads
    from sticker_studio.core.motion.presets import DEFAULT_SUBJECT_SIZE
    from sticker_studio.core.puppet.framed import animate_framed

    try:  # (the frames on the idle cores: the same sticker as one thread draws)
        sticker = animate_framed(rgba, rig, motion.name, CharacterParams(amplitude=amplitude, side=side), options,
                                 plan=plan, side=max(rgba.shape[:2]), subject_size=DEFAULT_SUBJECT_SIZE,
                                 workers=min(2, sensible_threads()))
    except MissingPartError as error:
        return CharacterOutcome(None, motion.name, False, str(error))
    sticker.metadata["effects"] = [e for e in (OWN_EFFECTS.get(motion.name), *request.effects) if e]
    reason = f"character motion {motion.name} on the automatic rig ({rig.plan.value})"
    if body:
        reason += f" with the whole-body {body} on top"
    return CharacterOutcome(sticker, motion.name, True, reason, request.effects,
                            motion_phrase(motion.name, request.effects))
