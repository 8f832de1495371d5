"""The packed matting training set: composited, animated clips with their layout prior, as uint8 arrays.

Training the matting head on a 2-core CPU (or 10 minutes of GPU) cannot afford decoding,
drawing, compositing and flood-filling per step, so everything is made once and packed:

* ``composite`` ``[N, F, S, S, 3]`` — the input the head sees (JPEG noise, scan blur);
* ``alpha`` ``[N, F, S, S]`` and ``foreground`` ``[N, F, S, S, 3]`` — the truth;
* ``prior`` ``[N, F, S, S, 3]`` — distance, key alpha and the tight/loose/enclosed masks as
  bits (:func:`unpack_prior` rebuilds the head's prior channels);
* ``plate`` ``[N, S, S, 3]`` — the clean background (for the compositing loss), ``bgcolour``
  ``[N, 3]`` — the border-median colour the prior used;
* ``meta.jsonl`` — family / subject / background kind / split of each clip.

Subjects are :mod:`.drawn_families` (held-out family and seeds excluded from ``train``)
and, when present, animated Fluent emoji clips; each is moved by a random motion preset
and composited on white, pale colours, a colour near one of its own, paper textures or
gradients. ``np.load(..., mmap_mode="r")`` makes a step I/O-free after the first epoch.
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from sticker_studio.core.matte.layout_prior import PRIOR_NAMES, clip_layout_priors
from sticker_studio.training.data.background_plates import random_background_with_kind
from sticker_studio.training.data.drawn_families import FAMILIES, TRAIN_FAMILIES, render_subject, subject_split

ARRAYS = ("composite", "alpha", "foreground", "prior", "plate", "bgcolour")
#: background kinds of training clips and how often each is drawn
TRAIN_BACKGROUNDS: dict[str, float] = {"white": 0.25, "pale": 0.15, "near-colour": 0.2, "subject-colour": 0.1,
                                       "texture": 0.15, "gradient": 0.1, "flat": 0.05}
#: the backgrounds the eval scores each held-out clip on
EVAL_BACKGROUNDS: tuple[str, ...] = ("white", "pale", "near colour", "texture")
#: the first subject seed of the validation split (training packs count seeds up from 1)
VAL_FIRST_SEED = 100_000
PRESET_NAMES = ("bounce", "jelly", "wobble", "spin", "shake", "nod", "pulse", "float", "swing", "sway", "tada")


@dataclass
class PackedClip:
    composite: np.ndarray  # [F,S,S,3]
    alpha: np.ndarray      # [F,S,S]
    foreground: np.ndarray
    prior: np.ndarray      # [F,S,S,3]
    plate: np.ndarray      # [S,S,3]
    bgcolour: np.ndarray   # [3]


def pack_prior(composite: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(prior [F,S,S,3] uint8, bg colour [3] uint8) of a composited clip."""
    priors = clip_layout_priors(composite)
    out = []
    for p in priors:
        c = p.channels
        bits = (c[..., 1] > 0.5).astype(np.uint8) | ((c[..., 2] > 0.5).astype(np.uint8) << 1) \
            | ((c[..., 3] > 0.5).astype(np.uint8) << 2)
        out.append(np.stack([(c[..., 0] * 255 + 0.5).astype(np.uint8), (c[..., 4] * 255 + 0.5).astype(np.uint8),
                             bits], axis=-1))
    return np.stack(out), (priors[0].background * 255 + 0.5).astype(np.uint8)


def unpack_prior(prior: np.ndarray, bgcolour: np.ndarray) -> np.ndarray:
    """float32 [..., PRIOR_INPUT_CHANNELS] head prior from the packed uint8 prior [..., 3] and colour [3]."""
    dist = prior[..., 0].astype(np.float32) / 255.0
    key = prior[..., 1].astype(np.float32) / 255.0
    bits = prior[..., 2]
    chans = [dist, (bits & 1).astype(np.float32), ((bits >> 1) & 1).astype(np.float32),
             ((bits >> 2) & 1).astype(np.float32), key]
    assert len(chans) == len(PRIOR_NAMES)
    bg = np.broadcast_to(bgcolour.astype(np.float32) / 255.0, prior.shape[:-1] + (3,))
    return np.concatenate([np.stack(chans, axis=-1), bg], axis=-1)


