"""`sticker-studio eval`: the numbers that go into the model cards.

**Matting** — held-out clips (whole subjects never seen in training) composited on a
*pale* flat colour and on *white*, matted by each method through the same code path the
app uses (:func:`sticker_studio.engine.matting.matte_frames`): the colour-key baseline
(``head=None``), the per-frame head (``temporal_depth=0``) and the temporal head.
Columns: alpha PSNR / SSIM (ILDiff's metrics), flicker (total frame-to-frame alpha
change over all clips relative to the truth's; 1.00 = none added), temporal error
(mean |Δα̂ − Δα|), and seconds per 512² frame.
A "white, subjects with white parts" row isolates the hard case (white belly on white).

**Generation** — held-out clips' captions and first frames, sampled with the shipped
pipeline's pieces (the model's own DDIM schedule and guidance) so the raw frames can be
measured before the pipeline pastes the given frame back (the pipeline's
``output_type="np"``):

* motion adherence — prompts naming a motion ("… bouncing") for i2v; the generated
  clip's silhouette (distance from the white it is painted on) is measured — centroid
  path, rotation, scale, aspect — named and compared (:func:`.metrics.motion_matches`);
  share that match;
* FD-proxy — Fréchet distance of random-conv clip features, generated vs real held-out
  clips (a proxy, see :mod:`.metrics`; lower is better, only comparable between models
  evaluated on the same data);
* temporal consistency — 1 − mean |Δ| between consecutive frames, generated vs real;
* frame-0 fidelity — PSNR of the raw generated frame 0 to the given reference (i2v).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.training import metrics
from sticker_studio.training.dataset import DatasetRecord, load_clip, read_index

if TYPE_CHECKING:
    from sticker_studio.engine.pipeline import StickerPipeline

#: Motions asked for in the motion-adherence prompts (names of ``core/motion.py`` presets).
EVAL_MOTIONS: tuple[str, ...] = ("bouncing", "spinning", "shaking", "pulsing", "rocking", "floating")


# ----------------------------------------------------------------------------- data
def held_out_records(folders: Sequence[str | Path], split: str = "test") -> list[tuple[Path, DatasetRecord]]:
    out = []
    for folder in (Path(f) for f in folders):
        out += [(folder, r) for r in read_index(folder) if r.split == split]
    if not out:
        raise InvalidInputError(f"no {split!r} clips in {', '.join(map(str, folders))}; "
                                "evaluation needs held-out subjects")
    return out


def _spread(items: list, limit: int | None) -> list:
    """Up to ``limit`` items spread evenly over the list (so sources and motions mix)."""
    if limit is None or len(items) <= limit:
        return items
    idx = np.linspace(0, len(items) - 1, limit).round().astype(int)
    return [items[i] for i in sorted(set(idx.tolist()))]


def has_white_parts(rgba: np.ndarray, share: float = 0.03) -> bool:
    """Whether ≥ ``share`` of a clip's opaque pixels are near-white (the hard case on white)."""
    opaque = rgba[..., 3] > 200
    if not opaque.any():
        return False
    white = (rgba[..., :3].min(axis=-1) > 225) & opaque
    return white.sum() / opaque.sum() >= share


def pale_colour(key: str) -> np.ndarray:
    """A deterministic pale background colour per clip (light pastel, like chat themes)."""
    import hashlib

    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "little"))
    base = rng.uniform(225, 250)
    tint = rng.uniform(-12, 12, size=3)
    return np.clip(base + tint, 0, 255).astype(np.float32)


