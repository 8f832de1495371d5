"""What a text prompt says: the subject, its colour and its motion.

``parse_prompt("a red heart beating")`` → subject "heart", colour "red", motion
"heartbeat" (word "beating"). No tagger, just small word lists: artists' prompts are
short ("a cat waving", "ghost floating", "a blue cat riding a bicycle"), and the
retrieval that follows (:mod:`sticker_studio.engine.generate.art_retrieval`) is forgiving.

* The **motion** is the first word that names one (any inflection: wave, waves, waving,
  waved); it maps onto a motion preset name of :mod:`sticker_studio.core.motion.presets`.
* The **colour** is the first colour word (red, golden, grey/gray, ...).
* The **subject** is the noun phrase at the start: the words before the first motion
  word, verb-like word (``riding``, ``holding``) or preposition (``on``, ``with``), minus
  articles and colour words. "a cat riding a bicycle" → "cat"; the rest of the prompt
  still takes part in retrieval, with less weight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Motion preset name → the words (stems and inflections) that pick it.
MOTION_WORDS: dict[str, tuple[str, ...]] = {
    # "waving" now means an arm waves (the character motion ``wave``, core/puppet); until text -> sticker
    # rigs its art, the words pick the whole-body ripple that was called "wave" before.
    "sway": ("wave", "waves", "waving", "waved", "ripple", "rippling", "flutter", "fluttering", "flap",
             "flapping", "greet", "greeting", "hello", "hi"),
    "bounce": ("bounce", "bounces", "bouncing", "bounced", "bouncy", "hop", "hops", "hopping", "bob", "bobbing"),
    "jump": ("jump", "jumps", "jumping", "jumped", "leap", "leaps", "leaping"),
    "spin": ("spin", "spins", "spinning", "rotate", "rotates", "rotating", "twirl", "twirling", "whirl",
             "whirling", "turning"),
    "heartbeat": ("beat", "beats", "beating", "heartbeat", "thump", "thumping", "throb", "throbbing"),
    "pulse": ("pulse", "pulses", "pulsing", "pulsating", "glow", "glowing", "blink", "blinking",
              "sparkle", "sparkling", "shine", "shining", "twinkle", "twinkling"),
    "float": ("float", "floats", "floating", "hover", "hovers", "hovering", "drift", "drifting", "fly",
              "flies", "flying", "soar", "soaring"),
    "shake": ("shake", "shakes", "shaking", "tremble", "trembling", "shiver", "shivering", "vibrate",
              "vibrating", "jitter", "jittering", "scared", "cold"),
    "nod": ("nod", "nods", "nodding", "yes", "agree", "agreeing"),
    "no": ("no", "refuse", "refusing"),
    "wobble": ("wobble", "wobbles", "wobbling", "rock", "rocking", "teeter", "teetering", "dance", "dances",
               "dancing", "sway", "swaying"),
    "jelly": ("jelly", "jiggle", "jiggling", "wiggle", "wiggling", "squish", "squishing"),
    "swing": ("swing", "swings", "swinging", "dangle", "dangling", "pendulum"),
    "breathe": ("breathe", "breathes", "breathing", "sleep", "sleeping", "rest", "resting", "calm"),
    "flip": ("flip", "flips", "flipping", "flipped"),
    "tada": ("tada", "celebrate", "celebrates", "celebrating", "cheer", "cheering", "party", "partying"),
    "rubber-band": ("stretch", "stretches", "stretching", "boing", "boinging"),
    "pop-in": ("pop", "pops", "popping", "appear", "appears", "appearing"),
    "slide-in": ("slide", "slides", "sliding", "enter", "entering", "arrive", "arriving"),
    "fade-in": ("fade", "fades", "fading"),
}
#: The motion used when a prompt names none.
DEFAULT_MOTION = "bounce"

_MOTION_OF: dict[str, str] = {w: name for name, words in MOTION_WORDS.items() for w in words}
#: Phrases whose words would otherwise read as two things ("up and down" is bouncing).
_MOTION_PHRASES: dict[str, str] = {"up and down": "bounce", "side to side": "wobble", "round and round": "spin",
                                   # the fire is an effect (core/puppet/effects), not a second subject
                                   "breathing fire": "breathe", "fire breathing": "breathe",
                                   "fire-breathing": "breathe"}

#: Colour words → the canonical colour name :mod:`sticker_studio.core.recolour` knows.
COLOUR_WORDS: dict[str, str] = {
    "red": "red", "crimson": "red", "scarlet": "red", "orange": "orange", "yellow": "yellow",
    "gold": "gold", "golden": "gold", "green": "green", "lime": "green", "emerald": "green",
    "teal": "teal", "turquoise": "teal", "cyan": "cyan", "aqua": "cyan", "blue": "blue", "navy": "blue",
    "azure": "blue", "purple": "purple", "violet": "purple", "lilac": "purple", "magenta": "pink",
    "pink": "pink", "brown": "brown", "black": "black", "white": "white", "grey": "grey", "gray": "grey",
    "silver": "grey",
}

_ARTICLES = frozenset({"a", "an", "the", "some", "my", "your", "his", "her", "its", "our", "their", "this",
                       "that", "one", "two", "little", "cute", "big", "small", "tiny", "happy", "sticker",
                       "of", "emoji", "animated"})
#: Words that end the subject phrase ("a cat riding a bicycle", "a dog with a hat").
_BREAKS = frozenset({"on", "in", "with", "and", "at", "under", "over", "near", "by", "from", "to", "into",
                     "onto", "while", "holding", "riding", "wearing", "eating", "drinking", "playing",
                     "reading", "sitting", "standing", "is", "are", "who", "that", "which", "like",
                     "inside", "behind", "next", "around", "through", "above", "below", "for"})
_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")


@dataclass(frozen=True)
class PromptParts:
    """A prompt split into what retrieval, recolouring and motion need."""

    prompt: str
    words: tuple[str, ...]
    subject: str              #: "cat" (may be "" when the prompt names only a motion)
    colour: str | None        #: canonical colour name, e.g. "blue"
    motion: str               #: motion preset name, DEFAULT_MOTION when none is named
    motion_word: str | None   #: the word that named the motion, None when defaulted
    without_motion: str       #: the prompt's words minus motion words ("a red heart")

    @property
    def motion_named(self) -> bool:
        return self.motion_word is not None


def words_of(prompt: str) -> list[str]:
    """Lower-case words of a prompt (hyphenated words and apostrophes kept together)."""
    return _WORD.findall(prompt.lower())


#: Words that name a motion only when nothing else in the prompt does ("a fly", "no entry").
_WEAK_MOTION_WORDS = frozenset({"no", "yes", "hi", "hello", "cold", "calm", "rest", "party", "pop", "fly",
                                "rock", "greet", "sleep", "glow", "shine", "appear", "enter", "fade"})


def _is_content(word: str) -> bool:
    return word not in _ARTICLES and word not in COLOUR_WORDS and word not in _BREAKS


def find_motion(words: list[str]) -> tuple[str | None, str | None, set[int]]:
    """(motion preset name, the word or phrase naming it, indices of the motion words).

    The earliest motion word or phrase wins; weak words (``no``, ``fly``, ``rock``...)
    count only when the prompt has no other motion word and they follow a content word.
    """
    found: list[tuple[int, str, str, tuple[int, ...]]] = []
    text = " ".join(words)
    for phrase, name in _MOTION_PHRASES.items():
        pos = text.find(phrase)
        if pos >= 0:
            start = len(text[:pos].split())
            found.append((start, name, phrase, tuple(range(start, start + len(phrase.split())))))
    covered = {i for *_, idx in found for i in idx}
    weak: list[tuple[int, str, str, tuple[int, ...]]] = []
    for i, word in enumerate(words):
        preset = _MOTION_OF.get(word)
        if preset is None or i in covered:
            continue
        (weak if word in _WEAK_MOTION_WORDS else found).append((i, preset, word, (i,)))
    if not found:  # a weak word moves only something named before it: "a rock that can fly", not "no entry"
        found = [w for w in weak if any(_is_content(v) for v in words[:w[0]])][-1:]
    if not found:
        return None, None, set()
    found.sort()
    return found[0][1], found[0][2], {i for *_, idx in found for i in idx}


def parse_prompt(prompt: str) -> PromptParts:
    """Split a prompt into subject, colour and motion (see the module docstring)."""
    words = words_of(prompt)
    motion, motion_word, motion_idx = find_motion(words)
    colour: str | None = None
    subject: list[str] = []
    started = False
    for i, word in enumerate(words):
        if i in motion_idx or word in _BREAKS:
            if started:
                break
            continue
        if word in COLOUR_WORDS:
            if colour is None:
                colour = COLOUR_WORDS[word]
            continue
        if word in _ARTICLES and not started:
            continue
        if word.endswith("ing") and started and len(word) > 5:
            break  # "a dog skateboarding": a verb we do not know still ends the noun phrase
        subject.append(word)
        started = True
    without = " ".join(w for i, w in enumerate(words) if i not in motion_idx)
    return PromptParts(
        prompt=prompt, words=tuple(words), subject=" ".join(subject), colour=colour,
        motion=motion or DEFAULT_MOTION, motion_word=motion_word, without_motion=without,
    )