def _pale(rng: np.random.Generator) -> np.ndarray:
    return np.clip(rng.uniform(222, 250) + rng.uniform(-14, 14, size=3), 0, 255)


def make_background(rng: np.random.Generator, kind: str, size: int, subject: np.ndarray) -> np.ndarray:
    """[S,S,3] uint8 plate of ``kind`` (training kinds plus the eval's 'near colour')."""
    if kind == "pale":
        return np.broadcast_to(_pale(rng), (size, size, 3)).astype(np.uint8).copy()
    if kind in ("near colour", "near-colour"):  # a colour close to one of the subject's own
        from sticker_studio.training.data.background_plates import subject_colour

        if kind == "near colour":  # the eval's: within ±18 a channel
            c = subject_colour(rng, subject) + rng.uniform(-18, 18, size=3)
            return np.broadcast_to(np.clip(c, 0, 255), (size, size, 3)).astype(np.uint8).copy()
        # training's: 4-48 RGB units away in a random direction, with a soft gradient in 30 %
        step = rng.normal(size=3)
        c = subject_colour(rng, subject) + step / max(1e-6, float(np.linalg.norm(step))) * rng.uniform(4, 48)
        plate = np.broadcast_to(c, (size, size, 3)).astype(np.float64)
        if rng.random() < 0.3:
            ramp = np.linspace(-1.0, 1.0, size)[:, None, None] * rng.uniform(-12, 12, size=3)
            plate = plate + (ramp if rng.random() < 0.5 else ramp.transpose(1, 0, 2))
        return (np.clip(plate, 0, 255) + 0.5).astype(np.uint8)
    return random_background_with_kind(rng, size, size, subject, kind)[0]


def degrade(frames: np.ndarray, rng: np.random.Generator, blur_p: float = 0.15, jpeg_p: float = 0.3) -> np.ndarray:
    """Scan-like blur and JPEG noise, the same settings on every frame."""
    blur = rng.uniform(0.5, 1.1) if rng.random() < blur_p else 0.0
    quality = int(rng.integers(50, 92)) if rng.random() < jpeg_p else None
    if not blur and quality is None:
        return frames
    out = []
    for f in frames:
        im = Image.fromarray(f, "RGB")
        if blur:
            im = im.filter(ImageFilter.GaussianBlur(blur))
        if quality is not None:
            buf = io.BytesIO()
            im.save(buf, format="JPEG", quality=quality)
            buf.seek(0)
            im = Image.open(buf).convert("RGB")
        out.append(np.asarray(im))
    return np.stack(out)


def animate_subject(rgba: np.ndarray, rng: np.random.Generator, size: int, frames: int) -> np.ndarray:
    """[F,S,S,4] consecutive frames of ``rgba`` moved by a random motion preset."""
    from sticker_studio.core.motion.presets import PRESETS, animate

    names = [n for n in PRESET_NAMES if n in PRESETS] or list(PRESETS)
    name = names[int(rng.integers(len(names)))]
    total = int(rng.integers(max(frames, 8), 17))
    sticker = animate(rgba, name, frames=total, fps=12.0, amplitude=float(rng.uniform(0.5, 1.5)), size=size,
                      margin=float(rng.choice([0.03, 0.08, 0.15, 0.25])))
    start = int(rng.integers(0, total - frames + 1))
    return np.stack(sticker.frames[start:start + frames])


def composite(rgba: np.ndarray, plate: np.ndarray) -> np.ndarray:
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    return (rgba[..., :3].astype(np.float32) * a + plate.astype(np.float32) * (1 - a) + 0.5).astype(np.uint8)


