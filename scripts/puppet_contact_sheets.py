"""Contact sheets of every character motion on library art (docs/puppet/*.png).

Renders Fluent Emoji art through the art library + resvg, rigs it automatically and
plays every motion the rig supports (8 frames a row, checkerboard = transparent).
Motions the rig cannot play are listed with what they need. Usage::

    python scripts/puppet_contact_sheets.py [--out docs/puppet] [--size 384]
    python scripts/puppet_contact_sheets.py --real tests/data/rig_real --out docs/puppet/real

``--real`` draws the sheets of 8 hand-labelled OpenMoji characters (never trained on) with the
automatic rig the app and ``animate`` use (``engine.rig.auto.auto_rig``: the learned rig-net plus
the geometry), so they show what a user gets on art the project did not make.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from sticker_studio.core.puppet.animate import AnimateOptions, animate_character, missing_in, prepare
from sticker_studio.core.puppet.autorig import propose_rig
from sticker_studio.core.puppet.motions import list_character_motions
from sticker_studio.core.puppet.preview import contact_sheet, rig_preview
from sticker_studio.core.puppet.rig import Rig
from sticker_studio.core.text.art_library import ArtLibrary
from sticker_studio.formats.svg_render import render_svg

#: real characters for ``--real`` (file stems in tests/data/rig_real)
REAL_CHARACTERS = ("teddy_bear", "cat", "dog", "person_standing", "superhero", "penguin", "robot", "smiling_face")

CHARACTERS: dict[str, str] = {
    "person": "person standing", "teddy": "teddy bear", "dog": "dog", "cat": "cat",
    "smiley": "smiling face with smiling eyes", "ghost": "ghost", "monkey": "monkey", "robot": "robot",
    "clock": "alarm clock",
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=Path("docs/puppet"))
    ap.add_argument("--size", type=int, default=384)
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--real", type=Path, default=None, help="folder of the hand-labelled real set")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.real is not None:
        real_sheets(args.real, args.out, args.size, args.only)
        return
    lib = ArtLibrary.load()
    previews = []
    for key, label in CHARACTERS.items():
        if args.only and key not in args.only:
            continue
        entry = lib.find(label)
        if entry is None:
            print(f"{label}: not in the art library")
            continue
        rgba = render_svg(lib.svg(entry), args.size)
        t0 = time.perf_counter()
        rig = propose_rig(rgba)
        rows, skipped = motion_rows(rgba, rig)
        elapsed = time.perf_counter() - t0
        write_sheet(args.out / f"{key}.png", rows, skipped, f"{label} ({entry.emoji}, Fluent Emoji, MIT)", rig)
        previews.append(np.asarray(Image.fromarray(rig_preview(rgba, rig)).resize((192, 192))))
        print(f"{key}: {len(rows)} motions in {elapsed:.1f} s -> {args.out / (key + '.png')}")
    if previews:
        Image.fromarray(np.concatenate(previews, 1)).save(args.out / "rigs.png", optimize=True)


def motion_rows(rgba: np.ndarray, rig: Rig) -> tuple[list[tuple[str, list[np.ndarray]]], list[str]]:
    """Every character motion the rig can play (16 frames), and what the others need."""
    plan = prepare(rgba, rig)
    rows: list[tuple[str, list[np.ndarray]]] = []
    skipped: list[str] = []
    for motion in list_character_motions():
        missing = missing_in(motion, rig, plan)  # what animate enforces (doubtful automatic arms, eyes)
        if missing:
            skipped.append(f"{motion.name} (needs {' and '.join(missing)})")
            continue
        sticker = animate_character(rgba, rig, motion.name, options=AnimateOptions(frames=16), plan=plan)
        rows.append((motion.name, sticker.frames))
    return rows, skipped


def write_sheet(path: Path, rows: list[tuple[str, list[np.ndarray]]], skipped: list[str], title: str,
                rig: Rig) -> None:
    """One character's sheet: a header (title, body plan, parts, face, what cannot play) over the motions."""
    sheet = contact_sheet(rows, thumb=112, columns=8)
    note = Image.new("RGB", (sheet.shape[1], 40), (255, 255, 255))
    d = ImageDraw.Draw(note)
    d.text((4, 4), f"{title}: {rig.plan.value}, parts {', '.join(rig.part_names())}; "
                   f"face {', '.join(rig.face) or 'none'}", fill=(0, 0, 0))
    d.text((4, 22), "not playable: " + ("; ".join(skipped) or "-"), fill=(120, 0, 0))
    Image.fromarray(np.concatenate([np.asarray(note), sheet], 0)).save(path, optimize=True)


def real_sheets(folder: Path, out: Path, size: int, only: list[str] | None) -> None:
    from sticker_studio.engine.rig.auto import auto_rig

    previews = []
    for stem in REAL_CHARACTERS:
        if only and stem not in only:
            continue
        image = Image.open(folder / f"{stem}.png").convert("RGBA").resize((size, size), Image.Resampling.LANCZOS)
        rgba = np.asarray(image).copy()
        t0 = time.perf_counter()
        rig = auto_rig(rgba)
        rows, skipped = motion_rows(rgba, rig)
        elapsed = time.perf_counter() - t0
        write_sheet(out / f"{stem}.png", rows, skipped, f"{stem} (OpenMoji, CC BY-SA 4.0, automatic rig)", rig)
        previews.append(np.asarray(Image.fromarray(rig_preview(rgba, rig)).resize((192, 192))))
        print(f"{stem}: {len(rows)} motions in {elapsed:.1f} s -> {out / (stem + '.png')}")
    if previews:
        Image.fromarray(np.concatenate(previews, 1)).save(out / "rigs.png", optimize=True)


if __name__ == "__main__":
    main()
