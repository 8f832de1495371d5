"""Which library art a feeling motion plays on: the plain subject, not a face that shows another feeling.

"a sleepy cat" asks for the ``sleepy`` motion (eyes droop shut, zzz) on a cat. The library has
the plain cat and cat faces that already show a feeling (weary, crying, kissing, grinning, pouting
cat). A seed that picked the weary cat drew zzz over wide-open eyes that never close (its white
eyes are no lids' skin); the crying cat "sleepy" cried. So when the prompt's motion is a feeling
(:data:`FEELING_MOTIONS`), the art the seed picks from is the plain subjects, plus art that
already shows *that* feeling and can still do the motion (its automatic rig has eyes that look
like eyes): "a crying cat" keeps the crying cat, "a sleepy face" the sleepy face. When no
candidate fits, the choice is left as it was.

The feeling an entry shows is read from its name's words (:func:`shown_feeling`, the library's
CLDR names: "weary cat", "smiling face with heart-eyes", "face with tears of joy").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

#: character motions that show a feeling on the face (engine/generate/character_motion.py)
FEELING_MOTIONS = frozenset({"sleepy", "cry", "angry", "love"})

#: words of an entry's name that show one of the feeling motions
SHOWS: dict[str, str] = {
    "sleepy": "sleepy", "sleeping": "sleepy", "yawning": "sleepy", "tired": "sleepy", "drooling": "sleepy",
    "crying": "cry", "sad": "cry", "tear": "cry", "tears": "cry", "sobbing": "cry",
    "angry": "angry", "enraged": "angry", "pouting": "angry",
    "heart-eyes": "love", "hearts": "love", "kissing": "love", "kiss": "love",
}
#: words of an entry's name that show another expression (the art is not the plain subject)
OTHER_EXPRESSIONS = frozenset({
    "grinning", "smiling", "beaming", "laughing", "joy", "winking", "tongue", "zany", "smirking", "unamused",
    "grimacing", "relieved", "pensive", "weary", "woozy", "frowning", "worried", "confused", "astonished",
    "hushed", "flushed", "pleading", "anguished", "fearful", "anxious", "screaming", "confounded",
    "persevering", "disappointed", "downcast", "nauseated", "vomiting", "sneezing", "star-struck", "exploding",
    "expressionless", "neutral", "wry", "rolling eyes", "raised eyebrow", "shushing", "thinking face", "lying face",
    "melting",
    "upside-down", "exhaling", "sweat", "open mouth", "hand over mouth", "partying", "scared",
})
#: phrases that override their words ("tears of joy" is laughing, not crying)
PHRASES: dict[str, str] = {"tears of joy": "other", "smiling face with tear": "other", "steam from nose": "angry",
                           "symbols on mouth": "angry",
                           "bags under eyes": "sleepy"}

C = TypeVar("C")


def shown_feeling(label: str) -> str | None:
    """The feeling motion an entry named ``label`` already shows ("sleepy", "cry", "angry", "love"),
    "other" for another expression, None for a plain subject ("cat", "black cat")."""
    text = label.lower().replace("\u2019", "'")
    for phrase, feeling in PHRASES.items():
        if phrase in text:
            return feeling
    words = re.findall(r"[a-z][a-z'-]*", text)
    for w in words:
        if w in SHOWS:
            return SHOWS[w]
    if any(w in OTHER_EXPRESSIONS for w in words) or any(" " in p and p in text for p in OTHER_EXPRESSIONS):
        return "other"
    return None


def fits_feeling(label: str, motion: str) -> bool | None:
    """True: plain art (the motion shows the feeling); None: it shows ``motion``'s feeling already
    (fits if it can still do the motion); False: it shows another feeling."""
    shown = shown_feeling(label)
    if shown is None:
        return True
    return None if shown == motion else False


def art_for_feeling(pool: Sequence[C], motion: str | None, label: Callable[[C], str],
                    can_do: Callable[[C], bool]) -> list[C]:
    """``pool`` (best first) less the art that does not suit the feeling motion ``motion``: kept are
    plain subjects and art already showing that feeling that ``can_do`` the motion. ``pool`` as it
    is when ``motion`` is no feeling or nothing in it fits."""
    if motion not in FEELING_MOTIONS:
        return list(pool)
    kept = []
    for c in pool:
        fit = fits_feeling(label(c), motion)
        if fit or (fit is None and can_do(c)):
            kept.append(c)
    return kept or list(pool)


def feeling_of(reading: object) -> str | None:
    """The feeling motion the prompt ``reading`` (a :class:`~sticker_studio.core.text.prompt_match.PromptReading`)
    asks for, or None."""
    from sticker_studio.engine.generate.character_motion import character_request

    request = character_request(reading)  # type: ignore[arg-type]
    return request.motion if request is not None and request.motion in FEELING_MOTIONS else None


def can_show(rgba: object) -> bool:
    """Whether the drawing ``rgba`` can still do a feeling motion: its automatic rig (the library's
    precomputed one when there is one) has eyes, and none looks wrong
    (:func:`~sticker_studio.core.puppet.eyes.eye_doubts`)."""
    import numpy as np

    from sticker_studio.core.puppet.eyes import eye_doubts
    from sticker_studio.engine.rig.rig_cache import auto_rig_cached

    image = np.asarray(rgba)
    rig = auto_rig_cached(image)
    doubts = eye_doubts(image, rig)
    return bool(doubts) and not any(doubts.values())
