"""`sticker-studio eval matting --real DIR`: matting scored on held-out *real* art (issue 24).

The set (tests/data/matting_real, built by scripts/build_matting_real.py) holds Twemoji
subjects — an emoji set the project never trains on — chosen for the families that break
cut-outs: pale subjects, black-and-white animals, rings and thin enclosures, handles, and
ordinary characters. Each is scored on four backgrounds (white, cream paper saved as JPEG,
a flat colour near the subject's own, a paper texture) and, as an 8-frame bounce, on white.
Subjects are split ``val`` (every third of a family: tune on these) and ``test``.

Per background: the mean alpha PSNR, the share of cases under 25 dB, how many are under
15 dB and the worst case. :func:`worst_sheet` draws the worst cases on a checkerboard.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.training.eval import metrics as eval_metrics

Method = Callable[[np.ndarray], np.ndarray]  # (F,H,W,3) uint8 -> alpha (F,H,W) float
BACKGROUNDS: tuple[str, ...] = ("white", "cream jpeg", "near colour", "paper texture")
BOUNCE = "bounce on white"
BOUNCE_FRAMES = 8
#: a case under this PSNR (dB) is a visible failure; the done-when allows ≤ 10 % of them
FAIL_DB = 25.0
#: a case under this is a catastrophe (the subject half gone or the paper kept)
CATASTROPHE_DB = 15.0


@dataclass(frozen=True)
class RealCase:
    """One input: ``rgb`` (F, H, W, 3) uint8 and the true ``alpha`` (F, H, W) float32 in [0, 1]."""

    name: str
    family: str
    split: str
    background: str
    rgb: np.ndarray
    alpha: np.ndarray


@dataclass(frozen=True)
class CaseScore:
    name: str
    family: str
    split: str
    background: str
    psnr: float


@dataclass(frozen=True)
class RealRow:
    """One table row: a background's cases under one method."""

    method: str
    background: str
    cases: int
    psnr: float
    under_25: float
    under_15: int
    worst: float
    worst_name: str


def _composite(rgba: np.ndarray, plate: np.ndarray) -> np.ndarray:
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    return (rgba[..., :3].astype(np.float32) * a + plate.astype(np.float32) * (1 - a) + 0.5).astype(np.uint8)


def _read(path: Path, mode: str) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert(mode), np.uint8)


def load_manifest(folder: Path) -> dict[str, object]:
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        raise InvalidInputError(f"{folder} is not a real-art matting set (no manifest.json); "
                                "build one with scripts/build_matting_real.py")
    manifest: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return manifest


def bounce_frames(rgba: np.ndarray, frames: int = BOUNCE_FRAMES) -> np.ndarray:
    """(F, H, W, 4): ``rgba`` animated by the app's bounce preset at its own size."""
    from sticker_studio.core.motion.presets import animate

    sticker = animate(rgba, "bounce", frames=frames, fps=12.0, size=rgba.shape[0], margin=0.08)
    return np.stack(sticker.frames)


