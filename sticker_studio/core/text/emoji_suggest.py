"""Emoji that mean something: suggested from a sticker's subject, prompt, motion and name.

Messengers file stickers under emoji (Telegram's and WhatsApp's search, Signal's one
emoji per sticker), so a pack where every sticker says 🙂 is a pack nobody finds. A
sticker made by Sticker Studio carries what made it in ``metadata``: the art-library
``subject`` (whose entry *is* an emoji), the ``prompt`` and the ``motion``; an imported
file has at least a name ("cat_waving.gif"). :func:`suggest_emojis` turns those into up
to three emoji, most specific first:

1. the subject's own emoji from the art library (``cat`` -> 🐱, ``red heart`` -> ❤️);
2. feelings and gestures the prompt or name mentions (crying 😢, sleepy 😴, love 😍,
   angry 😠, laughing 😂, dancing 💃, waving 👋 ...);
3. the motion's meaning (``wave`` -> 👋 an arm wave, ``blink`` -> 😉, ``nod`` -> 👍,
   ``no`` -> 🙅, ``heartbeat`` -> 💓, ``tada`` -> 🎉 ...). Body motions that say nothing
   about a feeling (bounce, spin, float, sway) add nothing.

With nothing to go on it falls back to 🙂 (every messenger needs one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sticker_studio.core.text.prompt_words import parse_prompt, words_of

__all__ = ["FALLBACK_EMOJI", "MOTION_EMOJI", "WORD_EMOJI", "subject_emoji", "suggest_emojis",
           "suggest_for_sticker"]

FALLBACK_EMOJI = "\U0001F642"  # 🙂
MAX_SUGGESTED = 3

#: Motion (preset or character motion) -> the emoji it reads as. "wave" is the arm wave.
MOTION_EMOJI: dict[str, str] = {
    "wave": "👋", "wave-arm": "👋", "blink": "😉", "wink": "😉", "cry": "😢", "crying": "😢",
    "sleep": "😴", "sleepy": "😴", "snore": "😴", "love": "😍", "angry": "😠", "rage": "😠",
    "dance": "💃", "laugh": "😂", "nod": "👍", "no": "🙅", "heartbeat": "💓", "pulse": "✨",
    "tada": "🎉", "shake": "😨", "jump": "🙌", "talk": "💬", "shrug": "🤷", "clap": "👏",
    "kiss": "😘", "think": "🤔", "surprise": "😮",
}

#: Words of a prompt or a name -> emoji (feelings, gestures, greetings).
WORD_EMOJI: dict[str, str] = {
    **{w: "😢" for w in ("cry", "cries", "crying", "cried", "tears", "tear", "sad", "sob", "sobbing", "weep",
                          "weeping", "unhappy")},
    **{w: "😴" for w in ("sleep", "sleeps", "sleeping", "sleepy", "asleep", "tired", "snore", "snoring", "nap",
                          "napping", "yawn", "yawning", "zzz", "goodnight")},
    **{w: "😍" for w in ("love", "loves", "loving", "loved", "lovely", "adore", "crush", "inlove")},
    **{w: "😘" for w in ("kiss", "kisses", "kissing", "smooch")},
    **{w: "😠" for w in ("angry", "anger", "mad", "rage", "raging", "furious", "grumpy", "annoyed", "fuming")},
    **{w: "💃" for w in ("dance", "dances", "dancing", "danced", "dancer", "groove", "grooving", "boogie")},
    **{w: "😂" for w in ("laugh", "laughs", "laughing", "laughed", "lol", "haha", "lmao", "giggle", "giggling")},
    **{w: "👋" for w in ("wave", "waves", "waving", "waved", "hello", "hi", "hey", "bye", "goodbye", "greet",
                          "greeting", "greetings")},
    **{w: "😉" for w in ("wink", "winks", "winking", "blink", "blinks", "blinking")},
    **{w: "😊" for w in ("happy", "glad", "joy", "joyful", "smile", "smiles", "smiling", "cheerful")},
    **{w: "😎" for w in ("cool", "sunglasses", "chill", "chilling")},
    **{w: "🎉" for w in ("party", "partying", "celebrate", "celebrating", "congrats", "congratulations", "yay",
                          "tada", "hooray", "birthday")},
    **{w: "🙏" for w in ("thanks", "thank", "thankyou", "please", "grateful")},
    **{w: "👍" for w in ("ok", "okay", "yes", "agree", "nod", "nodding", "approve", "good", "great", "nice")},
    **{w: "🙅" for w in ("no", "nope", "refuse", "refusing")},
    **{w: "😮" for w in ("wow", "surprised", "surprise", "shocked", "omg", "amazed")},
    **{w: "😱" for w in ("scared", "afraid", "fear", "scream", "screaming", "terrified", "spooky")},
    **{w: "🤔" for w in ("think", "thinking", "hmm", "wonder", "wondering", "confused")},
    **{w: "😋" for w in ("hungry", "yum", "yummy", "delicious", "tasty")},
    **{w: "🤒" for w in ("sick", "ill", "fever")},
    **{w: "🥶" for w in ("cold", "freezing", "frozen", "shivering")},
    **{w: "🥵" for w in ("hot", "sweating", "sweaty")},
    **{w: "👏" for w in ("clap", "claps", "clapping", "applause", "bravo")},
    **{w: "💪" for w in ("strong", "flex", "flexing", "workout", "gym")},
    **{w: "😇" for w in ("angel", "innocent", "halo")},
}

_DEFAULT_LABELS: dict[str, str] | None = None


def _labels_of(library: Any) -> dict[str, str]:
    labels: dict[str, str] = {}
    for entry in library.entries:
        labels.setdefault(entry.label.lower(), entry.emoji)
    return labels


def _library_labels(library: Any | None = None) -> dict[str, str]:
    """Art-library label (lower case) -> emoji; empty when the library is not installed."""
    global _DEFAULT_LABELS
    if library is not None:
        return _labels_of(library)
    if _DEFAULT_LABELS is None:
        from sticker_studio.core.errors import StickerStudioError
        from sticker_studio.core.text.art_library import ArtLibrary

        try:
            _DEFAULT_LABELS = _labels_of(ArtLibrary.load())
        except (OSError, ValueError, KeyError, StickerStudioError):  # no library: words only
            _DEFAULT_LABELS = {}
    return _DEFAULT_LABELS


def subject_emoji(subject: str, library: Any | None = None) -> str | None:
    """The art library's emoji for ``subject`` ("cat", "red heart", or an emoji itself), or None."""
    text = " ".join(words_of(subject))
    labels = _library_labels(library)
    if not text:
        stripped = subject.strip()
        return stripped if stripped in labels.values() else None
    exact = _exact_label_emoji(text, library)
    if exact is not None:
        return exact
    # "fluffy cat" -> "cat": the shortest label ending in the subject's last word whose other words the subject
    # has too ("red ball" is no "rice ball": its emoji would file the sticker under food)
    words = set(text.split())
    last = text.split()[-1]
    ending = sorted((label for label in labels
                     if label.split()[-1] == last and set(label.split()[:-1]) <= words), key=len)
    return labels[ending[0]] if ending else None


