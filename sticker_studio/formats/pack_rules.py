"""Pack-level rules of each messenger, as data beside the per-file rules of :mod:`targets`.

A file rule (:class:`~sticker_studio.formats.targets.ExportTarget`) says what one
sticker file must be; a :class:`PackRule` says what the *pack* must be: how many
stickers, whether stills and animations may be mixed, which extra images the
messenger's importer wants (tray icon, thumbnail, main/tab image) and which index
file describes the pack. :mod:`pack_export` checks these before writing anything.
Each rule carries its ``sources``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.formats.targets import CanvasRule, ExportTarget, get_target


@dataclass(frozen=True)
class PackImage:
    """An extra still image the importer needs (made from the pack's cover sticker)."""

    file_name: str
    width: int
    height: int
    max_bytes: int
    role: str  # what the messenger calls it: "tray icon", "thumbnail", "main image", "tab image"


@dataclass(frozen=True)
class PackRule:
    """What a whole pack must be for one target. ``None`` means no limit."""

    target: str
    min_stickers: int = 1
    max_stickers: int | None = None
    allowed_counts: tuple[int, ...] | None = None  # LINE sells packs of exactly 8, 16 or 24
    mixed: bool = True  # False: every sticker static, or every sticker animated (WhatsApp)
    #: per-file rule for stills when the whole pack is static (None: stills go through the
    #: target's own rule, becoming a still-looking animation where it needs >= 2 frames)
    static_file: ExportTarget | None = None
    images: tuple[PackImage, ...] = ()
    index_file: str | None = None  # the manifest the importer reads
    max_emojis: int = 3
    notes: str = ""
    sources: tuple[str, ...] = ()

    def count_problem(self, count: int) -> str | None:
        """None when a pack of ``count`` stickers is allowed here, else why not."""
        title = get_target(self.target).title
        if self.allowed_counts is not None and count not in self.allowed_counts:
            allowed = ", ".join(str(c) for c in self.allowed_counts)
            return f"{title} packs hold exactly {allowed} stickers; this pack has {count}"
        if count < self.min_stickers:
            return f"{title} packs need at least {self.min_stickers} stickers; this pack has {count}"
        if self.max_stickers is not None and count > self.max_stickers:
            return f"{title} packs hold at most {self.max_stickers} stickers; this pack has {count}"
        return None


_WA_ANDROID = "https://github.com/WhatsApp/stickers/blob/main/Android/README.md (sticker pack requirements)"
_WA_SAMPLE = "https://github.com/WhatsApp/stickers/blob/main/Android/app/src/main/assets/contents.json (sample app)"
_TG = "https://core.telegram.org/stickers (sticker sets, thumbnails)"
_TG_API = "https://core.telegram.org/bots/api#createnewstickerset (up to 120 stickers in a video set)"
_SIGNAL = "https://support.signal.org/hc/en-us/articles/360031836512-Stickers (up to 200 stickers, one emoji each)"
_LINE = "https://creator.line.me/en/guideline/animationsticker/ (8, 16 or 24 stickers; main 240x240, tab 96x74)"

#: WhatsApp static stickers: 512x512 WebP, at most 100 KB (read as 100,000 B).
WHATSAPP_STATIC = ExportTarget(
    name="whatsapp", title="WhatsApp sticker", container="webp", extension=".webp",
    canvas=CanvasRule("exact", 512, 512), max_bytes=100_000, max_frames=1,
    notes="static WebP, used when every sticker of the pack is a still",
    sources=(_WA_ANDROID,),
)

PACK_RULES: dict[str, PackRule] = {
    r.target: r
    for r in (
        PackRule(
            "whatsapp", min_stickers=3, max_stickers=30, mixed=False, static_file=WHATSAPP_STATIC,
            images=(PackImage("tray.png", 96, 96, 50_000, "tray icon"),), index_file="contents.json",
            notes="never mixed: a still in an animated pack becomes a 2-frame animation that looks still",
            sources=(_WA_ANDROID, _WA_SAMPLE),
        ),
        PackRule(
            "telegram", max_stickers=120, images=(PackImage("thumbnail.png", 100, 100, 128_000, "thumbnail"),),
            index_file="telegram.json", notes="emoji per sticker; 100x100 set thumbnail",
            max_emojis=20, sources=(_TG, _TG_API),
        ),
        PackRule(
            "telegram-emoji", max_stickers=200,
            images=(PackImage("thumbnail.png", 100, 100, 128_000, "thumbnail"),),
            index_file="telegram.json", max_emojis=20, sources=(_TG, _TG_API),
        ),
        PackRule(
            "signal", max_stickers=200, index_file="manifest.json", max_emojis=1,
            notes="one emoji per sticker; the cover is one of the stickers", sources=(_SIGNAL,),
        ),
        PackRule(
            "line", allowed_counts=(8, 16, 24),
            images=(PackImage("main.png", 240, 240, 300_000, "main image"),
                    PackImage("tab.png", 96, 74, 300_000, "tab image")),
            notes="files 01.png ... in pack order", sources=(_LINE,),
        ),
        PackRule("discord", sources=("https://support.discord.com/hc/en-us/articles/4402687377815",)),
        PackRule("imessage", sources=("https://developer.apple.com/design/human-interface-guidelines/imessage-apps-and-stickers",)),
        PackRule("slack", sources=("https://slack.com/help/articles/206870177",)),
    )
}


#: Pack rules of the vector targets (``targets.VECTOR_TARGETS``).
VECTOR_PACK_RULES: dict[str, PackRule] = {
    "telegram-tgs": PackRule(
        "telegram-tgs", max_stickers=120, images=(PackImage("thumbnail.png", 100, 100, 128_000, "thumbnail"),),
        index_file="telegram.json", max_emojis=20,
        notes="animated (.tgs) stickers traced from the drawing each sticker was animated from; 100x100 thumbnail",
        sources=(_TG, _TG_API, "https://core.telegram.org/animated_stickers"),
    ),
}


def get_pack_rule(target: str) -> PackRule:
    """The pack rule of ``target`` (every file target has one, possibly with no limits)."""
    name = get_target(target).name
    rule = PACK_RULES.get(name) or VECTOR_PACK_RULES.get(name)
    if rule is None:
        raise InvalidInputError(f"no pack rule for target '{name}'")
    return rule
