"""The bundled library of licensed vector art that text-to-sticker starts from.

``resources/art/`` holds (built by :mod:`sticker_studio.training.data.build_art_library`):

* ``<set>.json.xz`` — an Iconify icon set subset (``{"prefix", "width", "height",
  "icons": {name: {"body", ...}}, "aliases": {name: {"parent", "hFlip", ...}}}``), one
  per art style: ``fluent-emoji-flat`` (Microsoft Fluent Emoji, MIT) and ``noto``
  (Google Noto Emoji, Apache-2.0); skin-tone variants are left out.
* ``index.json.xz`` — one entry per emoji: codepoints, character, label and tags
  (emojibase-data, MIT), and the icon name in each set.
* ``index_minilm.npz`` — MiniLM embeddings of every entry's label and label + tags
  (int8 with a per-row scale), read by :mod:`sticker_studio.engine.generate.art_retrieval`.
* ``rig_cache.bin`` — the automatic rig of every entry as text -> sticker draws it, precomputed
  (:mod:`sticker_studio.engine.rig.rig_cache`; rebuilt by
  ``python -m sticker_studio.training.data.build_rig_cache``).
* ``NOTICE.md`` and the licence texts.

Everything is read from the repository: nothing is downloaded at run time.
"""

from __future__ import annotations

import json
import lzma
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from sticker_studio import paths
from sticker_studio.core.errors import InvalidInputError, StickerStudioError

ART_STYLES: tuple[str, ...] = ("fluent-emoji-flat", "noto")
DEFAULT_STYLE = "fluent-emoji-flat"
INDEX_FILE = "index.json.xz"
EMBEDDINGS_FILE = "index_minilm.npz"
INDEX_SCHEMA = "sticker-studio/art-index/1"


class ArtLibraryError(StickerStudioError):
    """The bundled art library is missing or damaged."""


@dataclass(frozen=True)
class ArtEntry:
    """One subject of the library (an emoji) and its icon in each art style."""

    key: str                               #: normalised codepoints, e.g. "1f408"
    emoji: str
    label: str                             #: "cat"
    tags: tuple[str, ...] = ()
    group: str = ""                        #: emojibase group, e.g. "animals-nature"
    icons: dict[str, str] = field(default_factory=dict)  #: style → icon name

    def icon(self, style: str) -> tuple[str, str]:
        """(style, icon name) for ``style``, or the other style when this one lacks the subject."""
        if style in self.icons:
            return style, self.icons[style]
        for other in ART_STYLES:
            if other in self.icons:
                return other, self.icons[other]
        raise ArtLibraryError(f"the art library has no icon for {self.label!r}")


def art_dir() -> Path:
    """The folder of the bundled art library (``resources/art``)."""
    return paths.resources_dir() / "art"


def read_xz_json(path: Path) -> Any:
    try:
        with lzma.open(path, "rt", encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise ArtLibraryError(f"the art library file {path} is missing; reinstall Sticker Studio") from None
    except (OSError, lzma.LZMAError, json.JSONDecodeError) as error:
        raise ArtLibraryError(f"the art library file {path} is damaged ({error}); reinstall Sticker Studio") from None


def write_xz_json(path: Path, data: Any) -> None:
    """Write compressed JSON through a temp file + rename (used by the library builder)."""
    from sticker_studio.core.atomic import atomic_write_bytes

    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    atomic_write_bytes(path, lzma.compress(raw, preset=9 | lzma.PRESET_EXTREME))


class ArtLibrary:
    """The index entries and the icon sets, loaded lazily and cached per folder."""

    _cache: ClassVar[dict[str, ArtLibrary]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        data = read_xz_json(self.folder / INDEX_FILE)
        if not isinstance(data, dict) or data.get("schema") != INDEX_SCHEMA:
            raise ArtLibraryError(f"{self.folder / INDEX_FILE} is not a {INDEX_SCHEMA} index")
        self.info: dict[str, Any] = {k: v for k, v in data.items() if k != "entries"}
        self.entries: list[ArtEntry] = [
            ArtEntry(str(e["key"]), str(e["emoji"]), str(e["label"]), tuple(e.get("tags") or ()),
                     str(e.get("group") or ""), dict(e["icons"]))
            for e in data["entries"]
        ]
        self._sets: dict[str, dict[str, Any]] = {}

    @classmethod
    def load(cls, folder: Path | None = None) -> ArtLibrary:
        folder = Path(folder) if folder is not None else art_dir()
        key = str(folder.resolve())
        with cls._lock:
            lib = cls._cache.get(key)
            if lib is None:
                lib = cls._cache[key] = cls(folder)
        return lib

    def icon_set(self, style: str) -> dict[str, Any]:
        if style not in ART_STYLES:
            raise InvalidInputError(f"unknown art style {style!r}; choose one of: {', '.join(ART_STYLES)}")
        with self._lock:
            if style not in self._sets:
                self._sets[style] = read_xz_json(self.folder / f"{style}.json.xz")
            return self._sets[style]

    def find(self, text: str) -> ArtEntry | None:
        """The entry whose label, emoji or codepoints equal ``text`` (case-insensitive)."""
        wanted = text.strip().lower()
        for entry in self.entries:
            if wanted in (entry.label.lower(), entry.emoji, entry.key):
                return entry
        return None

    def svg(self, entry: ArtEntry, style: str = DEFAULT_STYLE) -> str:
        """The entry's icon in ``style`` as a standalone SVG document."""
        style, name = entry.icon(style)
        return icon_svg(self.icon_set(style), name)


def icon_svg(icon_set: dict[str, Any], name: str) -> str:
    """An Iconify icon (following aliases: flips and quarter turns) as an SVG document."""
    icons: dict[str, Any] = icon_set.get("icons", {})
    aliases: dict[str, Any] = icon_set.get("aliases", {})
    h_flip = v_flip = False
    rotate = 0
    seen: set[str] = set()
    while name not in icons:
        alias = aliases.get(name)
        if alias is None or name in seen:
            raise ArtLibraryError(f"icon {name!r} is not in the {icon_set.get('prefix')} set")
        seen.add(name)
        h_flip ^= bool(alias.get("hFlip"))
        v_flip ^= bool(alias.get("vFlip"))
        rotate += int(alias.get("rotate", 0))
        name = str(alias["parent"])
    icon = icons[name]
    h_flip ^= bool(icon.get("hFlip"))
    v_flip ^= bool(icon.get("vFlip"))
    rotate += int(icon.get("rotate", 0))
    width = float(icon.get("width", icon_set.get("width", 16)))
    height = float(icon.get("height", icon_set.get("height", 16)))
    left, top = float(icon.get("left", 0)), float(icon.get("top", 0))
    transforms: list[str] = []
    if h_flip or v_flip:
        transforms.append(f"translate({(left * 2 + width) if h_flip else 0} {(top * 2 + height) if v_flip else 0}) "
                          f"scale({-1 if h_flip else 1} {-1 if v_flip else 1})")
    if rotate % 4:
        transforms.append(f"rotate({90 * (rotate % 4)} {left + width / 2} {top + height / 2})")
    body = str(icon["body"])
    if transforms:
        body = f'<g transform="{" ".join(transforms)}">{body}</g>'
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'viewBox="{left:g} {top:g} {width:g} {height:g}" width="{width:g}" height="{height:g}">{body}</svg>')
