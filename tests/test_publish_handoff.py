"""Hand-off files for messengers: author field, .wastickers, Signal folder, LINE zip, emoji suggestions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sticker_studio.cli import main
from sticker_studio.core.pack import StickerPack
from sticker_studio.core.sticker import Sticker
from sticker_studio.formats.writers import write_sticker


def run_cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def still_png(path: Path, color: tuple[int, int, int] = (220, 40, 40)) -> Path:
    frame = np.zeros((48, 48, 4), np.uint8)
    frame[8:40, 10:38] = (*color, 255)
    write_sticker(Sticker([frame], [100]), path)
    return path


def test_author_is_a_pack_field_set_from_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "pack"
    assert run_cli(capsys, "pack", "create", folder, "--title", "Cats", "--author", "Ana")[0] == 0
    pack = StickerPack.open(folder, read_only=True)
    assert (pack.title, pack.author) == ("Cats", "Ana")
    pack.close()
    code, out, _ = run_cli(capsys, "pack", "set", folder, "--author", "Ana B.", "--title", "Cats 2")
    assert code == 0 and "'Cats 2' by Ana B." in out
    code, out, _ = run_cli(capsys, "pack", "list", folder)
    assert "'Cats 2' by Ana B.: 0 sticker(s)" in out
    code, _, err = run_cli(capsys, "pack", "set", folder)
    assert code == 2 and "--author" in err
