"""`sticker-studio bench tgs`: Telegram .tgs of flat drawings in several motions.

For every drawing x motion: trace + write the .tgs (the full detail search), check it
against Telegram's rules, render every frame with rlottie and compare it with the raster
twin (``core.motion.animate`` with the same drawing, preset and layout at 60 fps): PSNR
over all frames (RGBA on white and on black, as ``formats.quality``). Prints a Markdown
table and the machine load; ``--sheet`` writes a contact sheet (rlottie | raster) for the
eye. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np

DRAWINGS = ("grinning face", "cat face", "rocket", "red heart", "frog")
MOTIONS = ("bounce", "jelly", "wobble", "spin", "heartbeat", "tada")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--drawings", nargs="*", default=list(DRAWINGS),
                        help="art-library entries (fluent-emoji-flat), plus the bundled sample")
    parser.add_argument("--motions", nargs="*", default=list(MOTIONS), help="motion presets")
    parser.add_argument("--no-sample", action="store_true", help="leave out the bundled sample drawing")
    parser.add_argument("--sheet", type=Path, default=None, help="write a contact sheet PNG here")
    parser.add_argument("--out", type=Path, default=None, help="also keep the .tgs files in this folder")


def drawings(names: list[str], sample: bool) -> list[tuple[str, np.ndarray]]:
    from PIL import Image

    from sticker_studio.core.text.art_library import ArtLibrary
    from sticker_studio.formats.svg_render import render_svg
    from sticker_studio.paths import resources_dir

    lib = ArtLibrary.load()
    out = []
    for name in names:
        entry = lib.find(name)
        if entry is None:
            print(f"(no art-library entry {name!r}; skipped)")
            continue
        out.append((name, render_svg(lib.svg(entry), 512)))
    if sample:
        with Image.open(resources_dir() / "samples" / "bounce.png") as im:
            im.seek(0)
            out.append(("bundled sample", np.asarray(im.convert("RGBA")).copy()))
    return out


def on_checker(frame: np.ndarray, size: int) -> np.ndarray:
    from PIL import Image

    from sticker_studio.core.imageops import over_checker

    small = np.asarray(Image.fromarray(frame, "RGBA").convert("RGBa").resize((size, size), Image.Resampling.BOX)
                       .convert("RGBA"))
    return over_checker(small, cell=12)


def run(args: argparse.Namespace) -> int:
    from sticker_studio.core.motion.presets import animate, get_preset
    from sticker_studio.formats.tgs.export import validate_tgs_bytes
    from sticker_studio.formats.tgs.motion import MotionSettings, drawing_to_tgs
    from sticker_studio.formats.tgs.render import frames_psnr, render_tgs, rlottie_available

    if not rlottie_available():
        print("rlottie-python is not installed: pip install rlottie-python")
        return 1
    items = drawings(args.drawings, not args.no_sample)
    motions = [get_preset(m).name for m in args.motions]
    load = os.getloadavg()
    print(f"bench tgs: {len(items)} drawings x {len(motions)} motions, {os.cpu_count()} CPU cores, "
          f"load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print("| drawing | motion | pass | bytes | JSON | paths | keys | trace | trace PSNR | rlottie vs raster PSNR | s |")
    print("|---|---|---|---:|---:|---:|---:|---|---:|---:|---:|")
    cells: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    sizes, psnrs, passed, seconds = [], [], 0, []
    for i, (name, rgba) in enumerate(items):
        for j, motion in enumerate(motions):
            t0 = time.perf_counter()
            try:
                result = drawing_to_tgs(rgba, MotionSettings(motion))
            except Exception as error:  # a figure table: report and go on
                print(f"| {name} | {motion} | error: {error} | | | | | | | | |")
                continue
            elapsed = time.perf_counter() - t0
            violations = validate_tgs_bytes(result.data)
            rendered = render_tgs(result.data)
            raster = animate(rgba, motion, **result.reference)
            psnr = frames_psnr(rendered, raster.frames)
            ok = not violations and len(rendered) == raster.frame_count
            passed += ok
            sizes.append(result.byte_size)
            psnrs.append(psnr)
            seconds.append(elapsed)
            s = result.settings
            trace = f"x{s.resolution} {s.palette or 'all'} col"
            print(f"| {name} | {motion} | {'yes' if ok else 'NO: ' + '; '.join(map(str, violations))} |"
                  f" {result.byte_size:,} | {result.json_bytes:,} | {result.paths} | {result.keyframes} | {trace} |"
                  f" {result.trace_psnr:.1f} | {psnr:.1f} | {elapsed:.1f} |")
            if args.out is not None:
                args.out.mkdir(parents=True, exist_ok=True)
                (args.out / f"{name.replace(' ', '_')}-{motion}.tgs").write_bytes(result.data)
            pick = len(rendered) // 3
            cells[(i, j)] = (rendered[pick], raster.frames[pick])
    if psnrs:
        print(f"\n{passed}/{len(psnrs)} pass; bytes median {statistics.median(sizes):,.0f}, max {max(sizes):,};"
              f" PSNR median {statistics.median(psnrs):.1f} dB, min {min(psnrs):.1f} dB;"
              f" export time median {statistics.median(seconds):.1f} s")
    if args.sheet is not None and cells:
        write_sheet(args.sheet, items, motions, cells)
        print(f"contact sheet: {args.sheet}")
    return 0


def write_sheet(path: Path, items: list[tuple[str, np.ndarray]], motions: list[str],
                cells: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]], cell: int = 112) -> None:
    """Rows: drawings; columns: motions; each cell the rlottie frame | the raster frame (frame op/3)."""
    from PIL import Image, ImageDraw

    label_h, gap = 16, 6
    width = len(motions) * (2 * cell + gap) + gap
    height = label_h + len(items) * (cell + label_h) + gap
    sheet = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for j, motion in enumerate(motions):
        draw.text((gap + j * (2 * cell + gap), 2), f"{motion}: rlottie | raster", fill=(0, 0, 0))
    for i, (name, _) in enumerate(items):
        y = label_h + i * (cell + label_h)
        draw.text((gap, y + 1), name, fill=(0, 0, 0))
        for j in range(len(motions)):
            if (i, j) not in cells:
                continue
            x = gap + j * (2 * cell + gap)
            vec, ras = cells[(i, j)]
            sheet.paste(Image.fromarray(on_checker(vec, cell)), (x, y + label_h))
            sheet.paste(Image.fromarray(on_checker(ras, cell)), (x + cell, y + label_h))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)
