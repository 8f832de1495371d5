"""Build a *development* matting set from the two art sets the project trains on (Fluent, Noto).

Same shapes and backgrounds as the held-out real set (``scripts/build_matting_real.py``: white, cream
paper as JPEG, a near colour, paper texture), so a rule can be developed and checked on drawings the
project may look at, before the held-out Twemoji set is scored. Every case is split ``val``.

    python scripts/build_matting_dev.py OUT [fluent:ring-buoy noto:ring ...]
"""

from __future__ import annotations

import io
import json
import lzma
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_matting_real as real

from sticker_studio.core.text.art_library import icon_svg
from sticker_studio.formats.svg_render import render_svg

ART = Path(__file__).resolve().parent.parent / "resources" / "art"
SETS = {"fluent": "fluent-emoji-flat.json.xz", "noto": "noto.json.xz"}
#: shapes the real set's failures had: rings and buoys, pale bodies, thin enclosures, handles
DEFAULT = ["ring-buoy", "ring", "doughnut", "bagel", "pretzel", "spider-web", "bucket", "paperclip",
           "ghost", "polar-bear", "snowman", "teacup-without-handle", "hot-beverage", "badger", "panda",
           "zebra", "cloud", "rice-ball", "soft-ice-cream", "basket"]


def render(icon_set: dict[str, object], name: str) -> np.ndarray:
    inner = int(round(real.SIZE * real.SCALE))
    art = render_svg(icon_svg(icon_set, name), inner)
    canvas = np.zeros((real.SIZE, real.SIZE, 4), np.uint8)
    o = (real.SIZE - inner) // 2
    canvas[o:o + inner, o:o + inner] = art
    return canvas


def main(out: Path, wanted: list[str]) -> int:
    rng = np.random.default_rng(2412)
    for sub in ("subjects", "cream", "plates"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for k in range(real.PLATES):
        Image.fromarray(real.paper_plate(rng)).save(out / "plates" / f"paper_{k}.png")
    sets = {key: json.loads(lzma.open(ART / f).read()) for key, f in SETS.items()}
    todo = [w.split(":", 1) for w in wanted] if wanted else [[s, n] for n in DEFAULT for s in SETS]
    cases = []
    for k, (which, name) in enumerate(todo):
        try:
            rgba = render(sets[which], name)
        except Exception as exc:  # an icon one set lacks
            print(f"skip {which}:{name}: {exc}")
            continue
        slug = f"{which}-{name}"
        Image.fromarray(rgba, "RGBA").save(out / "subjects" / f"{slug}.png")
        cream = np.clip(real.CREAM + rng.normal(0, 1.5, size=(real.SIZE, real.SIZE, 1)), 0, 255)
        buf = io.BytesIO()
        Image.fromarray(real.composite(rgba, cream)).save(buf, format="JPEG", quality=75)
        (out / "cream" / f"{slug}.jpg").write_bytes(buf.getvalue())
        cases.append({"name": slug, "file": slug, "twemoji": "", "family": "dev", "split": "val",
                      "near_colour": real.near_colour(rgba, rng), "plate": k % real.PLATES})
    manifest = {"format": 1, "size": real.SIZE, "source": "Fluent Emoji (MIT) and Noto Emoji (Apache-2.0)",
                "backgrounds": ["white", "cream jpeg", "near colour", "paper texture"], "cases": cases}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    print(f"{len(cases)} subjects -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2:]))
