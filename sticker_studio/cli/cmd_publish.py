"""`sticker-studio pack publish DIR --telegram --user-id N`: upload a pack with Telegram's Bot API.

DIR is a pack folder (its Telegram export is made first, in a temporary folder) or a
folder ``pack export --target telegram`` wrote (``telegram.json`` inside, or in its
``telegram/`` sub-folder). The token comes from ``--bot-token``, ``TELEGRAM_BOT_TOKEN``
or the OS keyring (``--save-token`` stores the given one there); it is never written
anywhere else. A re-run adds only the stickers the set is missing, in order.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path


def register(actions: argparse._SubParsersAction) -> None:
    publish = actions.add_parser(
        "publish", help="upload the pack to a messenger (Telegram Bot API); re-run to resume")
    publish.add_argument("folder", type=Path, metavar="DIR",
                         help="a pack folder, or a folder `pack export --target telegram` wrote")
    publish.add_argument("--telegram", action="store_true", required=True,
                         help="publish to Telegram (the only messenger with an upload API here)")
    publish.add_argument("--user-id", dest="user_id", type=int, required=True, metavar="N",
                         help="your numeric Telegram user id (the set's owner; ask @userinfobot); you must"
                              " have pressed Start in the bot's chat")
    publish.add_argument("--name", default=None, metavar="SHORT",
                         help="the set's short name (t.me/addstickers/<SHORT>_by_<bot>); default from the title")
    publish.add_argument("--title", default=None, metavar="T", help="the set's title (default the pack's)")
    publish.add_argument("--api-url", dest="api_url", default=None, metavar="URL",
                         help="Bot API server (default https://api.telegram.org; a local Bot API server works)")
    publish.add_argument("--bot-token", dest="bot_token", default=None, metavar="TOKEN",
                         help="the bot's token from @BotFather (else $TELEGRAM_BOT_TOKEN, else the OS keyring)")
    publish.add_argument("--save-token", dest="save_token", action="store_true",
                         help="store the token in the OS keyring for next time")
    publish.set_defaults(func=run_publish)


def _export_folder(folder: Path) -> Path | None:
    for candidate in (folder, folder / "telegram", folder / "telegram-tgs"):
        if (candidate / "telegram.json").is_file():
            return candidate
    return None


def run_publish(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from sticker_studio.formats.publish.base import PublishError
    from sticker_studio.formats.publish.credentials import find_telegram_token, keyring_set
    from sticker_studio.formats.publish.telegram import (
        DEFAULT_API_URL,
        TelegramTarget,
        TelegramUploader,
        plan_from_export,
    )

    token = find_telegram_token(args.bot_token)
    uploader = TelegramUploader(token.value, TelegramTarget(args.user_id, args.name),
                                api_url=args.api_url or DEFAULT_API_URL)
    temp: Path | None = None
    try:
        export = _export_folder(args.folder)
        if export is None:
            # the token and the set's name are checked first: a bad one should not cost an export
            uploader.check(args.title or _pack_title(args.folder))
            temp = Path(tempfile.mkdtemp(prefix="sticker-studio-publish-"))
            export = _export_pack(args.folder, temp)
        plan = plan_from_export(export)
        if args.title:
            plan = replace(plan, title=args.title.strip())
        print(f"publishing {len(plan.stickers)} sticker(s) from {export} to Telegram ({token.source})",
              file=sys.stderr)
        try:
            report = uploader.publish(plan, progress=_print_progress, on_wait=_print_wait)
        except KeyboardInterrupt:
            print("\nstopped; run the same command again to add the rest (nothing is added twice)",
                  file=sys.stderr)
            return 130
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    if args.save_token and token.source != "the keyring":
        try:  # the pack is published: a keyring that cannot store the token is a warning, not a failure
            keyring_set(token.value)
        except PublishError as error:
            report.warnings.append(f"the token was not saved: {error}")
        else:
            print("the token is stored in the OS keyring", file=sys.stderr)
    for warning in report.warnings:
        print(f"sticker-studio: warning: {warning}", file=sys.stderr)
    verb = "created" if report.created else "updated"
    if report.added == 0 and not report.created:
        verb = "already complete"
    print(f"{report.name}: {verb}; {report.added} sticker(s) added, {report.already_there} already there"
          f"{'; thumbnail set' if report.thumbnail_set else ''}")
    print(report.link)
    return 0


def _pack_title(folder: Path) -> str:
    from sticker_studio.core.pack.pack import StickerPack

    pack = StickerPack.open(folder, read_only=True)
    try:
        return pack.title
    finally:
        pack.close()


def _export_pack(folder: Path, out: Path) -> Path:
    from sticker_studio.core.pack.pack import StickerPack
    from sticker_studio.formats.pack_export import export_sticker_pack

    pack = StickerPack.open(folder, read_only=True)
    try:
        print(f"exporting {pack.title!r} for Telegram first...", file=sys.stderr)
        report = export_sticker_pack(pack, ["telegram"], out)
    finally:
        pack.close()
    return report.targets["telegram"].folder


def _print_progress(done: int, total: int, message: str) -> None:
    print(f"[{done}/{total}] {message}", file=sys.stderr)


def _print_wait(seconds_left: int, reason: str) -> None:
    end = "\n" if seconds_left == 0 else ""
    text = "waited; going on" if seconds_left == 0 else f"waiting {seconds_left:4d} s"
    print(f"\r{reason}: {text}   ", end=end, file=sys.stderr, flush=True)