def iter_cases(folder: Path, *, split: str = "all", backgrounds: tuple[str, ...] = BACKGROUNDS,
               bounce: bool = True, size: int | None = None) -> Iterator[RealCase]:
    """Every (subject, background) case of the set in ``split`` (val / test / all); ``size``
    resizes (the set is 512²)."""
    folder = Path(folder)
    manifest = load_manifest(folder)
    cases = manifest["cases"]
    assert isinstance(cases, list)
    plates: dict[int, np.ndarray] = {}
    for c in cases:
        if split != "all" and c["split"] != split:
            continue
        rgba = _read(folder / "subjects" / f"{c['file']}.png", "RGBA")
        plate_id = int(c["plate"])
        if plate_id not in plates:
            plates[plate_id] = _read(folder / "plates" / f"paper_{plate_id}.png", "RGB")
        h, w = rgba.shape[:2]
        inputs = {
            "white": _composite(rgba, np.full((h, w, 3), 255, np.uint8)),
            "cream jpeg": _read(folder / "cream" / f"{c['file']}.jpg", "RGB"),
            "near colour": _composite(rgba, np.broadcast_to(np.array(c["near_colour"], np.uint8), (h, w, 3))),
            "paper texture": _composite(rgba, plates[plate_id]),
        }
        for bg in backgrounds:
            rgb, alpha = inputs[bg], rgba[..., 3]
            if size is not None and size != h:
                rgb = np.asarray(Image.fromarray(rgb).resize((size, size), Image.Resampling.LANCZOS))
                alpha = np.asarray(Image.fromarray(alpha).resize((size, size), Image.Resampling.LANCZOS))
            yield RealCase(str(c["name"]), str(c["family"]), str(c["split"]), bg, rgb[None],
                           (alpha.astype(np.float32) / 255.0)[None])
        if bounce:
            anim = bounce_frames(rgba if size is None or size == h else
                                 np.asarray(Image.fromarray(rgba).resize((size, size), Image.Resampling.LANCZOS)))
            white = np.full(anim.shape[1:3] + (3,), 255, np.uint8)
            rgb = np.stack([_composite(f, white) for f in anim])
            yield RealCase(str(c["name"]), str(c["family"]), str(c["split"]), BOUNCE, rgb,
                           anim[..., 3].astype(np.float32) / 255.0)


def score(cases: list[RealCase] | Iterator[RealCase], methods: dict[str, Method], progress: bool = False,
          keep: Callable[[str, RealCase, np.ndarray], None] | None = None) -> dict[str, list[CaseScore]]:
    """Every case's alpha PSNR under every method (``keep`` sees each prediction, e.g. for a sheet)."""
    from tqdm import tqdm

    out: dict[str, list[CaseScore]] = {m: [] for m in methods}
    for case in tqdm(cases, desc="eval matting --real", disable=not progress):
        for name, method in methods.items():
            pred = method(case.rgb)
            out[name].append(CaseScore(case.name, case.family, case.split, case.background,
                                       eval_metrics.alpha_psnr(pred, case.alpha)))
            if keep is not None:
                keep(name, case, pred)
    return out


def rows(scores: dict[str, list[CaseScore]]) -> list[RealRow]:
    out = []
    for method, cases in scores.items():
        for bg in (*BACKGROUNDS, BOUNCE):
            sel = [c for c in cases if c.background == bg]
            if not sel:
                continue
            p = np.array([c.psnr for c in sel])
            w = int(np.argmin(p))
            out.append(RealRow(method, bg, len(sel), float(p.mean()), float(np.mean(p < FAIL_DB)),
                               int(np.sum(p < CATASTROPHE_DB)), float(p[w]), sel[w].name))
    return out


def markdown(table: list[RealRow], title: str = "") -> str:
    lines = ([f"{title}\n"] if title else []) + [
        "| background | method | cases | alpha PSNR (dB) ↑ | < 25 dB | < 15 dB | worst (dB) |",
        "|---|---|---:|---:|---:|---:|---|"]
    for r in table:
        lines.append(f"| {r.background} | {r.method} | {r.cases} | {r.psnr:.2f} | {100 * r.under_25:.0f} % | "
                     f"{r.under_15} | {r.worst:.1f} ({r.worst_name}) |")
    return "\n".join(lines) + "\n"


