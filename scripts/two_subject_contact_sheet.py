"""Contact sheet of two-subject text -> sticker results: the composed still, then frames, on a checkerboard.

    python scripts/two_subject_contact_sheet.py -o docs/two_subject_contact_sheet.png [PROMPT ...]

One row per prompt: what the prompt asked, what was made ("a cat riding a bicycle,
bouncing") and what was left out. (Labels use the DejaVu font: Han/kana prompts are
shown by their English reading.)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from two_stage_contact_sheet import on_checker

from sticker_studio.engine.generate.two_stage import MotionOptions, generate_two_stage

PROMPTS = [
    "a cat riding a bicycle",
    "a panda holding a coffee cup",
    "a robot and a dinosaur high-fiving",
    "my dog Rex with a birthday hat",
    "a frog on a skateboard",
    "a penguin wearing a crown",
    "a unicorn wearing sunglasses",
    "a monkey holding a banana",
    "un chat avec un chapeau",
    "un gato en una bicicleta",
    "ein Roboter mit einer Gitarre",
    "熊猫和恐龙",
    "骑着自行车的猫",
]
READINGS = {"熊猫和恐龙": "熊猫和恐龙 (a panda and a dinosaur)",
            "骑着自行车的猫": "骑着自行车的猫 (a cat riding a bike)"}


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("prompts", nargs="*")
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--frames", type=int, default=4)
    parser.add_argument("--cell", type=int, default=160)
    parser.add_argument("--size", type=int, default=384)
    args = parser.parse_args()
    prompts = args.prompts or PROMPTS
    label_w, cell = 330, args.cell
    sheet = Image.new("RGB", (label_w + cell * (args.frames + 1), cell * len(prompts)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    font, small = _font(14), _font(12)
    for row, prompt in enumerate(prompts):
        result = generate_two_stage(prompt, MotionOptions(motion_source="preset"), size=args.size)
        scene = result.scene
        assert scene is not None
        sheet.paste(Image.fromarray(on_checker(scene.rgba, cell)), (label_w, row * cell))
        frames = result.sticker.frames
        picks = np.linspace(0, len(frames), args.frames, endpoint=False).astype(int)
        for col, k in enumerate(picks):
            sheet.paste(Image.fromarray(on_checker(frames[k], cell)), (label_w + (col + 1) * cell, row * cell))
        shown = READINGS.get(prompt, prompt)
        if any(ord(ch) > 0x2FFF for ch in shown):
            shown = shown.split(" (", 1)[-1].rstrip(")") if " (" in shown else "(non-Latin prompt)"
        lines = [(f"“{shown}”", font), (f"made: {result.label()}", small),
                 (f"left out: {'; '.join(scene.ignored)}" if scene.ignored else "left out: nothing", small),
                 (f"language {scene.reading.language}, relation "
                  f"{scene.relation.value if scene.relation else '-'}", small)]
        for i, (line, f) in enumerate(lines):
            draw.text((8, row * cell + 14 + 22 * i), line[:48], fill=(0, 0, 0), font=f)
        draw.line([(0, row * cell), (sheet.width, row * cell)], fill=(180, 180, 180))
        print(f"{prompt:36s} -> {result.label()}  | left out: {scene.ignored}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.output, optimize=True)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
