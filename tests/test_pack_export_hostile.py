"""`pack export` into outputs that cannot be folders: one line, exit 2, nothing fitted first, nothing touched."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sticker_studio.cli import main
from sticker_studio.core.sticker import Sticker
from sticker_studio.formats import pack_export
from sticker_studio.formats.writers import write_sticker


@pytest.fixture()
def small_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    folder = tmp_path / "pack"
    assert main(["pack", "create", str(folder), "--title", "Hostile outputs"]) == 0
    for i, colour in enumerate(((220, 40, 40), (40, 200, 40), (40, 40, 220))):
        frame = np.zeros((40, 40, 4), np.uint8)
        frame[6:34, 8:32] = (*colour, 255)
        still = write_sticker(Sticker([frame], [100]), tmp_path / f"s{i}.png")
        assert main(["pack", "add", str(folder), str(still), "--emoji", "😀"]) == 0
    capsys.readouterr()
    return folder


@pytest.mark.parametrize("where", ["file", "under-file"])
def test_an_output_that_is_a_file_is_one_line_before_any_fitting(
        small_pack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        where: str) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("the user's notes", encoding="utf-8")

    def no_fitting(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("fitted before the output folder was checked")

    monkeypatch.setattr(pack_export, "fit_pack", no_fitting)
    out = blocker if where == "file" else blocker / "sub"
    code = main(["pack", "export", str(small_pack), "-o", str(out), "-t", "signal"])
    _, err = capsys.readouterr()
    assert code == 2, err
    assert err.count("\n") == 1 and "is a file, not a folder" in err and "Traceback" not in err
    assert blocker.read_text(encoding="utf-8") == "the user's notes"


def test_a_title_or_author_with_line_breaks_is_one_line_everywhere(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """title.txt, contents.json and the .wastickers name are read by other apps: one line, no control codes."""
    import json
    import zipfile

    folder = tmp_path / "pack"
    assert main(["pack", "create", str(folder), "--title", "Cats\nand\tdogs ", "--author", "Ana\r\nB"]) == 0
    assert main(["pack", "create", str(tmp_path / "p2"), "--title", "bad\x1b[31m"]) == 2
    assert main(["pack", "set", str(folder), "--author", "x\x00y"]) == 2
    doc = json.loads((folder / "pack.json").read_text(encoding="utf-8"))
    assert (doc["title"], doc["author"]) == ("Cats and dogs", "Ana B")
    for i in range(3):
        frame = np.zeros((40, 40, 4), np.uint8)
        frame[6:34, 8:32] = (200, 40 * i, 40, 255)
        still = write_sticker(Sticker([frame], [100]), tmp_path / f"s{i}.png")
        assert main(["pack", "add", str(folder), str(still), "--emoji", "😀"]) == 0
    assert main(["pack", "export", str(folder), "-o", str(tmp_path / "out"), "-t", "whatsapp"]) == 0
    capsys.readouterr()
    (wastickers,) = (tmp_path / "out" / "whatsapp").glob("*.wastickers")
    with zipfile.ZipFile(wastickers) as z:
        assert z.read("title.txt").decode() == "Cats and dogs" and z.read("author.txt").decode() == "Ana B"


def test_letters_of_other_scripts_are_not_emoji_and_repeats_are_dropped(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Telegram refuses a set whose emoji list holds text ("invalid sticker emojis"), so `pack add` does."""
    import json

    folder = tmp_path / "pack"
    assert main(["pack", "create", str(folder), "--title", "Emoji"]) == 0
    frame = np.zeros((40, 40, 4), np.uint8)
    frame[6:34, 8:32] = (200, 40, 40, 255)
    still = write_sticker(Sticker([frame], [100]), tmp_path / "s.png")
    for text in ("猫", "é", "Привет"):
        assert main(["pack", "add", str(folder), str(still), "--emoji", text]) == 2
        assert "is not an emoji" in capsys.readouterr().err
    for emoji in ("🇺🇦", "1️⃣", "👍🏽", "🏳️‍🌈", "❤", "\U0001FAE8"):  # flag, keycap, skin tone, ZWJ, text-style, new
        assert main(["pack", "add", str(folder), str(still), "--emoji", emoji]) == 0, capsys.readouterr().err
    assert main(["pack", "add", str(folder), str(still), "--emoji", "🙂🙂", "--emoji", "🙂"]) == 0
    doc = json.loads((folder / "pack.json").read_text(encoding="utf-8"))
    assert doc["stickers"][-1]["emojis"] == ["🙂"]


def test_whatsapp_identifiers_of_non_ascii_titles_differ() -> None:
    from sticker_studio.formats.pack_export import pack_identifier

    cats, dogs = pack_identifier("日本の猫"), pack_identifier("日本の犬")
    assert cats != dogs
    assert all(c.isascii() and (c.isalnum() or c in "_.-") for c in cats + dogs)
    assert pack_identifier("My Cats") == "My_Cats"  # ASCII titles keep the old identifier
    assert pack_identifier("Chats été").startswith("Chats_t_")
