"""`sticker-studio bench formats`: the quality-optimal fit vs the old ladder vs sticker-convert.

Inputs (same for all three, same run): the bundled 16-frame 512x512 sample, a made-up
"hard" sticker (a gradient ball with a soft shadow, 48 frames, the kind of art that
used to band and lose its shadow), and any ``--input FILE`` (repeatable). For each
input and target it prints bytes, seconds and timeline PSNR (``formats.quality``:
what is on screen at every moment, RGBA composited on white and on black) of:

* ``new``: :func:`formats.fit.fit_sticker` (joint search, measured PSNR);
* ``old``: :func:`fit_sticker_ladder` below (the fixed ladder it replaces, kept here for the comparison);
* ``sc``: sticker-convert with the matching preset, when available
  (``--sticker-convert CMD``, ``$STICKER_CONVERT``, a ``sticker-convert`` on PATH, or an
  importable ``sticker_convert``). Install it in its own venv so its pins do not touch
  the app's: ``python -m venv /work/venv-sc && /work/venv-sc/bin/pip install sticker-convert``
  and run with ``STICKER_CONVERT=/work/venv-sc/bin/sticker-convert``.

PSNR is measured on the target's preferred canvas for every output (a smaller canvas
is scaled back up), so a file that saves bytes by shrinking is charged for it.
Prints figures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sticker_studio.core.sticker import Sticker
    from sticker_studio.formats.fit import FitResult
    from sticker_studio.formats.targets import ExportTarget

#: our target -> sticker-convert 2.21 preset
STICKER_CONVERT_PRESETS: dict[str, str] = {
    "telegram": "telegram", "telegram-emoji": "telegram_emoji", "whatsapp": "whatsapp", "signal": "signal",
    "discord": "discord", "line": "line", "imessage": "imessage_medium",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", type=Path, action="append", default=None,
                        help="extra input file (repeatable; the sample and the hard sticker always run)")
    parser.add_argument("--targets", default="all", help="comma-separated target names (default: all)")
    parser.add_argument("--sticker-convert", dest="sticker_convert", default=None, metavar="CMD",
                        help="sticker-convert command to compare with ('off' to skip)")
    parser.add_argument("--no-builtin", action="store_true", help="only the --input files")
    parser.add_argument("--out", type=Path, default=None, help="keep the outputs in this folder")


def hard_sticker(size: int = 512, frames: int = 48) -> Sticker:
    """A gradient ball bobbing over a soft shadow: smooth ramps + soft alpha."""
    from sticker_studio.core.sticker import Sticker

    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    out = []
    for k in range(frames):
        phase = 4 * np.pi * k / frames
        cy = 0.42 - 0.12 * abs(np.sin(phase))
        d = np.hypot(xx - 0.5, yy - cy) / 0.28
        ball = np.clip(1.0 - d, 0, 1) > 0
        light = np.clip(1.0 - np.hypot(xx - 0.42, yy - (cy - 0.1)) / 0.4, 0, 1)
        rgb = np.stack([80 + 175 * light, 120 + 100 * light, 230 - 60 * light], -1)
        shadow_a = np.clip(1.0 - np.hypot((xx - 0.5) / 0.3, (yy - 0.83) / 0.06), 0, 1) ** 1.5
        shadow_a *= 0.65 - 0.25 * abs(np.sin(phase))
        edge = np.clip((1.0 - d) * size * 0.28, 0, 1)  # one-pixel antialiased rim
        alpha = np.where(ball, edge, 0.0)
        a = alpha + shadow_a * (1 - alpha)
        color = np.where(alpha[..., None] > 0, rgb, 20.0)
        frame = np.zeros((size, size, 4), np.uint8)
        frame[..., :3] = np.clip(color, 0, 255).astype(np.uint8)
        frame[..., 3] = np.clip(a * 255 + 0.5, 0, 255).astype(np.uint8)
        out.append(frame)
    return Sticker.from_frames(out, fps=24)


def _sticker_convert_cmd(arg: str | None) -> list[str] | None:
    if arg == "off":
        return None
    if arg:
        return arg.split()
    env = os.environ.get("STICKER_CONVERT")
    if env:
        return env.split()
    exe = shutil.which("sticker-convert")
    if exe:
        return [exe]
    try:
        import importlib.util

        if importlib.util.find_spec("sticker_convert") is not None:
            return [sys.executable, "-m", "sticker_convert"]
    except (ImportError, ValueError):
        pass
    return None


def _run_sticker_convert(cmd: list[str], source: Path, preset: str, work: Path,
                         cpu: list[float] | None = None) -> tuple[float, Path | None, str]:
    indir, outdir = work / f"sc-in-{preset}-{source.stem}", work / f"sc-out-{preset}-{source.stem}"
    indir.mkdir(parents=True, exist_ok=True)
    outdir.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, indir / source.name)
    from sticker_studio.formats.fit_pool import cpu_seconds

    start, cpu_start = time.perf_counter(), cpu_seconds()
    proc = subprocess.run(
        [*cmd, "--no-confirm", "--no-progress", "--input-dir", str(indir), "--output-dir", str(outdir),
         "--preset", preset, "--processes", "1"],
        capture_output=True, text=True, timeout=900, check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    seconds = time.perf_counter() - start
    if cpu is not None:
        cpu.append(cpu_seconds() - cpu_start)  # sticker-convert and everything it ran
    outputs = [p for p in outdir.iterdir()
               if p.suffix.lower() in (".webm", ".webp", ".png", ".gif", ".apng") and "tray" not in p.name.lower()
               and "cover" not in p.name.lower()]
    if proc.returncode != 0 or not outputs:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        return seconds, None, tail[0][:60]
    return seconds, min(outputs), ""


def psnr_on_preferred_canvas(source: Sticker, output: Sticker, target: ExportTarget, speed: float = 1.0) -> float:
    """Timeline PSNR with both on the target's first (preferred) canvas."""
    from sticker_studio.core.imageops import resize_rgba
    from sticker_studio.core.sticker import Sticker
    from sticker_studio.formats.quality import timeline_psnr

    w, h, pad = target.canvas.sizes(source.width, source.height)[0]
    if output.size != (w, h):
        output = Sticker([resize_rgba(f, w, h) for f in output.frames], list(output.durations_ms), output.loop_count)
    return timeline_psnr(source, output, speed=speed, pad=pad)


