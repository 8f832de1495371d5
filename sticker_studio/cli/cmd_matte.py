"""`sticker-studio matte IN -o OUT`: give a flat-background animation its alpha back.

Uses the matting head (the default bundled one, or ``--model``); ``--colorkey``
uses the model-free colour key instead.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "matte", help="remove a flat background from an animation (alpha matting)",
        description="Estimate alpha for every frame of an animation on a flat background.",
    )
    parser.add_argument("input", type=Path, help="animation or image (GIF, APNG, WebP, MP4, PNG, ...)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="output with alpha (.webp, .png, .gif, .webm)")
    parser.add_argument("--model", help="matting model id or folder (default: the bundled matting head)")
    parser.add_argument("--colorkey", action="store_true", help="no model: flood the background from the border")
    parser.add_argument("--mode", choices=("model", "colorkey", "lineart"), default=None,
                        help="model (default), colorkey (= --colorkey), or lineart: pencil/ink on paper, "
                             "alpha from darkness against the paper colour, ink colour kept")
    parser.add_argument("--device", default="auto", help="auto (default), cuda, mps or cpu")
    parser.add_argument("--mirror", action="store_true",
                        help="model: also run the head on the mirrored frames and average (about +0.3 dB, "
                             "twice the head's time)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sticker_studio.core.atomic import check_output
    from sticker_studio.core.matte.background import has_useful_alpha
    from sticker_studio.core.sticker import Sticker
    from sticker_studio.core.visibility import MATTING_CAUSES, ensure_visible
    from sticker_studio.engine.device import pick_device
    from sticker_studio.engine.matting.matte import flatten_on_white, load_matting_head, matte_frames, matte_sticker
    from sticker_studio.formats.readers import read_sticker
    from sticker_studio.formats.writers import format_for_path, write_sticker

    format_for_path(args.output)
    check_output(args.output, args.input)
    sticker = read_sticker(args.input)
    mode = args.mode or ("colorkey" if args.colorkey else "model")
    if mode == "lineart":
        from sticker_studio.core.matte.lineart import lineart_alpha

        rgb = flatten_on_white(sticker.frames)
        out_sticker = Sticker([lineart_alpha(f) for f in rgb], list(sticker.durations_ms), sticker.loop_count,
                              {**sticker.metadata, "matting": "line art"})
        ensure_visible(out_sticker, "the matte", MATTING_CAUSES["lineart"])
        out = write_sticker(out_sticker, args.output)
        print(f"wrote {out} ({out_sticker.frame_count} frames, line art)")
        return 0
    args.colorkey = mode == "colorkey"
    if any(has_useful_alpha(f) for f in sticker.frames[:3]):
        print("sticker-studio: note: the input already has transparency; it is flattened on white and matted again",
              file=sys.stderr)
    head = None
    if not args.colorkey:
        choice = pick_device(args.device)
        head = load_matting_head(args.model, device=choice.device,
                                 dtype=choice.dtype if choice.device.type != "cpu" else None)
    if head is None:
        out_sticker = matte_sticker(sticker, head, use_colorkey=args.colorkey, mirror=args.mirror or None)
    else:  # the decoded input is freed once flattened, before the head runs (memory bound)
        rgb = flatten_on_white(sticker.frames)
        durations, loop, metadata = list(sticker.durations_ms), sticker.loop_count, dict(sticker.metadata)
        del sticker
        rgba = matte_frames(rgb, head, mirror=args.mirror or None)
        del rgb
        out_sticker = Sticker(list(rgba), durations, loop, {**metadata, "matting": type(head).__name__})
    ensure_visible(out_sticker, "the matte", MATTING_CAUSES["colorkey" if args.colorkey else "model"])
    out = write_sticker(out_sticker, args.output)
    print(f"wrote {out} ({out_sticker.frame_count} frames, {out_sticker.metadata.get('matting')})")
    return 0
