"""Small cartoon subjects drawn with Pillow: the stand-in when no emoji set is installed.

Tests, benchmarks and a fresh checkout need subjects without fetching anything. These
are drawn 4x supersampled and reduced on premultiplied alpha, so their edges are
anti-aliased like a real drawing's, and they cover the cases that matter: outlines,
white parts (a ghost, a belly), a hole (a donut), thin parts (a balloon's string).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from sticker_studio.core.imageops import resize_rgba

_SS = 4  # supersampling factor

Painter = Callable[[ImageDraw.ImageDraw, int], None]


@dataclass(frozen=True)
class DrawnSubject:
    """A drawn subject: a caption name, tags, a group, and how to paint it on an s x s canvas."""

    key: str
    name: str
    tags: tuple[str, ...]
    group: str
    paint: Painter

    def render(self, size: int = 128) -> np.ndarray:
        """RGBA uint8, ``size`` x ``size``, transparent background."""
        big = size * _SS
        im = Image.new("RGBA", (big, big), (0, 0, 0, 0))
        self.paint(ImageDraw.Draw(im), big)
        return resize_rgba(np.asarray(im), size, size, Image.Resampling.BOX)


def _smiley(d: ImageDraw.ImageDraw, s: int) -> None:
    w = max(1, s // 40)
    d.ellipse((s * 0.12, s * 0.12, s * 0.88, s * 0.88), fill=(255, 204, 40, 255), outline=(90, 50, 0, 255), width=w)
    d.ellipse((s * 0.33, s * 0.35, s * 0.42, s * 0.5), fill=(70, 40, 10, 255))
    d.ellipse((s * 0.58, s * 0.35, s * 0.67, s * 0.5), fill=(70, 40, 10, 255))
    d.arc((s * 0.3, s * 0.4, s * 0.7, s * 0.72), 20, 160, fill=(70, 40, 10, 255), width=w * 2)


def _heart(d: ImageDraw.ImageDraw, s: int) -> None:
    red = (230, 30, 60, 255)
    d.ellipse((s * 0.12, s * 0.18, s * 0.52, s * 0.58), fill=red)
    d.ellipse((s * 0.48, s * 0.18, s * 0.88, s * 0.58), fill=red)
    d.polygon([(s * 0.14, s * 0.45), (s * 0.86, s * 0.45), (s * 0.5, s * 0.88)], fill=red)


def _star(d: ImageDraw.ImageDraw, s: int) -> None:
    import math

    pts = []
    for k in range(10):
        r = (0.4 if k % 2 == 0 else 0.17) * s
        ang = -math.pi / 2 + k * math.pi / 5
        pts.append((s / 2 + r * math.cos(ang), s * 0.53 + r * math.sin(ang)))
    d.polygon(pts, fill=(60, 120, 240, 255), outline=(20, 40, 120, 255), width=max(1, s // 60))


def _ghost(d: ImageDraw.ImageDraw, s: int) -> None:
    white, line = (255, 255, 255, 255), (40, 40, 60, 255)
    w = max(1, s // 40)
    d.rounded_rectangle((s * 0.2, s * 0.12, s * 0.8, s * 0.86), radius=int(s * 0.3), fill=white, outline=line, width=w)
    d.ellipse((s * 0.35, s * 0.35, s * 0.44, s * 0.47), fill=line)
    d.ellipse((s * 0.56, s * 0.35, s * 0.65, s * 0.47), fill=line)


def _donut(d: ImageDraw.ImageDraw, s: int) -> None:
    d.ellipse(
        (s * 0.1, s * 0.1, s * 0.9, s * 0.9),
        fill=(240, 130, 180, 255),
        outline=(150, 70, 30, 255),
        width=max(1, s // 30),
    )
    d.ellipse(
        (s * 0.37, s * 0.37, s * 0.63, s * 0.63), fill=(0, 0, 0, 0), outline=(150, 70, 30, 255), width=max(1, s // 30)
    )


def _balloon(d: ImageDraw.ImageDraw, s: int) -> None:
    d.line((s * 0.5, s * 0.66, s * 0.46, s * 0.95), fill=(80, 80, 80, 255), width=max(1, s // 80))
    d.ellipse((s * 0.26, s * 0.08, s * 0.74, s * 0.68), fill=(150, 60, 220, 255))
    d.ellipse((s * 0.36, s * 0.18, s * 0.44, s * 0.3), fill=(220, 190, 255, 255))


def _penguin(d: ImageDraw.ImageDraw, s: int) -> None:
    d.ellipse((s * 0.22, s * 0.1, s * 0.78, s * 0.92), fill=(30, 30, 40, 255))
    d.ellipse((s * 0.32, s * 0.3, s * 0.68, s * 0.88), fill=(255, 255, 255, 255))  # white belly
    d.ellipse((s * 0.38, s * 0.2, s * 0.45, s * 0.28), fill=(255, 255, 255, 255))
    d.ellipse((s * 0.55, s * 0.2, s * 0.62, s * 0.28), fill=(255, 255, 255, 255))
    d.polygon([(s * 0.45, s * 0.32), (s * 0.55, s * 0.32), (s * 0.5, s * 0.4)], fill=(250, 160, 20, 255))


def _leaf(d: ImageDraw.ImageDraw, s: int) -> None:
    d.ellipse(
        (s * 0.18, s * 0.25, s * 0.82, s * 0.75),
        fill=(70, 180, 70, 255),
        outline=(20, 90, 30, 255),
        width=max(1, s // 50),
    )
    d.line((s * 0.2, s * 0.5, s * 0.92, s * 0.5), fill=(20, 90, 30, 255), width=max(1, s // 50))


DRAWN_SUBJECTS: tuple[DrawnSubject, ...] = (
    DrawnSubject("drawn-smiley", "smiling face", ("smile", "happy", "face", "smiley"), "Smileys & Emotion", _smiley),
    DrawnSubject("drawn-heart", "red heart", ("heart", "love", "red"), "Smileys & Emotion", _heart),
    DrawnSubject("drawn-star", "blue star", ("star", "blue", "shape"), "Travel & Places", _star),
    DrawnSubject("drawn-ghost", "ghost", ("ghost", "spooky", "halloween"), "Smileys & Emotion", _ghost),
    DrawnSubject("drawn-donut", "doughnut", ("donut", "doughnut", "sweet"), "Food & Drink", _donut),
    DrawnSubject("drawn-balloon", "balloon", ("balloon", "party", "celebration"), "Activities", _balloon),
    DrawnSubject("drawn-penguin", "penguin", ("penguin", "bird", "animal"), "Animals & Nature", _penguin),
    DrawnSubject("drawn-leaf", "green leaf", ("leaf", "plant", "nature"), "Animals & Nature", _leaf),
)


def drawn_subject(key: str) -> DrawnSubject:
    for subject in DRAWN_SUBJECTS:
        if subject.key == key or subject.key == f"drawn-{key}":
            return subject
    raise KeyError(key)


def sample_drawing(size: int = 512, key: str = "drawn-smiley") -> np.ndarray:
    """A drawing to animate in benchmarks and tests (RGBA, transparent background)."""
    return drawn_subject(key).render(size)
