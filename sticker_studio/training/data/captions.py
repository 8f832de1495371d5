"""Caption wording for synthetic clips: "[Domain]\\t[Description]" in varied English.

A text encoder must learn language, not sample ids, so one (subject, motion) pair is
described many ways: synonyms of the motion verb, word order, optional size, speed and
strength words. The adjectives are grounded in the clip (how much of the canvas the
subject covers, measured cycles per second, the amplitude), so "fast" means fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

#: Domains a synthetic sample may be labelled with (the VSD2M field is real/cartoon).
DOMAINS = ("cartoon", "emoji", "sticker")

SPEED_WORDS = {
    "slow": ("slowly", "gently", "lazily", "calmly"),
    "fast": ("fast", "quickly", "rapidly", "energetically"),
}
SIZE_WORDS = {
    "small": ("small", "tiny", "little"),
    "big": ("big", "large", "huge"),
}
STRENGTH_WORDS = {
    "weak": ("slightly", "a little", "softly", "subtly"),
    "strong": ("wildly", "a lot", "vigorously", "dramatically"),
}
_STOP = {"a", "an", "the", "of", "with", "and", "in", "on", "face", "button", "flag", "&"}


@dataclass(frozen=True)
class ClipFacts:
    """What is known about a clip, to be put into words."""

    name: str  # "red heart"
    tags: tuple[str, ...]
    group: str  # "Smileys & Emotion"
    motion: str  # preset name
    verbs: tuple[str, ...]  # "bouncing", "hopping", ...
    cycles_per_second: float | None  # None for intros
    amplitude: float
    coverage: float  # share of the canvas side the subject spans at rest, 0-1


@dataclass(frozen=True)
class Caption:
    domain: str
    description: str
    trigger_words: list[str]

    @property
    def text(self) -> str:
        return f"{self.domain}\t{self.description}"


#: (below, its word, above, its word): the caption's adjective bands for a motion fact
SPEED_BANDS = (0.55, "slow", 1.6, "fast")  # cycles per second
SIZE_BANDS = (0.45, "small", 0.8, "big")  # coverage of the canvas side
STRENGTH_BANDS = (0.7, "weak", 1.35, "strong")  # amplitude


def band_word(value: float | None, bands: tuple[float, str, float, str]) -> str | None:
    """The low word under the low bound, the high word over the high bound, else (and for None) None."""
    low, low_word, high, high_word = bands
    if value is None:
        return None
    if value < low:
        return low_word
    if value > high:
        return high_word
    return None


def speed_class(cycles_per_second: float | None) -> str | None:
    return band_word(cycles_per_second, SPEED_BANDS)


def size_class(coverage: float) -> str | None:
    return band_word(coverage, SIZE_BANDS)


def strength_class(amplitude: float) -> str | None:
    return band_word(amplitude, STRENGTH_BANDS)


def _article(phrase: str) -> str:
    return "an" if phrase[:1].lower() in "aeiou" else "a"


def _looks_plural(name: str) -> bool:
    first, last = name.split()[0].lower(), name.split()[-1].lower()
    return first in {"men", "women", "people", "two", "family"} or (
        last.endswith("s") and not last.endswith(("ss", "us"))
    )


def clean_name(name: str) -> str:
    """Emoji labels as plain words: "flag: Germany" -> "flag of Germany", "Japanese “here” button" -> ..."""
    name = name.replace("“", "").replace("”", "").replace('"', "")
    if name.lower().startswith("flag:"):
        name = "flag of " + name.split(":", 1)[1].strip()
    name = name.replace(":", ",")
    return " ".join(name.split())


def describe(facts: ClipFacts, rng: np.random.Generator) -> Caption:
    """One varied caption for ``facts`` (the same facts give different wordings per rng)."""
    name = clean_name(facts.name)
    size = size_class(facts.coverage)
    size_word = str(rng.choice(SIZE_WORDS[size])) if size and rng.random() < 0.75 else ""
    noun = f"{size_word} {name}".strip()
    determiner = rng.choice(["a", "the", "", "a"])
    if determiner == "a" and _looks_plural(name):
        determiner = "the"
    subject = f"{_article(noun) if determiner == 'a' else determiner} {noun}".strip()
    verb = str(rng.choice(facts.verbs)) if facts.verbs else facts.motion

    adverbs = []
    speed = speed_class(facts.cycles_per_second)
    if speed and rng.random() < 0.85:
        adverbs.append(str(rng.choice(SPEED_WORDS[speed])))
    strength = strength_class(facts.amplitude)
    if strength and rng.random() < 0.6:
        adverbs.append(str(rng.choice(STRENGTH_WORDS[strength])))
    adverb = " and ".join(adverbs)

    template = int(rng.integers(6))
    if template == 0:
        description = f"{subject} {verb} {adverb}"
    elif template == 1:
        description = f"{adverb} {verb} {noun}" if adverb and " " not in adverb else f"{verb} {noun} {adverb}"
    elif template == 2:
        description = f"{subject}, {verb} {adverb}"
    elif template == 3:
        description = f"animation of {subject} {verb} {adverb}"
    elif template == 4:
        description = f"{subject} that keeps {verb} {adverb}"
    else:
        description = f"{noun} {verb} {adverb} on a sticker"
    description = " ".join(description.replace(" ,", ",").split()).strip(" ,")

    words = [w for w in re.findall(r"[a-z]+", name.lower()) if w not in _STOP]
    triggers = list(dict.fromkeys([*words[:3], *facts.tags[:2], verb.split()[0], facts.motion]))
    domain = str(rng.choice(DOMAINS, p=[0.45, 0.35, 0.2]))
    if facts.group and rng.random() < 0.15:
        domain = facts.group.lower()
    return Caption(domain=domain, description=description, trigger_words=triggers)
