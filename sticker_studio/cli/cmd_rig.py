"""`sticker-studio rig IMAGE -o rig.json [--preview rig.png]`: the automatic character rig.

Writes the rig JSON (joints, eyes and mouth, body plan) and its part map PNG beside it
(``rig.parts.png``); ``--preview`` draws the rig over the drawing. Edit the JSON (or
drag joints in the app) and animate with ``animate IMAGE --rig rig.json --motion ...``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sticker_studio.engine.matting.cutout import background_type


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "rig", help="find a drawing's joints, parts, eyes and mouth (the character rig) and save it as JSON",
        description="Propose a character rig from the drawing's silhouette and colours (no model needed).")
    parser.add_argument("image", type=Path, help="the drawing (PNG with transparency, or any image)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="rig JSON to write (parts PNG goes beside it)")
    parser.add_argument("--preview", type=Path, default=None, help="also write a PNG of the rig over the drawing")
    parser.add_argument("--background", type=background_type, default=None, metavar="METHOD",
                        help="for inputs without alpha: model, colour-key, line-art or none (see animate --background)")
    parser.set_defaults(func=run)


def load_drawing(path: Path, background: object = None, size: int | None = None):
    """The drawing's first frame as RGBA, cut out when it has no alpha, at most 2x the output side."""
    from sticker_studio.cli.cmd_animate import ensure_alpha, read_input, shrink_for_output
    from sticker_studio.core.visibility import ensure_visible

    sticker = ensure_alpha(shrink_for_output(read_input(path), size), background)  # type: ignore[arg-type]
    ensure_visible(sticker, "the cut-out", ("the input itself is transparent",
                                            "the background removal took the subject: try another --background"))
    return sticker.frames[0]


def run(args: argparse.Namespace) -> int:
    from PIL import Image

    from sticker_studio.core.atomic import atomic_write_bytes, check_output
    from sticker_studio.core.puppet.preview import rig_preview
    from sticker_studio.core.puppet.rig import save_rig
    from sticker_studio.engine.rig.auto import auto_rig

    check_output(args.output, args.image)
    rgba = load_drawing(args.image, args.background)
    t0 = time.perf_counter()
    rig = auto_rig(rgba)
    elapsed = time.perf_counter() - t0
    path = save_rig(rig, args.output)
    parts = ", ".join(rig.part_names()) or "none"
    face = ", ".join(rig.face) or "none found"
    print(f"wrote {path}: {rig.plan.value}, {len(rig.joints)} joints, parts: {parts}; face: {face} "
          f"({elapsed:.2f} s)")
    if args.preview is not None:
        import io

        buf = io.BytesIO()
        Image.fromarray(rig_preview(rgba, rig)).save(buf, format="PNG")
        atomic_write_bytes(args.preview, buf.getvalue())
        print(f"wrote {args.preview}", file=sys.stderr)
    return 0
