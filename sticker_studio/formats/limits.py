"""Decode limits that protect the machine from hostile or accidental huge inputs.

The memory bound is on **decoded bytes held at once**: every frame a reader keeps is
a canvas-sized RGBA array (``width x height x 4`` bytes, however small the file or
the frame's changed rectangle), so ``frames kept x canvas bytes`` must stay within
:attr:`DecodeLimits.max_decoded_bytes`. Readers compute that *before* decoding, from
the container's header (canvas size, frame count), and a long input is resampled by
the timing rule (:func:`sticker_studio.formats.resample.count_form_plan`) *while it
streams*, so only the frames that are kept are ever held; the running total is
checked again as frames arrive, so a lying header cannot exhaust memory.

Files are only read when they are regular files, and never more than
:attr:`DecodeLimits.max_file_bytes` of them (``/dev/zero`` or a FIFO is refused,
not read until memory runs out).
"""

from __future__ import annotations

from dataclasses import dataclass

from sticker_studio.core.errors import LimitExceededError

RGBA_BYTES = 4


@dataclass(frozen=True)
class DecodeLimits:
    """Caps on what a reader will decode.

    ``max_decoded_bytes`` caps the RGBA bytes of all frames held at once (longer
    inputs are resampled to fit); ``max_frame_pixels`` caps one frame (the
    decompression-bomb guard); ``max_frames`` caps the frame count a file may
    declare (decoding time); ``max_side`` caps either side; ``max_file_bytes`` caps
    the file size read into memory.
    """

    max_decoded_bytes: int = 160 * 1024 * 1024
    max_frames: int = 2000
    max_side: int = 8192
    max_file_bytes: int = 256 * 1024 * 1024
    max_frame_pixels: int = 40_000_000

    def check_file_bytes(self, n_bytes: int, name: str = "the file") -> None:
        if n_bytes > self.max_file_bytes:
            raise LimitExceededError(
                f"{name} is {n_bytes / 1e6:.1f} MB; the limit is {self.max_file_bytes / 1e6:.0f} MB"
            )

    def check_frame_size(self, width: int, height: int, name: str = "the image") -> None:
        if width > self.max_side or height > self.max_side:
            raise LimitExceededError(
                f"{name} is {width}x{height} pixels; the largest side allowed is {self.max_side}"
                " (scale it down first)"
            )
        if width * height > self.max_frame_pixels:
            raise LimitExceededError(
                f"{name} is {width}x{height} = {width * height / 1e6:.0f} megapixels per frame; the limit is"
                f" {self.max_frame_pixels / 1e6:.0f} megapixels (possible decompression bomb)"
            )
        if self.frames_in_memory(width, height) < 1:
            raise LimitExceededError(
                f"{name} is {width}x{height}; one decoded frame is {frame_bytes(width, height) / 1e6:.0f} MB,"
                f" over the {self.max_decoded_bytes / 1e6:.0f} MB decode limit"
            )

    def check_frame_count(self, frame_count: int, name: str = "the animation") -> None:
        if frame_count > self.max_frames:
            raise LimitExceededError(
                f"{name} has {frame_count} frames; the limit is {self.max_frames} (trim it first)"
            )

    def frames_in_memory(self, width: int, height: int) -> int:
        """How many canvas-sized RGBA frames fit in :attr:`max_decoded_bytes`."""
        return self.max_decoded_bytes // max(1, frame_bytes(width, height))

    def check_held(self, frame_count: int, width: int, height: int, name: str = "the animation") -> None:
        """Raise when ``frame_count`` canvas-sized frames would exceed the memory bound."""
        held = frame_count * frame_bytes(width, height)
        if held > self.max_decoded_bytes:
            raise LimitExceededError(
                f"{name} needs {frame_count} frames x {width}x{height} = {held / 1e6:.0f} MB decoded; the limit"
                f" is {self.max_decoded_bytes / 1e6:.0f} MB (use fewer frames, a lower fps or a smaller size)"
            )


def frame_bytes(width: int, height: int) -> int:
    """Bytes of one decoded RGBA frame of the canvas."""
    return int(width) * int(height) * RGBA_BYTES


DEFAULT_LIMITS = DecodeLimits()
