"""Contact sheet of two-stage text -> sticker results: one row per prompt, frames on a checkerboard.

    python scripts/two_stage_contact_sheet.py -o docs/two_stage_contact_sheet.png [--frames 6] [PROMPT ...]

Prints per-prompt timings (stage one, stage two) so a run also measures speed.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from sticker_studio.engine.generate.two_stage import generate_two_stage

#: Held-out prompts (subjects x colours x motions), none of them the issue's examples.
PROMPTS = [
    "a green cat jumping",
    "a purple octopus dancing",
    "a pink dog nodding",
    "a blue heart pulsing",
    "a golden star spinning",
    "a white ghost shaking",
    "a yellow rocket floating",
    "a red frog bouncing",
    "an orange butterfly flapping",
    "a black umbrella swinging",
    "a teal snail wobbling",
    "a brown owl waving",
]


def checker(side: int, cell: int = 16) -> np.ndarray:
    yy, xx = np.mgrid[0:side, 0:side]
    board = np.where(((yy // cell) + (xx // cell)) % 2 == 0, 236, 200).astype(np.float32)
    return np.repeat(board[..., None], 3, axis=-1)


def on_checker(rgba: np.ndarray, side: int) -> np.ndarray:
    img = np.asarray(Image.fromarray(rgba).resize((side, side), Image.Resampling.LANCZOS)).astype(np.float32)
    a = img[..., 3:4] / 255.0
    return (img[..., :3] * a + checker(side) * (1 - a)).astype(np.uint8)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("prompts", nargs="*")
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--frames", type=int, default=6)
    parser.add_argument("--cell", type=int, default=160)
    parser.add_argument("--size", type=int, default=512)
    args = parser.parse_args()
    prompts = args.prompts or PROMPTS
    label_w, cell = 300, args.cell
    sheet = Image.new("RGB", (label_w + cell * args.frames, cell * len(prompts)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for row, prompt in enumerate(prompts):
        start = time.perf_counter()
        result = generate_two_stage(prompt, size=args.size)
        frames = result.sticker.frames
        picks = np.linspace(0, len(frames), args.frames, endpoint=False).astype(int)
        for col, k in enumerate(picks):
            sheet.paste(Image.fromarray(on_checker(frames[k], cell)), (label_w + col * cell, row * cell))
        sub = result.subject
        lines = [prompt, f"-> {sub.label} ({sub.style})",
                 f"recolour: {sub.art_colour} -> {sub.recoloured}" if sub.recoloured else "colour: as drawn",
                 f"motion: {result.motion.motion} ({result.motion.source})"]
        for i, line in enumerate(lines):
            draw.text((8, row * cell + 12 + 18 * i), line, fill=(0, 0, 0))
        t = result.timings
        print(f"{prompt:34s} {sub.label:18s} recolour={sub.recoloured} motion={result.motion.motion}/"
              f"{result.motion.source}  subject {t['subject']:.2f}s motion {t['motion']:.2f}s "
              f"total {time.perf_counter() - start:.2f}s")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.output, optimize=True)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
