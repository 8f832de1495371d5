"""Pack export as one operation: the `pack` CLI contract, pack rules, atomic target folders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fixtures_formats import moving_disc
from sticker_studio.cli import main
from sticker_studio.core.errors import BudgetError
from sticker_studio.core.sticker import Sticker
from sticker_studio.formats import fit_pool
from sticker_studio.formats.pack_export import (
    MARKER_FILE,
    PackExportError,
    PackItem,
    export_pack,
)
from sticker_studio.formats.pack_rules import PACK_RULES, get_pack_rule
from sticker_studio.formats.readers import read_sticker
from sticker_studio.formats.targets import TARGETS, get_target
from sticker_studio.formats.validate import validate_file
from sticker_studio.formats.writers import write_sticker

ALL_BUT_LINE = [t for t in TARGETS if t != "line"]


def run_cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def still_png(path: Path, color: tuple[int, int, int] = (220, 40, 40)) -> Path:
    frame = np.zeros((48, 48, 4), np.uint8)
    frame[8:40, 10:38] = (*color, 255)
    frame[20:28, 4:44, :3] = (30, 30, 200)
    frame[20:28, 4:44, 3] = 255
    write_sticker(Sticker([frame], [100]), path)
    return path


@pytest.fixture()
def pack_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A 3-sticker pack made through the CLI: one still, two animations."""
    folder = tmp_path / "pack"
    assert run_cli(capsys, "pack", "create", folder, "--title", "Test Pack", "--publisher", "Tester")[0] == 0
    still = still_png(tmp_path / "still.png")
    disc = write_sticker(moving_disc(6, 48, fps=10), tmp_path / "disc.gif")
    disc2 = write_sticker(moving_disc(8, 48, fps=12), tmp_path / "disc2.png")
    assert run_cli(capsys, "pack", "add", folder, still, "--emoji", "😀", "--name", "Still one")[0] == 0
    assert run_cli(capsys, "pack", "add", folder, disc, "--emoji", "🔴", "--emoji", "😮")[0] == 0
    assert run_cli(capsys, "pack", "add", folder, disc2)[0] == 0
    return folder


def test_pack_list_shows_stickers(pack_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "pack", "list", pack_dir)
    assert code == 0
    assert "'Test Pack' by Tester: 3 sticker(s)" in out
    assert "Still one" in out and "still" in out and "😮" in out


