"""`sticker-studio eval matting --pack DIR`: matting scored on held-out drawings, per background.

The eval pack (:func:`.matting_pack.build_pack` with ``split='test'``) holds subjects never
seen in training — held-out seeds of every procedural family, the whole ``bag`` family
(kept out of training entirely) and held-out animated emoji — each composited on white,
a pale colour, a colour near one of its own and a paper texture. Every method runs
through the app's own code path (:mod:`sticker_studio.engine.matting.matte`).

Columns: alpha PSNR (mean and worst clip), SSIM, flicker (frame-to-frame alpha change
over all clips relative to the truth's; 1.00 = none added) and ms per 512² frame.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sticker_studio.engine.models.protocols import MattingModel
from sticker_studio.training.data.matting_pack import EVAL_BACKGROUNDS, load_pack
from sticker_studio.training.eval import metrics as eval_metrics

Method = Callable[[np.ndarray], np.ndarray]  # (F,H,W,3) uint8 -> alpha (F,H,W) float


@dataclass
class DrawnRow:
    method: str
    group: str
    background: str
    clips: int
    psnr: float
    worst: float
    ssim: float
    flicker: float
    ms_per_512: float | None


class MethodKind(enum.StrEnum):
    """How an eval row mattes: the colour key, the layout prior (with a head, or alone), a plain head."""

    KEY = "key"
    PRIOR = "prior"
    PLAIN = "plain"


def method_for(head: MattingModel | None, kind: MethodKind | str, mirror: bool = False) -> Method:
    """An alpha function for a head (``kind`` prior or plain) or the colour key / the prior alone
    (head None); ``mirror``: a prior head also runs on the mirrored frames (averaged)."""
    from sticker_studio.engine.matting.matte import colorkey_matte, matte_frames, matte_with_prior

    def run(rgb: np.ndarray) -> np.ndarray:
        if kind == MethodKind.PRIOR:
            rgba = matte_with_prior(rgb, head, mirror=mirror).rgba
        elif kind == MethodKind.KEY:
            rgba = colorkey_matte(rgb, strict=False)
        else:
            rgba = matte_frames(rgb, head)
        return rgba[..., 3].astype(np.float32) / 255.0

    return run


def group_of(meta: dict[str, object]) -> str:
    fam = str(meta["family"])
    if fam == "emoji":
        return "held-out emoji"
    if fam == "bag":
        return "held-out family (bag)"
    return "held-out drawings"


def time_per_512(method: Method, frames: int = 8) -> float:
    """ms per 512² frame on an 8-frame drawn clip on white."""
    from sticker_studio.training.data.drawn_families import render_subject
    from sticker_studio.training.data.matting_pack import animate_subject, composite

    rng = np.random.default_rng(0)
    clip = animate_subject(render_subject("critter", 7, 512), rng, 512, frames)
    rgb = composite(clip, np.full((1, 512, 512, 3), 255, np.uint8))
    method(rgb[:2])  # warm up
    t = time.perf_counter()
    method(rgb)
    return (time.perf_counter() - t) * 1000.0 / frames


def evaluate_drawn(pack: Path, methods: dict[str, Method], *, timing: bool = True,
                   progress: bool = False, limit: int | None = None,
                   ) -> tuple[list[DrawnRow], dict[str, list[tuple[str, str, float]]]]:
    """Rows per (method, group, background), plus every clip's PSNR per method (for 'worst case')."""
    from tqdm import tqdm

    arrays, meta = load_pack(Path(pack))
    per_clip: dict[str, list[tuple[str, str, float]]] = {m: [] for m in methods}
    acc: dict[tuple[str, str, str], dict[str, list[float]]] = {}
    chosen = range(len(meta)) if limit is None or limit >= len(meta) else \
        sorted(set(np.linspace(0, len(meta) - 1, limit).round().astype(int).tolist()))
    for i in tqdm(chosen, desc="eval matting", disable=not progress):
        rgb = np.asarray(arrays["composite"][i])
        truth = np.asarray(arrays["alpha"][i]).astype(np.float32) / 255.0
        group, bg = group_of(meta[i]), str(meta[i]["background"])
        for name, method in methods.items():
            pred = method(rgb)
            cell = acc.setdefault((name, group, bg), {"psnr": [], "ssim": [], "dp": [], "dt": []})
            p = eval_metrics.alpha_psnr(pred, truth)
            cell["psnr"].append(p)
            cell["ssim"].append(eval_metrics.alpha_ssim(pred, truth))
            cell["dp"].append(eval_metrics.frame_change(pred))
            cell["dt"].append(eval_metrics.frame_change(truth))
            per_clip[name].append((str(meta[i]["subject"]), bg, p))
    speed = {name: (time_per_512(m) if timing else None) for name, m in methods.items()}
    rows = []
    order = {b: k for k, b in enumerate(EVAL_BACKGROUNDS)}
    for (name, group, bg), c in sorted(acc.items(), key=lambda kv: (kv[0][1], order.get(kv[0][2], 9),
                                                                    list(methods).index(kv[0][0]))):
        rows.append(DrawnRow(name, group, bg, len(c["psnr"]), float(np.mean(c["psnr"])), float(np.min(c["psnr"])),
                             float(np.mean(c["ssim"])), float(np.sum(c["dp"]) / max(1e-9, np.sum(c["dt"]))),
                             speed[name]))
    return rows, per_clip


def markdown(rows: list[DrawnRow]) -> str:
    lines = ["| held-out set | background | method | clips | alpha PSNR (dB) ↑ | worst clip (dB) | SSIM ↑ | "
             "flicker (× truth) | ms / 512² frame |", "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        ms = f"{r.ms_per_512:.0f}" if r.ms_per_512 is not None else "—"
        lines.append(f"| {r.group} | {r.background} | {r.method} | {r.clips} | {r.psnr:.2f} | {r.worst:.2f} | "
                     f"{r.ssim:.4f} | {r.flicker:.3f} | {ms} |")
    return "\n".join(lines) + "\n"


def contact_sheet(pack: Path, methods: dict[str, Method], out: Path, limit: int = 10, tile: int = 128) -> Path:
    """PNG: per clip (rows) the input and each method's cut-out (frame 0) on a checkerboard."""
    from PIL import Image

    arrays, meta = load_pack(Path(pack))
    idx = np.linspace(0, len(meta) - 1, min(limit, len(meta))).round().astype(int)
    yy, xx = np.mgrid[0:tile, 0:tile]
    check = np.where(((yy // 8 + xx // 8) % 2)[..., None] == 0, 170.0, 235.0)
    rows = []
    for i in idx:
        rgb = np.asarray(arrays["composite"][i])
        truth = np.asarray(arrays["alpha"][i])[0].astype(np.float32) / 255.0
        alphas = [truth] + [m(rgb)[0] for m in methods.values()]
        cells: list[npt.NDArray[np.floating[Any]]] = [
            np.asarray(Image.fromarray(rgb[0]).resize((tile, tile)), np.float32)
        ]
        for a in alphas:
            a_s = np.asarray(Image.fromarray((a * 255).astype(np.uint8)).resize((tile, tile)), np.float32)[..., None]
            col = np.asarray(Image.fromarray(rgb[0]).resize((tile, tile)), np.float32)
            cells.append(col * a_s / 255 + check * (1 - a_s / 255))
        rows.append(np.concatenate(cells, axis=1))
    Image.fromarray(np.concatenate(rows, axis=0).astype(np.uint8)).save(out)
    return out
