"""`sticker-studio bench AREA`: benchmarks that print figures (never timed asserts).

Each area lives in ``sticker_studio.cli.bench_<area>`` with
``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib

#: area -> one-line help
BENCH_AREAS: dict[str, str] = {
    "formats": (
        "fit + write a 16-frame 512x512 sticker for every target; time and PSNR (vs sticker-convert when installed)"
    ),
    "pack": "Check sizes + Export of a 26-sticker pack to Telegram, WhatsApp and Signal (pool + fit cache)",
    "animate": "motion presets: animate a 512x512 drawing into a 16-frame APNG",
    "synth": "synthetic dataset generator: samples per second",
    "engine": "generation latency per stage and device for the bundled model",
    "puppet": "character motions: rig time, deformation + raster per 512x512 frame, a 24-frame sticker",
    "generate": "the whole `generate PROMPT -o OUT` process (text -> sticker, default path): wall and CPU seconds",
    "tgs": "Telegram .tgs of flat drawings in several motions: rules, bytes, PSNR of rlottie vs the raster",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench", help="run a benchmark and print its figures")
    areas = parser.add_subparsers(dest="bench_area", metavar="AREA", required=True)
    for area, help_text in BENCH_AREAS.items():
        sub = areas.add_parser(area, help=help_text)
        module = importlib.import_module(f"sticker_studio.cli.bench_{area}")
        module.add_arguments(sub)
        sub.set_defaults(func=module.run)
