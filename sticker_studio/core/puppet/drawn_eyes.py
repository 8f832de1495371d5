"""The eye as drawn around an automatic rig's eye: the ellipse a blink's lid must cover.

The rig network places an eye's centre well but often draws its ellipse on the pupil or a part of
the eye (a big cartoon eye, an alien's almond eyes, a robot's round lamps): a lid over that small
ellipse closes a corner of the eye and leaves the rest open. Here the eye is read from the
drawing: the connected run of pixels around the eye's centre that are not the face's skin (the
outline, the sclera, the iris, the pupil and its glints together), where it is enclosed by the
skin. The fit is refused — the rig's ellipse kept — where that run is not an eye's shape: it
reaches the edge of the subject or the window searched, it is much larger than the eye the rig
saw, or it is long like a stroke. A white eye with a pupil is fitted to its white (as the geometry
reads it, so ``look`` moves the pupil inside it); an eye in a darker patch to the eye, not the patch;
a run joined to other lines by strokes is cut from them; the two eyes of a pair are kept alike
(docs/PUPPET.md, "The automatic rig", step 5).

Chosen on the hand-labelled Fluent/Noto training drawings (their eye labels) and a helper's own test
drawings; of the held-out OpenMoji set, two drawings (the alien, the pile of poo) were looked at while the
stroke cut and the mirrored partner were written, so its eye figures are not blind (docs/rig_net.md).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from sticker_studio.core.puppet.rig import Ellipse

#: a pixel is the face's skin when its colour is this near the skin's (RGB distance, 0–441)
SKIN_TOLERANCE = 40.0
#: the skin is the commonest colour of the subject in a disc this share of the subject's diagonal around the eye
SKIN_DISC = 0.15
#: the drawn eye may be at most this many times the rig eye's area ...
MAX_GROWTH = 32.0
#: ... and this share of the subject
MAX_SHARE = 0.2
#: longer than this many times its width is a stroke or a band of shading, not an eye
MAX_ASPECT = 3.0
#: one eye bigger than this share of the subject's pixels is not an eye (a flank, a limb), unless it is one of a
#: drawn pair (:func:`is_drawn_pair`); such an eye, or a stroke, is not fitted (a fit would shrink it onto a
#: piece of the drawing there, and a wrong eye would pass for a right one)
MAX_EYE_SHARE = 0.07
#: strokes up to twice this share of the subject's diagonal wide are cut where a run of colour leaks along them
#: (tried in turn: 2, 3, 4, 6, 9 px on a 300 px diagonal; a thick outline merged with the eyes needs the last)
OPENING = (0.006, 0.009, 0.012, 0.02, 0.03)
#: the share of an eye's rim that may lie on the subject's edge
EDGE_TOUCH = 0.1
#: a white that fills at least this share of the eye's run (and holds a pupil) is a sclera
SCLERA_SHARE = 0.35
#: the window searched: the rig eye's radii times this (at least a few pixels)
WINDOW = 6.0
#: ... and at least this share of the subject's diagonal
WINDOW_DIAG = 0.15


def _skin(rgb: np.ndarray, subject: np.ndarray, cx: float, cy: float, radius: float) -> np.ndarray | None:
    """The commonest colour (16-level bins) of the subject within ``radius`` of (cx, cy)."""
    h, w = subject.shape
    y0, y1 = max(0, int(cy - radius)), min(h, int(cy + radius) + 1)
    x0, x1 = max(0, int(cx - radius)), min(w, int(cx + radius) + 1)
    if y1 <= y0 or x1 <= x0:
        return None
    yy, xx = np.mgrid[y0:y1, x0:x1]
    inside = subject[y0:y1, x0:x1] & ((xx + 0.5 - cx) ** 2 + (yy + 0.5 - cy) ** 2 <= radius * radius)
    return _mode_colour(rgb[y0:y1, x0:x1][inside])


def fit_drawn_eyes(rgba: np.ndarray, face: dict[str, Ellipse]) -> dict[str, Ellipse]:
    """``face`` with each eye ("eye_l", "eye_r") fitted to the eye drawn around its centre where one is there.

    The skin is read between two eyes (the bridge of the nose), else around the eyes. Of a pair, a partner
    whose run leaked (into shading) takes the fitted eye mirrored; of two eyes fitted to sizes more than twice
    apart (a dark patch round one), the bigger takes the smaller mirrored, and one fitted far bigger than an
    unfitted partner is left as the rig had it. An "eye" that is a stroke or a flank (:data:`MAX_ASPECT`,
    :data:`MAX_EYE_SHARE`) is not fitted."""
    n = int((rgba[..., 3] > 127).sum())
    eyes = {k: e for k, e in face.items() if k in ("eye_l", "eye_r") and _looks_like_an_eye(e, n)}
    out = dict(face)
    out.update({k: f for k, f in _fits(rgba, eyes).items() if f is not None})
    return out


def _fits(rgba: np.ndarray, eyes: dict[str, Ellipse]) -> dict[str, Ellipse | None]:
    """The drawn eye of each of ``eyes`` (None: not fitted)."""
    subject = rgba[..., 3] > 127
    ys, xs = np.nonzero(subject)
    fits: dict[str, Ellipse | None] = {k: None for k in eyes}
    if len(xs) < 64 or not eyes:
        return fits
    diag = math.hypot(xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
    skins = _skins(rgba[..., :3], subject, eyes, diag)
    used: np.ndarray | None = None
    for cut, skin in [(False, skin) for skin in skins] + [(True, skin) for skin in skins]:
        fits = {k: drawn_eye(rgba, e, skin, subject, len(xs), cut, diag) for k, e in eyes.items()}
        if any(f is not None for f in fits.values()):
            used = skin
            if len(eyes) == 2 and None in fits.values():
                fits = _mirror_partner(rgba, eyes, fits, skin)
            break
    if len(eyes) == 2:
        final = {k: f if f is not None else eyes[k] for k, f in fits.items()}
        big, small = sorted(final, key=lambda k: final[k].rx * final[k].ry, reverse=True)
        if final[big].rx * final[big].ry > 2.0 * final[small].rx * final[small].ry:
            # two eyes fitted to two sizes (a dark patch round one, a panda's patch taken for one): the smaller,
            # mirrored, where it holds as little skin; else the bigger is left as the rig had it
            both = fits[big] is not None and fits[small] is not None
            fits[big] = (_mirrored(rgba, final[small], eyes[small], eyes[big], used)
                         if both and used is not None else None)
    return fits


def _looks_like_an_eye(e: Ellipse, subject_px: int) -> bool:
    return (max(e.rx, e.ry) <= MAX_ASPECT * max(min(e.rx, e.ry), 1e-6)
            and math.pi * e.rx * e.ry <= MAX_EYE_SHARE * max(subject_px, 1))


def _mirror_partner(rgba: np.ndarray, eyes: dict[str, Ellipse], fits: dict[str, Ellipse | None],
                    skin: np.ndarray) -> dict[str, Ellipse | None]:
    """Of a pair where one eye was fitted and its partner not (its run leaked into shading that reaches the
    edge), the partner as the fitted eye mirrored onto it, where that ellipse holds as little skin as the fitted."""
    done = next(k for k, f in fits.items() if f is not None)
    other = "eye_r" if done == "eye_l" else "eye_l"
    f = fits[done]
    assert f is not None
    return {**fits, other: _mirrored(rgba, f, eyes[done], eyes[other], skin)}


def _mirrored(rgba: np.ndarray, fitted: Ellipse, rig_eye: Ellipse, partner: Ellipse,
              skin: np.ndarray) -> Ellipse | None:
    """``fitted`` (the fit of ``rig_eye``) mirrored onto ``partner``'s place, where it holds as little skin."""
    dx, dy = fitted.cx - rig_eye.cx, fitted.cy - rig_eye.cy
    mirrored = Ellipse(partner.cx - dx, partner.cy + dy, fitted.rx, fitted.ry)
    return mirrored if _skin_share(rgba, mirrored, skin) <= _skin_share(rgba, fitted, skin) + 0.1 else None


