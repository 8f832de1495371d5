"""Every character motion the automatic rig offers on every hand-labelled real drawing (tests/data/rig_real,
256 px): errors, flipped triangles, loop seam > 1, frame 0 differing, torn frames (background through a cut
inside one run of colour, :mod:`sticker_studio.core.puppet.tears`). What is offered is what animate plays
(``missing_in``), so any error here is a bug.

    PYTHONPATH=. python scripts/puppet_real_motions.py [stem,stem,...] [motion,motion,...] [auto|hand]

``hand``: the hand rig instead (the labels' joints and face, no part map), as ``eval motion --real`` plays it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from sticker_studio.cli.puppet_eval import motion_figures
from sticker_studio.core.puppet.animate import missing_in, prepare
from sticker_studio.core.puppet.motions import list_character_motions
from sticker_studio.engine.rig.auto import auto_rig
from sticker_studio.training.adherence.evaluate import hand_rig
from sticker_studio.training.rig import evaluate


def main() -> None:
    only = set(sys.argv[1].split(",")) if len(sys.argv) > 1 and sys.argv[1] else None
    motions = set(sys.argv[2].split(",")) if len(sys.argv) > 2 and sys.argv[2] else None
    hand = len(sys.argv) > 3 and sys.argv[3] == "hand"
    _, items = evaluate.read_real_set(Path("tests/data/rig_real"))
    tot = {"chars": 0, "clips": 0, "not_offered": 0, "errors": 0, "flips": 0, "seam_over_1": 0, "frame0_differs": 0,
           "torn_clips": 0, "torn_frames": 0}
    worst_seam = 0.0
    t0 = time.time()
    for rgba0, truth in items:
        if only and truth.name.removesuffix(".png") not in only:
            continue
        tot["chars"] += 1
        rgba = np.asarray(Image.fromarray(rgba0).resize((256, 256), Image.Resampling.LANCZOS)).copy()
        rig = hand_rig(truth, 256 / rgba0.shape[0], 256) if hand else auto_rig(rgba)
        plan = prepare(rgba, rig)
        for m in list_character_motions():
            if motions and m.name not in motions:
                continue
            if missing_in(m, rig, plan):
                tot["not_offered"] += 1
                continue
            try:
                f = motion_figures(rgba, rig, plan, m.name, frames=24)
            except Exception as error:
                tot["errors"] += 1
                print(truth.name, m.name, "ERROR", type(error).__name__, str(error)[:160])
                continue
            tot["clips"] += 1
            tot["flips"] += int(f["flips"])
            if f["flips"]:
                print(truth.name, m.name, "flipped triangles", int(f["flips"]))
            if f["seam"] > 1.0 + 1e-9:
                tot["seam_over_1"] += 1
                print(truth.name, m.name, "seam", round(f["seam"], 3))
            worst_seam = max(worst_seam, f["seam"])
            if f["tears"]:
                tot["torn_clips"] += 1
                tot["torn_frames"] += int(f["tears"])
                print(truth.name, m.name, "torn frames", int(f["tears"]), "worst seam points torn",
                      int(f["torn_points"]))
            if not f["frame0"]:
                tot["frame0_differs"] += 1
                print(truth.name, m.name, "frame 0 differs")
    print(tot, "worst seam", round(worst_seam, 3), f"{time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
