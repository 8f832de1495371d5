"""``python -m sticker_studio.cli.manifest_tool add-bundled FOLDER --id ID ...``: maintain models_manifest.json.

For whoever adds bundled weights: (re)writes a bundled model's entry from the files
that exist in its folder, or prints the manifest as the app reads it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from sticker_studio import paths
from sticker_studio.core.errors import StickerStudioError
from sticker_studio.engine.store.manifest import (
    ARCHITECTURES,
    ModelManifest,
    upsert_entry,
)
from sticker_studio.engine.store.user_models import manifest_entry_for_folder


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sticker_studio.cli.manifest_tool",
        description="Maintain models_manifest.json (for whoever adds bundled weights).",
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    add = sub.add_parser("add-bundled", help="(re)write a bundled model's entry from the files in FOLDER")
    add.add_argument("folder", type=Path)
    add.add_argument("--id", required=True)
    add.add_argument("--architecture", choices=ARCHITECTURES, default=None, help="default: detected from the folder")
    add.add_argument("--licence", required=True)
    add.add_argument("--description", default="")
    add.add_argument("--default", action="store_true", help="make it the default for its role")
    add.add_argument("--manifest", type=Path, default=None, help="default: the repository's models_manifest.json")
    show = sub.add_parser("show", help="print the manifest as the app reads it")
    show.add_argument("--manifest", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        if args.cmd == "add-bundled":
            entry = manifest_entry_for_folder(
                args.folder, args.id, args.architecture, args.licence,
                description=args.description, default=args.default,
            )
            target = args.manifest or paths.manifest_path()
            upsert_entry(target, entry)
            print(f"{target}: wrote {entry.id} ({len(entry.files)} files, {entry.total_size:,} bytes)")
        else:
            for e in ModelManifest.load(args.manifest).entries:
                print(json.dumps(e.to_json(), indent=2))
    except StickerStudioError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
