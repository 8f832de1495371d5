"""Every truncation of a small file is a one-line error or a valid shorter result, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures_formats import moving_disc, numbered_frames, write_gif
from sticker_studio.cli import main
from sticker_studio.core.errors import StickerStudioError
from sticker_studio.core.sticker import Sticker
from sticker_studio.formats.readers import read_sticker_bytes
from sticker_studio.formats.writers import encode_sticker


def _small_files(tmp_path: Path) -> dict[str, bytes]:
    gif = write_gif(tmp_path / "s.gif", numbered_frames(4, 8), [100, 60, 80, 100], loop=0).read_bytes()
    disc = moving_disc(3, 12)
    return {"gif": gif, "webp": encode_sticker(disc, "webp"), "apng": encode_sticker(disc, "apng")}


@pytest.mark.parametrize("kind", ["gif", "webp", "apng"])
def test_every_truncation_length_reads_or_fails_cleanly(tmp_path: Path, kind: str) -> None:
    data = _small_files(tmp_path)[kind]
    outcomes = {"ok": 0, "error": 0}
    for length in range(1, len(data)):
        try:
            sticker = read_sticker_bytes(data[:length], f"cut.{kind}")
        except StickerStudioError as error:
            assert "\n" not in str(error)
            outcomes["error"] += 1
        else:
            assert isinstance(sticker, Sticker) and sticker.frame_count >= 1
            outcomes["ok"] += 1
    assert outcomes["error"] > 0


def _cli_lengths(data: bytes) -> list[int]:
    """A spread of cut points (header, inside frame blocks, one byte short) where the read fails.

    81, 85 and 100 raised IndexError / struct.error from Pillow before the readers caught them.
    """
    lengths = sorted({6, 13, 20, 40, 81, 85, 100, len(data) // 2, len(data) - 2, len(data) - 1})
    out = []
    for n in lengths:
        try:
            read_sticker_bytes(data[:n], "cut.gif")
        except StickerStudioError:
            out.append(n)
    return out


@pytest.mark.parametrize("command", [
    ["convert", "{in}", "-o", "{out}.webp"],
    ["export", "{in}", "-t", "telegram", "-o", "{out}.webm"],
    ["validate", "{in}", "-t", "telegram"],
    ["animate", "{in}", "-m", "bounce", "-o", "{out}.png"],
    ["matte", "{in}", "--colorkey", "-o", "{out}.webp"],
    ["generate", "a cat", "--image", "{in}", "-o", "{out}.webp"],
])
def test_truncated_gif_is_one_line_in_every_command(tmp_path: Path, command: list[str],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    data = _small_files(tmp_path)["gif"]
    lengths = _cli_lengths(data)
    assert len(lengths) >= 6
    for n in lengths:
        src = tmp_path / f"cut{n}.gif"
        src.write_bytes(data[:n])
        out = tmp_path / f"out{n}"
        args = [a.format(**{"in": src, "out": out}) for a in command]
        assert main(args) == 2, n
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("sticker-studio: error:"), err
        assert not list(tmp_path.glob(f"out{n}*"))
