"""`sticker-studio bench formats`: fit + write every target; time, bytes, timeline PSNR.

Input: the bundled 16-frame 512x512 RGBA sample (or ``--input``). For each target it
reports the time to fit + write (validation timed separately), the bytes against the
budget, the rung chosen and the timeline PSNR against the source (see
``formats.metrics``: what is on screen at every moment, RGBA composited on white and
on black, MSE averaged). When sticker-convert is available (``--sticker-convert CMD``,
``$STICKER_CONVERT``, a ``sticker-convert`` on PATH or an importable
``sticker_convert``), it runs in the same process tree on the same input for the
targets both support and its time and PSNR are printed side by side.
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

#: our target -> sticker-convert 2.21 preset
STICKER_CONVERT_PRESETS: dict[str, str] = {
    "telegram": "telegram", "telegram-emoji": "telegram_emoji", "whatsapp": "whatsapp", "signal": "signal",
    "discord": "discord", "line": "line", "imessage": "imessage_medium",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", type=Path, default=None, help="input file (default: the bundled sample)")
    parser.add_argument("--targets", default="all", help="comma-separated target names (default: all)")
    parser.add_argument("--sticker-convert", dest="sticker_convert", default=None, metavar="CMD",
                        help="sticker-convert command to compare with ('off' to skip)")
    parser.add_argument("--out", type=Path, default=None, help="keep the outputs in this folder")


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


def _run_sticker_convert(cmd: list[str], source: Path, preset: str, work: Path) -> tuple[float, Path | None, str]:
    indir, outdir = work / f"sc-in-{preset}", work / f"sc-out-{preset}"
    indir.mkdir(parents=True, exist_ok=True)
    outdir.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, indir / source.name)
    start = time.perf_counter()
    proc = subprocess.run(
        [*cmd, "--no-confirm", "--no-progress", "--input-dir", str(indir), "--output-dir", str(outdir),
         "--preset", preset, "--processes", "1"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    seconds = time.perf_counter() - start
    outputs = [p for p in outdir.iterdir() if p.suffix.lower() in (".webm", ".webp", ".png", ".gif", ".apng")]
    if proc.returncode != 0 or not outputs:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        return seconds, None, tail[0][:80]
    return seconds, outputs[0], ""


def run(args: argparse.Namespace) -> int:
    from sticker_studio.cli.cmd_demo import sample_path
    from sticker_studio.core.atomic import atomic_write_bytes
    from sticker_studio.core.errors import StickerStudioError
    from sticker_studio.formats.fit import fit_sticker
    from sticker_studio.formats.metrics import timeline_psnr
    from sticker_studio.formats.readers import read_sticker
    from sticker_studio.formats.targets import TARGETS, get_target
    from sticker_studio.formats.validate import validate_file

    source = args.input or sample_path("bounce")
    sticker = read_sticker(source)
    names = list(TARGETS) if args.targets == "all" else [n.strip() for n in args.targets.split(",")]
    targets = [get_target(n) for n in names]
    sc_cmd = _sticker_convert_cmd(args.sticker_convert)
    print(f"input: {source} {sticker}; cpu cores: {os.cpu_count()}")
    print(f"sticker-convert: {' '.join(sc_cmd) if sc_cmd else 'not available (pip install sticker-convert, or --sticker-convert CMD)'}")
    header = ["target", "fit+write s", "validate s", "bytes", "budget", "rung", "PSNR dB", "ok"]
    if sc_cmd:
        header += ["sc s", "sc bytes", "sc PSNR dB", "speed-up"]
    rows = [header]
    total = 0.0
    with tempfile.TemporaryDirectory(prefix="sticker-studio-bench-") as tmp:
        work = Path(tmp)
        out_dir = args.out or work / "ours"
        for target in targets:
            out = out_dir / f"bench.{target.name}{target.extension}"
            try:
                start = time.perf_counter()
                result = fit_sticker(sticker, target)
                atomic_write_bytes(out, result.data)
                seconds = time.perf_counter() - start
                total += seconds
                start = time.perf_counter()
                violations = validate_file(out, target)
                vseconds = time.perf_counter() - start
                written = read_sticker(out)
                pad = target.canvas.kind not in ("one-side", "within")
                psnr = timeline_psnr(sticker, written, speed=result.speed_factor, pad=pad)
                row = [target.name, f"{seconds:.2f}", f"{vseconds:.2f}", f"{result.byte_size:,}",
                       f"{target.max_bytes:,}", result.quality, f"{psnr:.2f}", "yes" if not violations else "NO"]
            except StickerStudioError as error:
                row = [target.name, "-", "-", "-", f"{target.max_bytes:,}", str(error)[:40], "-", "NO"]
                seconds = float("nan")
            if sc_cmd:
                preset = STICKER_CONVERT_PRESETS.get(target.name)
                if preset is None:
                    row += ["n/a", "", "", ""]
                else:
                    sc_seconds, sc_out, why = _run_sticker_convert(sc_cmd, source, preset, work)
                    if sc_out is None:
                        row += [f"{sc_seconds:.2f}", "failed", why, ""]
                    else:
                        sc_sticker = read_sticker(sc_out)
                        sc_psnr = timeline_psnr(sticker, sc_sticker, pad=pad)
                        row += [f"{sc_seconds:.2f}", f"{sc_out.stat().st_size:,}", f"{sc_psnr:.2f}",
                                f"x{sc_seconds / seconds:.1f}"]
            rows.append(row)
            print("  " + " | ".join(row), flush=True)
    print()
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    print("| " + " | ".join(c.ljust(w) for c, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
    print(f"\ntotal fit+write for {len(targets)} targets: {total:.2f} s")
    return 0
