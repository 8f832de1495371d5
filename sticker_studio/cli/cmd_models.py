"""`sticker-studio models list|download ID|verify [ID]|add PATH`: the models the app can load."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("models", help="list, download, verify or add models")
    sub = parser.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    p = sub.add_parser("list", help="every model in the manifests and whether it is on this machine")
    p.set_defaults(func=run_list)
    p = sub.add_parser("download", help="fetch a hub model into the cache (sha256-checked)")
    p.add_argument("model_id")
    p.set_defaults(func=run_download)
    p = sub.add_parser("verify", help="re-hash the files of one model (or all present ones)")
    p.add_argument("model_id", nargs="?")
    p.set_defaults(func=run_verify)
    p = sub.add_parser("add", help="register your own checkpoint folder (copied into the user data dir)")
    p.add_argument("path", type=Path)
    p.add_argument("--id", dest="model_id", help="model id (default: the folder's name)")
    p.add_argument("--architecture", choices=("dfgn", "sti-unet", "matting-head"), help="default: detected")
    p.add_argument("--licence", default="unknown (added by the user)")
    p.add_argument("--description", default="")
    p.add_argument("--link", action="store_true", help="symlink the folder instead of copying it")
    p.set_defaults(func=run_add)


def _status(entry) -> str:
    from sticker_studio.engine.store.files import verify_files

    report = verify_files(entry, entry.local_folder())
    if report.ok:
        return {"bundled": "bundled", "hf": "downloaded", "user": "added"}[entry.source_kind]
    if report.missing_only:
        return "not downloaded" if entry.source_kind == "hf" else "missing files"
    return "CHECKSUM MISMATCH"


def run_list(args: argparse.Namespace) -> int:
    from sticker_studio.engine.store.manifest import ModelManifest

    manifest = ModelManifest.load()
    if not manifest.entries:
        print("no models are listed (the manifest is empty)")
        return 0
    rows = [("id", "architecture", "tasks", "size", "status", "licence", "source")]
    for e in manifest.entries:
        mark = " *" if e.default else ""
        rows.append((e.id + mark, e.architecture, ",".join(e.tasks), f"{e.total_size / 1e6:.1f} MB",
                     _status(e), e.licence, e.source))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)).rstrip())
    print("* = default")
    return 0


def run_download(args: argparse.Namespace) -> int:
    from sticker_studio.engine.store.hub import download_model

    def progress(done: int, total: int, name: str) -> None:
        if name:
            print(f"[{done + 1}/{total}] {name}")

    folder = download_model(args.model_id, progress)
    print(f"{args.model_id}: ready in {folder}")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    from sticker_studio.core.errors import ModelIntegrityError
    from sticker_studio.engine.store.files import verify_files
    from sticker_studio.engine.store.manifest import ModelManifest

    manifest = ModelManifest.load()
    entries = [manifest.get(args.model_id)] if args.model_id else manifest.entries
    bad = 0
    for entry in entries:
        report = verify_files(entry, entry.local_folder(), use_cache=False)
        if report.ok:
            print(f"{entry.id}: OK ({len(entry.files)} files)")
        elif report.missing_only and not args.model_id:
            print(f"{entry.id}: not present ({report.problems[0].message})")
        else:
            bad += 1
            for p in report.problems:
                print(f"{entry.id}: FAILED {p.message}")
    if bad:
        raise ModelIntegrityError(f"{bad} model(s) failed verification; see above")
    return 0


def run_add(args: argparse.Namespace) -> int:
    from sticker_studio.engine.store.user_models import add_user_model

    entry = add_user_model(args.path, args.model_id, architecture=args.architecture, licence=args.licence,
                           description=args.description, link=args.link)
    print(f"added {entry.id} ({entry.architecture}, {len(entry.files)} files, {entry.total_size / 1e6:.1f} MB)")
    return 0