def make_clip(rgba_frames: np.ndarray, kind: str, rng: np.random.Generator, degrade_p: bool = True) -> PackedClip:
    size = rgba_frames.shape[1]
    plate = make_background(rng, kind, size, rgba_frames[0])
    comp = composite(rgba_frames, plate[None])
    if degrade_p:
        comp = degrade(comp, rng)
    prior, bgc = pack_prior(comp)
    fg = rgba_frames[..., :3].copy()
    fg[rgba_frames[..., 3] == 0] = 0
    return PackedClip(comp, rgba_frames[..., 3].copy(), fg, prior, plate, bgc)


def emoji_clips(folder: Path, split: str, limit: int, size: int, frames: int,
                rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
    """(subject, [F,S,S,4]) runs of animated Fluent emoji of ``split`` (none if the folder is absent).

    ``folder`` may also be an ``emoji.npz`` of a matting GPU kit (:func:`write_emoji_runs`).
    """
    from sticker_studio.core.imageops import resize_rgba
    from sticker_studio.training.data.dataset import load_clip, read_index

    if folder.suffix == ".npz" and folder.is_file():
        return _emoji_clips_from_runs(folder, split, limit, size, frames, rng)
    if not (folder / "index.jsonl").exists():
        return []
    records = [r for r in read_index(folder) if r.split == split and r.frame_count >= frames]
    rng.shuffle(records)
    out = []
    for r in records[:limit]:
        try:
            st = load_clip(folder, r)
        except Exception:  # a damaged clip in a partial fetch: skip it
            continue
        start = int(rng.integers(0, max(1, st.frame_count - frames * 2)))
        idx = [min(st.frame_count - 1, start + 2 * i) for i in range(frames)]
        out.append((r.subject, np.stack([resize_rgba(st.frames[i], size, size) for i in idx])))
    return out


#: source frames an emoji run of a GPU kit keeps (every other frame, as :func:`emoji_clips` samples them)
EMOJI_RUN_FRAMES = 8


def write_emoji_runs(folder: Path, out: Path, split: str, clips: int, seed: int = 0) -> int:
    """Write ``out`` (.npz): up to ``clips`` runs of :data:`EMOJI_RUN_FRAMES` every-other frames of
    ``split`` emoji from a dataset folder, at their stored size, zlib-compressed; returns the count."""
    from sticker_studio.core.atomic import atomic_path
    from sticker_studio.training.data.dataset import load_clip, read_index

    records = [r for r in read_index(folder) if r.split == split and r.frame_count >= 2 * EMOJI_RUN_FRAMES]
    np.random.default_rng(seed).shuffle(records)
    runs: list[np.ndarray] = []
    subjects: list[str] = []
    for r in records:
        if len(runs) == clips:
            break
        try:
            st = load_clip(folder, r)
        except Exception:  # a damaged clip in a partial fetch: skip it
            continue
        run = np.stack(st.frames[: 2 * EMOJI_RUN_FRAMES : 2])
        if runs and run.shape != runs[0].shape:
            continue
        runs.append(run)
        subjects.append(r.subject)
    if not runs:
        return 0
    with atomic_path(out) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, frames=np.stack(runs), subjects=np.asarray(subjects), split=np.asarray(split))
    return len(runs)


