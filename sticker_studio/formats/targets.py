"""Every messenger's sticker rules in one declarative table.

Each :class:`ExportTarget` row says what a file must be (container, canvas, bytes,
timing, frames, plays) and where the rule comes from (``sources``). Byte limits use
the smaller reading where "KB" is ambiguous (1000 vs 1024): 256 KB -> 256,000 B.
:mod:`fit` makes a sticker meet a row; :mod:`validate` checks a written file against
it and names each broken rule (the stable names in :data:`RULES`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sticker_studio.core.errors import InvalidInputError

#: Stable rule names (validate reports these; tests and scripts may match on them).
RULES: dict[str, str] = {
    "container.format": "the file is the container the messenger expects",
    "size.canvas": "width x height follow the messenger's canvas rule",
    "bytes.max": "file size within the byte limit",
    "duration.max": "one loop no longer than the limit",
    "fps.max": "frame rate not above the limit",
    "frames.min": "at least this many frames",
    "frames.max": "at most this many frames",
    "frames.distinct": "not all frames identical",
    "frame.min_ms": "every frame shown at least this long",
    "loop.count": "play count allowed by the messenger",
    "loop.play_time": "plays x loop length within the limit",
    "apng.rgba": "APNG stored as full RGBA (colour type 6), not palette",
    "webm.codec": "video codec is VP9",
    "webm.alpha": "WebM carries an alpha channel (alpha_mode=1, yuva420p)",
    "audio.none": "no audio track",
    # Telegram .tgs (formats/tgs/rules.py)
    "tgs.json": "gzip of a Lottie JSON object with \"tgs\": 1, uncompressed at most 1 MiB",
    "tgs.fps": "frame rate exactly 60 fps",
    "tgs.forbidden": "no images, solids, texts, 3D, expressions, masks, mattes, effects, merge paths, stars,"
                     " gradient strokes, repeaters, skew, time stretch/remap, auto-orient",
    "tgs.on_canvas": "every shape stays inside the 512x512 canvas at every frame",
}


@dataclass(frozen=True)
class CanvasRule:
    """Allowed pixel sizes.

    kinds: ``exact`` (W x H exactly; content is fitted and padded), ``one-side``
    (one side exactly W, the other <= W; content is scaled, not padded), ``square``
    (square with side in [min_side, W], W preferred), ``square-choices`` (one of
    ``choices``, the first preferred), ``within`` (fits W x H with one side >= min_side).
    """

    kind: str
    width: int
    height: int
    min_side: int = 0
    choices: tuple[int, ...] = ()

    def describe(self) -> str:
        if self.kind == "exact":
            return f"exactly {self.width}x{self.height}"
        if self.kind == "one-side":
            return f"one side exactly {self.width}, other <= {self.width}"
        if self.kind == "square":
            return f"square {self.min_side}-{self.width} (prefer {self.width})"
        if self.kind == "square-choices":
            return "square " + " or ".join(str(c) for c in sorted(self.choices))
        if self.kind == "within":
            return f"within {self.width}x{self.height}, one side >= {self.min_side}"
        return self.kind

    def check(self, width: int, height: int) -> str | None:
        """None when ``width`` x ``height`` is allowed, else why not."""
        ok = True
        if self.kind == "exact":
            ok = (width, height) == (self.width, self.height)
        elif self.kind == "one-side":
            ok = max(width, height) == self.width
        elif self.kind == "square":
            ok = width == height and self.min_side <= width <= self.width
        elif self.kind == "square-choices":
            ok = width == height and width in self.choices
        elif self.kind == "within":
            ok = width <= self.width and height <= self.height and max(width, height) >= self.min_side
        return None if ok else f"{width}x{height} is not {self.describe()}"

    def sizes(self, width: int, height: int) -> list[tuple[int, int, bool]]:
        """Allowed output sizes for content of ``width`` x ``height``, best first.

        Each item is (canvas_w, canvas_h, pad): pad=True means fit-and-pad onto the
        canvas, False means the content is scaled to exactly that size. Later items
        are smaller fall-backs a byte budget may need.
        """
        aspect = width / height
        if self.kind == "exact":
            return [(self.width, self.height, True)]
        if self.kind == "one-side":
            side = self.width
            if aspect >= 1:
                return [(side, max(1, min(side, round(side / aspect))), False)]
            return [(max(1, min(side, round(side * aspect))), side, False)]
        if self.kind == "square":
            sides = [self.width] + [s for s in (448, 384, 320, 256, 192, 128) if self.min_side <= s < self.width]
            return [(s, s, True) for s in sides]
        if self.kind == "square-choices":
            first = self.choices[0]
            smaller = sorted((c for c in self.choices if c < first), reverse=True)
            return [(c, c, True) for c in (first, *smaller)]
        if self.kind == "within":
            scale = min(self.width / width, self.height / height)
            w = max(1, min(self.width, round(width * scale)))
            h = max(1, min(self.height, round(height * scale)))
            if max(w, h) < self.min_side:
                return [(self.width, self.height, True)]
            return [(w, h, False)]
        raise InvalidInputError(f"unknown canvas rule '{self.kind}'")


@dataclass(frozen=True)
class ExportTarget:
    """One messenger's rules. ``None`` means "no limit" for that field."""

    name: str
    title: str
    container: str  # "webm" | "webp" | "apng" | "gif" | "tgs"
    extension: str
    canvas: CanvasRule
    max_bytes: int
    max_duration_ms: int | None = None
    max_fps: float | None = None
    min_frames: int | None = None
    max_frames: int | None = None
    min_frame_ms: int | None = None
    allowed_plays: tuple[int, ...] | None = None  # None: any; (0,) = loop forever only
    max_play_time_ms: int | None = None  # plays x loop length (LINE)
    distinct_frames: bool = False
    notes: str = ""
    sources: tuple[str, ...] = ()

    @property
    def rules(self) -> tuple[str, ...]:
        """The names of the rules this target checks."""
        names = ["container.format", "size.canvas", "bytes.max"]
        if self.max_duration_ms is not None:
            names.append("duration.max")
        if self.max_fps is not None:
            names.append("fps.max")
        if self.min_frames is not None:
            names.append("frames.min")
        if self.max_frames is not None:
            names.append("frames.max")
        if self.distinct_frames:
            names.append("frames.distinct")
        if self.min_frame_ms is not None:
            names.append("frame.min_ms")
        if self.allowed_plays is not None:
            names.append("loop.count")
        if self.max_play_time_ms is not None:
            names.append("loop.play_time")
        if self.container == "apng":
            names.append("apng.rgba")
        if self.container == "webm":
            names += ["webm.codec", "webm.alpha", "audio.none"]
        if self.container == "tgs":
            names = ["container.format", "size.canvas", "bytes.max", "duration.max", "tgs.json", "tgs.fps",
                     "tgs.forbidden", "tgs.on_canvas"]
        return tuple(names)

    def default_plays(self) -> int:
        """The play count fit writes: loop forever unless the target forbids it."""
        if self.allowed_plays is None or 0 in self.allowed_plays:
            return 0
        return max(self.allowed_plays)