def _exact_label_emoji(text: str, library: Any | None = None) -> str | None:
    """The emoji of the library label ``text`` is on its own ("fox", "alien" -> "alien face", "cats" -> "cat"),
    or None."""
    labels = _library_labels(library)
    candidates = [text, f"{text} face"]
    if text.endswith("s") and len(text) > 3:  # "cats" -> "cat"
        candidates += [text[:-1], f"{text[:-1]} face"]
    for candidate in candidates:
        if candidate in labels:
            return labels[candidate]
    return None


def _art_label(art: object) -> str:
    """``"fluent-emoji-flat:cat"`` -> ``"cat"``."""
    return str(art).split(":", 1)[-1] if art else ""


def suggest_emojis(*, subject: str | None = None, prompt: str | None = None, motion: str | None = None,
                   name: str | None = None, library: Any | None = None,
                   limit: int = MAX_SUGGESTED) -> list[str]:
    """Up to ``limit`` emoji for a sticker, most specific first (see the module docstring)."""
    found: list[str] = []

    def put(emoji: str | None) -> None:
        if emoji and emoji not in found:
            found.append(emoji)

    name_text = (name or "").replace("_", " ").replace("-", " ")
    texts = [t for t in (prompt, name_text) if t and t.strip()]
    if subject:
        put(subject_emoji(subject, library))
    for text in texts:
        parts = parse_prompt(text)
        had = len(found)
        if parts.subject:
            put(subject_emoji(parts.subject, library))
        if text is name_text and len(found) == had:
            # a file name is no sentence ("fox_paper", "penguin sketch v2"): a word of it that is a library
            # label on its own names the subject
            for word in words_of(text):
                put(_exact_label_emoji(word, library))
        for word in words_of(text):
            put(WORD_EMOJI.get(word))
    if motion:
        put(MOTION_EMOJI.get(motion.strip().lower().replace("_", "-")))
    return found[:limit] or [FALLBACK_EMOJI]


def suggest_for_sticker(metadata: Mapping[str, object], name: str | None = None, *,
                        library: Any | None = None) -> list[str]:
    """:func:`suggest_emojis` from a sticker's ``metadata`` (subject, art, prompt, motion) and name."""
    subject = str(metadata.get("subject") or _art_label(metadata.get("art")) or "")
    prompt = metadata.get("prompt")
    motion = metadata.get("motion") or metadata.get("character_motion")
    return suggest_emojis(subject=subject or None, prompt=str(prompt) if prompt else None,
                          motion=str(motion) if motion else None, name=name, library=library)
