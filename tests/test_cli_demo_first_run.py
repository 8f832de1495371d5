"""`demo` on a first run: names its folder first, shows progress, ends by saying where to look."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures_formats import moving_disc
from sticker_studio.cli import main
from sticker_studio.formats.writers import write_sticker


def test_demo_names_its_folder_shows_progress_and_says_where_to_look(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    resources = tmp_path / "resources"
    write_sticker(moving_disc(8, 96, fps=10), resources / "samples" / "disc.png")
    monkeypatch.setenv("STICKER_STUDIO_RESOURCES", str(resources))
    out = tmp_path / "short"
    code = main(["demo", "--sample", "disc", "-o", str(out), "--no-generate", "--size", "96"])
    stdout, stderr = capsys.readouterr()
    assert code == 0
    lines = stdout.splitlines()
    assert str(out.resolve()) in lines[0]  # named up front
    assert "demo: 0/3 stages" in stderr and "demo: 3/3 stages" in stderr  # the tqdm bar, from the start
    assert "Look at:" in stdout and f"{(out / 'pack').resolve()}/" in stdout
    assert f"{(out / 'export').resolve()}/<target>/" in stdout
    assert (out / "pack" / "pack.json").is_file()


def test_demo_default_folder_is_named_in_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sticker-studio-demo" / "pack").mkdir(parents=True)
    (tmp_path / "sticker-studio-demo" / "pack" / "pack.json").write_text("{}")
    code = main(["demo", "--no-generate"])  # an earlier demo is there: a one-line error, nothing touched
    _, stderr = capsys.readouterr()
    assert code == 2 and stderr.strip().splitlines() == [
        f"sticker-studio: error: {Path('sticker-studio-demo') / 'pack'} already holds a demo pack; "
        "choose another --out or move it"]