_STICKER_CONVERT = (
    "sticker-convert 2.21 compression presets (github.com/laggykiller/sticker-convert, "
    "src/sticker_convert/resources/compression.json) as the converter reference"
)

TARGETS: dict[str, ExportTarget] = {
    t.name: t
    for t in (
        ExportTarget(
            name="telegram", title="Telegram video sticker", container="webm", extension=".webm",
            canvas=CanvasRule("one-side", 512, 512), max_bytes=256_000, max_duration_ms=3000, max_fps=30,
            allowed_plays=None,
            notes="VP9 with alpha (yuva420p, alpha_mode=1), no audio; loops in the app",
            sources=("https://core.telegram.org/stickers#video-stickers-and-emoji", _STICKER_CONVERT),
        ),
        ExportTarget(
            name="telegram-emoji", title="Telegram video emoji", container="webm", extension=".webm",
            canvas=CanvasRule("exact", 100, 100), max_bytes=64_000, max_duration_ms=3000, max_fps=30,
            notes="same as video stickers at 100x100; 64 KB read as 64,000 B",
            sources=("https://core.telegram.org/stickers#video-stickers-and-emoji", _STICKER_CONVERT),
        ),
        ExportTarget(
            name="whatsapp", title="WhatsApp animated sticker", container="webp", extension=".webp",
            canvas=CanvasRule("exact", 512, 512), max_bytes=500_000, max_duration_ms=10_000,
            min_frames=2, min_frame_ms=8, allowed_plays=(0,),
            notes="animated WebP; first frame should show the whole sticker; pack 3-30 stickers",
            sources=("https://github.com/WhatsApp/stickers/blob/main/Android/README.md (animated sticker requirements)",
                     "https://faq.whatsapp.com/ (sticker maker guidelines)", _STICKER_CONVERT),
        ),
        ExportTarget(
            name="signal", title="Signal animated sticker", container="apng", extension=".png",
            canvas=CanvasRule("square", 512, 512, min_side=10), max_bytes=300_000, max_duration_ms=3000,
            allowed_plays=(0,),
            notes="APNG only, full RGBA: palette APNG does not animate on iOS; 300 KiB read as 300,000 B",
            sources=("https://support.signal.org/hc/en-us/articles/360031836512-Stickers",
                     "https://github.com/signalapp/Signal-Desktop (sticker-creator limits)", _STICKER_CONVERT),
        ),
        ExportTarget(
            name="discord", title="Discord sticker", container="apng", extension=".png",
            canvas=CanvasRule("exact", 320, 320), max_bytes=512_000, max_duration_ms=5000,
            notes="APNG (or GIF); 512 KiB read as 512,000 B",
            sources=("https://support.discord.com/hc/en-us/articles/4402687377815-Discord-Stickers-FAQ",
                     _STICKER_CONVERT),
        ),
        ExportTarget(
            name="line", title="LINE animation sticker", container="apng", extension=".png",
            canvas=CanvasRule("within", 320, 270, min_side=270), max_bytes=300_000, max_duration_ms=4000,
            min_frames=5, max_frames=20, allowed_plays=(1, 2, 3, 4), max_play_time_ms=4000, distinct_frames=True,
            notes="APNG; 5-20 frames; plays 1-4 and plays x duration <= 4 s; first frame is the still preview",
            sources=("https://creator.line.me/en/guideline/animationsticker/", _STICKER_CONVERT),
        ),
        ExportTarget(
            name="imessage", title="iMessage sticker", container="apng", extension=".png",
            canvas=CanvasRule("square-choices", 408, 408, choices=(408, 300, 618)), max_bytes=499_999,
            notes="APNG or GIF; 300, 408 (medium, used here) or 618 px; under 500 KB",
            sources=("https://developer.apple.com/design/human-interface-guidelines/imessage-apps-and-stickers",
                     "https://developer.apple.com/documentation/messages (MSSticker file size)", _STICKER_CONVERT),
        ),
        ExportTarget(
            name="slack", title="Slack custom emoji", container="gif", extension=".gif",
            canvas=CanvasRule("exact", 128, 128), max_bytes=128_000, max_frames=50,
            notes="GIF; alpha is on/off only; 128 KB read as 128,000 B",
            sources=("https://slack.com/help/articles/206870177-Add-custom-emoji-and-aliases-to-your-workspace",),
        ),
    )
}


