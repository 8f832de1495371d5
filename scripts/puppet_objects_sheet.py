"""Non-characters through the automatic rig (docs/puppet/objects.png): a lamp, a letter K, a chair, a tree, a
cactus and a house, drawn here with Pillow at 512 px and animated at 256 px as ``animate`` does. Prints per
drawing the body plan, the face, what is offered and the torn frames (:mod:`sticker_studio.core.puppet.tears`)
of every offered character motion; draws hop, dance and head-tilt of each (checkerboard = transparent).

    PYTHONPATH=. python scripts/puppet_objects_sheet.py [--out docs/puppet/objects.png]
"""

from __future__ import annotations

import argparse
import glob
import textwrap
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from sticker_studio.core.puppet.animate import (
    AnimateOptions,
    animate_character,
    available_motions,
    motion_poses,
    prepare,
)
from sticker_studio.core.puppet.motions import CharacterParams, find_character_motion
from sticker_studio.core.puppet.preview import contact_sheet
from sticker_studio.core.puppet.tears import count_tears
from sticker_studio.engine.rig.auto import auto_rig

W = 512
SHOWN = ("hop", "dance", "head-tilt")


def _canvas() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    im = Image.new("RGBA", (W, W), (0, 0, 0, 0))
    return im, ImageDraw.Draw(im)


def drawings() -> dict[str, Image.Image]:
    """The six objects (the K needs a bold TrueType font; it is left out without one)."""
    out: dict[str, Image.Image] = {}
    im, d = _canvas()
    d.polygon([(180, 80), (340, 80), (400, 230), (120, 230)], fill=(240, 200, 80, 255), outline=(80, 60, 20, 255),
              width=6)
    d.rectangle((245, 230, 275, 420), fill=(90, 90, 100, 255), outline=(30, 30, 40, 255), width=5)
    d.ellipse((170, 400, 350, 470), fill=(90, 90, 100, 255), outline=(30, 30, 40, 255), width=5)
    out["lamp"] = im
    fonts = sorted(glob.glob("/usr/share/fonts/**/DejaVuSans*Bold.ttf", recursive=True))
    if fonts:
        im, d = _canvas()
        d.text((110, 40), "K", font=ImageFont.truetype(fonts[0], 400), fill=(220, 60, 60, 255), stroke_width=8,
               stroke_fill=(30, 20, 20, 255))
        out["letter_k"] = im
    im, d = _canvas()
    ink, wood = (60, 40, 30, 255), (170, 110, 60, 255)
    for box in ((150, 60, 190, 300), (320, 60, 360, 300), (150, 80, 360, 130), (130, 290, 380, 330)):
        d.rectangle(box, fill=wood, outline=ink, width=5)
    for x in (140, 190, 320, 360):
        d.rectangle((x - 12, 330, x + 12, 470), fill=wood, outline=ink, width=5)
    out["chair"] = im
    im, d = _canvas()
    d.rectangle((230, 300, 285, 480), fill=(120, 80, 40, 255), outline=(50, 30, 20, 255), width=5)
    d.ellipse((110, 40, 400, 330), fill=(60, 160, 70, 255), outline=(20, 70, 30, 255), width=6)
    out["tree"] = im
    im, d = _canvas()
    green, dark = (80, 170, 90, 255), (20, 80, 30, 255)
    for box in ((220, 80, 300, 470), (120, 200, 230, 250), (120, 120, 170, 250), (290, 260, 400, 310),
                (350, 170, 400, 310)):
        d.rounded_rectangle(box, radius=25 if box[2] - box[0] < 80 or box[3] - box[1] < 80 else 40, fill=green,
                            outline=dark, width=6)
    out["cactus"] = im
    im, d = _canvas()
    d.rectangle((130, 220, 390, 460), fill=(230, 210, 170, 255), outline=(60, 40, 30, 255), width=6)
    d.polygon([(100, 230), (260, 80), (420, 230)], fill=(190, 60, 50, 255), outline=(60, 30, 20, 255), width=6)
    d.rectangle((230, 350, 290, 460), fill=(120, 80, 50, 255), outline=(60, 40, 30, 255), width=5)
    for x in (160, 310):
        d.rectangle((x, 260, x + 50, 310), fill=(150, 200, 240, 255), outline=(60, 40, 30, 255), width=5)
    out["house"] = im
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=Path("docs/puppet/objects.png"))
    ap.add_argument("--size", type=int, default=256)
    args = ap.parse_args()
    rows: list[tuple[str, list[np.ndarray]]] = []
    notes: list[str] = []
    for name, image in drawings().items():
        rgba = np.asarray(image.resize((args.size, args.size), Image.Resampling.LANCZOS)).copy()
        rig = auto_rig(rgba)
        plan = prepare(rgba, rig)
        offered = available_motions(rig, plan=plan)
        torn = {}
        for motion in offered:
            mot = find_character_motion(motion)
            assert mot is not None
            poses = motion_poses(mot, rig, plan.puppet, CharacterParams(), [k / 24 for k in range(24)], None)
            torn[motion] = count_tears(plan.puppet, poses).frames
        line = (f"{name}: {rig.plan.value}; face {', '.join(rig.face) or 'none'}; offered "
                f"{', '.join(offered) or 'none'}; torn frames (of 24) "
                + (", ".join(f"{m} {n}" for m, n in torn.items() if n) or "none"))
        print(line)
        notes.append(line)
        for motion in SHOWN:
            if motion in offered:
                sticker = animate_character(rgba, rig, motion, options=AnimateOptions(frames=16), plan=plan)
                rows.append((f"{name} {motion}", sticker.frames[::2]))
    sheet = contact_sheet(rows, thumb=96, columns=8)
    lines = [chunk for line in notes for chunk in textwrap.wrap(line, 140, subsequent_indent="    ")]
    header = Image.new("RGB", (sheet.shape[1], 14 * len(lines) + 8), (255, 255, 255))
    d = ImageDraw.Draw(header)
    for i, line in enumerate(lines):
        d.text((4, 4 + 14 * i), line, fill=(0, 0, 0))
    Image.fromarray(np.concatenate([np.asarray(header), sheet], 0)).save(args.out, optimize=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
