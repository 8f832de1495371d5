"""The ffmpeg binary shipped in ``imageio-ffmpeg``: probe, decode and encode video.

Used for WebM/MP4/MOV input and WebM VP9-with-alpha output. VP9 (and VP8) streams
are decoded with ``libvpx-vp9`` / ``libvpx`` named *before* ``-i``: ffmpeg's built-in
VP9 decoder ignores the alpha side channel and would return opaque frames.
Frame times come from the ``showinfo`` filter of the same decode pass, so variable
frame rates survive.
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sticker_studio.core.errors import InvalidInputError, StickerStudioError


@functools.lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary from imageio-ffmpeg (a registry package)."""
    try:
        import imageio_ffmpeg
    except ImportError as error:  # pragma: no cover - a declared dependency
        raise StickerStudioError(
            "video support needs the 'imageio-ffmpeg' package (pip install imageio-ffmpeg)"
        ) from error
    return imageio_ffmpeg.get_ffmpeg_exe()


@dataclass
class VideoProbe:
    """What ffmpeg says about a file's first video stream (and whether it has audio)."""

    codec: str
    width: int
    height: int
    fps: float | None
    duration_s: float | None
    pix_fmt: str
    alpha_mode: bool
    has_audio: bool
    stream_count: int
    raw: str = field(repr=False, default="")

    @property
    def estimated_frames(self) -> int | None:
        if self.fps and self.duration_s:
            return int(round(self.fps * self.duration_s))
        return None


_DURATION_RE = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_VIDEO_RE = re.compile(r"Stream #\d+:\d+.*?: Video: (\w+)[^,]*,\s*([a-z0-9_]+)[^,]*(?:\([^)]*\))?.*?,\s*(\d+)x(\d+)")
_FPS_RE = re.compile(r",\s*([\d.]+)\s*fps")
_TBR_RE = re.compile(r",\s*([\d.]+k?)\s*tbr")


def ffmpeg_file_arg(path: str | os.PathLike[str]) -> str:
    """A path as ffmpeg must be given it: ``file:`` + absolute path.

    ffmpeg reads ``a:b.webm`` as protocol ``a``; the ``file:`` protocol takes the rest
    of the string verbatim, so any file name (colons, a leading ``-``) reaches it intact.
    """
    return "file:" + os.path.abspath(os.fspath(path))


def probe_video(path: Path) -> VideoProbe:
    """Parse ``ffmpeg -i FILE`` stream info (ffprobe is not shipped by imageio-ffmpeg)."""
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", ffmpeg_file_arg(path)],
        capture_output=True, text=True, errors="replace", timeout=60,
    )
    text = proc.stderr
    video_lines = [line for line in text.splitlines() if re.search(r"Stream #\d+:\d+.*: Video:", line)]
    if not video_lines:
        reason = _last_error_line(text)
        raise InvalidInputError(f"{path.name} has no readable video stream ({reason})")
    line = video_lines[0]
    m = _VIDEO_RE.search(line)
    if not m:
        raise InvalidInputError(f"{path.name}: cannot read the video stream description")
    codec, pix_fmt, width, height = m.group(1), m.group(2), int(m.group(3)), int(m.group(4))
    fps = None
    fm = _FPS_RE.search(line) or _TBR_RE.search(line)
    if fm:
        value = fm.group(1)
        fps = float(value[:-1]) * 1000 if value.endswith("k") else float(value)
    duration = None
    dm = _DURATION_RE.search(text)
    if dm:
        duration = int(dm.group(1)) * 3600 + int(dm.group(2)) * 60 + float(dm.group(3))
    alpha = (
        bool(re.search(r"alpha_mode\s*:\s*1", text, re.IGNORECASE))
        or "yuva" in pix_fmt
        or pix_fmt in {"rgba", "argb", "bgra"}
    )
    has_audio = bool(re.search(r"Stream #\d+:\d+.*: Audio:", text))
    streams = len(re.findall(r"Stream #\d+:\d+", text))
    return VideoProbe(codec, width, height, fps, duration, pix_fmt, alpha, has_audio, streams, text)


def _last_error_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "ffmpeg gave no reason"


def decoder_args(codec: str) -> list[str]:
    """Decoder choice that keeps alpha: libvpx for VP8/VP9 (the built-in one drops it)."""
    if codec == "vp9":
        return ["-c:v", "libvpx-vp9"]
    if codec == "vp8":
        return ["-c:v", "libvpx"]
    return []


