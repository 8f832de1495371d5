"""The issue-24 fine-tune kit for the matting head: the old families plus the failure families,
on the backgrounds the real-art check found hard (``data matting-pack --mix failures``).

A pack in the same format as :mod:`.matting_pack` (``train matting --kit`` reads it unchanged),
with subjects drawn from three sources:

* the old drawn families (:mod:`.drawn_families`, training seeds) so nothing is forgotten;
* the failure families (:mod:`.failure_families`): thin rings and enclosures, handles, pale
  subjects with a thin or no outline, black-and-white animals;
* Fluent Emoji (flat) and Noto Emoji art from the bundled library (``resources/art``, MIT and
  Apache-2.0) — the two sets the project trains on; never any other emoji or illustration set
  (the held-out real check is Twemoji). Entries whose label or tags name a failure kind are
  drawn more often (:data:`ART_KEYWORDS`).

Backgrounds (:data:`FAILURE_BACKGROUNDS`) add ``cream-jpeg`` (flat cream with a faint grain,
always saved as JPEG quality 60–85) and ``cream-paper`` (an off-white/cream paper: mottling, a
light gradient, fibres, grain; JPEG on some) to the old kinds.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from sticker_studio.training.data.drawn_families import TRAIN_FAMILIES, render_subject, subject_split
from sticker_studio.training.data.failure_families import FAILURE_FAMILIES, render_failure_subject
from sticker_studio.training.data.matting_pack import (
    PackedClip,
    animate_subject,
    composite,
    degrade,
    make_background,
    pack_prior,
    write_pack,
)

#: background kinds of the failure kit and how often each is drawn
FAILURE_BACKGROUNDS: dict[str, float] = {"white": 0.22, "cream-jpeg": 0.18, "cream-paper": 0.16, "texture": 0.06,
                                         "near-colour": 0.16, "pale": 0.08, "subject-colour": 0.05,
                                         "gradient": 0.05, "flat": 0.04}
#: label/tag words of library art that belong to the failure kinds (drawn 4x as often as other art)
ART_KEYWORDS: tuple[str, ...] = (
    "ring", "pretzel", "bagel", "doughnut", "web", "buoy", "key", "scissors", "paperclip", "link", "safety pin",
    "headphone", "teapot", "basket", "bucket", "handbag", "purse", "mug", "cup", "teacup", "jug", "ghost",
    "polar bear", "snowman", "cloud", "egg", "rice", "tooth", "skull", "milk", "ice cream", "panda", "penguin",
    "cow", "zebra", "skunk", "badger", "sheep", "rabbit", "dog", "cat", "bone", "chain", "lock", "glasses",
    "sock", "baby bottle", "bell", "teddy", "moon", "snowflake", "soap", "toilet", "bathtub", "shell", "tent")
ART_STYLES: tuple[str, ...] = ("fluent-emoji-flat", "noto")
CREAM = np.array([246.0, 239.0, 222.0])


@dataclass
class FailureKitSpec:
    clips: int = 2000
    size: int = 192
    frames: int = 4
    seed: int = 0
    old_share: float = 0.35
    """Share of clips from the old drawn families."""
    art_share: float = 0.3
    """Share of clips from Fluent/Noto library art; the rest are the failure families."""
    first_subject: int = 1


def cream_colour(rng: np.random.Generator) -> np.ndarray:
    """A cream / ivory / off-white paper colour (RGB 0-255)."""
    return np.clip(CREAM + rng.uniform(-8, 8) + rng.uniform(-5, 5, size=3) + np.array([0, 0, -1]) * rng.uniform(0, 12),
                   0, 255)


def cream_paper(rng: np.random.Generator, size: int) -> np.ndarray:
    """[S,S,3] uint8 off-white/cream paper: low-frequency mottling, a light gradient, fibres, grain."""
    from scipy import ndimage

    base = cream_colour(rng) if rng.random() < 0.7 else np.full(3, rng.uniform(232, 250)) + rng.uniform(-4, 4, 3)
    mottle = ndimage.gaussian_filter(rng.normal(size=(size, size)), size * rng.uniform(0.02, 0.08))
    mottle = mottle / (np.abs(mottle).max() + 1e-9) * rng.uniform(3, 10)
    yy, xx = np.mgrid[0:size, 0:size] / size
    angle = rng.uniform(0, 2 * np.pi)
    grad = (np.cos(angle) * xx + np.sin(angle) * yy - 0.5) * rng.uniform(0, 14)
    fibres = np.zeros((size, size))
    n = int(size * size / rng.uniform(500, 1500))
    x0, y0 = rng.uniform(0, size, n), rng.uniform(0, size, n)
    theta, length = rng.uniform(0, np.pi, n), rng.uniform(3, size * 0.06, n)
    strength = rng.uniform(3, 12, n) * np.where(rng.random(n) < 0.8, 1.0, -1.0)
    for k in range(n):
        steps = np.linspace(0, length[k], max(2, int(length[k] * 2)))
        px = np.clip((x0[k] + np.cos(theta[k]) * steps).astype(int), 0, size - 1)
        py = np.clip((y0[k] + np.sin(theta[k]) * steps).astype(int), 0, size - 1)
        fibres[py, px] += strength[k]
    fibres = ndimage.gaussian_filter(fibres, rng.uniform(0.4, 0.9))
    grain = ndimage.gaussian_filter(rng.normal(size=(size, size)), rng.uniform(0.5, 1.0)) * rng.uniform(2, 6)
    lum = mottle + grad - fibres + grain
    plate = base[None, None, :] + lum[..., None] * np.array([1.0, 1.0, rng.uniform(1.0, 1.15)])
    return (np.clip(plate, 0, 255) + 0.5).astype(np.uint8)


def failure_background(rng: np.random.Generator, kind: str, size: int, subject: np.ndarray) -> np.ndarray:
    """[S,S,3] uint8 plate of a :data:`FAILURE_BACKGROUNDS` kind."""
    if kind == "cream-jpeg":  # the JPEG itself is applied to the composite (:func:`make_failure_clip`)
        grain = rng.normal(0, rng.uniform(0.8, 2.5), size=(size, size, 1))
        return (np.clip(cream_colour(rng) + grain, 0, 255) + 0.5).astype(np.uint8)
    if kind == "cream-paper":
        return cream_paper(rng, size)
    return make_background(rng, kind, size, subject)


def _jpeg(frames: np.ndarray, quality: int) -> np.ndarray:
    out = []
    for f in frames:
        buf = io.BytesIO()
        Image.fromarray(f, "RGB").save(buf, format="JPEG", quality=quality)
        buf.seek(0)
        with Image.open(buf) as im:
            out.append(np.asarray(im.convert("RGB")))
    return np.stack(out)


def make_failure_clip(rgba_frames: np.ndarray, kind: str, rng: np.random.Generator) -> PackedClip:
    """A packed training clip of ``rgba_frames`` on a ``kind`` plate (cream-jpeg: always JPEG 60-85)."""
    size = rgba_frames.shape[1]
    plate = failure_background(rng, kind, size, rgba_frames[0])
    comp = composite(rgba_frames, plate[None])
    if kind == "cream-jpeg":
        comp = _jpeg(degrade(comp, rng, blur_p=0.1, jpeg_p=0.0), int(rng.integers(60, 86)))
    else:
        comp = degrade(comp, rng, jpeg_p=0.4 if kind == "cream-paper" else 0.3)
    prior, bgc = pack_prior(comp)
    fg = rgba_frames[..., :3].copy()
    fg[rgba_frames[..., 3] == 0] = 0
    return PackedClip(comp, rgba_frames[..., 3].copy(), fg, prior, plate, bgc)


def art_subjects() -> list[tuple[str, str, float]]:
    """(style, entry key, weight) of every Fluent/Noto library entry (keyword matches weigh 4)."""
    from sticker_studio.core.text.art_library import ArtLibrary

    lib = ArtLibrary.load()
    out = []
    for e in lib.entries:
        words = " ".join((e.label, *e.tags)).lower()
        weight = 4.0 if any(k in words for k in ART_KEYWORDS) else 1.0
        for style in ART_STYLES:
            if style in e.icons:
                out.append((style, e.key, weight))
    return out


def render_art(style: str, key: str, size: int, rng: np.random.Generator) -> np.ndarray:
    """RGBA uint8 ``size``² of library art ``key`` in ``style``, scaled to 70-95 % and centred."""
    from sticker_studio.core.text.art_library import ArtLibrary, icon_svg
    from sticker_studio.formats.svg_render import render_svg

    lib = ArtLibrary.load()
    entry = next(e for e in lib.entries if e.key == key)
    inner = max(8, int(size * rng.uniform(0.7, 0.95)))
    art = render_svg(icon_svg(lib.icon_set(style), entry.icons[style]), inner)
    canvas = np.zeros((size, size, 4), np.uint8)
    oy, ox = (size - art.shape[0]) // 2, (size - art.shape[1]) // 2
    canvas[oy:oy + art.shape[0], ox:ox + art.shape[1]] = art
    return canvas


def _failure_split(family: str, seed: int) -> str:
    u = int.from_bytes(hashlib.sha256(f"f24-{family}-{seed}".encode()).digest()[:8], "big") / 2**64
    return "test" if u < 0.12 else "train"


def failure_jobs(spec: FailureKitSpec, rng: np.random.Generator) -> list[tuple[str, str]]:
    """(source, subject) of every clip: ``("drawn:critter", "critter-17")``, ``("failure:pale", "pale-3")``,
    ``("art:noto", "1f43c")``."""
    n_old = int(round(spec.clips * spec.old_share))
    n_art = int(round(spec.clips * spec.art_share))
    jobs: list[tuple[str, str]] = []
    seed = spec.first_subject - 1
    while len(jobs) < n_old:
        fam = TRAIN_FAMILIES[len(jobs) % len(TRAIN_FAMILIES)]
        seed += 1
        if subject_split(fam, seed) == "train":
            jobs.append((f"drawn:{fam}", f"{fam}-{seed}"))
    if n_art:
        arts = art_subjects()
        w = np.asarray([a[2] for a in arts])
        for i in rng.choice(len(arts), size=n_art, p=w / w.sum()):
            jobs.append((f"art:{arts[int(i)][0]}", arts[int(i)][1]))
    seed = spec.first_subject - 1
    k = 0
    while len(jobs) < spec.clips:
        fam = FAILURE_FAMILIES[k % len(FAILURE_FAMILIES)]
        seed += 1
        if _failure_split(fam, seed) == "train":
            jobs.append((f"failure:{fam}", f"{fam}-{seed}"))
            k += 1
    return jobs


def subject_rgba(source: str, subject: str, size: int, rng: np.random.Generator) -> np.ndarray:
    kind, name = source.split(":", 1)
    if kind == "art":
        return render_art(name, subject, size, rng)
    seed = int(subject.rsplit("-", 1)[1])
    if kind == "drawn":
        return render_subject(name, seed, size)
    return render_failure_subject(name, seed, size)


def build_failure_pack(out: Path, spec: FailureKitSpec, progress: bool = True) -> Path:
    """Build the failure kit (a training pack) into ``out``."""
    from tqdm import tqdm

    rng = np.random.default_rng([spec.seed, 24])
    jobs = failure_jobs(spec, rng)
    kinds = list(FAILURE_BACKGROUNDS)
    weights = np.asarray(list(FAILURE_BACKGROUNDS.values()))
    clips: list[PackedClip] = []
    meta: list[dict[str, object]] = []
    for source, subject in tqdm(jobs, desc="pack failures", disable=not progress):
        frames = animate_subject(subject_rgba(source, subject, spec.size * 2, rng), rng, spec.size, spec.frames)
        kind = kinds[int(rng.choice(len(kinds), p=weights / weights.sum()))]
        clips.append(make_failure_clip(frames, kind, rng))
        meta.append({"family": source.split(":", 1)[1] if source.startswith(("drawn", "failure")) else source,
                     "subject": subject, "background": kind, "split": "train"})
    write_pack(out, clips, meta)
    (out / "pack.json").write_text(json.dumps({"mix": "failures", **asdict(spec)}, indent=2) + "\n",
                                   encoding="utf-8")
    return out