def test_three_sticker_pack_with_a_still_exports_to_every_target(
        pack_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    args = [a for t in ALL_BUT_LINE for a in ("--target", t)]
    code, _, err = run_cli(capsys, "pack", "export", pack_dir, *args, "-o", out)
    assert code == 0, err
    for name in ALL_BUT_LINE:
        folder = out / name
        target = get_target(name)
        files = sorted(p for p in folder.iterdir() if p.suffix == target.extension and p.name[:2].isdigit())
        assert len(files) == 3, (name, files)
        for f in files:
            assert validate_file(f, target) == [], (name, f.name)
        assert read_sticker(files[0]).frame_count >= (target.min_frames or 1)
        for spec in get_pack_rule(name).images:
            image = read_sticker(folder / spec.file_name)
            assert image.size == (spec.width, spec.height)
            assert (folder / spec.file_name).stat().st_size <= spec.max_bytes
        assert (folder / MARKER_FILE).is_file()
        assert not list(out.glob(f".{name}.*")), "no temp or old folder survives"
    contents = json.loads((out / "whatsapp" / "contents.json").read_text(encoding="utf-8"))
    wa = contents["sticker_packs"][0]
    assert wa["name"] == "Test Pack" and wa["publisher"] == "Tester" and wa["animated_sticker_pack"] is True
    assert wa["tray_image_file"] == "tray.png" and wa["identifier"]
    assert [s["emojis"] for s in wa["stickers"]] == [["😀"], ["🔴", "😮"], ["🙂"]]
    assert all((out / "whatsapp" / s["image_file"]).is_file() for s in wa["stickers"])
    signal = json.loads((out / "signal" / "manifest.json").read_text(encoding="utf-8"))
    assert [s["emoji"] for s in signal["stickers"]] == ["😀", "🔴", "🙂"]
    telegram = json.loads((out / "telegram" / "telegram.json").read_text(encoding="utf-8"))
    assert telegram["thumbnail"] == "thumbnail.png" and telegram["stickers"][1]["emoji_list"] == ["🔴", "😮"]


def test_line_needs_8_16_or_24_stickers(pack_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code, _, err = run_cli(capsys, "pack", "export", pack_dir, "--target", "line", "-o", out)
    assert code == 2 and "exactly 8, 16, 24 stickers" in err
    assert not out.exists()
    still = still_png(tmp_path / "s.png", (40, 200, 40))
    for _ in range(5):
        assert run_cli(capsys, "pack", "add", pack_dir, still, "--emoji", "🟢")[0] == 0
    code, _, err = run_cli(capsys, "pack", "export", pack_dir, "--target", "line", "-o", out)
    assert code == 0, err
    files = sorted((out / "line").glob("[0-9][0-9].png"))
    assert [f.name for f in files] == [f"{i:02d}.png" for i in range(1, 9)]
    assert all(validate_file(f, TARGETS["line"]) == [] for f in files)
    assert read_sticker(out / "line" / "main.png").size == (240, 240)
    assert read_sticker(out / "line" / "tab.png").size == (96, 74)


def test_two_sticker_whatsapp_export_is_refused_and_leaves_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "pack"
    run_cli(capsys, "pack", "create", folder, "--title", "Two")
    for i in range(2):
        run_cli(capsys, "pack", "add", folder, still_png(tmp_path / f"s{i}.png"))
    out = tmp_path / "out"
    code, _, err = run_cli(capsys, "pack", "export", folder, "--target", "whatsapp", "--target", "signal",
                                "-o", out)
    assert code == 2
    assert "at least 3 stickers" in err and "has 2" in err
    assert err.strip().splitlines()[-1].startswith("sticker-studio: error:")
    assert not out.exists(), "nothing half-written, not even the signal folder"


def test_all_still_whatsapp_pack_is_static(tmp_path: Path) -> None:
    items = [PackItem(f"s{i}", ("😀",), read_sticker(still_png(tmp_path / f"s{i}.png"))) for i in range(3)]
    report = export_pack(items, ["whatsapp"], tmp_path / "out", title="Stills")
    assert report.written and not report.targets["whatsapp"].animated
    contents = json.loads((tmp_path / "out" / "whatsapp" / "contents.json").read_text(encoding="utf-8"))
    assert contents["sticker_packs"][0]["animated_sticker_pack"] is False
    for s in contents["sticker_packs"][0]["stickers"]:
        path = tmp_path / "out" / "whatsapp" / s["image_file"]
        assert read_sticker(path).frame_count == 1 and path.stat().st_size <= 100_000
        assert validate_file(path, PACK_RULES["whatsapp"].static_file) == []  # type: ignore[arg-type]


def _items(tmp_path: Path, n: int = 3) -> list[PackItem]:
    return [PackItem(f"disc {i}", ("🔴",), moving_disc(4 + i, 40, fps=10)) for i in range(n)]


def test_reexport_replaces_the_folder_so_stale_files_go(tmp_path: Path) -> None:
    out = tmp_path / "out"
    items = _items(tmp_path, 4)
    export_pack(items, ["signal"], out, title="P")
    assert (out / "signal" / "04_disc_3.png").is_file()
    export_pack(items[:3], ["signal"], out, title="P")
    names = sorted(p.name for p in (out / "signal").iterdir())
    assert "04_disc_3.png" not in names and "03_disc_2.png" in names


def test_foreign_file_in_a_target_folder_is_never_deleted(tmp_path: Path) -> None:
    out = tmp_path / "out"
    export_pack(_items(tmp_path), ["signal"], out, title="P")
    mine = out / "signal" / "notes.txt"
    mine.write_text("mine")
    with pytest.raises(Exception, match="did not write"):
        export_pack(_items(tmp_path), ["signal"], out, title="P")
    assert mine.read_text() == "mine"
    (out / "other").mkdir()
    (out / "other" / "x.txt").write_text("x")
    mine.unlink()
    (tmp_path / "elsewhere").mkdir()
    (out / "slack").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(Exception, match="symbolic link"):
        export_pack(_items(tmp_path), ["slack"], out, title="P")
    assert (out / "other" / "x.txt").is_file()


def test_one_failing_sticker_is_named_and_the_others_still_checked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = fit_pool._fit_one
    seen: list[int] = []

    def fit(sticker: Sticker, target: object):
        seen.append(sticker.frame_count)
        if sticker.frame_count == 5:
            raise BudgetError("cannot fit (test)")
        return real(sticker, target)  # type: ignore[arg-type]

    monkeypatch.setattr(fit_pool, "_fit_one", fit)  # the fits run in this process with workers=1
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PackExportError) as info:
        export_pack(_items(tmp_path), ["slack", "discord"], out, title="P", workers=1, cache=None)
    assert "disc 1: cannot fit (test)" in str(info.value)
    assert seen == [4, 5, 6, 4, 5, 6], "every sticker of every target was still checked"
    report = info.value.report
    assert [s.name for s in report.targets["slack"].stickers if s.problems] == ["disc 1"]
    assert list(out.iterdir()) == [], "no target folder and no temp folder is left"


def test_export_into_the_pack_folder_is_refused(pack_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "pack", "export", pack_dir, "--target", "slack", "-o", pack_dir / "out")
    assert code == 2 and "outside the pack folder" in err


def test_every_target_has_pack_rules_with_sources() -> None:
    assert set(PACK_RULES) == set(TARGETS)
    assert all(rule.sources for rule in PACK_RULES.values())
    assert PACK_RULES["whatsapp"].count_problem(31) and PACK_RULES["whatsapp"].count_problem(3) is None
    assert PACK_RULES["signal"].count_problem(201) and PACK_RULES["telegram"].count_problem(121)
