"""Hand-off files for messengers: author field, .wastickers, Signal folder, LINE zip, emoji suggestions."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fixtures_formats import moving_disc
from sticker_studio.cli import main
from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.pack.pack import StickerPack
from sticker_studio.core.sticker import Sticker
from sticker_studio.core.text.art_library import ArtLibrary
from sticker_studio.core.text.emoji_suggest import subject_emoji, suggest_emojis, suggest_for_sticker
from sticker_studio.formats.handoff import LINE_ZIP_MAX_BYTES, HandoffSticker, write_line_zip
from sticker_studio.formats.pack_export import MARKER_FILE, PackItem, export_pack
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


@pytest.fixture()
def pack_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A 3-sticker pack: one still, two animations, with an author."""
    folder = tmp_path / "pack"
    assert run_cli(capsys, "pack", "create", folder, "--title", "Disc Pack", "--author", "Ana")[0] == 0
    still = still_png(tmp_path / "still.png")
    disc = write_sticker(moving_disc(6, 48, fps=10), tmp_path / "disc.gif")
    disc2 = write_sticker(moving_disc(8, 48, fps=12), tmp_path / "disc2.png")
    assert run_cli(capsys, "pack", "add", folder, still, "--emoji", "😀", "--name", "Still one")[0] == 0
    assert run_cli(capsys, "pack", "add", folder, disc, "--emoji", "🔴", "--emoji", "😮")[0] == 0
    assert run_cli(capsys, "pack", "add", folder, disc2, "--emoji", "🟢")[0] == 0
    return folder


