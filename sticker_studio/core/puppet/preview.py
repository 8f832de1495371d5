"""Pictures for people: the rig drawn over the drawing, and contact sheets of motions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

from sticker_studio.core.imageops import over_checker
from sticker_studio.core.puppet.rig import JOINT_PARENTS, PART_NAMES, Rig

PART_COLOURS: dict[str, tuple[int, int, int]] = {
    "head": (255, 200, 0), "body": (120, 120, 255), "arm_l": (255, 80, 80), "arm_r": (255, 140, 60),
    "leg_l": (60, 200, 90), "leg_r": (30, 150, 160), "tail": (200, 80, 220), "ear_l": (250, 120, 200),
    "ear_r": (180, 60, 140),
}


def rig_preview(rgba: np.ndarray, rig: Rig) -> np.ndarray:
    """RGB picture: parts tinted, bones and joints, eyes and mouth outlined."""
    base = over_checker(rgba).astype(np.float32)
    if rig.parts is not None:
        for i, name in enumerate(PART_NAMES):
            m = rig.parts == i + 1
            if m.any():
                base[m] = 0.65 * base[m] + 0.35 * np.array(PART_COLOURS[name], np.float32)
    im = Image.fromarray(base.astype(np.uint8))
    d = ImageDraw.Draw(im)
    s = max(2.0, max(rig.width, rig.height) / 160.0)
    for name in rig.joints:
        p = rig.parent(name)
        if p is None or JOINT_PARENTS.get(name) is None:
            continue
        a, b = rig.joints[p], rig.joints[name]
        d.line([(a.x, a.y), (b.x, b.y)], fill=(20, 20, 20), width=int(s))
    for j in rig.joints.values():
        col = (255, 255, 255) if j.confidence >= 0.5 else (255, 160, 160)
        d.ellipse([j.x - s * 1.6, j.y - s * 1.6, j.x + s * 1.6, j.y + s * 1.6], fill=col, outline=(0, 0, 0))
    for name, e in rig.face.items():
        col = (0, 200, 255) if name.startswith("eye") else (255, 40, 40)
        d.ellipse([e.cx - e.rx, e.cy - e.ry, e.cx + e.rx, e.cy + e.ry], outline=col, width=max(1, int(s * 0.7)))
    d.text((4, 4), f"{rig.plan.value} ({rig.source})", fill=(0, 0, 0))
    return np.asarray(im)


def contact_sheet(rows: Sequence[tuple[str, Sequence[np.ndarray]]], thumb: int = 128, columns: int = 8) -> np.ndarray:
    """Rows of labelled frame strips (each frame straight RGBA), on a checkerboard."""
    label_w = 110
    out_rows = []
    for label, frames in rows:
        idx = np.linspace(0, len(frames) - 1, min(columns, len(frames))).round().astype(int)
        cells = []
        for k in idx:
            im = Image.fromarray(frames[k]).resize((thumb, thumb), Image.Resampling.LANCZOS)
            cells.append(over_checker(np.asarray(im), 8))
        strip = np.concatenate(cells, 1)
        if strip.shape[1] < thumb * columns:
            strip = np.pad(strip, ((0, 0), (0, thumb * columns - strip.shape[1]), (0, 0)), constant_values=255)
        lab = Image.new("RGB", (label_w, thumb), (255, 255, 255))
        ImageDraw.Draw(lab).text((4, thumb // 2 - 6), label, fill=(0, 0, 0))
        out_rows.append(np.concatenate([np.asarray(lab), strip], 1))
    return np.concatenate(out_rows, 0)
