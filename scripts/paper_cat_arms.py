"""A cat drawn in ink on white paper (big head, short stubby arms against the body): are its arms waved? (a look)

The tester's report (issue 22): the Character panel showed arms, but wave was refused because the arms "hold 2.7 %".
This draws a similar cat with Pillow at a few arm sizes, cuts it out as ``animate`` cuts a sketch on paper, rigs it
automatically and prints each arm's share of the drawing, of the part below the head and of the body, and why
``core/puppet/arms.py`` doubts it.

    PYTHONPATH=. python scripts/paper_cat_arms.py [--size 256] [--save DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw


def paper_cat(size: int = 512, arm: float = 1.0) -> np.ndarray:
    """Opaque RGB(A) drawing: ink outlines, paper-white fills, a big head, stubby arms against the body."""
    ss = 3
    big = size * ss
    im = Image.new("RGB", (big, big), (250, 249, 245))
    d = ImageDraw.Draw(im)
    w = max(2, int(0.012 * big))
    k = big / 512
    ink, paper = (25, 25, 25), (255, 255, 255)

    def oval(box: tuple[float, float, float, float], fill: tuple[int, int, int] = paper) -> None:
        d.ellipse([v * k for v in box], fill=fill, outline=ink, width=w)

    oval((185, 420, 245, 460))
    oval((267, 420, 327, 460))
    oval((170, 250, 342, 450))
    oval((150 - 12 * arm, 285, 190, 285 + 70 * arm))
    oval((322, 285, 362 + 12 * arm, 285 + 70 * arm))
    for ear in (((150, 150), (170, 60), (225, 115)), ((362, 150), (342, 60), (287, 115))):
        d.polygon([(x * k, y * k) for x, y in ear], fill=paper, outline=ink, width=w)
    oval((130, 80, 382, 290))
    oval((200, 160, 225, 195), ink)
    oval((287, 160, 312, 195), ink)
    d.polygon([(246 * k, 210 * k), (266 * k, 210 * k), (256 * k, 222 * k)], fill=(230, 120, 140))
    for x0 in (226, 254):
        d.arc((x0 * k, 210 * k, (x0 + 32) * k, 240 * k), 20, 160, fill=ink, width=w)
    return np.asarray(im.resize((size, size), Image.Resampling.LANCZOS).convert("RGBA"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--save", type=Path, default=None)
    args = ap.parse_args()
    from sticker_studio.core.puppet.animate import missing_in, prepare
    from sticker_studio.core.puppet.arms import arm_doubts
    from sticker_studio.core.puppet.motions import find_character_motion
    from sticker_studio.core.puppet.preview import rig_preview
    from sticker_studio.core.sticker import Sticker
    from sticker_studio.engine.matting.cutout import Background, MattingHeadCache, cut_out
    from sticker_studio.engine.rig.auto import auto_rig

    wave = find_character_motion("wave")
    assert wave is not None
    for arm in (0.8, 1.0, 1.3):
        drawn = paper_cat(args.size, arm)
        rgba = cut_out(Sticker([drawn], [100], 0, {}), Background.LINE_ART, MattingHeadCache.of(None), regions=False,
                       fallback=True, keep_if_empty=False).sticker.frames[0]
        rig = auto_rig(rgba)
        plan = prepare(rgba, rig)
        layers = {layer.part: layer for layer in plan.puppet.layers}
        subject = int((rgba[..., 3] > 127).sum())
        head = int((layers["head"].still[..., 3] > 0.5).sum()) if "head" in layers else 0
        body = int((layers["body"].still[..., 3] > 0.5).sum()) if "body" in layers else 0
        doubts = arm_doubts(rgba, rig, plan.puppet)
        print(f"arm size {arm}: {rig.plan.value} ({rig.source}), part map {'yes' if rig.parts is not None else 'no'}, "
              f"wave missing: {missing_in(wave, rig, plan)}")
        for side in ("l", "r"):
            if f"arm_{side}" in layers:
                a = int((layers[f"arm_{side}"].still[..., 3] > 0.5).sum())
                print(f"    arm_{side}: {a / subject:.1%} of the drawing, {a / max(1, subject - head):.1%} below the "
                      f"head, {a / max(1, body):.1%} of the body; doubt: {doubts.get(side) or 'none'}")
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            Image.fromarray(rig_preview(rgba, rig)).save(args.save / f"paper_cat_{arm}.png")


if __name__ == "__main__":
    main()
