"""The synthetic animated-sticker set: still subjects animated by the motion presets.

Each sample is one subject (a colour emoji from ``data/subjects``, or a drawn stand-in)
moved by a random preset with random amplitude, speed, easing, frame count (4-24, to
exercise the loss mask) and frame rate, written in the dataset folder shape of
:mod:`sticker_studio.training.data.dataset`:

- ``clips/<id>.png``: the RGBA clip, which is the ground truth alpha for matting;
- ``clips/<id>_bg.png``: the same clip flattened on a typical sticker background
  (white, pale, flat, a colour taken from the subject, gradients, textures; some
  through JPEG), recorded as ``composite_path``;
- a caption "[Domain]\\t[Description]" worded freshly per sample, trigger words and
  the motion label. The split is held out by subject name (the same key the
  animated-emoji set uses), so a validation emoji is never seen in training.

Every sample depends only on (seed, index), so generation can run on several
processes and the same call always writes the same dataset.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.motion.presets import PRESETS, MotionPreset, animate
from sticker_studio.core.progress import ProgressCallback
from sticker_studio.core.sticker import Sticker
from sticker_studio.training.data.background_plates import composite_on_background, random_background_with_kind
from sticker_studio.training.data.captions import ClipFacts, describe
from sticker_studio.training.data.dataset import (
    DatasetMeta,
    DatasetRecord,
    clip_path_for,
    make_caption,
    split_for_subject,
    write_clip,
    write_index,
)
from sticker_studio.training.data.subjects import Subject, load_subjects

SOURCE = "synth"
FPS_CHOICES = (8.0, 10.0, 12.0, 15.0, 16.0, 20.0, 24.0)
SPEED_CHOICES = (0.5, 0.75, 1.0, 1.0, 1.0, 1.5, 2.0, 3.0)
LOOP_EASINGS = ("ease-in-out", "ease-in-out", "ease-in-out", "linear", "ease-out-back")


@dataclass(frozen=True)
class SynthConfig:
    """What every sample draws from."""

    size: int = 128
    min_frames: int = 4
    max_frames: int = 24
    composites: bool = True
    jpeg_share: float = 0.3
    seed: int = 0


@dataclass(frozen=True)
class SampleSpec:
    """The random choices of one sample (kept in the record so a sample can be remade)."""

    subject: Subject
    preset: MotionPreset
    frames: int
    fps: float
    amplitude: float
    speed: float
    easing: str | None
    margin: float


def sample_spec(rng: np.random.Generator, subjects: list[Subject], cfg: SynthConfig) -> SampleSpec:
    """Random subject, preset and timing; intros are drawn half as often as loops."""
    subject = subjects[int(rng.integers(len(subjects)))]
    presets = list(PRESETS.values())
    weights = np.array([1.0 if p.loops else 0.5 for p in presets])
    preset = presets[int(rng.choice(len(presets), p=weights / weights.sum()))]
    frames = int(rng.integers(cfg.min_frames, cfg.max_frames + 1))
    speed = float(rng.choice(SPEED_CHOICES))
    speed = min(speed, float(max(1, frames // 6)))  # at least ~6 frames per cycle: no strobing
    easing = str(rng.choice(LOOP_EASINGS)) if preset.loops else None
    return SampleSpec(
        subject=subject,
        preset=preset,
        frames=frames,
        fps=float(rng.choice(FPS_CHOICES)),
        amplitude=float(rng.uniform(0.5, 1.7)),
        speed=speed,
        easing=easing,
        margin=float(rng.choice([0.03, 0.06, 0.1, 0.18, 0.26])),
    )


def _coverage(sticker: Sticker, loops: bool) -> float:
    frame = sticker.frames[0 if loops else -1]
    mask = frame[..., 3] > 32
    if not mask.any():
        return 0.0
    ys = np.flatnonzero(mask.any(axis=1))
    xs = np.flatnonzero(mask.any(axis=0))
    return max(xs[-1] - xs[0] + 1, ys[-1] - ys[0] + 1) / max(sticker.width, sticker.height)


def make_sample(out: Path, index: int, subjects: list[Subject], cfg: SynthConfig) -> DatasetRecord:
    """Make, write and describe sample ``index`` (deterministic in (cfg.seed, index))."""
    rng = np.random.default_rng([cfg.seed, index])
    spec = sample_spec(rng, subjects, cfg)
    image = spec.subject.image(cfg.size * 2)
    sticker = animate(
        image, spec.preset.name, frames=spec.frames, fps=spec.fps, amplitude=spec.amplitude,
        speed=spec.speed, easing=spec.easing, size=cfg.size, margin=spec.margin,
        subject_size=0.0, pixel_art=False,  # the data's layout: the motion's extent fills the canvas
    )
    meta = sticker.metadata
    facts = ClipFacts(
        name=spec.subject.name, tags=spec.subject.tags, group=spec.subject.group, motion=spec.preset.name,
        verbs=spec.preset.verbs, cycles_per_second=meta.get("cycles_per_second"),  # type: ignore[arg-type]
        amplitude=spec.amplitude, coverage=_coverage(sticker, spec.preset.loops),
    )
    caption = describe(facts, rng)
    rid = f"synth-{index:06d}"
    rel = clip_path_for(rid)
    write_clip(out, rel, sticker)
    extra: dict[str, object] = {
        "subject_key": spec.subject.key, "emoji": spec.subject.emoji, "tags": list(spec.subject.tags),
        "group": spec.subject.group, "amplitude": round(spec.amplitude, 3), "speed": spec.speed,
        "easing": meta.get("easing"), "cycles": meta.get("cycles"),
        "cycles_per_second": meta.get("cycles_per_second"), "loops": spec.preset.loops,
        "coverage": round(facts.coverage, 3), "subject_source": spec.subject.source,
    }
    composite_rel = None
    if cfg.composites:
        background, kind = random_background_with_kind(rng, cfg.size, cfg.size, image)
        quality = int(rng.integers(35, 92)) if rng.random() < cfg.jpeg_share else None
        flat = [composite_on_background(f, background, quality) for f in sticker.frames]
        composite_rel = clip_path_for(rid, "_bg")
        write_clip(out, composite_rel, Sticker(flat, list(sticker.durations_ms), sticker.loop_count), rgb_only=True)
        extra.update({"background": kind, "jpeg_quality": quality})
    return DatasetRecord(
        id=rid,
        path=rel,
        caption=make_caption(caption.domain, caption.description),
        domain=caption.domain,
        description=caption.description,
        trigger_words=caption.trigger_words,
        motion=spec.preset.name,
        frame_count=sticker.frame_count,
        fps=round(sticker.average_fps, 3),
        width=sticker.width,
        height=sticker.height,
        subject=spec.subject.name,
        split=split_for_subject(spec.subject.name),
        source=SOURCE,
        license=spec.subject.license,
        composite_path=composite_rel,
        extra=extra,
    )


# Worker state for multiprocessing (set once per process by the initializer).
_WORKER: dict[str, object] = {}


def _init_worker(out: Path, subjects: list[Subject], cfg: SynthConfig) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    _WORKER.update(out=out, subjects=subjects, cfg=cfg)


def _work(index: int) -> DatasetRecord:
    return make_sample(_WORKER["out"], index, _WORKER["subjects"], _WORKER["cfg"])  # type: ignore[arg-type]


def generate_synthetic_dataset(
    out: str | os.PathLike[str],
    n: int,
    subjects_dir: str | os.PathLike[str] | None = None,
    seed: int = 0,
    *,
    size: int = 128,
    min_frames: int = 4,
    max_frames: int = 24,
    composites: bool = True,
    workers: int = 1,
    progress: ProgressCallback | None = None,
) -> list[DatasetRecord]:
    """Write ``n`` samples and the index into ``out``; returns the records.

    ``subjects_dir`` defaults to ``data/subjects`` (see ``scripts/fetch_synth_subjects``);
    without it the drawn subjects are used. ``workers`` > 1 uses that many processes.
    """
    if n < 1:
        raise InvalidInputError("the sample count must be at least 1")
    if not 4 <= min_frames <= max_frames <= 240:
        raise InvalidInputError("frame counts must satisfy 4 <= min-frames <= max-frames <= 240")
    if not 16 <= size <= 1024:
        raise InvalidInputError("size must be between 16 and 1024 pixels")
    folder = Path(out)
    (folder / "clips").mkdir(parents=True, exist_ok=True)
    subjects = load_subjects(Path(subjects_dir) if subjects_dir is not None else None)
    cfg = SynthConfig(size=size, min_frames=min_frames, max_frames=max_frames, composites=composites, seed=seed)
    records: list[DatasetRecord] = []
    if workers <= 1:
        for i in range(n):
            records.append(make_sample(folder, i, subjects, cfg))
            if progress:
                progress(i + 1, n)
    else:
        ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
        with ctx.Pool(workers, initializer=_init_worker, initargs=(folder, subjects, cfg)) as pool:
            for record in pool.imap(_work, range(n), chunksize=4):
                records.append(record)
                if progress:
                    progress(len(records), n)
    licences = sorted({(s.source, s.license) for s in subjects})
    sources = [{"name": src, "license": lic, "url": _source_url(src)} for src, lic in licences]
    if any(s.source != "drawn" for s in subjects):
        sources.append({"name": "emojibase-data and emoji-datasource (names, tags, groups)", "license": "MIT",
                        "url": "npm:emojibase-data, npm:emoji-datasource"})
    meta = DatasetMeta(name="synth-motion", sources=sources, extra={
        "generator": "sticker_studio.training.data.synth", "seed": seed, "size": size, "count": n,
        "subjects": len(subjects), "frames": [min_frames, max_frames],
    })
    write_index(folder, records, meta)
    return records


def _source_url(source: str) -> str:
    if source == "drawn":
        return "sticker_studio/training/data/drawn_subjects.py"
    if "fonts-noto-color-emoji" in source:
        return "deb:fonts-noto-color-emoji"
    return source


# --------------------------------------------------------------------------- CLI
def add_synth_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `sticker-studio data synth OUT --count N ...`."""
    parser.add_argument("out", type=Path, help="dataset folder to write")
    parser.add_argument("--count", "-n", type=int, default=1000, help="number of samples (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same dataset)")
    parser.add_argument("--size", type=int, default=128, help="square clip side in pixels (default 128)")
    parser.add_argument("--subjects", type=Path, default=None,
                        help="subjects folder (default data/subjects; drawn stand-ins if absent)")
    parser.add_argument("--min-frames", type=int, default=4)
    parser.add_argument("--max-frames", type=int, default=24)
    parser.add_argument("--no-composites", action="store_true", help="skip the background composites")
    parser.add_argument("--workers", type=int, default=max(1, min(4, os.cpu_count() or 1)),
                        help="processes (default: CPU cores, at most 4)")


def run_synth_cli(args: argparse.Namespace) -> int:
    """Handler of `sticker-studio data synth`: writes the set, prints counts and samples/s."""
    from tqdm import tqdm

    bar = tqdm(total=args.count, unit="sample", desc="synth", leave=False)

    def progress(done: int, total: int) -> None:
        bar.update(done - bar.n)

    t0 = time.perf_counter()
    try:
        records = generate_synthetic_dataset(
            args.out, args.count, args.subjects, args.seed, size=args.size, min_frames=args.min_frames,
            max_frames=args.max_frames, composites=not args.no_composites, workers=args.workers, progress=progress,
        )
    finally:
        bar.close()
    elapsed = time.perf_counter() - t0
    splits = {s: sum(r.split == s for r in records) for s in ("train", "val", "test")}
    subjects = len({r.subject for r in records})
    print(f"wrote {len(records)} samples of {subjects} subjects to {args.out} "
          f"(train {splits['train']}, val {splits['val']}, test {splits['test']}) "
          f"in {elapsed:.1f} s: {len(records) / max(elapsed, 1e-9):.1f} samples/s")
    return 0