def _skin_share(rgba: np.ndarray, e: Ellipse, skin: np.ndarray) -> float:
    """The share of the ellipse's pixels that are the skin's colour or transparent."""
    h, w = rgba.shape[:2]
    x0, x1 = max(0, int(e.cx - e.rx)), min(w, int(e.cx + e.rx) + 1)
    y0, y1 = max(0, int(e.cy - e.ry)), min(h, int(e.cy + e.ry) + 1)
    if y1 <= y0 or x1 <= x0:
        return 1.0
    yy, xx = np.mgrid[y0:y1, x0:x1]
    inside = ((xx + 0.5 - e.cx) / max(e.rx, 0.5)) ** 2 + ((yy + 0.5 - e.cy) / max(e.ry, 0.5)) ** 2 <= 1.0
    if not inside.any():
        return 1.0
    patch = rgba[y0:y1, x0:x1][inside]
    near_skin = np.linalg.norm(patch[:, :3].astype(np.float32) - skin, axis=-1) <= SKIN_TOLERANCE
    skin_like = near_skin | (patch[:, 3] <= 127)
    return float(skin_like.mean())


def is_drawn_pair(rgba: np.ndarray, face: dict[str, Ellipse]) -> bool:
    """Whether ``face`` holds two eyes of about one size that are the eyes drawn there (fitting them again
    gives them back): big cartoon eyes, not a flank or a limb taken for one."""
    a, b = face.get("eye_l"), face.get("eye_r")
    if a is None or b is None or max(a.rx * a.ry, b.rx * b.ry) > 1.5 * min(a.rx * a.ry, b.rx * b.ry):
        return False
    again = _fits(rgba, {"eye_l": a, "eye_r": b})
    return all(f is not None and abs(f.cx - e.cx) <= 1.0 and abs(f.cy - e.cy) <= 1.0 and abs(f.rx - e.rx) <= 1.0
               and abs(f.ry - e.ry) <= 1.0 for f, e in ((again["eye_l"], a), (again["eye_r"], b)))


