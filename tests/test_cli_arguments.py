"""Numbers a command cannot honour are one line and exit 2, before anything is read or allocated."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures_formats import moving_disc
from sticker_studio.cli import main
from sticker_studio.formats.writers import write_sticker

BAD = [
    ["animate", "{img}", "-m", "bounce", "--fps", "nan", "-o", "{out}"],
    ["animate", "{img}", "-m", "bounce", "--fps", "inf", "-o", "{out}"],
    ["animate", "{img}", "-m", "bounce", "--fps", "500", "-o", "{out}"],
    ["animate", "{img}", "-m", "bounce", "--amplitude", "nan", "-o", "{out}"],
    ["animate", "{img}", "-m", "bounce", "--speed", "0", "-o", "{out}"],
    ["animate", "{img}", "-m", "bounce", "--frames", "0", "-o", "{out}"],
    ["animate", "{img}", "-m", "bounce", "--size", "2000", "-o", "{out}"],
    ["generate", "a cat", "--seed", str(2**70), "-o", "{out}"],
    ["generate", "a cat", "--fps", "nan", "-o", "{out}"],
    ["generate", "a cat", "--frames", "0", "-o", "{out}"],
    ["generate", "a cat", "--size", "2000", "-o", "{out}"],
    ["generate", "a cat", "--guidance", "nan", "-o", "{out}"],
    ["convert", "{img}", "--fps", "nan", "-o", "{out}"],
    ["convert", "{img}", "--fps", "500", "-o", "{out}"],
]


@pytest.mark.parametrize("argv", BAD, ids=lambda a: " ".join(a[:1] + a[-4:-2]))
def test_bad_numbers_are_one_line_exit_2(tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    img = write_sticker(moving_disc(2, 16), tmp_path / "in.png")
    out = tmp_path / "out.webp"
    args = [a.format(img=img, out=out) for a in argv]
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("sticker-studio: error: argument") and "Traceback" not in "\n".join(err)
    assert not out.exists()


def test_frames_given_is_frames_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    img = write_sticker(moving_disc(1, 16), tmp_path / "in.png")
    assert main(["animate", str(img), "-m", "bounce", "--frames", "3", "--background", "keep",
                 "-o", str(tmp_path / "o.png")]) == 0
    assert "3 frames" in capsys.readouterr().out
