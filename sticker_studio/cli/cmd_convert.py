"""`sticker-studio convert IN -o OUT [--fps F] [--size N] [--quality Q]`.

The output format comes from OUT's extension (.gif, .png = APNG, .webp, .webm).
``--fps`` resamples by the timing rule; ``--size`` fits the sticker onto an N x N
transparent canvas keeping its aspect.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sticker_studio.cli.arguments import MAX_FPS, fps_type, int_in


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("convert", help="convert between GIF, APNG, WebP, WebM, MP4 and stills")
    parser.add_argument("input", type=Path, metavar="IN", help="GIF, PNG/APNG, WebP, JPEG, WebM, MP4 or MOV")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUT",
                        help="output file; its extension picks the format: .gif .png (APNG) .webp .webm")
    parser.add_argument("--fps", type=fps_type, default=None,
                        help=f"resample to this frame rate, up to {MAX_FPS:g} (timing kept)")
    parser.add_argument("--size", type=int_in(1, 4096), default=None, metavar="N",
                        help="fit onto an N x N transparent square canvas")
    parser.add_argument("--quality", type=int_in(0, 100), default=None, metavar="Q",
                        help="0-100 (WebP quality, WebM crf, GIF/APNG colours); APNG default is lossless")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sticker_studio.core.atomic import check_output
    from sticker_studio.core.errors import InvalidInputError
    from sticker_studio.core.imageops import fit_into_canvas
    from sticker_studio.core.sticker import Sticker
    from sticker_studio.formats.limits import DEFAULT_LIMITS
    from sticker_studio.formats.readers import read_sticker
    from sticker_studio.formats.writers import format_for_path, write_sticker

    format_for_path(args.output)  # reject an unknown extension before decoding anything
    if args.fps is not None and not (0 < args.fps <= 120):
        raise InvalidInputError(f"--fps must be between 0 and 120, got {args.fps:g}")
    if args.size is not None and not (1 <= args.size <= 4096):
        raise InvalidInputError(f"--size must be between 1 and 4096, got {args.size}")
    if args.quality is not None and not (0 <= args.quality <= 100):
        raise InvalidInputError(f"--quality must be between 0 and 100, got {args.quality}")
    check_output(args.output, args.input)
    sticker = read_sticker(args.input, fps=args.fps)  # --fps resamples while decoding
    if args.size is not None:
        DEFAULT_LIMITS.check_held(sticker.frame_count, args.size, args.size, f"{args.input.name} at --size {args.size}")
        frames = [fit_into_canvas(f, args.size, args.size) for f in sticker.frames]
        sticker = Sticker(frames, list(sticker.durations_ms), sticker.loop_count, dict(sticker.metadata))
    out = write_sticker(sticker, args.output, quality=args.quality)
    print(f"{out}: {sticker.width}x{sticker.height}, {sticker.frame_count} frames, "
          f"{sticker.total_duration_ms} ms, {out.stat().st_size:,} B")
    return 0
