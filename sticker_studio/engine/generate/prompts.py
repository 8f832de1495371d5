"""One phrasing for prompts and training captions, so what users type meets what the model saw.

Dataset captions are stored as ``"domain\\tdescription; tags"`` (``"travel & places\\tcyclone
spinning; dizzy, hurricane"``) while people type ``"a cyclone spinning"``. Training feeds the
model :func:`natural_phrasings` of each caption (no domain prefix, natural word order, an
article, with and without the tags) and inference passes every prompt through
:func:`normalise_prompt`, which applies the same surface rules (lower case, single spaces, no
trailing punctuation, an old-style ``domain\\t`` prefix dropped). Pure Python (no torch).
"""

from __future__ import annotations

_DETERMINERS = {"a", "an", "the", "some", "two", "three", "my", "your", "this", "that"}


def normalise_prompt(prompt: str) -> str:
    """``"  A Cat   waving!"`` → ``"a cat waving"``; ``"emoji\\tcat waving"`` → ``"cat waving"``."""
    text = str(prompt)
    if "\t" in text:
        text = text.split("\t", 1)[1]
    text = " ".join(text.replace("\n", " ").split()).lower()
    return text.strip(" .!?,;:")


def _with_article(phrase: str) -> str:
    words = phrase.split()
    if not words or words[0] in _DETERMINERS or words[0] == "#":
        return phrase
    last = words[0]
    plural = last.endswith("s") and not last.endswith(("ss", "us"))
    if plural:
        return phrase
    return ("an " if phrase[:1] in "aeiou" else "a ") + phrase


def natural_phrasings(caption: str) -> list[str]:
    """The ways training phrases one stored caption, most natural first (all normalised).

    ``"travel & places\\tcyclone spinning; dizzy, hurricane"`` →
    ``["a cyclone spinning", "cyclone spinning", "a cyclone spinning, dizzy, hurricane"]``.
    """
    description = caption.split("\t", 1)[1] if "\t" in caption else caption
    head, _, tags = description.partition(";")
    head = normalise_prompt(head)
    tags = normalise_prompt(tags)
    out = [_with_article(head), head]
    if tags:
        out.append(f"{_with_article(head)}, {tags}")
    return [p for p in dict.fromkeys(out) if p] or [normalise_prompt(caption)]


