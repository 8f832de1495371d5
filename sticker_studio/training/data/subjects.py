"""Still subjects for the synthetic set: colour emoji rendered from a registry-installed font.

``scripts/fetch_synth_subjects`` installs Debian's ``fonts-noto-color-emoji`` (the Noto
Color Emoji font, OFL-1.1) and the npm packages ``emojibase-data`` (MIT; names and
tags) and ``emoji-datasource`` (MIT; categories), then renders every emoji the font
has from its 109 px colour bitmap strike into ``data/subjects/<codepoints>.png`` with
a ``data/subjects/index.jsonl`` (name, tags, group, licence). Nothing of it is
committed. Without that folder, :func:`load_subjects` falls back to the Pillow
drawings of :mod:`sticker_studio.training.data.drawn_subjects`, so tests need no download.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from sticker_studio.core.atomic import atomic_path, atomic_write_text
from sticker_studio.core.errors import InvalidInputError, StickerStudioError
from sticker_studio.training.data.drawn_subjects import DRAWN_SUBJECTS, NamedSubject
from sticker_studio.training.data.programs import require_program

SUBJECTS_INDEX = "index.jsonl"
#: The bitmap strike of Noto Color Emoji (CBDT): glyphs are 136x128 px at this size.
NOTO_STRIKE_SIZE = 109
NOTO_FONT_PATHS = (
    Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"),
    Path("/usr/share/fonts/noto/NotoColorEmoji.ttf"),
    Path("/usr/local/share/fonts/NotoColorEmoji.ttf"),
)
NOTO_DEB_PACKAGE = "fonts-noto-color-emoji"
NOTO_LICENSE = "OFL-1.1"
DRAWN_LICENSE = "Apache-2.0"


def default_subjects_dir() -> Path:
    """``<repo>/data/subjects`` (gitignored), where the fetch script puts the subjects."""
    return Path(__file__).resolve().parents[3] / "data" / "subjects"


@dataclass(frozen=True)
class Subject(NamedSubject):
    """A still to animate: its names (key, caption name, tags, group), its licence, and its pixels."""

    license: str
    source: str
    path: Path | None = None
    emoji: str = ""
    _render: Callable[[int], np.ndarray] | None = field(default=None, compare=False, repr=False)

    def image(self, size: int | None = None) -> np.ndarray:
        """RGBA uint8 (the file as stored, or a drawing rendered at ``size``)."""
        if self._render is not None:
            return self._render(size or 136)
        assert self.path is not None
        with Image.open(self.path) as im:
            return np.asarray(im.convert("RGBA")).copy()


def load_subjects(subjects_dir: Path | None = None, *, fallback: bool = True) -> list[Subject]:
    """The fetched emoji subjects, or (if none are installed and ``fallback``) the drawn ones."""
    folder = Path(subjects_dir) if subjects_dir is not None else default_subjects_dir()
    index = folder / SUBJECTS_INDEX
    subjects: list[Subject] = []
    if index.is_file():
        for number, line in enumerate(index.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                subjects.append(Subject(
                    key=str(item["key"]), name=str(item["name"]), tags=tuple(item.get("tags") or ()),
                    group=str(item.get("group") or ""), license=str(item.get("license") or "unknown"),
                    source=str(item.get("source") or "unknown"), path=folder / str(item["file"]),
                    emoji=str(item.get("emoji") or ""),
                ))
            except (json.JSONDecodeError, KeyError) as error:
                raise InvalidInputError(f"{index}:{number}: not a subject record ({error})") from error
    if subjects:
        return subjects
    if not fallback:
        raise InvalidInputError(f"no subjects in {folder}; run scripts/fetch_synth_subjects")
    return drawn_subjects()


def drawn_subjects() -> list[Subject]:
    """The Pillow-drawn stand-ins (no download, the project's own licence)."""
    return [
        Subject(d.key, d.name, d.tags, d.group, DRAWN_LICENSE, "drawn", None, "", d.render)
        for d in DRAWN_SUBJECTS
    ]


# ------------------------------------------------------------------------- fetch
def find_noto_font() -> Path | None:
    for path in NOTO_FONT_PATHS:
        if path.is_file():
            return path
    fc = shutil.which("fc-match")
    if fc:
        out = subprocess.run([fc, "-f", "%{file}", "Noto Color Emoji"], capture_output=True, text=True, check=False)
        candidate = Path(out.stdout.strip())
        if out.returncode == 0 and candidate.name.lower().startswith("notocoloremoji") and candidate.is_file():
            return candidate
    return None


def install_noto_font() -> Path:
    """The Noto Color Emoji font, installing the Debian package with apt-get if needed."""
    found = find_noto_font()
    if found is not None:
        return found
    apt = require_program(
        "apt-get", f"Noto Color Emoji is not installed and there is no apt-get; install the '{NOTO_DEB_PACKAGE}' "
        "package (or NotoColorEmoji.ttf) with your system's package manager")
    prefix = [] if _is_root() else ["sudo"]
    for cmd in ([*prefix, apt, "update", "-qq"], [*prefix, apt, "install", "-y", "-qq", NOTO_DEB_PACKAGE]):
        done = subprocess.run(cmd, capture_output=True, text=True, check=False,
                              env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-2:]
            raise StickerStudioError(f"'{' '.join(cmd)}' failed: {' '.join(tail)}")
    found = find_noto_font()
    if found is None:
        raise StickerStudioError(f"installed {NOTO_DEB_PACKAGE} but NotoColorEmoji.ttf was not found")
    return found


def _is_root() -> bool:
    import os

    return hasattr(os, "geteuid") and os.geteuid() == 0


class EmojiRenderer:
    """Renders emoji sequences from a colour emoji font's bitmap strike to RGBA squares."""

    def __init__(self, font_path: Path, size: int = NOTO_STRIKE_SIZE) -> None:
        self.font = ImageFont.truetype(str(font_path), size)
        self.canvas = int(size * 1.6)
        self.missing = self._raw("\ue000")  # a private-use codepoint: what "no glyph" looks like

    def _raw(self, text: str) -> np.ndarray:
        im = Image.new("RGBA", (self.canvas, self.canvas), (0, 0, 0, 0))
        ImageDraw.Draw(im).text((4, 4), text, font=self.font, embedded_color=True)
        return np.asarray(im)

    def render(self, text: str) -> np.ndarray | None:
        """A square RGBA crop of the glyph, or None if the font has no single glyph for it."""
        arr = self._raw(text)
        if arr[..., 3].max() == 0 or np.array_equal(arr, self.missing):
            return None
        ys, xs = np.nonzero(arr[..., 3])
        h, w = ys.max() - ys.min() + 1, xs.max() - xs.min() + 1
        if w > 1.35 * NOTO_STRIKE_SIZE * 1.25 or h < 8:  # an unsupported sequence drawn as several glyphs
            return None
        crop = arr[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
        side = int(max(h, w)) + 8
        out = np.zeros((side, side, 4), np.uint8)
        y0, x0 = (side - h) // 2, (side - w) // 2
        out[y0:y0 + h, x0:x0 + w] = crop
        return out


def fetch_subjects(out: Path | None = None, *, npm_cache: Path | None = None, limit: int | None = None,
                   log: Callable[[str], None] = print) -> int:
    """Install the font and metadata, render every emoji into ``out``; returns the subject count."""
    from sticker_studio.training.data.emoji_meta import EmojiCatalog
    from sticker_studio.training.data.fetch import npm_pack, safe_extract

    out = Path(out) if out is not None else default_subjects_dir()
    cache = Path(npm_cache) if npm_cache is not None else out.parent / "npm"
    font = install_noto_font()
    log(f"font: {font}")
    dirs = {}
    for package in ("emojibase-data", "emoji-datasource"):
        tarball = npm_pack(package, cache)
        dirs[package] = safe_extract(tarball, cache / "extracted" / package)
        log(f"npm: {tarball.name}")
    catalog = EmojiCatalog.load(dirs["emojibase-data"], dirs["emoji-datasource"])
    renderer = EmojiRenderer(font)
    out.mkdir(parents=True, exist_ok=True)
    lines, seen = [], set()
    for info in catalog.entries.values():
        if info.skin_tones or info.base_key in seen or info.category.lower() in ("", "component"):
            continue
        seen.add(info.base_key)
        image = renderer.render(info.emoji)
        if image is None:
            continue
        file = f"{info.base_key}.png"
        with atomic_path(out / file) as tmp:
            Image.fromarray(image, "RGBA").save(tmp, format="PNG", compress_level=6)
        lines.append(json.dumps({
            "key": info.base_key, "file": file, "name": info.base_label, "emoji": info.emoji,
            "tags": list(info.tags), "group": info.category, "subgroup": info.subcategory,
            "license": NOTO_LICENSE, "source": f"Noto Color Emoji ({NOTO_DEB_PACKAGE})",
            "names_from": "emojibase-data (MIT), emoji-datasource (MIT)",
        }, ensure_ascii=False))
        if limit is not None and len(lines) >= limit:
            break
    atomic_write_text(out / SUBJECTS_INDEX, "\n".join(lines) + "\n")
    log(f"{len(lines)} subjects -> {out}")
    return len(lines)
