"""Build the held-out *real art* matting set (issue 24): tests/data/matting_real/.

Twemoji (CC BY 4.0, https://github.com/jdecked/twemoji; npm ``@twemoji/svg``) is an emoji set
the project never trains on (training uses Fluent and Noto only). Every subject is rendered
with the app's own SVG renderer at 512², scaled to ~80 % and centred (a drawing with a margin),
and stored as an RGBA PNG (``subjects/NAME.png``: the true alpha is its alpha). The four
backgrounds are built by :mod:`sticker_studio.training.eval.real_set` at load time from what is
stored here:

* ``white`` — 255;
* ``cream jpeg`` — flat cream with a faint grain, composited and saved as JPEG quality 75
  (``cream/NAME.jpg``: the file itself is the input);
* ``near colour`` — a flat colour ~30 RGB units from the subject's dominant colour (manifest);
* ``paper texture`` — one of four procedural paper plates (``plates/paper_K.png``: an off-white
  base, low-frequency mottling, a light gradient, fibres and grain).

Usage (once: ``cd /tmp && npm pack @twemoji/svg && tar xzf twemoji-svg-*.tgz``)::

    python scripts/build_matting_real.py /tmp/package tests/data/matting_real
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

from sticker_studio.formats.svg_render import render_svg

SIZE = 512
SCALE = 0.8
#: (name, twemoji codepoint file, family); the split is val for every third subject of a family
SUBJECTS: list[tuple[str, str, str]] = [
    # pale subjects
    ("hot beverage", "2615", "pale"), ("ghost", "1f47b", "pale"), ("polar bear", "1f43b-200d-2744-fe0f", "pale"),
    ("snowman", "2603", "pale"), ("cloud", "2601", "pale"), ("egg", "1f95a", "pale"),
    ("rice ball", "1f359", "pale"), ("tooth", "1f9b7", "pale"), ("skull", "1f480", "pale"),
    ("glass of milk", "1f95b", "pale"), ("soft ice cream", "1f366", "pale"), ("teacup", "1f375", "pale"),
    # black-and-white animals
    ("panda", "1f43c", "black-white"), ("penguin", "1f427", "black-white"), ("cow", "1f404", "black-white"),
    ("cow face", "1f42e", "black-white"), ("zebra", "1f993", "black-white"), ("skunk", "1f9a8", "black-white"),
    ("badger", "1f9a1", "black-white"),
    # rings and thin enclosures
    ("ring", "1f48d", "ring"), ("pretzel", "1f968", "ring"), ("bagel", "1f96f", "ring"),
    ("doughnut", "1f369", "ring"), ("spider web", "1f578", "ring"), ("ring buoy", "1f6df", "ring"),
    ("old key", "1f5dd", "ring"), ("scissors", "2702", "ring"), ("paperclip", "1f4ce", "ring"),
    ("link", "1f517", "ring"), ("safety pin", "1f9f7", "ring"), ("headphone", "1f3a7", "ring"),
    # handles
    ("teapot", "1fad6", "handle"), ("basket", "1f9fa", "handle"), ("bucket", "1faa3", "handle"),
    ("handbag", "1f45c", "handle"), ("beer mug", "1f37a", "handle"),
    # ordinary characters and objects
    ("cat face", "1f431", "ordinary"), ("dog face", "1f436", "ordinary"), ("fox", "1f98a", "ordinary"),
    ("frog", "1f438", "ordinary"), ("octopus", "1f419", "ordinary"), ("unicorn", "1f984", "ordinary"),
    ("rocket", "1f680", "ordinary"), ("red apple", "1f34e", "ordinary"), ("banana", "1f34c", "ordinary"),
    ("guitar", "1f3b8", "ordinary"), ("robot", "1f916", "ordinary"), ("alien", "1f47d", "ordinary"),
    ("grinning face", "1f600", "ordinary"), ("sunflower", "1f33b", "ordinary"), ("turtle", "1f422", "ordinary"),
]
CREAM = np.array([246.0, 239.0, 222.0])
PLATES = 4


def slug(name: str) -> str:
    return name.replace(" ", "-")


def render_subject(svg_path: Path) -> np.ndarray:
    inner = int(round(SIZE * SCALE))
    art = render_svg(svg_path.read_text(encoding="utf-8"), inner)
    canvas = np.zeros((SIZE, SIZE, 4), np.uint8)
    o = (SIZE - inner) // 2
    canvas[o:o + inner, o:o + inner] = art
    return canvas


def dominant_colour(rgba: np.ndarray) -> np.ndarray:
    """The most common opaque colour (quantised to 16 levels) of the subject, 0-255."""
    px = rgba[rgba[..., 3] > 250][:, :3].astype(np.int64)
    q = px // 16
    keys = q[:, 0] * 256 + q[:, 1] * 16 + q[:, 2]
    top = int(np.bincount(keys).argmax())
    return px[keys == top].mean(axis=0)


def near_colour(rgba: np.ndarray, rng: np.random.Generator) -> list[int]:
    c = dominant_colour(rgba)
    step = rng.normal(size=3)
    c = c + step / float(np.linalg.norm(step)) * 30.0
    return [int(v) for v in np.clip(np.round(c), 0, 255)]


def paper_plate(rng: np.random.Generator, size: int = SIZE) -> np.ndarray:
    """An off-white paper texture: mottling, a light gradient, fibres and grain (uint8 RGB)."""
    base = np.array([243.0, 240.0, 231.0]) + rng.uniform(-5, 5, size=3)
    mottle = ndimage.gaussian_filter(rng.normal(size=(size, size)), 24.0)
    mottle = mottle / (np.abs(mottle).max() + 1e-9) * 7.0
    yy, xx = np.mgrid[0:size, 0:size] / size
    angle = rng.uniform(0, 2 * np.pi)
    grad = (np.cos(angle) * xx + np.sin(angle) * yy - 0.5) * rng.uniform(6, 12)
    fibres = np.zeros((size, size))
    for _ in range(int(size * size / 900)):
        x, y = rng.uniform(0, size, size=2)
        t = rng.uniform(0, np.pi)
        length = rng.uniform(6, 30)
        s = np.linspace(0, length, int(length * 2))
        px = np.clip((x + np.cos(t) * s).astype(int), 0, size - 1)
        py = np.clip((y + np.sin(t) * s).astype(int), 0, size - 1)
        fibres[py, px] += rng.uniform(4, 12)
    fibres = ndimage.gaussian_filter(fibres, 0.6)
    grain = ndimage.gaussian_filter(rng.normal(size=(size, size)), 0.7) * 5.0
    lum = mottle + grad - fibres + grain
    plate = base[None, None, :] + lum[..., None] * np.array([1.0, 1.0, 1.1])
    return (np.clip(plate, 0, 255) + 0.5).astype(np.uint8)


def composite(rgba: np.ndarray, plate: np.ndarray) -> np.ndarray:
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    return (rgba[..., :3].astype(np.float32) * a + plate.astype(np.float32) * (1 - a) + 0.5).astype(np.uint8)


def main(src: Path, out: Path) -> int:
    rng = np.random.default_rng(24)
    for sub in ("subjects", "cream", "plates"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for k in range(PLATES):
        Image.fromarray(paper_plate(rng)).save(out / "plates" / f"paper_{k}.png", optimize=True)
    cases = []
    family_count: dict[str, int] = {}
    for k, (name, code, family) in enumerate(SUBJECTS):
        rgba = render_subject(src / f"{code}.svg")
        Image.fromarray(rgba, "RGBA").save(out / "subjects" / f"{slug(name)}.png", optimize=True)
        n = family_count.get(family, 0)
        family_count[family] = n + 1
        cream = np.clip(CREAM + rng.normal(0, 1.5, size=(SIZE, SIZE, 1)), 0, 255)
        buf = io.BytesIO()
        Image.fromarray(composite(rgba, cream)).save(buf, format="JPEG", quality=75)
        (out / "cream" / f"{slug(name)}.jpg").write_bytes(buf.getvalue())
        cases.append({"name": name, "file": slug(name), "twemoji": code, "family": family,
                      "split": "val" if n % 3 == 1 else "test", "near_colour": near_colour(rgba, rng),
                      "plate": k % PLATES})
    manifest = {"format": 1, "size": SIZE, "source": "Twemoji 15.0 (@twemoji/svg 15.0.0), CC BY 4.0",
                "backgrounds": ["white", "cream jpeg", "near colour", "paper texture"], "cases": cases}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    print(f"{len(cases)} subjects -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