def test_whatsapp_export_writes_a_flat_wastickers_beside_contents_json(
        pack_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code, stdout, err = run_cli(capsys, "pack", "export", pack_dir, "-t", "whatsapp", "-o", out)
    assert code == 0, err
    folder = out / "whatsapp"
    assert (folder / "contents.json").is_file()
    webps = sorted(p.name for p in folder.glob("*.webp"))
    assert len(webps) == 3
    wastickers = folder / "Disc Pack.wastickers"
    assert "Disc Pack.wastickers" in stdout
    with zipfile.ZipFile(wastickers) as archive:
        names = archive.namelist()
        assert sorted(names) == sorted([*webps, "tray.png", "title.txt", "author.txt"])
        assert all("/" not in n for n in names)
        assert archive.read("title.txt").decode() == "Disc Pack"
        assert archive.read("author.txt").decode() == "Ana"
        for name in webps:
            with Image.open(io.BytesIO(archive.read(name))) as image:
                assert image.format == "WEBP" and image.size == (512, 512)
                assert getattr(image, "n_frames", 1) >= 2  # the pack is animated
        with Image.open(io.BytesIO(archive.read("tray.png"))) as tray:
            assert tray.format == "PNG" and tray.size == (96, 96)
    marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    assert "Disc Pack.wastickers" in marker["files"]  # a re-export may replace it


def test_signal_folder_has_rgba_apngs_in_order_and_an_emoji_list(
        pack_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert run_cli(capsys, "pack", "export", pack_dir, "-t", "signal", "-o", out)[0] == 0
    folder = out / "signal"
    lines = (folder / "emoji.txt").read_text(encoding="utf-8").splitlines()
    files = [line.split("\t")[0] for line in lines]
    assert [line.split("\t")[1] for line in lines] == ["😀", "🔴", "🟢"]
    assert files == sorted(files) and files[0].startswith("01_Still_one")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert [s["file"] for s in manifest["stickers"]] == files and manifest["author"] == "Ana"
    for name in files:
        data = (folder / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert data[25] in (2, 6)  # IHDR colour type: truecolour (palette APNGs do not animate on iOS)


def test_line_zip_has_numbered_stickers_main_and_tab(tmp_path: Path) -> None:
    items = [PackItem(f"s{i}", ("😀",), moving_disc(6, 48, fps=10)) for i in range(8)]
    report = export_pack(items, ["line"], tmp_path / "out", title="Line Pack", publisher="Ana")
    folder = report.targets["line"].folder
    archive_path = folder / "Line Pack_line.zip"
    assert archive_path.stat().st_size <= LINE_ZIP_MAX_BYTES
    with zipfile.ZipFile(archive_path) as archive:
        names = archive.namelist()
        assert names == [f"{i:02d}.png" for i in range(1, 9)] + ["main.png", "tab.png"]
        assert archive.read("01.png") == (folder / "01.png").read_bytes()
        with Image.open(io.BytesIO(archive.read("tab.png"))) as tab:
            assert tab.size == (96, 74)


def test_line_zip_over_the_limit_is_refused(tmp_path: Path) -> None:
    folder = tmp_path
    for i in range(1, 3):
        (folder / f"{i:02d}.png").write_bytes(np.random.default_rng(i).bytes(4000))
    (folder / "main.png").write_bytes(b"m")
    (folder / "tab.png").write_bytes(b"t")
    stickers = [HandoffSticker(f"{i:02d}.png", ("😀",)) for i in range(1, 3)]
    with pytest.raises(InvalidInputError, match="at most"):
        write_line_zip(folder, stickers, title="Big", max_bytes=5000)
    assert not (folder / "Big_line.zip").exists()


def test_emoji_come_from_the_art_library_subject_the_prompt_and_the_motion() -> None:
    library = ArtLibrary.load()
    cat = library.find("cat")
    ghost = library.find("ghost")
    assert cat is not None and ghost is not None
    assert suggest_emojis(subject="cat", library=library)[0] == cat.emoji
    assert suggest_emojis(subject="ghost", motion="blink", library=library) == [ghost.emoji, "😉"]
    assert suggest_emojis(prompt="a sleepy ghost", library=library) == [ghost.emoji, "😴"]
    assert suggest_emojis(prompt="two cats crying", motion="wave", library=library) == [cat.emoji, "😢", "👋"]
    assert suggest_emojis(name="dance_party", motion="dance", library=library)[:2] == ["💃", "🎉"]
    assert suggest_emojis(name="in love", motion="love", library=library) == ["😍"]
    assert suggest_emojis(motion="angry") == ["😠"]
    assert suggest_emojis(name="qx17", motion="spin") == ["🙂"]  # nothing meaningful: the fallback
    meta = {"art": "noto:ghost", "prompt": "a ghost floating", "motion": "wave"}
    assert suggest_for_sticker(meta, library=library) == [ghost.emoji, "👋"]
    # a label is matched by its last word only when the subject has its other words too: a red ball is not
    # filed under the rice ball 🍙, a fluffy cat is the cat
    assert subject_emoji("red ball", library) is None and subject_emoji("bowling ball", library) is None
    assert subject_emoji("rice ball", library) == library.find("rice ball").emoji  # type: ignore[union-attr]
    assert subject_emoji("fluffy cat", library) == subject_emoji("cat", library)
    # a file name is no sentence: a word of it that is a label names the subject ("fox_paper.jpg")
    fox = library.find("fox")
    assert fox is not None
    assert suggest_emojis(name="fox_paper", library=library) == [fox.emoji]
    assert suggest_emojis(name="IMG_2041", library=library) == ["🙂"]


def test_pack_add_suggests_emoji_when_none_are_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "pack"
    assert run_cli(capsys, "pack", "create", folder, "--title", "Auto")[0] == 0
    waving = still_png(tmp_path / "ghost_waving.png")
    code, out, _ = run_cli(capsys, "pack", "add", folder, waving)
    ghost = ArtLibrary.load().find("ghost")
    assert code == 0 and ghost is not None
    assert f"suggested {ghost.emoji} 👋" in out
    code, out, _ = run_cli(capsys, "pack", "add", folder, waving, "--emoji", "🎃", "--name", "pumpkin")
    assert "suggested" not in out
    pack = StickerPack.open(folder, read_only=True)
    assert [e.emojis for e in pack] == [[ghost.emoji, "👋"], ["🎃"]]
    pack.close()
    sticker = Sticker([np.zeros((8, 8, 4), np.uint8)], [100])
    sticker.metadata.update({"subject": "cat", "prompt": "a cat crying", "motion": "wave"})
    with StickerPack.open(folder) as writable:
        entry = writable.add(sticker, name="made in the app")
    assert entry.emojis[1:] == ["😢", "👋"]