def composite(rgba: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """Frames ``[F, H, W, 4]`` over a flat colour → ``[F, H, W, 3]`` uint8."""
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    rgb = rgba[..., :3].astype(np.float32) * a + colour.reshape(1, 1, 1, 3) * (1 - a)
    return (rgb + 0.5).astype(np.uint8)


# ----------------------------------------------------------------------------- matting
@dataclass
class MattingRow:
    method: str
    background: str
    clips: int
    psnr: float
    ssim: float
    flicker: float
    temporal_error: float
    seconds_per_512: float | None = None


@dataclass
class MattingReport:
    rows: list[MattingRow]
    truth_change: float          # mean frame-to-frame |Δα| of the truth
    clips: int
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [
            "| method | background | clips | alpha PSNR (dB) ↑ | alpha SSIM ↑ | flicker (× truth's Δα) | "
            "temporal error ↓ | s / 512² frame ↓ |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for r in self.rows:
            sec = f"{r.seconds_per_512:.3f}" if r.seconds_per_512 is not None else "—"
            lines.append(f"| {r.method} | {r.background} | {r.clips} | {r.psnr:.2f} | {r.ssim:.4f} | "
                         f"{r.flicker:.3f} | {r.temporal_error:.4f} | {sec} |")
        return "\n".join(lines) + "\n"


MattingMethod = Callable[[np.ndarray], np.ndarray]  # RGB [F,H,W,3] uint8 → RGBA [F,H,W,4] uint8


def matting_methods(heads: dict[str, Any]) -> dict[str, MattingMethod]:
    """Name → function, for the colour key and each given head (``None`` = colour key)."""
    from sticker_studio.core.errors import StickerStudioError
    from sticker_studio.engine.matting import matte_frames

    def method(rgb: np.ndarray, head: Any) -> np.ndarray:
        try:
            return matte_frames(rgb, head)
        except StickerStudioError:  # the colour key refuses a frame: it removes nothing there
            return np.concatenate([rgb, np.full(rgb.shape[:-1] + (1,), 255, np.uint8)], axis=-1)

    def bound(head: Any) -> MattingMethod:
        return lambda rgb: method(rgb, head)

    return {name: bound(head) for name, head in heads.items()}


def time_per_512_frame(method: MattingMethod, rgba: np.ndarray, frames: int = 8, repeats: int = 1) -> float:
    """Seconds per 512×512 frame for ``method`` on a clip upscaled to 512² (on white)."""
    from PIL import Image

    clip = rgba[:frames]
    big = np.stack([np.asarray(Image.fromarray(f).resize((512, 512), Image.Resampling.BILINEAR)) for f in clip])
    rgb = composite(big, np.full(3, 255.0, np.float32))
    method(rgb[:2])  # warm-up (lazy init, allocator)
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        method(rgb)
        best = min(best, (time.perf_counter() - t) / len(rgb))
    return best


def evaluate_matting(folders: Sequence[str | Path], heads: dict[str, Any], *, split: str = "test",
                     max_clips: int | None = 40, max_frames: int = 12, size: int | None = None,
                     timing: bool = True, progress: bool = False) -> MattingReport:
    """Matting table over held-out clips. ``heads``: method name → MattingHead or ``None``
    (colour key). ``size`` resizes clips (default: their own size)."""
    from tqdm import tqdm

    from sticker_studio.core.imageops import resize_rgba

    records = _spread(held_out_records(folders, split), max_clips)
    methods = matting_methods(heads)
    acc: dict[tuple[str, str], list[tuple[float, float, float, float, float]]] = {}
    truth_changes = []
    sample_clip = None
    for folder, record in tqdm(records, desc="eval matting", disable=not progress, leave=False):
        sticker = load_clip(folder, record)
        rgba = np.stack(sticker.frames[:max_frames])
        if size is not None and rgba.shape[1] != size:
            rgba = np.stack([resize_rgba(f, size, size) for f in rgba])
        if sample_clip is None or len(rgba) > len(sample_clip):
            sample_clip = rgba
        true_alpha = rgba[..., 3].astype(np.float32) / 255.0
        truth_changes.append(metrics.frame_change(true_alpha))
        backgrounds = {"pale": pale_colour(record.id), "white": np.full(3, 255.0, np.float32)}
        white_parts = has_white_parts(rgba)
        for bg_name, colour in backgrounds.items():
            rgb = composite(rgba, colour)
            for name, method in methods.items():
                pred = method(rgb)[..., 3].astype(np.float32) / 255.0
                # flicker is aggregated as Σ pred change / Σ truth change (a ratio per clip
                # explodes on clips whose truth barely moves)
                row = (metrics.alpha_psnr(pred, true_alpha), metrics.alpha_ssim(pred, true_alpha),
                       metrics.frame_change(pred), metrics.temporal_alpha_error(pred, true_alpha),
                       metrics.frame_change(true_alpha))
                acc.setdefault((name, bg_name), []).append(row)
                if bg_name == "white" and white_parts:
                    acc.setdefault((name, "white, subjects with white parts"), []).append(row)
    seconds = {}
    if timing and sample_clip is not None:
        for name, method in methods.items():
            seconds[name] = time_per_512_frame(method, sample_clip)
    rows = []
    order = ["pale", "white", "white, subjects with white parts"]
    for bg in order:
        for name in methods:
            values = acc.get((name, bg))
            if not values:
                continue
            v = np.asarray(values)
            flicker = float(v[:, 2].sum() / max(v[:, 4].sum(), 1e-9))
            rows.append(MattingRow(name, bg, len(values), float(v[:, 0].mean()), float(v[:, 1].mean()),
                                   flicker, float(v[:, 3].mean()), seconds.get(name)))
    return MattingReport(rows, float(np.mean(truth_changes)), len(records))


# ----------------------------------------------------------------------------- generation
@dataclass
class GenerationReport:
    model: str
    prompts: int
    motion_adherence: float
    motion_checks: list[metrics.MotionCheck]
    fd_proxy_t2v: float
    fd_proxy_i2v: float
    consistency_generated: float
    consistency_real: float
    frame0_psnr: float
    seconds_per_clip: float
    steps: int
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        rows = [
            ("motion adherence (i2v, prompts naming a motion) ↑",
             f"{self.motion_adherence * 100:.0f}% ({sum(c.matches for c in self.motion_checks)}/"
             f"{len(self.motion_checks)})"),
            ("FD-proxy t2v vs held-out real (random-conv features; proxy, not FVD) ↓", f"{self.fd_proxy_t2v:.3f}"),
            ("FD-proxy i2v vs held-out real ↓", f"{self.fd_proxy_i2v:.3f}"),
            ("temporal consistency, generated (1 − mean |Δ frame|)", f"{self.consistency_generated:.4f}"),
            ("temporal consistency, real held-out clips", f"{self.consistency_real:.4f}"),
            ("frame-0 fidelity i2v (PSNR of raw frame 0 to the reference) ↑", f"{self.frame0_psnr:.2f} dB"),
            (f"seconds per 8-frame clip ({self.steps} DDIM steps, guidance)", f"{self.seconds_per_clip:.2f}"),
        ]
        lines = ["| measure | value |", "|---|---:|"] + [f"| {a} | {b} |" for a, b in rows]
        return "\n".join(lines) + "\n"


def _raw_generate(pipe: StickerPipeline, prompt: str, reference: np.ndarray | None, frames: int, steps: int,
                  seed: int) -> np.ndarray:
    """Raw RGB frames on white ``[F, S, S, 3]`` from the pipeline's model (its own DDIM
    schedule and guidance), before the pipeline pastes given frames back — so frame-0
    fidelity measures the model. ``reference``: the RGB frame 0 at the model's size (i2v)."""
    from sticker_studio.engine.request import GenerationRequest
    from sticker_studio.engine.tasks import Task

    image = None
    if reference is not None:
        image = np.concatenate([reference, np.full(reference.shape[:-1] + (1,), 255, np.uint8)], axis=-1)
    request = GenerationRequest(
        prompt=prompt, image=image, frames=frames, steps=steps, seed=seed, scheduler="ddim", eta=0.0,
        task=Task.TEXT_TO_ANIMATION if reference is None else Task.IMAGE_TO_ANIMATION)
    return pipe(request, output_type="np")


def _on_white_at(rgba: np.ndarray, side: int) -> np.ndarray:
    from sticker_studio.core.imageops import resize_rgba

    frames = [resize_rgba(f, side, side) if f.shape[0] != side else f for f in rgba]
    return composite(np.stack(frames), np.full(3, 255.0, np.float32))


def silhouette_on_white(rgb: np.ndarray) -> np.ndarray:
    """RGBA whose alpha is "how far from white" — the generator paints on white, so this is
    its subject's silhouette, measured without depending on a matting model's quality."""
    distance = (255.0 - rgb.astype(np.float32)).max(axis=-1)
    alpha = np.clip((distance - 8.0) / 40.0, 0.0, 1.0) * 255.0
    return np.concatenate([rgb, (alpha + 0.5).astype(np.uint8)[..., None]], axis=-1)


def motion_prompt(record: DatasetRecord, motion_word: str) -> str:
    subject = record.subject or record.description
    return f"{record.domain}\t{subject} {motion_word}"


def evaluate_generator(folders: Sequence[str | Path], model: str | Path, *, split: str = "test",
                       max_prompts: int = 12, frames: int = 8, steps: int | None = None, seed: int = 0,
                       progress: bool = False) -> GenerationReport:
    """Generation measures on held-out subjects (see the module docs)."""
    from tqdm import tqdm

    from sticker_studio.engine.pipeline import StickerPipeline

    pipe = StickerPipeline.from_pretrained(model, device="cpu", matting=None)
    side = pipe.sample_size
    steps = int(steps or _default_steps(pipe))
    records = _spread(held_out_records(folders, split), max_prompts)
    feats = metrics.RandomConvFeatures()
    real_feats, t2v_feats, i2v_feats = [], [], []
    real_cons, gen_cons, f0 = [], [], []
    checks: list[metrics.MotionCheck] = []
    seconds = []
    for k, (folder, record) in enumerate(tqdm(records, desc="eval generator", disable=not progress, leave=False)):
        clip = np.stack(load_clip(folder, record).frames)
        idx = np.linspace(0, len(clip) - 1, min(frames, len(clip))).round().astype(int)
        real = _on_white_at(clip[idx], side)
        real_feats.append(feats.clip_features(real))
        real_cons.append(metrics.frame_consistency(real))
        t = time.perf_counter()
        t2v = _raw_generate(pipe, record.caption, None, frames, steps, seed + k)
        seconds.append(time.perf_counter() - t)
        t2v_feats.append(feats.clip_features(t2v))
        gen_cons.append(metrics.frame_consistency(t2v))
        i2v = _raw_generate(pipe, record.caption, real[0], frames, steps, seed + k)
        i2v_feats.append(feats.clip_features(i2v))
        f0.append(metrics.frame_psnr(i2v[0], real[0]))
        word = EVAL_MOTIONS[k % len(EVAL_MOTIONS)]
        moving = _raw_generate(pipe, motion_prompt(record, word), real[0], frames, steps, seed + 1000 + k)
        moving[0] = real[0]  # as the pipeline does: the given frame comes back as given
        rgba = silhouette_on_white(moving)
        checks.append(metrics.motion_matches(rgba, metrics.motion_in_prompt(word) or word))
    fd_t2v = metrics.frechet_distance(np.stack(t2v_feats), np.stack(real_feats))
    fd_i2v = metrics.frechet_distance(np.stack(i2v_feats), np.stack(real_feats))
    adherence = sum(c.matches for c in checks) / max(1, len(checks))
    return GenerationReport(str(model), len(records), adherence, checks, fd_t2v, fd_i2v,
                            float(np.mean(gen_cons)), float(np.mean(real_cons)), float(np.mean(f0)),
                            float(np.mean(seconds)), steps)


def _default_steps(pipe) -> int:
    """The model's own DDIM step count (its model_index.json defaults, else the engine's)."""
    from sticker_studio.engine.request import GenerationRequest

    return GenerationRequest(seed=0).resolved(pipe.defaults).steps
