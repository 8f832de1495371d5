"""Contact sheet of the puppet face motions and effects on library art (docs/puppet/face_effects.png).

Run: PYTHONPATH=. python scripts/puppet_face_effects_sheet.py [out.png]
The eye and mouth ellipses were placed by hand from a dark/white blob finder on the 256 px renders.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from sticker_studio.core.puppet.effects import EffectAnchors, EffectKind, draw_effect
from sticker_studio.core.puppet.face import Brow, FaceGeometry, FaceState, draw_face, face_palette
from sticker_studio.core.text.art_library import ArtLibrary
from sticker_studio.formats.svg_render import render_svg

TILE = 256
ART = 176  # the art's size inside a tile, leaving room for the effects

# (label, style, eye_l, eye_r, mouth) at 256 px, from the blob finder
FACES = [
    ("slightly smiling face", "fluent-emoji-flat", (83.5, 96.5, 33.5, 33.5), (172.5, 96.5, 33.5, 33.5),
     (128.0, 160.0, 48.0, 16.0)),
    ("cat face", "noto", (78.0, 135.0, 14.0, 17.0), (177.5, 132.5, 14.5, 17.5), (128.0, 168.0, 40.0, 21.0)),
    ("bear", "fluent-emoji-flat", (96.0, 132.0, 8.0, 12.0), (160.0, 132.0, 8.0, 12.0), (128.0, 188.0, 32.0, 12.0)),
    ("person", "noto", (85.5, 150.5, 12.5, 12.5), (170.5, 150.5, 12.5, 12.5), (128.0, 205.0, 30.0, 10.0)),
    ("frog", "fluent-emoji-flat", (76.0, 68.0, 28.0, 28.0), (180.0, 68.0, 28.0, 28.0), None),
    ("panda", "fluent-emoji-flat", (85.0, 132.0, 28.0, 28.0), (171.0, 132.0, 28.0, 28.0), (128.0, 190.0, 32.0, 12.0)),
    ("hamster", "fluent-emoji-flat", (96.0, 156.0, 8.0, 12.0), (160.0, 156.0, 8.0, 12.0), (128.0, 207.5, 24.0, 9.5)),
]

FACE_STATES: list[tuple[str, FaceState]] = [
    ("rest", FaceState()),
    ("blink .5", FaceState(eye_open_l=0.5, eye_open_r=0.5)),
    ("closed", FaceState(eye_open_l=0.0, eye_open_r=0.0)),
    ("wink", FaceState(eye_open_l=1.0, eye_open_r=0.0)),
    ("talk .5", FaceState(mouth_open=0.5)),
    ("talk 1", FaceState(mouth_open=1.0)),
    ("look L", FaceState(pupil_dx=-1.0)),
    ("look UR", FaceState(pupil_dx=0.8, pupil_dy=-0.8)),
    ("angry", FaceState(brow=Brow.ANGRY, mouth_open=0.3)),
    ("sad", FaceState(brow=Brow.SAD, eye_open_l=0.6, eye_open_r=0.6)),
    ("blush", FaceState(blush=1.0, eye_open_l=0.0, eye_open_r=0.0)),
    ("rot .3 closed", FaceState(eye_open_l=0.0, eye_open_r=0.0, mouth_open=0.6)),
]


def _scale(e: tuple[float, float, float, float] | None) -> tuple[float, float, float, float] | None:
    if e is None:
        return None
    k = ART / 256.0
    off = (TILE - ART) / 2.0
    return (e[0] * k + off, e[1] * k + off, e[2] * k, e[3] * k)


def _subject(label: str, style: str) -> np.ndarray:
    lib = ArtLibrary.load()
    entry = lib.find(label)
    assert entry is not None, label
    art = render_svg(lib.svg(entry, style), ART)
    canvas = np.zeros((TILE, TILE, 4), np.uint8)
    off = (TILE - ART) // 2
    canvas[off:off + ART, off:off + ART] = art
    return canvas


def _rotate(img: np.ndarray, angle: float, centre: tuple[float, float]) -> np.ndarray:
    """The drawing turned clockwise by ``angle`` about ``centre`` (premultiplied bilinear, for the sheet only)."""
    pm = img.astype(np.float32)
    pm[..., :3] *= pm[..., 3:4] / 255.0
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32) + 0.5
    c, s = np.cos(angle), np.sin(angle)
    dx, dy = xx - centre[0], yy - centre[1]
    sx, sy = c * dx + s * dy + centre[0] - 0.5, -s * dx + c * dy + centre[1] - 0.5
    x0, y0 = np.floor(sx).astype(int), np.floor(sy).astype(int)
    fx, fy = sx - x0, sy - y0
    out = np.zeros_like(pm)
    for oy, wy in ((0, 1 - fy), (1, fy)):
        for ox, wx in ((0, 1 - fx), (1, fx)):
            xi, yi = x0 + ox, y0 + oy
            ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
            out += np.where(ok[..., None], pm[np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)], 0) * (wx * wy)[..., None]
    a = out[..., 3:4]
    out[..., :3] = out[..., :3] * 255.0 / np.maximum(a, 1e-3)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _rot_ellipse(e: tuple[float, float, float, float] | None, angle: float,
                 centre: tuple[float, float]) -> tuple[float, float, float, float] | None:
    if e is None:
        return None
    c, s = np.cos(angle), np.sin(angle)
    dx, dy = e[0] - centre[0], e[1] - centre[1]
    return (c * dx - s * dy + centre[0], s * dx + c * dy + centre[1], e[2], e[3])


def _checker(w: int, h: int) -> Image.Image:
    yy, xx = np.mgrid[0:h, 0:w]
    board = np.where(((xx // 16) + (yy // 16)) % 2 == 0, 235, 200).astype(np.uint8)
    return Image.fromarray(np.dstack([board, board, board, np.full_like(board, 255)]))


def face_rows() -> list[list[tuple[str, np.ndarray]]]:
    rows = []
    for label, style, el, er, mo in FACES:
        rest = _subject(label, style)
        geo = FaceGeometry(_scale(el), _scale(er), _scale(mo))
        pal = face_palette(rest, geo)
        row = []
        for name, state in FACE_STATES:
            if name.startswith("rot"):
                angle, centre = 0.3, (TILE / 2, TILE / 2)
                frame = _rotate(rest, angle, centre)
                cur = FaceGeometry(_rot_ellipse(geo.eye_l, angle, centre), _rot_ellipse(geo.eye_r, angle, centre),
                                   _rot_ellipse(geo.mouth, angle, centre), rotation=angle)
            else:
                frame, cur = rest.copy(), geo
            draw_face(frame, rest, geo, cur, state, palette=pal)
            row.append((name, frame))
        rows.append(row)
    return rows


PHASES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.999)


def effect_rows() -> list[list[tuple[str, np.ndarray]]]:
    rows = []
    for n, kind in enumerate(EffectKind):
        label, style, el, er, mo = FACES[n % len(FACES)]
        rest = _subject(label, style)
        geo = FaceGeometry(_scale(el), _scale(er), _scale(mo))
        eyes = tuple((e[0], e[1]) for e in (geo.eye_l, geo.eye_r) if e is not None)
        mouth = (geo.mouth[0], geo.mouth[1]) if geo.mouth is not None else None
        facing = -1 if n % 2 else 1
        anchors = EffectAnchors((TILE / 2, TILE / 2), ART * 0.45, eyes, mouth, facing,
                                eye_radius=geo.eye_l[3] if geo.eye_l else 0.0)
        row = []
        for t in PHASES:
            frame = rest.copy()
            draw_effect(frame, kind, anchors, t)
            row.append((f"{kind.value} t={t:g}" + (" face-L" if facing < 0 else ""), frame))
        rows.append(row)
    return rows


def sheet(rows: list[list[tuple[str, np.ndarray]]]) -> Image.Image:
    cols = max(len(r) for r in rows)
    img = _checker(cols * TILE, len(rows) * (TILE + 18))
    draw = ImageDraw.Draw(img)
    for r, row in enumerate(rows):
        for c, (name, frame) in enumerate(row):
            x, y = c * TILE, r * (TILE + 18)
            img.alpha_composite(Image.fromarray(frame), (x, y + 18))
            draw.text((x + 4, y + 3), name, fill=(0, 0, 0, 255))
    return img


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/puppet/face_effects.png")
    rows = face_rows()
    rows += effect_rows()
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet(rows).save(out)
    print(out)


if __name__ == "__main__":
    main()
