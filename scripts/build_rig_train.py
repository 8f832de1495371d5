"""Render the hand-labelled rig TRAINING set from the bundled Fluent and Noto art (``data/rig_train``).

The labels are committed in ``sticker_studio/training/rig/rig_train_labels.json`` (format 1,
pixels of 512x512 renders, the same conventions as ``tests/data/rig_real``); the images are
rendered here from the art library the app ships (``resources/art``: Fluent Emoji, MIT;
Noto Emoji, Apache-2.0) with the project's SVG renderer, so nothing is downloaded. OpenMoji
(the evaluation set) is never used for training.

    python scripts/build_rig_train.py [--out data/rig_train] [--grid OUT]   # --grid: overlays for labelling
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from PIL import Image, ImageDraw

from sticker_studio.core.text.art_library import ArtLibrary
from sticker_studio.formats.svg_render import render_svg

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "sticker_studio" / "training" / "rig" / "rig_train_labels.json"
SIZE = 512
STYLE = {"f": "fluent-emoji-flat", "n": "noto"}


def render(lib: ArtLibrary, stem: str) -> Image.Image:
    label, style = stem.rsplit("@", 1)
    entry = lib.find(label.replace("_", " "))
    if entry is None:
        raise SystemExit(f"no {label!r} in the art library")
    return Image.fromarray(render_svg(lib.svg(entry, STYLE[style]), SIZE))


def grid_overlay(im: Image.Image, step: int = 32) -> Image.Image:
    bg = Image.new("RGBA", im.size, (235, 235, 235, 255))
    bg.alpha_composite(im)
    d = ImageDraw.Draw(bg)
    for v in range(0, SIZE, step):
        col = (255, 0, 0, 255) if v % 128 == 0 else (120, 120, 120, 255)
        d.line([(v, 0), (v, SIZE)], fill=col, width=1)
        d.line([(0, v), (SIZE, v)], fill=col, width=1)
        d.text((v + 1, 1), str(v), fill=(0, 0, 200, 255))
        d.text((1, v + 1), str(v), fill=(0, 0, 200, 255))
    return bg.convert("RGB")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "rig_train")
    ap.add_argument("--grid", type=Path, help="write grid overlays of these stems here (for labelling)")
    ap.add_argument("stems", nargs="*", help="with --grid: e.g. cat@f dog@n")
    args = ap.parse_args()
    lib = ArtLibrary.load()
    if args.grid:
        args.grid.mkdir(parents=True, exist_ok=True)
        for stem in args.stems:
            grid_overlay(render(lib, stem)).save(args.grid / f"{stem}.png")
        return 0
    data = json.loads(LABELS.read_text(encoding="utf-8"))
    args.out.mkdir(parents=True, exist_ok=True)
    for item in data["items"]:
        render(lib, Path(item["file"]).stem).save(args.out / item["file"])
    (args.out / "labels.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"{len(data['items'])} drawings in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
