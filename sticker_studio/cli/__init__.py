"""`sticker-studio` command line.

Each subcommand lives in its own module under this package and exposes
``register(subparsers) -> None``; the module's handler does its heavy imports
(torch, Qt) lazily so ``--help`` and the format commands stay fast.

Errors a user can cause (:class:`StickerStudioError`) print one line on stderr and
exit 2. With no arguments the desktop app opens.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from sticker_studio import __version__
from sticker_studio.core.errors import StickerStudioError

#: Subcommand modules, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "gui",       # sticker-studio gui [FILE] [--screenshot PATH]
    "generate",  # sticker-studio generate PROMPT ...
    "animate",   # sticker-studio animate IMAGE --motion NAME ...
    "rig",       # sticker-studio rig IMAGE -o rig.json [--preview rig.png]
    "matte",     # sticker-studio matte IN -o OUT
    "convert",   # sticker-studio convert IN -o OUT
    "export",    # sticker-studio export IN --target NAME -o OUT
    "validate",  # sticker-studio validate FILE --target NAME
    "pack",      # sticker-studio pack create|add|list|export
    "targets",   # sticker-studio targets
    "models",    # sticker-studio models list|download|verify|add
    "data",      # sticker-studio data fetch|synth
    "train",     # sticker-studio train ...
    "eval",      # sticker-studio eval ...
    "bench",     # sticker-studio bench [formats|animate|engine|...]
    "demo",      # sticker-studio demo: export the bundled sample to every target
)


class ArgumentParser(argparse.ArgumentParser):
    """argparse that reports bad arguments as one line + exit 2 (argparse's own code)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"sticker-studio: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="sticker-studio",
        description="Make animated sticker packs locally. With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"sticker-studio {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"sticker_studio.cli.cmd_{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not args_list:
        args_list = ["gui"]
    args = parser.parse_args(args_list)
    _show_warnings_as_lines()
    handler = getattr(args, "func", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        code = handler(args)
    except StickerStudioError as error:
        print(f"sticker-studio: error: {one_line(str(error))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sticker-studio: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print("sticker-studio: error: out of memory; try a smaller input or fewer frames", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `sticker-studio ... | head`: the reader left; no traceback, no error at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return int(code or 0)


class _OneLineWarnings(logging.Handler):
    """The package's logged warnings (a resampled long input, a truncated video) as one stderr line each."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"sticker-studio: warning: {one_line(record.getMessage())}", file=sys.stderr)


def _show_warnings_as_lines() -> None:
    logger = logging.getLogger("sticker_studio")
    if not any(isinstance(h, _OneLineWarnings) for h in logger.handlers):
        logger.addHandler(_OneLineWarnings(logging.WARNING))
    logger.propagate = False


def one_line(message: str) -> str:
    return " ".join(message.split()) or "unknown error"


