"""The interface of an uploader: what it takes, what it reports, how it is stopped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Protocol

from sticker_studio.core.errors import StickerStudioError
from sticker_studio.core.progress import CancelToken

#: ``progress(done, total, message)`` after every sticker.
PublishProgress = Callable[[int, int, str], None]
#: ``on_wait(seconds_left, reason)``: once a second while the server asked us to wait.
WaitCallback = Callable[[int, str], None]


class PublishError(StickerStudioError):
    """Publishing failed for a reason the user can act on (token, user, name, limits, network)."""


class StickerFormat(Enum):
    """Telegram's per-sticker format."""

    STATIC = "static"  # PNG / WebP
    VIDEO = "video"  # WebM VP9
    ANIMATED = "animated"  # TGS (Lottie)

    @classmethod
    def of_file(cls, path: Path) -> StickerFormat:
        suffix = path.suffix.lower()
        if suffix == ".webm":
            return cls.VIDEO
        if suffix == ".tgs":
            return cls.ANIMATED
        if suffix in (".png", ".webp"):
            return cls.STATIC
        raise PublishError(f"{path.name}: Telegram takes .webm, .tgs, .png or .webp stickers")


@dataclass(frozen=True)
class UploadSticker:
    """One sticker file to upload, in pack order, with its emoji (1 to 20)."""

    file: Path
    emojis: tuple[str, ...]
    format: StickerFormat


@dataclass(frozen=True)
class UploadPlan:
    """A whole pack to publish: its title, stickers in order and optional thumbnail."""

    title: str
    stickers: tuple[UploadSticker, ...]
    thumbnail: Path | None = None
    sticker_type: str = "regular"  # or "custom_emoji"


@dataclass
class PublishReport:
    """What a publish run did; ``link`` is where users add the pack."""

    name: str
    link: str
    created: bool = False
    added: int = 0
    already_there: int = 0
    thumbnail_set: bool = False
    waits: list[int] = field(default_factory=list)  # every retry_after the server asked for
    warnings: list[str] = field(default_factory=list)


class Uploader(Protocol):
    """What every messenger uploader offers (Telegram today)."""

    def publish(self, plan: UploadPlan, *, progress: PublishProgress | None = None,
                cancel: CancelToken | None = None, on_wait: WaitCallback | None = None) -> PublishReport: ...