class _FfmpegRun:
    """``cmd`` running with its stderr in a temporary file, as a ``with`` block.

    Leaving the block (normally or by an exception) ends the process — killed if it is
    still running — and reads what it wrote to stderr into :attr:`stderr`.
    """

    def __init__(self, cmd: list[str], **popen: Any) -> None:
        self._cmd = cmd
        self._popen = popen
        self.stderr = ""

    def __enter__(self) -> _FfmpegRun:
        import tempfile

        self._err_file = tempfile.TemporaryFile()
        try:
            self.proc = subprocess.Popen(self._cmd, stderr=self._err_file, **self._popen)
        except BaseException:
            self._err_file.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            self._err_file.seek(0)
            self.stderr = self._err_file.read().decode("utf-8", "replace")
        finally:
            self._err_file.close()


_SHOWINFO_RE = re.compile(r"n:\s*(\d+)\s+pts:\s*(-?\d+)\s+pts_time:\s*(-?[\d.]+)(?:.*?duration_time:\s*([\d.]+))?")


@dataclass
class DecodedVideo:
    frames: list[np.ndarray]
    pts_ms: list[float]
    last_duration_ms: float | None


def decode_video(path: Path, probe: VideoProbe, max_frames: int, *, rate: float | None = None) -> DecodedVideo:
    """Decode every frame to RGBA with its presentation time.

    More than ``max_frames`` frames is a :class:`LimitExceededError` (checked as they
    stream, so memory stays bounded whatever the header said). ``rate`` resamples in
    ffmpeg to that constant rate (each output time shows the input frame on screen
    then); a frame or two past ``max_frames`` at the very end is then dropped.
    """
    from sticker_studio.core.errors import LimitExceededError

    w, h = probe.width, probe.height
    vf = "showinfo" if rate is None else f"fps=fps={rate:.6f}:round=down,showinfo"
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "info", *decoder_args(probe.codec),
           "-i", ffmpeg_file_arg(path), "-map", "0:v:0", "-an", "-vf", vf, "-fps_mode", "passthrough",
           "-f", "rawvideo", "-pix_fmt", "rgba", "-"]
    frame_bytes = w * h * 4
    frames: list[np.ndarray] = []
    with _FfmpegRun(cmd, stdout=subprocess.PIPE) as run:
        assert run.proc.stdout is not None
        while True:
            buf = run.proc.stdout.read(frame_bytes)
            if not buf:
                break
            if len(buf) < frame_bytes:
                break
            if len(frames) >= max_frames:
                if rate is not None:
                    break
                raise LimitExceededError(
                    f"{path.name} has more than {max_frames} frames; the limit is {max_frames} (trim it first)"
                )
            frames.append(np.frombuffer(buf, np.uint8).reshape(h, w, 4).copy())
    err = run.stderr
    if not frames:
        raise InvalidInputError(f"{path.name}: no frames could be decoded ({_last_error_line(err)})")
    pts: list[float] = []
    last_duration = None
    for line in err.splitlines():
        if "showinfo" not in line:
            continue
        m = _SHOWINFO_RE.search(line)
        if m:
            pts.append(float(m.group(3)) * 1000.0)
            if m.group(4):
                last_duration = float(m.group(4)) * 1000.0
    return DecodedVideo(frames, pts[: len(frames)], last_duration)


def encode_webm_vp9(frames: Iterable[np.ndarray], fps_num: int, fps_den: int, *, crf: int,
                    deadline: str = "good", cpu_used: int = 5, out_path: Path) -> None:
    """Encode RGBA frames at a constant rational rate into WebM VP9 with alpha.

    ``yuva420p`` + libvpx-vp9 stores alpha as a second VP9 stream that the WebM
    muxer flags with ``alpha_mode=1``; ``-auto-alt-ref 0`` is required with alpha;
    ``-b:v 0 -crf N`` is constant quality; no audio track (``-an``). Frames are
    piped one at a time (``frames`` may be a generator), never joined in memory.
    """
    it = iter(frames)
    first = next(it)
    h, w = first.shape[:2]
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
           "-f", "rawvideo", "-pix_fmt", "rgba", "-s", f"{w}x{h}", "-framerate", f"{fps_num}/{fps_den}",
           "-i", "-", "-c:v", "libvpx-vp9", "-pix_fmt", "yuva420p", "-b:v", "0", "-crf", str(int(crf)),
           "-deadline", deadline, "-cpu-used", str(int(cpu_used)), "-row-mt", "1", "-threads", "2",
           "-auto-alt-ref", "0", "-an", "-metadata:s:v:0", "alpha_mode=1", "-f", "webm", ffmpeg_file_arg(out_path)]
    with _FfmpegRun(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL) as run:
        assert run.proc.stdin is not None
        try:
            for frame in itertools.chain([first], it):
                run.proc.stdin.write(np.ascontiguousarray(frame).tobytes())
            run.proc.stdin.close()
            returncode = run.proc.wait(timeout=600)
        except BrokenPipeError:
            returncode = run.proc.wait(timeout=60)
    err = run.stderr
    if returncode != 0:
        raise StickerStudioError(f"ffmpeg could not encode the WebM: {_last_error_line(err)}")