def _emoji_clips_from_runs(path: Path, split: str, limit: int, size: int, frames: int,
                           rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
    from sticker_studio.core.imageops import resize_rgba

    with np.load(path) as data:
        if str(data["split"]) != split:
            return []
        runs, subjects = data["frames"], [str(s) for s in data["subjects"]]
    order = rng.permutation(len(runs))
    out = []
    for k in range(min(limit, 4 * len(runs))):  # a small set is drawn from again, with new starts
        i = int(order[k % len(runs)])
        start = int(rng.integers(0, max(1, runs.shape[1] - frames + 1)))
        idx = [min(runs.shape[1] - 1, start + j) for j in range(frames)]
        out.append((subjects[i], np.stack([resize_rgba(runs[i][j], size, size) for j in idx])))
    return out


def write_pack(out: Path, clips: list[PackedClip], meta: list[dict[str, object]]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in ARRAYS:
        arr = np.stack([getattr(c, name) for c in clips])
        tmp = out / f".{name}.tmp.npy"
        np.save(tmp, arr)
        tmp.replace(out / f"{name}.npy")
    (out / "meta.jsonl").write_text("".join(json.dumps(m) + "\n" for m in meta), encoding="utf-8")


@dataclass
class PackSpec:
    split: str = "train"
    clips: int = 800
    size: int = 192
    frames: int = 4
    emoji_share: float = 0.2
    emoji_folder: str = "data/fluent-anim"
    seed: int = 0
    effects: int = 1
    """Drawn effects (:mod:`.drawn_families`): 1 as the bundled head's and the eval packs, 2 adds
    big glows, shape shadows and translucent subjects (the GPU kit's)."""
    first_subject: int = 1
    """train: the first subject seed (shards of a bigger set start apart; all stay below
    :data:`VAL_FIRST_SEED`); val always starts there, test at 1."""


def build_pack(out: Path, spec: PackSpec, progress: bool = True) -> Path:
    """Build a training (``split='train'``), validation (``'val'``) or eval (``'test'``) pack into ``out``.

    ``val`` is for choosing inference rules and thresholds without looking at the test pack:
    training families, but subjects from seed :data:`VAL_FIRST_SEED` on (no training pack of
    fewer than ~80,000 clips reaches them), drawings only, scored on the eval backgrounds.
    """
    from tqdm import tqdm

    rng = np.random.default_rng([spec.seed, {"train": 0, "test": 1, "val": 2}[spec.split]])
    clips: list[PackedClip] = []
    meta: list[dict[str, object]] = []
    families = FAMILIES if spec.split == "test" else TRAIN_FAMILIES
    subject_split_of = "train" if spec.split == "val" else spec.split
    n_emoji = 0 if spec.split == "val" else int(spec.clips * spec.emoji_share)
    emoji = emoji_clips(Path(spec.emoji_folder), spec.split, n_emoji, spec.size, spec.frames, rng)
    kinds = list(TRAIN_BACKGROUNDS)
    weights = np.asarray(list(TRAIN_BACKGROUNDS.values()))
    jobs: list[tuple[str, str, np.ndarray | None]] = [("emoji", s, f) for s, f in emoji]
    seed = {"val": VAL_FIRST_SEED, "train": spec.first_subject}.get(spec.split, 1) - 1
    while len(jobs) < spec.clips:
        fam = families[len(jobs) % len(families)]
        seed += 1
        if spec.split == "train" and seed >= VAL_FIRST_SEED:
            from sticker_studio.core.errors import InvalidInputError

            raise InvalidInputError(f"a training pack reached subject seed {VAL_FIRST_SEED:,}, where the validation "
                                    "split's subjects start; use fewer clips or a lower first subject")
        if subject_split(fam, seed) != subject_split_of:
            continue
        jobs.append((fam, f"{fam}-{seed}", None))
    for fam, subject, frames in tqdm(jobs, desc=f"pack {spec.split}", disable=not progress):
        if frames is None:
            s = int(subject.rsplit("-", 1)[1])
            frames = animate_subject(render_subject(fam, s, spec.size * 2, spec.effects), rng, spec.size, spec.frames)
        if spec.split == "train":
            kind_list = [kinds[int(rng.choice(len(kinds), p=weights / weights.sum()))]]
        else:
            kind_list = list(EVAL_BACKGROUNDS)
        for kind in kind_list:
            plate_kind = "texture" if kind == "texture" else kind
            clips.append(make_clip(frames, plate_kind, rng, degrade_p=spec.split == "train"))
            meta.append({"family": fam, "subject": subject, "background": kind, "split": spec.split})
    write_pack(out, clips, meta)
    (out / "pack.json").write_text(json.dumps(asdict(spec), indent=2) + "\n", encoding="utf-8")
    return out


def load_pack(folder: Path) -> tuple[dict[str, np.ndarray], list[dict[str, object]]]:
    arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in ARRAYS}
    meta = [json.loads(line) for line in (folder / "meta.jsonl").read_text(encoding="utf-8").splitlines() if line]
    return arrays, meta
