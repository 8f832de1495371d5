"""`sticker-studio matte IN -o OUT`: give a flat-background animation its alpha back.

``--background model`` (the default bundled head, or ``--model``), ``colour-key`` (no model)
or ``line-art``; the cut-out is :func:`sticker_studio.engine.matting.cutout.cut_out`, the
same as ``animate`` and the app. ``--colorkey`` and ``--mode`` are older spellings.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.engine.matting.cutout import Background, background_type


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "matte", help="remove a flat background from an animation (alpha matting)",
        description="Estimate alpha for every frame of an animation on a flat background.",
    )
    parser.add_argument("input", type=Path, help="animation or image (GIF, APNG, WebP, MP4, PNG, ...)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="output with alpha (.webp, .png, .gif, .webm)")
    parser.add_argument("--model", help="matting model id or folder (default: the bundled matting head)")
    parser.add_argument("--background", type=background_type, default=None, metavar="METHOD",
                        help="model (default: the matting head; line-art when the input is a sketch on paper), "
                             "colour-key (no model: flood the flat "
                             "background from the border), or line-art (pencil/ink on paper: alpha from "
                             "darkness against the paper colour, ink colour kept)")
    # older spellings, kept working: --colorkey, --mode model|colorkey|lineart
    parser.add_argument("--colorkey", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mode", type=background_type, default=None, dest="mode", help=argparse.SUPPRESS)
    parser.add_argument("--device", default="auto", help="auto (default), cuda, mps or cpu")
    parser.add_argument("--mirror", action="store_true",
                        help="model: also run the head on the mirrored frames and average (about +0.3 dB, "
                             "twice the head's time)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sticker_studio.core.atomic import check_output
    from sticker_studio.core.matte.background import has_useful_alpha
    from sticker_studio.core.visibility import MATTING_CAUSES, ensure_visible
    from sticker_studio.engine.matting.cutout import MattingHeadCache, cut_out
    from sticker_studio.formats.readers import read_sticker
    from sticker_studio.formats.writers import format_for_path, write_sticker

    format_for_path(args.output)
    check_output(args.output, args.input)
    sticker = read_sticker(args.input)
    from sticker_studio.core.drawing_size import check_drawing_size

    check_drawing_size(sticker, args.input.name)
    background = args.background or args.mode or (Background.COLOUR_KEY if args.colorkey else None)
    if background is None and args.model is None and not has_useful_alpha(sticker.frames[0]):
        from sticker_studio.engine.matting.drawing_cut import keyed_pixel_art

        keyed_sticker = keyed_pixel_art(sticker)
        if keyed_sticker is not None:  # a sprite on a flat colour: exact, where the model blurs it
            print("sticker-studio: note: pixel art on a flat background: made that colour transparent, hard edges "
                  "kept (--background model to use the model)", file=sys.stderr)
            out = write_sticker(keyed_sticker, args.output)
            print(f"wrote {out} ({_frames(keyed_sticker.frame_count)}, pixel art keyed)")
            return 0
    if background is None:  # not chosen: line art for a sketch on paper, else the model
        from sticker_studio.core.imageops import composite_on_color
        from sticker_studio.core.matte.sketch import looks_like_line_art

        background = Background.LINE_ART if args.model is None and looks_like_line_art(
            composite_on_color(sticker.frames[0])) else Background.MODEL
        if background is Background.LINE_ART:
            print("sticker-studio: note: a sketch on paper: cut out as line art (--background model to use the "
                  "model)", file=sys.stderr)
    if background is Background.NONE:
        raise InvalidInputError("--background none would write the input unchanged: choose model, colour-key "
                                "or line-art")
    if background is not Background.LINE_ART and any(has_useful_alpha(f) for f in sticker.frames[:3]):
        print("sticker-studio: note: the input already has transparency; it is flattened on white and matted again",
              file=sys.stderr)
    heads = None
    if background is Background.MODEL:
        from sticker_studio.engine.device import pick_device
        from sticker_studio.engine.matting.matte import load_matting_head

        choice = pick_device(args.device)
        heads = MattingHeadCache.of(load_matting_head(args.model, device=choice.device,
                                                      dtype=choice.dtype if choice.device.type != "cpu" else None))
    # consume: the decoded frames are freed once flattened, before the head runs (memory bound)
    out_sticker = cut_out(sticker, background, heads, regions=False, only_without_alpha=False, fallback=False,
                          keep_if_empty=False, mirror=args.mirror or None, consume=True).sticker
    del sticker
    ensure_visible(out_sticker, "the matte", MATTING_CAUSES[_CAUSES[background]])
    out = write_sticker(out_sticker, args.output)
    method = _method(background, out_sticker.metadata.get("matting"))
    print(f"wrote {out} ({_frames(out_sticker.frame_count)}, {method})")
    return 0


def _frames(count: int) -> str:
    """``a still`` or ``N frames`` (never ``1 frames``)."""
    return "a still" if count == 1 else f"{count} frames"


def _method(asked: Background, used: object) -> str:
    """What cut the background out, in words: ``matting model`` rather than the head's class name
    (``MattingHead``); the colour key or line art as the cut-out recorded it (a model run that fell
    back to the colour key says so)."""
    if isinstance(used, str) and used.lower() in ("colour key", "line art"):
        return used.lower()
    return "matting model" if asked is Background.MODEL else _LABEL_OF[asked]


_LABEL_OF = {Background.MODEL: "matting model", Background.COLOUR_KEY: "colour key", Background.LINE_ART: "line art",
             Background.NONE: "unchanged"}
#: the likely causes of a blank matte per method (core.visibility's keys)
_CAUSES = {Background.MODEL: "model", Background.COLOUR_KEY: "colorkey", Background.LINE_ART: "lineart"}
