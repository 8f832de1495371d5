"""`sticker-studio bench formats`: the quality-optimal fit vs the old ladder vs sticker-convert.

Inputs (same for all three, same run): the bundled 16-frame 512x512 sample, a made-up
"hard" sticker (a gradient ball with a soft shadow, 48 frames, the kind of art that
used to band and lose its shadow), and any ``--input FILE`` (repeatable). For each
input and target it prints bytes, seconds and timeline PSNR (``formats.quality``:
what is on screen at every moment, RGBA composited on white and on black) of:

* ``new``: :func:`formats.fit.fit_sticker` (joint search, measured PSNR);
* ``old``: :func:`formats.fit.fit_sticker_ladder` (the fixed ladder it replaces);
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
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sticker_studio.core.sticker import Sticker
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
    from sticker_studio.formats.fit import fit_sticker, fit_sticker_ladder
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
