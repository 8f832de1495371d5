"""Decode limits that protect the machine from hostile or accidental huge inputs.

They are checked *before* frames are decoded wherever the container tells the size
and frame count up front (PNG/APNG/WebP headers, GIF frame scan, ffmpeg stream info),
and again while frames stream in, so a lying header cannot exhaust memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from sticker_studio.core.errors import LimitExceededError


@dataclass(frozen=True)
class DecodeLimits:
    """Caps on what a reader will decode.

    ``max_pixels`` caps frames x width x height (the decoded RGBA size is 4x that in
    bytes); ``max_frame_pixels`` caps one frame (the decompression-bomb guard);
    ``max_frames`` caps the frame count; ``max_side`` caps either side;
    ``max_file_bytes`` caps the file size read into memory.
    """

    max_pixels: int = 400_000_000
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

    def check_frames(self, frame_count: int, width: int, height: int, name: str = "the animation") -> None:
        if frame_count > self.max_frames:
            raise LimitExceededError(
                f"{name} has {frame_count} frames; the limit is {self.max_frames} (trim it first)"
            )
        total = frame_count * width * height
        if total > self.max_pixels:
            raise LimitExceededError(
                f"{name} decodes to {frame_count} frames x {width}x{height} = {total / 1e6:.0f} megapixels;"
                f" the limit is {self.max_pixels / 1e6:.0f} megapixels (use fewer frames or a smaller size)"
            )


DEFAULT_LIMITS = DecodeLimits()
