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
class NamedSubject:
    """What a training subject is called: its key, caption name, tags and emoji group."""

    key: str
    name: str
    tags: tuple[str, ...]
    group: str


@dataclass(frozen=True)
class DrawnSubject(NamedSubject):
    """A drawn subject: its names, and how to paint it on an s x s canvas."""

    paint: Painter

    def render(self, size: int = 128) -> np.ndarray:
        """RGBA uint8, ``size`` x ``size``, transparent background."""
        big = size * _SS
        im = Image.new("RGBA", (big, big), (0, 0, 0, 0))
        self.paint(ImageDraw.Draw(im), big)
        return resize_rgba(np.asarray(im), size, size, Image.Resampling.BOX)


def _at(s: int, *fractions: float) -> tuple[float, ...]:
    """Fractions of the canvas side as pixel coordinates (a box or a line's two ends)."""
    return tuple(s * f for f in fractions)


def _smiley(d: ImageDraw.ImageDraw, s: int) -> None:
    w = max(1, s // 40)
    d.ellipse(_at(s, 0.12, 0.12, 0.88, 0.88), fill=(255, 204, 40, 255), outline=(90, 50, 0, 255), width=w)
    d.ellipse(_at(s, 0.33, 0.35, 0.42, 0.5), fill=(70, 40, 10, 255))
    d.ellipse(_at(s, 0.58, 0.35, 0.67, 0.5), fill=(70, 40, 10, 255))
    d.arc(_at(s, 0.3, 0.4, 0.7, 0.72), 20, 160, fill=(70, 40, 10, 255), width=w * 2)


def _heart(d: ImageDraw.ImageDraw, s: int) -> None:
    red = (230, 30, 60, 255)
    d.ellipse(_at(s, 0.12, 0.18, 0.52, 0.58), fill=red)
    d.ellipse(_at(s, 0.48, 0.18, 0.88, 0.58), fill=red)
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
    d.rounded_rectangle(_at(s, 0.2, 0.12, 0.8, 0.86), radius=int(s * 0.3), fill=white, outline=line, width=w)
    d.ellipse(_at(s, 0.35, 0.35, 0.44, 0.47), fill=line)
    d.ellipse(_at(s, 0.56, 0.35, 0.65, 0.47), fill=line)


def _donut(d: ImageDraw.ImageDraw, s: int) -> None:
    crust, w = (150, 70, 30, 255), max(1, s // 30)
    d.ellipse(_at(s, 0.1, 0.1, 0.9, 0.9), fill=(240, 130, 180, 255), outline=crust, width=w)
    d.ellipse(_at(s, 0.37, 0.37, 0.63, 0.63), fill=(0, 0, 0, 0), outline=crust, width=w)


def _balloon(d: ImageDraw.ImageDraw, s: int) -> None:
    d.line(_at(s, 0.5, 0.66, 0.46, 0.95), fill=(80, 80, 80, 255), width=max(1, s // 80))
    d.ellipse(_at(s, 0.26, 0.08, 0.74, 0.68), fill=(150, 60, 220, 255))
    d.ellipse(_at(s, 0.36, 0.18, 0.44, 0.3), fill=(220, 190, 255, 255))


def _penguin(d: ImageDraw.ImageDraw, s: int) -> None:
    d.ellipse(_at(s, 0.22, 0.1, 0.78, 0.92), fill=(30, 30, 40, 255))
    d.ellipse(_at(s, 0.32, 0.3, 0.68, 0.88), fill=(255, 255, 255, 255))  # white belly
    d.ellipse(_at(s, 0.38, 0.2, 0.45, 0.28), fill=(255, 255, 255, 255))
    d.ellipse(_at(s, 0.55, 0.2, 0.62, 0.28), fill=(255, 255, 255, 255))
    d.polygon([(s * 0.45, s * 0.32), (s * 0.55, s * 0.32), (s * 0.5, s * 0.4)], fill=(250, 160, 20, 255))


def _leaf(d: ImageDraw.ImageDraw, s: int) -> None:
    vein, w = (20, 90, 30, 255), max(1, s // 50)
    d.ellipse(_at(s, 0.18, 0.25, 0.82, 0.75), fill=(70, 180, 70, 255), outline=vein, width=w)
    d.line(_at(s, 0.2, 0.5, 0.92, 0.5), fill=vein, width=w)


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
