"""Names, tags and categories for emoji, joined on the codepoints in a file name.

The Fluent emoji clips are named by their codepoints (``1f44b-1f3fd.webp``,
``0023-fe0f-20e3.webp``, ``1f3f4-e0067_e0062_..._e007f.webp``). Their captions come from
two registry packages: ``emojibase-data`` (``en/data.json``: a label such as
"waving hand: medium skin tone" and tags such as "hello", "wave") and
``emoji-datasource`` (``emoji.json``: a category such as "People & Body").

Codepoint sequences are compared in one normal form (:func:`normalize_codepoints`):
lower-case hex without leading zeros, variation selector FE0F dropped, ``_`` read as
``-``. Skin-tone modifiers (U+1F3FB..U+1F3FF) are folded away by
:func:`base_codepoints` so every skin-tone variant of an emoji shares one subject,
which is what the held-out split is keyed on.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from sticker_studio.core.errors import InvalidInputError

#: The variation selector that forces emoji presentation; it carries no meaning for us.
VARIATION_SELECTOR = 0xFE0F
#: Ends the tag sequence of a subdivision flag (England, Scotland, Wales).
CANCEL_TAG = 0xE007F
#: Fitzpatrick skin-tone modifiers, light (1) to dark (5).
SKIN_TONES: dict[int, str] = {
    0x1F3FB: "light skin tone",
    0x1F3FC: "medium-light skin tone",
    0x1F3FD: "medium skin tone",
    0x1F3FE: "medium-dark skin tone",
    0x1F3FF: "dark skin tone",
}
_HEX = re.compile(r"^[0-9a-fA-F]{1,6}$")


@dataclass(frozen=True)
class EmojiInfo:
    """What the metadata packages say about one emoji (one skin-tone variant)."""

    key: str                    #: normalised codepoints, e.g. "1f44b-1f3fd"
    base_key: str               #: the same with skin tones folded, e.g. "1f44b"
    emoji: str                  #: the character sequence
    label: str                  #: "waving hand: medium skin tone"
    base_label: str             #: "waving hand" (the subject every variant shares)
    tags: tuple[str, ...] = ()
    category: str = ""          #: "People & Body" (emoji-datasource), "" when unknown
    subcategory: str = ""       #: "hand-fingers-open"
    skin_tones: tuple[str, ...] = ()  #: ("medium skin tone",) for a variant


def parse_codepoints(name: str) -> tuple[int, ...]:
    """The codepoints of a file stem or hexcode (``-``/``_``/space separated hex)."""
    parts = [p for p in re.split(r"[-_\s]+", name.strip()) if p]
    if not parts or not all(_HEX.match(p) for p in parts):
        raise InvalidInputError(f"{name!r} is not a codepoint sequence like '1f44b-1f3fd'")
    return tuple(int(p, 16) for p in parts)


def normalize_codepoints(name: str | tuple[int, ...]) -> str:
    """The comparison form of a codepoint sequence: lower hex, no FE0F, ``-`` separated."""
    cps = parse_codepoints(name) if isinstance(name, str) else name
    return "-".join(f"{cp:x}" for cp in cps if cp != VARIATION_SELECTOR)


def base_codepoints(name: str | tuple[int, ...]) -> str:
    """:func:`normalize_codepoints` with skin-tone modifiers removed (the subject key)."""
    cps = parse_codepoints(name) if isinstance(name, str) else name
    return normalize_codepoints(tuple(cp for cp in cps if cp not in SKIN_TONES))


def skin_tones_of(name: str | tuple[int, ...]) -> tuple[str, ...]:
    cps = parse_codepoints(name) if isinstance(name, str) else name
    return tuple(SKIN_TONES[cp] for cp in cps if cp in SKIN_TONES)


def _strip_skin_label(label: str) -> str:
    """"waving hand: medium skin tone" -> "waving hand"; "kiss: woman, man, light skin tone" -> "kiss: woman, man"."""
    if ":" not in label:
        return label
    head, tail = label.split(":", 1)
    kept = [p.strip() for p in tail.split(",") if p.strip() and "skin tone" not in p]
    return head.strip() if not kept else f"{head.strip()}: {', '.join(kept)}"


def _unicode_name_label(cps: tuple[int, ...]) -> str:
    """A fallback label from the Unicode character names (for sequences the packages lack)."""
    names = []
    for cp in cps:
        if cp in (VARIATION_SELECTOR, 0x200D) or cp in SKIN_TONES:
            continue
        name = unicodedata.name(chr(cp), "")
        if name.startswith("TAG ") or name == "CANCEL TAG" or not name:
            continue
        names.append(name.lower().replace("combining enclosing keycap", "keycap"))
    return " ".join(names) or "emoji"


@dataclass
class EmojiCatalog:
    """Lookup from codepoints to :class:`EmojiInfo`, built from the two metadata packages."""

    entries: dict[str, EmojiInfo] = field(default_factory=dict)
    categories: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, emojibase_dir: Path | None, datasource_dir: Path | None) -> EmojiCatalog:
        """Read ``emojibase-data`` (``en/data.json``) and ``emoji-datasource`` (``emoji.json``).

        Either may be ``None`` (labels then fall back to Unicode names, categories to "").
        The folders are the extracted npm packages (the folder holding ``package.json``).
        """
        catalog = cls()
        if datasource_dir is not None:
            catalog.categories = _read_datasource(Path(datasource_dir) / "emoji.json")
        if emojibase_dir is not None:
            for info in _read_emojibase(Path(emojibase_dir) / "en" / "data.json", catalog.categories):
                catalog.entries[info.key] = info
        return catalog

    def lookup(self, name: str) -> EmojiInfo:
        """Metadata for a file stem like ``1f44b-1f3fd``; never fails for valid codepoints."""
        cps = parse_codepoints(name)
        if any(0xE0020 <= cp <= 0xE007E for cp in cps) and cps[-1] != CANCEL_TAG:
            cps = (*cps, CANCEL_TAG)  # subdivision flags are named without their closing tag
        key = normalize_codepoints(cps)
        base = base_codepoints(cps)
        found = self.entries.get(key)
        if found is not None:
            return found
        base_info = self.entries.get(base)
        category, subcategory = self.categories.get(key) or self.categories.get(base) or ("", "")
        tones = skin_tones_of(cps)
        if base_info is not None:
            label = base_info.label + (f": {', '.join(tones)}" if tones else "")
            return EmojiInfo(key, base, _chars(cps), label, base_info.base_label, base_info.tags,
                             category or base_info.category, subcategory or base_info.subcategory, tones)
        label = _unicode_name_label(cps)
        return EmojiInfo(key, base, _chars(cps), label, label, (), category, subcategory, tones)


def _chars(cps: tuple[int, ...]) -> str:
    return "".join(chr(cp) for cp in cps)


def _read_json(path: Path) -> object:
    if not path.is_file():
        raise InvalidInputError(f"{path} is missing; is the npm package extracted there?")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise InvalidInputError(f"{path} cannot be read as JSON: {error}") from error


def _read_datasource(path: Path) -> dict[str, tuple[str, str]]:
    data = _read_json(path)
    out: dict[str, tuple[str, str]] = {}
    for item in data if isinstance(data, list) else []:
        cat = (str(item.get("category") or ""), str(item.get("subcategory") or ""))
        for code in [item.get("unified"), item.get("non_qualified")]:
            if code:
                out.setdefault(normalize_codepoints(code), cat)
        for variation in (item.get("skin_variations") or {}).values():
            if variation.get("unified"):
                out.setdefault(normalize_codepoints(variation["unified"]), cat)
    return out


def _read_emojibase(path: Path, categories: dict[str, tuple[str, str]]) -> list[EmojiInfo]:
    data = _read_json(path)
    infos: list[EmojiInfo] = []
    for item in data if isinstance(data, list) else []:
        hexcode = item.get("hexcode")
        if not hexcode or not item.get("label"):
            continue
        tags = tuple(str(t) for t in item.get("tags") or ())
        base_label = _strip_skin_label(str(item["label"]))
        variants = [item, *(item.get("skins") or [])]
        for variant in variants:
            cps = parse_codepoints(variant["hexcode"])
            key = normalize_codepoints(cps)
            cat, sub = categories.get(key) or categories.get(base_codepoints(cps)) or ("", "")
            infos.append(EmojiInfo(
                key=key,
                base_key=base_codepoints(cps),
                emoji=str(variant.get("emoji") or _chars(cps)),
                label=str(variant.get("label") or item["label"]),
                base_label=base_label,
                tags=tags,
                category=cat,
                subcategory=sub,
                skin_tones=skin_tones_of(cps),
            ))
    return infos


def read_package_license(package_dir: Path) -> str:
    """The ``license`` an npm package declares in its ``package.json`` ("unknown" if none)."""
    data = _read_json(Path(package_dir) / "package.json")
    if isinstance(data, dict):
        lic = data.get("license")
        if isinstance(lic, str) and lic:
            return lic
        if isinstance(lic, dict) and lic.get("type"):
            return str(lic["type"])
    return "unknown"