def _luma(c: np.ndarray) -> float:
    return float(0.299 * c[..., 0].mean() + 0.587 * c[..., 1].mean() + 0.114 * c[..., 2].mean())


def _ring_colour(rgb: np.ndarray, subject: np.ndarray, eye: Ellipse) -> np.ndarray | None:
    """The commonest colour (16-level bins) of the subject in a ring just outside ``eye`` (1.25–1.7 radii)."""
    h, w = subject.shape
    x0, x1 = max(0, int(eye.cx - 1.7 * eye.rx) - 1), min(w, int(eye.cx + 1.7 * eye.rx) + 2)
    y0, y1 = max(0, int(eye.cy - 1.7 * eye.ry) - 1), min(h, int(eye.cy + 1.7 * eye.ry) + 2)
    if y1 <= y0 or x1 <= x0:
        return None
    yy, xx = np.mgrid[y0:y1, x0:x1]
    d = ((xx + 0.5 - eye.cx) / max(eye.rx, 0.5)) ** 2 + ((yy + 0.5 - eye.cy) / max(eye.ry, 0.5)) ** 2
    return _mode_colour(rgb[y0:y1, x0:x1][subject[y0:y1, x0:x1] & (d >= 1.25**2) & (d <= 1.7**2)])


def _mode_colour(px: np.ndarray) -> np.ndarray | None:
    if len(px) < 8:
        return None
    px = px.astype(np.int32)
    keys = (px[:, 0] // 16) * 256 + (px[:, 1] // 16) * 16 + px[:, 2] // 16
    values, counts = np.unique(keys, return_counts=True)
    return np.asarray(px[keys == values[np.argmax(counts)]].mean(axis=0), np.float32)


def _skins(rgb: np.ndarray, subject: np.ndarray, eyes: dict[str, Ellipse], diag: float) -> list[np.ndarray]:
    """Guesses of the face's skin colour, best first: between two eyes (the bridge of the nose), then the
    commonest colour around the eyes, the eyes left out (eyes drawn touching leave no skin between them)."""
    out = []
    if len(eyes) == 2:
        a, b = eyes["eye_l"], eyes["eye_r"]
        gap = math.hypot(a.cx - b.cx, a.cy - b.cy)
        bridge = _skin(rgb, subject, (a.cx + b.cx) / 2, (a.cy + b.cy) / 2, max(2.0, 0.2 * gap))
        if bridge is not None:
            out.append(bridge)
    h, w = subject.shape
    yy, xx = np.mgrid[0:h, 0:w]
    cx = float(np.mean([e.cx for e in eyes.values()]))
    cy = float(np.mean([e.cy for e in eyes.values()]))
    radius = max(SKIN_DISC * diag, 3.0 * max(max(e.rx, e.ry) for e in eyes.values()))
    near = subject & ((xx + 0.5 - cx) ** 2 + (yy + 0.5 - cy) ** 2 <= radius * radius)
    for e in eyes.values():
        near &= ((xx + 0.5 - e.cx) / (1.5 * e.rx + 1)) ** 2 + ((yy + 0.5 - e.cy) / (1.5 * e.ry + 1)) ** 2 > 1.0
    around = _mode_colour(rgb[near])
    if around is not None and not any(np.linalg.norm(around - c) <= SKIN_TOLERANCE for c in out):
        out.append(around)
    return out


def drawn_eye(rgba: np.ndarray, eye: Ellipse, skin: np.ndarray, subject: np.ndarray, subject_px: int,
              cut_strokes: bool = False, diag: float = 300.0) -> Ellipse | None:
    """The ellipse of the eye drawn around ``eye``'s centre, or None where no enclosed eye-shaped run of
    colour is there.

    The eye is the run of pixels around the centre that are not ``skin``; but where the rig's eye sits in a
    patch darker than the skin (a panda's) and is darker still, the eye is the run that is not the patch.
    ``cut_strokes``: the run with thin strokes that join it to other lines cut (:func:`_run_opened`)."""
    h, w = rgba.shape[:2]
    reach = WINDOW_DIAG * diag  # a small rig eye on the glint of a big eye: the window still holds the eye
    wx, wy = max(4.0, reach, WINDOW * eye.rx), max(4.0, reach, WINDOW * eye.ry)
    x0, x1 = max(0, int(math.floor(eye.cx - wx))), min(w, int(math.ceil(eye.cx + wx)) + 1)
    y0, y1 = max(0, int(math.floor(eye.cy - wy))), min(h, int(math.ceil(eye.cy + wy)) + 1)
    px, py = int(eye.cx) - x0, int(eye.cy) - y0
    if y1 <= y0 or x1 <= x0 or not (0 <= py < y1 - y0 and 0 <= px < x1 - x0):
        return None
    win = subject[y0:y1, x0:x1]
    rgb = rgba[y0:y1, x0:x1, :3].astype(np.float32)
    around = _ring_colour(rgba[..., :3], subject, eye)
    if (around is not None and np.linalg.norm(around - skin) > SKIN_TOLERANCE
            and _luma(around) < _luma(skin) - 30.0):
        inner = _run(win & (np.linalg.norm(rgb - around, axis=-1) > SKIN_TOLERANCE), win, px, py)
        if inner is not None and _luma(rgb[inner]) < _luma(around):
            return _checked(inner, eye, subject_px, x0, y0)
    other = win & (np.linalg.norm(rgb - skin, axis=-1) > SKIN_TOLERANCE)
    run = _run_opened(other, win, eye, x0, y0, diag) if cut_strokes else _run(other, win, px, py)
    return None if run is None else _checked(_sclera(run, rgb), eye, subject_px, x0, y0)


def _sclera(run: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """Of an eye drawn as a white holding a pupil inside an outline, the white with what it holds (and a pixel of
    the outline), as the geometry reads such an eye: look moves the pupil inside the white, and an ellipse
    round the outline made it slide the outline too; any other run as it is."""
    lum = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
    light = run & (lum > 200.0) & ((rgb.max(-1) - rgb.min(-1)) < 60.0)
    lab, n = ndimage.label(light)
    if n == 0:
        return run
    sizes = np.bincount(lab.ravel())[1:]
    white = ndimage.binary_fill_holes(lab == int(np.argmax(sizes)) + 1)
    if white.sum() < SCLERA_SHARE * run.sum() or white.sum() <= (white & light).sum():
        return run  # a glint in a dark eye, or a white with nothing in it
    return ndimage.binary_dilation(white, iterations=1) & run


def _run(other: np.ndarray, win: np.ndarray, px: int, py: int) -> np.ndarray | None:
    """The hole-filled run of ``other`` holding (px, py), where it is enclosed (:func:`_enclosed`)."""
    if not other[py, px]:
        return None
    lab, _ = ndimage.label(other)
    run = ndimage.binary_fill_holes(lab == lab[py, px])
    return run if _enclosed(run, win) else None


def _run_opened(other: np.ndarray, win: np.ndarray, eye: Ellipse, x0: int, y0: int, diag: float) -> np.ndarray | None:
    """The run with the thin strokes that join it to other lines cut (an eye drawn touching the outline of a
    swirl or a cheek): ``other`` eroded by k pixels, the piece most inside the rig's eye grown back by k."""
    yy, xx = np.mgrid[y0:y0 + other.shape[0], x0:x0 + other.shape[1]]
    inside = ((xx + 0.5 - eye.cx) / max(eye.rx, 0.5)) ** 2 + ((yy + 0.5 - eye.cy) / max(eye.ry, 0.5)) ** 2 <= 1
    for k in sorted({max(1, round(f * diag)) for f in OPENING}):
        core = ndimage.binary_erosion(other, iterations=k)
        lab, n = ndimage.label(core)
        if n == 0:
            return None
        overlap = np.bincount(lab[inside & core], minlength=n + 1)
        if overlap[1:].max() == 0:
            continue
        piece = lab == int(np.argmax(overlap[1:])) + 1
        # grown back by k alone, not along the cut strokes: the eye's own outline, not stubs of the lines
        run = ndimage.binary_fill_holes(ndimage.binary_dilation(piece, iterations=k)) & win
        if _enclosed(run, win):
            return run
    return None


def _enclosed(run: np.ndarray, win: np.ndarray) -> bool:
    """Whether ``run`` reaches neither the window's edge (cut off, or part of a big region) nor the subject's."""
    rys, rxs = np.nonzero(run)
    if rys.min() == 0 or rxs.min() == 0 or rys.max() == run.shape[0] - 1 or rxs.max() == run.shape[1] - 1:
        return False
    edge = win & ~ndimage.binary_erosion(win, iterations=1, border_value=0)
    rim = run & ~ndimage.binary_erosion(run, iterations=1)
    # an eye drawn at the silhouette (a googly eye bulging past a swirl) touches it along a short stretch
    return int((run & edge).sum()) <= EDGE_TOUCH * int(rim.sum())


def _checked(run: np.ndarray, eye: Ellipse, subject_px: int, x0: int, y0: int) -> Ellipse | None:
    """The run's bounding ellipse, where it has an eye's shape and size."""
    rys, rxs = np.nonzero(run)
    rx = (rxs.max() - rxs.min() + 1) / 2.0
    ry = (rys.max() - rys.min() + 1) / 2.0
    area = float(run.sum())
    if max(rx, ry) / max(min(rx, ry), 1e-6) > MAX_ASPECT:
        return None
    if area > MAX_GROWTH * math.pi * max(eye.rx, 0.5) * max(eye.ry, 0.5) or area > MAX_SHARE * subject_px:
        return None
    return Ellipse(float(x0 + (rxs.max() + rxs.min() + 1) / 2.0), float(y0 + (rys.max() + rys.min() + 1) / 2.0),
                   float(rx), float(ry))