def worst_sheet(worst: list[tuple[CaseScore, RealCase, np.ndarray]], out: Path, tile: int = 160) -> Path:
    """PNG: per worst case (rows) the input, the true cut-out and the method's, on a checkerboard,
    and the alpha error (red: kept paper, blue: lost subject), labelled with name, background, dB."""
    from PIL import ImageDraw

    from sticker_studio.core.atomic import atomic_write_bytes
    from sticker_studio.core.imageops import over_checker

    def small(a: np.ndarray) -> np.ndarray:
        return np.asarray(Image.fromarray(a).resize((tile, tile), Image.Resampling.BILINEAR))

    rows_img = []
    for s, case, pred in worst:
        rgb = case.rgb[0]
        truth = (case.alpha[0] * 255 + 0.5).astype(np.uint8)
        guess = (np.clip(pred[0], 0, 1) * 255 + 0.5).astype(np.uint8)
        err = pred[0] - case.alpha[0]
        err_img = np.full(rgb.shape, 255, np.float32)
        err_img[..., 1] -= 255 * np.abs(err)
        err_img[..., 0] -= 255 * np.clip(-err, 0, 1)
        err_img[..., 2] -= 255 * np.clip(err, 0, 1)
        cells = [small(rgb), small(over_checker(np.dstack([rgb, truth]), 8)),
                 small(over_checker(np.dstack([rgb, guess]), 8)), small(np.clip(err_img, 0, 255).astype(np.uint8))]
        row = Image.fromarray(np.concatenate(cells, axis=1))
        ImageDraw.Draw(row).text((4, 4), f"{s.name} / {s.background} / {s.psnr:.1f} dB", fill=(200, 0, 0))
        rows_img.append(np.asarray(row))
    import io

    buf = io.BytesIO()
    Image.fromarray(np.concatenate(rows_img, axis=0)).save(buf, format="PNG")
    atomic_write_bytes(out, buf.getvalue())
    return out


def evaluate_real(folder: Path, methods: dict[str, Method], *, split: str = "all", bounce: bool = True,
                  sheet: Path | None = None, worst: int = 10, progress: bool = False,
                  timing: bool = True, cases_out: Path | None = None) -> str:
    """The markdown report: a table per background (all methods), and the per-family means of the last
    method; ``cases_out``: also every case's PSNR per method (tab-separated)."""
    kept: list[tuple[CaseScore, RealCase, np.ndarray]] = []  # the running worst cases of the last method
    last = list(methods)[-1]

    def keep(name: str, case: RealCase, pred: np.ndarray) -> None:
        if name != last or sheet is None:
            return
        p = eval_metrics.alpha_psnr(pred, case.alpha)
        first = RealCase(case.name, case.family, case.split, case.background, case.rgb[:1], case.alpha[:1])
        kept.append((CaseScore(case.name, case.family, case.split, case.background, p), first, pred[:1]))
        kept.sort(key=lambda k: k[0].psnr)
        del kept[worst:]

    scores = score(iter_cases(folder, split=split, bounce=bounce), methods, progress=progress, keep=keep)
    text = markdown(rows(scores), f"Real held-out art ({split} split)")
    if cases_out is not None:
        from sticker_studio.core.atomic import atomic_write_text

        lines = ["method\tsubject\tfamily\tsplit\tbackground\tpsnr"] + [
            f"{m}\t{c.name}\t{c.family}\t{c.split}\t{c.background}\t{c.psnr:.2f}"
            for m, cs in scores.items() for c in cs]
        atomic_write_text(cases_out, "\n".join(lines) + "\n")
    fam: dict[str, list[float]] = {}
    for c in scores[last]:
        fam.setdefault(c.family, []).append(c.psnr)
    text += f"\nPer family ({last}): " + ", ".join(f"{f} {np.mean(v):.1f} dB ({np.mean(np.array(v) < FAIL_DB):.0%} "
                                                    f"< 25)" for f, v in fam.items()) + "\n"
    if timing:
        from sticker_studio.training.eval.drawn import time_per_512

        text += "ms per 512² frame (8-frame clip): " + ", ".join(
            f"{n} {time_per_512(m):.0f}" for n, m in methods.items()) + "\n"
    if sheet is not None:
        order = [k[0] for k in kept]
        worst_sheet(kept, sheet)
        text += f"\nThe {len(order)} worst cases of {last}: " + "; ".join(
            f"{s.name} / {s.background} {s.psnr:.1f} dB" for s in order) + f" (sheet: {sheet})\n"
    return text
