"""Bring a finished sticker's subject to the pack's subject size (issue 25's "apply to all").

A sticker animated with a motion preset records the subject size it was made at
(``metadata["subject_size"]``: the fraction of the canvas the subject's longer side takes);
one imported or made otherwise is measured (its first frame's visible bounding box). Its
frames are scaled about the canvas centre by ``new / old``, never so far that the subject's
extent over the whole animation leaves the canvas. The messengers' own art sits at 0.88
(Fluent Emoji, 2 px margin on its 32 px grid) to 0.94 (Noto Emoji, 120 of 128 px), measured
with ``sticker_studio.core.text.art_library`` renders; the app's default is
:data:`sticker_studio.core.motion.presets.DEFAULT_SUBJECT_SIZE`.
"""

from __future__ import annotations

import numpy as np

from sticker_studio.core.imageops import resize_rgba
from sticker_studio.core.sticker import Sticker

#: alpha above which a pixel counts as part of the subject
VISIBLE_ALPHA = 16
#: a change of the scale smaller than this leaves the sticker as it is
MIN_CHANGE = 0.02


def subject_box(frame: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the visible pixels of ``frame`` (exclusive ends); None when blank."""
    ys, xs = np.nonzero(frame[..., 3] > VISIBLE_ALPHA)
    if ys.size == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def subject_fraction(sticker: Sticker) -> float | None:
    """The subject size ``sticker`` has: its recorded one, else its first frame's box's longer side
    over the canvas's shorter side; None when it is blank."""
    recorded = sticker.metadata.get("subject_size")
    if isinstance(recorded, (int, float)) and recorded > 0:
        return float(recorded)
    box = subject_box(sticker.frames[0])
    if box is None:
        return None
    return max(box[2] - box[0], box[3] - box[1]) / min(sticker.width, sticker.height)


def _room(sticker: Sticker) -> float:
    """The largest scale about the canvas centre that keeps every frame's subject on the canvas."""
    cx, cy = sticker.width / 2.0, sticker.height / 2.0
    room = float("inf")
    for frame in sticker.frames:
        box = subject_box(frame)
        if box is None:
            continue
        x0, y0, x1, y1 = box
        for reach, half in ((cx - x0, cx), (x1 - cx, cx), (cy - y0, cy), (y1 - cy, cy)):
            if reach > 0:
                room = min(room, (half - 2.0) / reach)  # a margin: resampling spreads the edges
    return room


def rescale_subject(sticker: Sticker, fraction: float) -> Sticker | None:
    """``sticker`` with its subject at ``fraction`` of the canvas (same canvas, timing, loop), its
    metadata's ``subject_size`` updated; None when it is blank or already at that size."""
    current = subject_fraction(sticker)
    if current is None or current <= 0:
        return None
    scale = min(fraction / current, _room(sticker))
    if abs(scale - 1.0) < MIN_CHANGE:
        return None
    w, h = sticker.width, sticker.height
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    frames = []
    for frame in sticker.frames:
        big = resize_rgba(frame, new_w, new_h)
        canvas = np.zeros((h, w, 4), np.uint8)
        sx, sy = (new_w - w) // 2, (new_h - h) // 2  # where the canvas starts in the scaled frame
        src_x0, src_y0 = max(0, sx), max(0, sy)
        dst_x0, dst_y0 = max(0, -sx), max(0, -sy)
        cw, ch = min(w - dst_x0, new_w - src_x0), min(h - dst_y0, new_h - src_y0)
        canvas[dst_y0:dst_y0 + ch, dst_x0:dst_x0 + cw] = big[src_y0:src_y0 + ch, src_x0:src_x0 + cw]
        frames.append(canvas)
    metadata = dict(sticker.metadata)
    metadata["subject_size"] = round(current * scale, 4)
    return Sticker(frames, list(sticker.durations_ms), sticker.loop_count, metadata)