#: Vector targets: written by tracing (formats/tgs), not by fit; kept out of :data:`TARGETS`,
#: which every raster loop (fit, pack export of all targets, benchmarks) walks.
VECTOR_TARGETS: dict[str, ExportTarget] = {
    "telegram-tgs": ExportTarget(
        name="telegram-tgs", title="Telegram animated sticker (.tgs)", container="tgs", extension=".tgs",
        canvas=CanvasRule("exact", 512, 512), max_bytes=64_000, max_duration_ms=3000, max_fps=60,
        notes="gzipped Lottie vectors traced from a flat drawing; 60 fps; only for stickers made from a drawing"
              " and a motion, stills, or frames that are moved copies of the first; 64 KB read as 64,000 B",
        sources=("https://core.telegram.org/animated_stickers",
                 "sticker-convert 2.21 uploaders/upload_telegram.py (tgs <= 64,000 B, 60 fps, 512x512)"),
    ),
}


def get_target(name: str) -> ExportTarget:
    """The row called ``name`` (InvalidInputError naming the known ones otherwise)."""
    key = name.strip().lower()
    if key in VECTOR_TARGETS:
        return VECTOR_TARGETS[key]
    if key not in TARGETS:
        raise InvalidInputError(f"unknown target '{name}': choose one of {', '.join([*TARGETS, *VECTOR_TARGETS])}")
    return TARGETS[key]
