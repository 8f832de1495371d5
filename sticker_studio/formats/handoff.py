"""Hand-off files: what each messenger's own importer or upload form takes, beside the stickers.

:mod:`pack_export` writes a folder per target (stickers, tray/thumbnail, index file).
For the messengers where the last step happens in another app, this module adds the
file that app imports, built from what is already in the folder:

* **WhatsApp** - ``<title>.wastickers``: a flat zip of the WebP stickers, exactly one
  96x96 PNG (the tray; importers take the first ``.png`` as the tray, so no other PNG
  may be in it), ``title.txt`` and ``author.txt``. The "Sticker Maker" app and the
  open-source "Stickers" app (lolocomotive) import it. ``contents.json`` stays.
* **Signal** - ``emoji.txt``: one line per sticker, in order (``01_name.png<TAB>emoji``),
  for Signal Desktop's sticker creator (File > Create/upload sticker pack), which asks
  for one emoji per sticker. The stickers are already full-colour RGBA APNGs in file
  order and ``manifest.json`` is the form ``signal-cli uploadStickerPack`` reads.
  There is no direct upload: Signal's sticker API needs a linked device's password,
  which only scraping Signal Desktop's storage would give.
* **LINE** - ``<title>_line.zip``: ``01.png`` ... ``main.png``, ``tab.png`` at the zip's
  root, as LINE Creators Market's "upload a zip" takes them, at most 20 MB.

Every function returns the names it wrote (for the folder's marker file) or raises a
:class:`~sticker_studio.core.errors.StickerStudioError` naming the problem.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from sticker_studio.core.errors import InvalidInputError

#: LINE Creators Market refuses an upload zip over 20 MB.
LINE_ZIP_MAX_BYTES = 20_000_000
#: The tray icon WhatsApp importers want.
WASTICKERS_TRAY_SIDE = 96
#: Default author when the pack has none (WhatsApp needs a non-empty publisher).
FALLBACK_AUTHOR = "Sticker Studio"


@dataclass(frozen=True)
class HandoffSticker:
    """One sticker file in the target folder and its emoji, in pack order."""

    file: str
    emojis: tuple[str, ...]


def file_title(title: str, fallback: str = "sticker_pack") -> str:
    """``title`` as a file name: letters, digits, spaces, ``_ - .`` kept; at most 60 characters."""
    cleaned = re.sub(r"[^\w\-. ]+", "_", title, flags=re.UNICODE).strip(" ._")
    return (cleaned or fallback)[:60].rstrip(" .")


def _zip(path: Path, members: Sequence[tuple[str, bytes]]) -> None:
    names = [n for n, _ in members]
    if len(set(names)) != len(names) or any("/" in n or "\\" in n for n in names):
        raise InvalidInputError(f"{path.name}: member names must be unique and flat")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)


def write_wastickers(folder: Path, stickers: Sequence[HandoffSticker], *, title: str, author: str,
                     tray_file: str = "tray.png") -> str:
    """``folder/<title>.wastickers`` from the WebP stickers and the tray in ``folder``."""
    if not 3 <= len(stickers) <= 30:
        raise InvalidInputError(f"a .wastickers file holds 3 to 30 stickers, not {len(stickers)}")
    tray = folder / tray_file
    with Image.open(tray) as image:
        if image.format != "PNG" or image.size != (WASTICKERS_TRAY_SIDE, WASTICKERS_TRAY_SIDE):
            raise InvalidInputError(f"the tray icon must be a {WASTICKERS_TRAY_SIDE}x{WASTICKERS_TRAY_SIDE} PNG")
    members: list[tuple[str, bytes]] = []
    for sticker in stickers:
        if not sticker.file.lower().endswith(".webp"):
            raise InvalidInputError(f"{sticker.file}: a .wastickers sticker must be WebP")
        members.append((sticker.file, (folder / sticker.file).read_bytes()))
    members += [
        ("tray.png", tray.read_bytes()),
        ("title.txt", title.strip().encode("utf-8")),
        ("author.txt", (author.strip() or FALLBACK_AUTHOR).encode("utf-8")),
    ]
    name = f"{file_title(title)}.wastickers"
    _zip(folder / name, members)
    return name


def write_signal_emoji_list(folder: Path, stickers: Sequence[HandoffSticker]) -> str:
    """``folder/emoji.txt``: ``file<TAB>emoji`` per sticker in order (Signal keeps one emoji each)."""
    lines = []
    for sticker in stickers:
        if not sticker.emojis:
            raise InvalidInputError(f"{sticker.file}: Signal needs an emoji for every sticker")
        lines.append(f"{sticker.file}\t{sticker.emojis[0]}")
    (folder / "emoji.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "emoji.txt"


def write_line_zip(folder: Path, stickers: Sequence[HandoffSticker], *, title: str,
                   max_bytes: int = LINE_ZIP_MAX_BYTES) -> str:
    """``folder/<title>_line.zip``: ``01.png``..., ``main.png``, ``tab.png`` at the root, <= 20 MB."""
    members: list[tuple[str, bytes]] = []
    for i, sticker in enumerate(stickers, start=1):
        if sticker.file != f"{i:02d}.png":
            raise InvalidInputError(f"LINE wants the stickers named 01.png, 02.png, ...; found {sticker.file}")
        members.append((sticker.file, (folder / sticker.file).read_bytes()))
    for extra in ("main.png", "tab.png"):
        path = folder / extra
        if not path.is_file():
            raise InvalidInputError(f"the LINE zip needs {extra}")
        members.append((extra, path.read_bytes()))
    name = f"{file_title(title)}_line.zip"
    path = folder / name
    _zip(path, members)
    size = path.stat().st_size
    if size > max_bytes:
        path.unlink()
        raise InvalidInputError(
            f"the LINE upload zip would be {size / 1e6:.1f} MB; LINE Creators Market takes at most"
            f" {max_bytes / 1e6:.0f} MB (use fewer frames or simpler stickers)")
    return name


def write_handoff(target: str, folder: Path, stickers: Sequence[HandoffSticker], *, title: str,
                  author: str) -> list[str]:
    """The hand-off files of ``target`` in ``folder`` (none for targets without one)."""
    if target == "whatsapp":
        return [write_wastickers(folder, stickers, title=title, author=author)]
    if target == "signal":
        return [write_signal_emoji_list(folder, stickers)]
    if target == "line":
        return [write_line_zip(folder, stickers, title=title)]
    return []


#: What to do with each target's folder after an export: one or two sentences per messenger.
NEXT_STEPS: dict[str, str] = {
    "telegram": "Publish it with the Publish step or `sticker-studio pack publish FOLDER --telegram --user-id N`"
                " (a bot token from @BotFather), or send the .webm files to @Stickers with /newvideo.",
    "telegram-tgs": "Publish it with the Publish step or `sticker-studio pack publish FOLDER --telegram --user-id N`,"
                    " or send the .tgs files to @Stickers with /newanimated.",
    "telegram-emoji": "Send the .webm files to @Stickers with /newemojipack, one emoji each.",
    "whatsapp": "Copy the .wastickers file to your phone and open it with Sticker Maker or the open-source"
                " Stickers app, then tap Add to WhatsApp.",
    "signal": "In Signal Desktop choose File > Create/upload sticker pack, drop the .png files in order and give"
              " each the emoji listed in emoji.txt.",
    "line": "Upload the _line.zip file at LINE Creators Market (New submission > Animation stickers > ZIP);"
            " LINE reviews every pack.",
    "discord": "In your server's settings open Stickers and upload each .png (servers with boosts hold more).",
    "imessage": "Drag the .png files into a Sticker Pack App target in Xcode (Stickers.xcstickers) and build it.",
    "slack": "In Slack open Customize workspace > Emoji > Add custom emoji and upload each .gif with a name.",
}


def next_step(target: str) -> str:
    """The next step for ``target``'s export folder (empty for an unknown target)."""
    return NEXT_STEPS.get(target, "")
