"""Stick figures through the automatic rig and every character motion it offers (a look, not a test).

Procedural ink stick figures (``training/rig/stick_figures.py``; transparent, and on white paper cut out the way
``animate`` cuts a sketch on paper) and pencil sketches on paper: the rig's body plan and source, per motion the
flipped triangles, loop seam, frame 0, the share of the subject that changes, and for a wave the share of the
changed pixels outside the arms. ``--sheet PNG`` draws wave, cheer, hop and dance of the first ink figure and the
first sketch (and their rigs) on a checkerboard.

    PYTHONPATH=. python scripts/stick_figure_motions.py [--count 8] [--sheet docs/puppet/stick_figures.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage


def cut_paper(rgba: np.ndarray) -> np.ndarray:
    """An opaque drawing cut out as ``animate`` does a sketch on paper (line art: paper transparent)."""
    from sticker_studio.core.sticker import Sticker
    from sticker_studio.engine.matting.cutout import Background, MattingHeadCache, cut_out

    sticker = Sticker([rgba], [100], 0, {})
    return cut_out(sticker, Background.LINE_ART, MattingHeadCache.of(None), regions=False, fallback=True,
                   keep_if_empty=False).sticker.frames[0]


def figures(count: int, size: int) -> list[tuple[str, np.ndarray]]:
    from sticker_studio.training.rig.stick_figures import render_sketchy_figure, render_stick_figure

    out = []
    for seed in range(count):
        f = render_stick_figure(1000 + seed, size)
        out.append((f"ink-{1000 + seed}-{f.pose}{'-paper' if f.meta['on_white'] else ''}",
                    cut_paper(f.rgba) if f.meta["on_white"] else f.rgba))
    for seed in range(2):
        out.append((f"sketch-{seed}", cut_paper(render_sketchy_figure(seed, size))))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--sheet", type=Path, default=None)
    args = ap.parse_args()
    from sticker_studio.cli.puppet_eval import motion_figures
    from sticker_studio.core.puppet.animate import missing_in, prepare
    from sticker_studio.core.puppet.motions import list_character_motions
    from sticker_studio.core.puppet.preview import contact_sheet, rig_preview
    from sticker_studio.core.puppet.rig import PART_NAMES
    from sticker_studio.engine.rig.auto import auto_rig

    tot = {"figures": 0, "humanoid": 0, "clips": 0, "flips": 0, "seam_over_1": 0, "frame0_differs": 0}
    rows: list[tuple[str, list[np.ndarray]]] = []
    drawn = figures(args.count, args.size)
    on_sheet = {drawn[0][0], next(n for n, _ in drawn if n.startswith("sketch"))}
    for name, rgba in drawn:
        rig = auto_rig(rgba)
        plan = prepare(rgba, rig)
        tot["figures"] += 1
        tot["humanoid"] += int(rig.plan.value == "humanoid")
        offered = [m.name for m in list_character_motions() if not missing_in(m, rig, plan)]
        print(f"{name:28s} {rig.plan.value:9s} {rig.source:16s} offers {len(offered)}: {' '.join(offered)}")
        if name in on_sheet and args.sheet:
            preview = np.dstack([rig_preview(rgba, rig), np.full(rgba.shape[:2], 255, np.uint8)])
            rows.append((f"{name[:16]} rig", [preview]))
        for motion in offered:
            clip: list[np.ndarray] = []
            f = motion_figures(rgba, rig, plan, motion, frames=24, clip_out=clip)
            tot["clips"] += 1
            tot["flips"] += int(f["flips"])
            tot["seam_over_1"] += int(f["seam"] > 1.0 + 1e-9)
            tot["frame0_differs"] += int(not f["frame0"])
            extra = ""
            if motion == "wave" and rig.parts is not None:
                h, w = rgba.shape[:2]
                ph, pw = clip[0].shape[:2]
                py, px = (ph - h) // 2, (pw - w) // 2
                changed = np.zeros((h, w), bool)
                for fr in clip:
                    changed |= np.any(fr[py:py + h, px:px + w] != rgba, axis=-1)
                arms = np.isin(rig.parts, [PART_NAMES.index("arm_l") + 1, PART_NAMES.index("arm_r") + 1])
                near_arm = ndimage.binary_dilation(arms, iterations=3)
                subject = rgba[..., 3] > 0
                outside = changed & subject & ~near_arm
                extra = f" outside the arms {outside.sum() / max(1, (changed & subject).sum()):.1%}"
            if f["flips"] or f["seam"] > 1.0 + 1e-9 or not f["frame0"] or motion in ("wave", "cheer"):
                print(f"    {motion:10s} flips {int(f['flips'])} seam {f['seam']:.2f} frame0 {bool(f['frame0'])} "
                      f"changed {f['share']:.1%} side {f['side']:+.2f}{extra}")
            if name in on_sheet and args.sheet and motion in ("wave", "cheer", "hop", "dance"):
                rows.append((f"{name[:16]} {motion}", clip))
    print(tot)
    if args.sheet:
        import io

        from sticker_studio.core.atomic import atomic_write_bytes

        buf = io.BytesIO()
        Image.fromarray(contact_sheet(rows, thumb=128, columns=8)).save(buf, format="PNG")
        atomic_write_bytes(args.sheet, buf.getvalue())
        print("wrote", args.sheet)


if __name__ == "__main__":
    main()