def run(args: argparse.Namespace) -> int:
    from sticker_studio.cli.cmd_demo import sample_path
    from sticker_studio.core.errors import StickerStudioError
    from sticker_studio.formats.fit import fit_sticker
    from sticker_studio.formats.readers import read_sticker, read_sticker_bytes
    from sticker_studio.formats.targets import TARGETS, get_target
    from sticker_studio.formats.writers import write_sticker

    names = list(TARGETS) if args.targets == "all" else [n.strip() for n in args.targets.split(",")]
    targets = [get_target(n) for n in names]
    sc_cmd = _sticker_convert_cmd(args.sticker_convert)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cpu cores: {os.cpu_count()}, load average (1 min) at start: {load:.2f}")
    print(f"sticker-convert: {' '.join(sc_cmd) if sc_cmd else 'not available (see --help)'}")
    from sticker_studio.formats.fit_pool import cpu_seconds

    header = ["input", "target", "new dB", "old dB", "sc dB", "new B", "old B", "sc B", "new s", "old s", "sc s",
              "new cpu s", "sc cpu s", "new setting"]
    rows = [header]
    with tempfile.TemporaryDirectory(prefix="sticker-studio-bench-") as tmp:
        work = Path(tmp)
        inputs: list[Path] = []
        if not args.no_builtin:
            inputs.append(sample_path("bounce"))
            inputs.append(write_sticker(hard_sticker(), work / "hard.png"))
        inputs += list(args.input or [])
        for source in inputs:
            sticker = read_sticker(source)
            print(f"input {source.name}: {sticker}", flush=True)
            for target in targets:
                row = [source.stem[:16], target.name]
                cells: dict[str, tuple[str, str, str]] = {}
                cpu: dict[str, str] = {"new": "", "sc": ""}
                setting = ""
                for key, fn in (("new", fit_sticker), ("old", fit_sticker_ladder)):
                    try:
                        start, cpu_start = time.perf_counter(), cpu_seconds()
                        result = fn(sticker, target)
                        seconds = time.perf_counter() - start
                        cpu[key] = f"{cpu_seconds() - cpu_start:.1f}"
                        written = read_sticker_bytes(result.data, f"out{target.extension}")
                        psnr = psnr_on_preferred_canvas(sticker, written, target, result.speed_factor)
                        cells[key] = (f"{psnr:.2f}", f"{result.byte_size:,}", f"{seconds:.1f}")
                        if key == "new":
                            setting = result.quality
                        if args.out is not None:
                            (args.out / key).mkdir(parents=True, exist_ok=True)
                            (args.out / key / f"{source.stem}.{target.name}{target.extension}").write_bytes(result.data)
                    except StickerStudioError as error:
                        cells[key] = ("fail", str(error)[:20], "-")
                preset = STICKER_CONVERT_PRESETS.get(target.name)
                if sc_cmd is None or preset is None:
                    cells["sc"] = ("n/a", "", "")
                else:
                    sc_cpu: list[float] = []
                    sc_seconds, sc_out, why = _run_sticker_convert(sc_cmd, source, preset, work, sc_cpu)
                    cpu["sc"] = f"{sc_cpu[0]:.1f}" if sc_cpu else ""
                    if sc_out is None:
                        cells["sc"] = ("failed", why[:20], f"{sc_seconds:.1f}")
                    else:
                        sc_sticker = read_sticker(sc_out)
                        sc_psnr = psnr_on_preferred_canvas(
                            sticker,
                            sc_sticker,
                            target,
                            sticker.total_duration_ms / max(1, sc_sticker.total_duration_ms),
                        )
                        cells["sc"] = (f"{sc_psnr:.2f}", f"{sc_out.stat().st_size:,}", f"{sc_seconds:.1f}")
                for i in range(3):
                    row += [cells[k][i] for k in ("new", "old", "sc")]
                row += [cpu["new"], cpu["sc"], setting]
                rows.append(row)
                print("  " + " | ".join(row), flush=True)
    print()
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    print("| " + " | ".join(c.ljust(w) for c, w in zip(header, widths, strict=False)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + " |")
    return 0


# ----------------------------------------------------------------- the old fixed ladder
#: Frame-rate fall-backs used after the quality rungs (only those below the current rate).
FALLBACK_FPS = (20.0, 15.0, 12.0, 10.0, 8.0)


@dataclass(frozen=True)
class Rung:
    """One step of the quality ladder: encoder options + optional fps cap + canvas choice."""

    label: str
    options: dict[str, Any]
    fps_cap: float | None = None
    size_index: int = 0


def quality_ladder(target: ExportTarget, size_count: int, base_fps: float) -> list[Rung]:
    """Rungs from best quality to smallest file for ``target``'s container."""
    c = target.container
    if c == "webp":
        rungs = [Rung(f"webp q={q}", {"quality": q}) for q in (95, 90, 85, 80, 75, 70, 65, 60, 50, 40, 30, 20, 10, 5)]
        worst: dict[str, Any] = {"quality": 5}
    elif c == "webm":
        rungs = [Rung(f"vp9 crf={q}", {"crf": q}) for q in (18, 22, 26, 30, 34, 38, 42, 46, 50, 55, 60, 63)]
        worst = {"crf": 63}
    elif c == "apng":
        rungs = [Rung("apng lossless rgba", {"colors": None})]
        rungs += [Rung(f"apng rgba {n} colours", {"colors": n}) for n in (256, 192, 128, 96, 64, 48, 32, 24, 16, 8)]
        worst = {"colors": 8}
    else:
        rungs = [Rung(f"gif {n} colours", {"colors": n}) for n in (256, 192, 128, 96, 64, 48, 32, 24, 16, 8, 4)]
        worst = {"colors": 4}
    worst_label = rungs[-1].label
    for fps in FALLBACK_FPS:
        if fps < base_fps - 1e-6:
            rungs.append(Rung(f"{worst_label} @ {fps:g} fps", dict(worst), fps_cap=fps))
    last_fps = rungs[-1].fps_cap
    for index in range(1, size_count):
        rungs.append(Rung(f"{worst_label} @ {last_fps or base_fps:g} fps, canvas #{index + 1}", dict(worst),
                          fps_cap=last_fps, size_index=index))
    return rungs


def fit_sticker_ladder(sticker: Sticker, target: ExportTarget) -> FitResult:
    """The previous fit: one fixed ladder (quality, then fps, then canvas), first rung that fits.

    Kept here so ``bench formats`` can show the quality-optimal ``fit_sticker`` against it on
    the same inputs (nothing else uses it).
    """
    from sticker_studio.core.errors import BudgetError
    from sticker_studio.formats.fit import (
        FitResult,
        fit_canvas,
        fit_timing,
        make_frames_distinct,
        search_ladder,
    )
    from sticker_studio.formats.resample import cap_frame_rate
    from sticker_studio.formats.writers import encode_sticker

    timed, factor, notes = fit_timing(sticker, target)
    sizes = target.canvas.sizes(timed.width, timed.height)
    base_fps = timed.frame_count * 1000.0 / max(1, timed.total_duration_ms)
    rungs = quality_ladder(target, len(sizes), base_fps)
    canvases: dict[int, Sticker] = {}
    prepared: dict[tuple[int, float | None], Sticker] = {}
    encoded: dict[int, bytes] = {}

    def sticker_for(rung: Rung) -> Sticker:
        key = (rung.size_index, rung.fps_cap)
        if key not in prepared:
            if rung.size_index not in canvases:
                w, h, pad = sizes[rung.size_index]
                canvases[rung.size_index] = fit_canvas(timed, w, h, pad)
                if (target.min_frames or 1) > 1 or target.distinct_frames:
                    canvases[rung.size_index] = make_frames_distinct(canvases[rung.size_index])
            base = canvases[rung.size_index]
            if rung.fps_cap is not None:
                base = cap_frame_rate(base, max_fps=rung.fps_cap, min_frames=target.min_frames)
            prepared[key] = base
        return prepared[key]

    def encode(index: int) -> bytes:
        if index not in encoded:
            rung = rungs[index]
            opts = dict(rung.options)
            if target.container == "webm":
                # libvpx realtime/cpu-used 6: ~2x faster than good/5 on the sample at
                # -0.05 dB PSNR and ~20% more bytes; the ladder absorbs the bytes.
                opts.update(deadline="realtime", cpu_used=6)
                if target.max_fps is not None:
                    opts["max_fps"] = target.max_fps
            encoded[index] = encode_sticker(sticker_for(rung), target.container, **opts)
        return encoded[index]

    index = search_ladder(len(rungs), lambda i: len(encode(i)) <= target.max_bytes)
    if index is None:
        smallest = min(len(b) for b in encoded.values())
        raise BudgetError(
            f"cannot fit {target.title} ({target.name}): the smallest file reached is {smallest:,} B"
            f" ('{rungs[-1].label}'), over the {target.max_bytes:,} B budget; use fewer frames,"
            " a shorter loop or simpler artwork"
        )
    data = encoded[index]
    rung = rungs[index]
    return FitResult(
        data=data, sticker=sticker_for(rung), quality=rung.label, byte_size=len(data), target=target.name,
        rung_index=index, rung_count=len(rungs), encodes=len(encoded), speed_factor=factor, notes=notes,
    )
