"""Every character motion on the 51 held-out Twemoji subjects (tests/data/matting_real/subjects, evaluation only:
never trained or tuned on), the way a new user gets them: the automatic rig, then each motion it offers.

    PYTHONPATH=. python scripts/puppet_twemoji_trial.py [--size 256] [--only a,b] [--sheets DIR]
    PYTHONPATH=. python scripts/puppet_twemoji_trial.py --sheet docs/puppet/twemoji_trial.png

Prints per subject the body plan, the face found, what is offered and refused, and for the offered clips the
checks of scripts/puppet_real_motions.py (errors, flipped triangles, loop seam > 1, frame 0 differing).
``--sheets`` writes a contact sheet per subject (scripts/puppet_contact_sheets.py's layout); ``--sheet`` the
eight-subject sheet of docs/puppet/twemoji_trial.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from sticker_studio.cli.puppet_eval import motion_figures
from sticker_studio.core.puppet.animate import AnimateOptions, animate_character, missing_in, prepare
from sticker_studio.core.puppet.motions import list_character_motions
from sticker_studio.core.puppet.preview import contact_sheet
from sticker_studio.engine.rig.auto import auto_rig

SUBJECTS = Path("tests/data/matting_real/subjects")
#: the doc's sheet: (subject, motions) after the fixes of docs/puppet/twemoji_trial.md
SHEET: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("robot", ("head-tilt", "look")), ("skull", ("nod", "look")), ("ghost", ("look", "cry")),
    ("fox", ("look", "ear-sway")), ("cow", ("look", "sleepy")), ("turtle", ("angry", "love")),
    ("unicorn", ("head-tilt", "sleepy")), ("snowman", ("wave", "cry")),
)


def load(stem: str, size: int) -> np.ndarray:
    image = Image.open(SUBJECTS / f"{stem}.png").convert("RGBA")
    return np.asarray(image.resize((size, size), Image.Resampling.LANCZOS)).copy()


def trial(size: int, only: set[str] | None, sheets: Path | None) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from puppet_contact_sheets import motion_rows, write_sheet

    tot = {"subjects": 0, "clips": 0, "refused": 0, "errors": 0, "flips": 0, "seam_over_1": 0, "frame0_differs": 0}
    t0 = time.time()
    for path in sorted(SUBJECTS.glob("*.png")):
        if only and path.stem not in only:
            continue
        rgba = load(path.stem, size)
        rig = auto_rig(rgba)
        plan = prepare(rgba, rig)
        offered, refused = [], []
        for m in list_character_motions():
            if missing_in(m, rig, plan):
                refused.append(m.name)
                continue
            offered.append(m.name)
            try:
                f = motion_figures(rgba, rig, plan, m.name, frames=24)
            except Exception as error:
                tot["errors"] += 1
                print(f"  {path.stem} {m.name}: ERROR {type(error).__name__}: {str(error)[:120]}")
                continue
            tot["clips"] += 1
            tot["flips"] += int(f["flips"])
            tot["seam_over_1"] += int(f["seam"] > 1.0 + 1e-9)
            tot["frame0_differs"] += int(not f["frame0"])
            if f["flips"] or f["seam"] > 1.0 + 1e-9 or not f["frame0"]:
                print(f"  {path.stem} {m.name}: flips {int(f['flips'])}, seam {f['seam']:.2f}, frame 0 {f['frame0']}")
        tot["subjects"] += 1
        tot["refused"] += len(refused)
        print(f"{path.stem}\t{rig.plan.value}\tface {','.join(rig.face) or '-'}\toffered {','.join(offered)}"
              f"\trefused {','.join(refused)}")
        if sheets is not None:
            sheets.mkdir(parents=True, exist_ok=True)
            rows, skipped = motion_rows(rgba, rig)
            write_sheet(sheets / f"{path.stem}.png", rows, skipped, f"{path.stem} (Twemoji, CC BY 4.0)", rig)
    print(tot, f"{time.time() - t0:.0f} s")


def doc_sheet(out: Path, size: int) -> None:
    """Eight subjects, two motions each (8 of 16 frames, checkerboard = transparent)."""
    rows: list[tuple[str, list[np.ndarray]]] = []
    for stem, motions in SHEET:
        rgba = load(stem, size)
        rig = auto_rig(rgba)
        plan = prepare(rgba, rig)
        for name in motions:
            sticker = animate_character(rgba, rig, name, options=AnimateOptions(frames=16), plan=plan)
            rows.append((f"{stem}: {name}", sticker.frames))
    sheet = contact_sheet(rows, thumb=96, columns=8)
    note = Image.new("RGB", (sheet.shape[1], 22), (255, 255, 255))
    ImageDraw.Draw(note).text((4, 5), "Twemoji (CC BY 4.0, Twitter, Inc., jdecked and contributors), automatic rig, "
                              f"{size} px: after the fixes of docs/puppet/twemoji_trial.md", fill=(0, 0, 0))
    Image.fromarray(np.concatenate([np.asarray(note), sheet], 0)).save(out, optimize=True)
    print(f"{out}: {out.stat().st_size / 1e6:.2f} MB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--only", default="")
    ap.add_argument("--sheets", type=Path, default=None)
    ap.add_argument("--sheet", type=Path, default=None)
    args = ap.parse_args()
    if args.sheet is not None:
        doc_sheet(args.sheet, args.size)
        return
    trial(args.size, set(args.only.split(",")) if args.only else None, args.sheets)


if __name__ == "__main__":
    main()
