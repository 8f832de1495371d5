"""Where outputs go: OUT = IN, folders, read-only places, long names, leftovers of killed writes."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sticker_studio.cli import main
from sticker_studio.core import atomic
from sticker_studio.core.errors import OutputError


def _gif(path: Path) -> Path:
    frames = []
    for k in range(3):
        a = np.zeros((32, 32, 4), np.uint8)
        a[4 + k:20 + k, 6:22] = (255, 90, 0, 255)
        frames.append(Image.fromarray(a))
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=80, loop=0, disposal=2)
    return path


@pytest.fixture
def gif(tmp_path: Path) -> Path:
    return _gif(tmp_path / "a.gif")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    err = capsys.readouterr().err
    return code, err


# --------------------------------------------------------------------------- OUT = IN
@pytest.mark.parametrize("command", ["convert", "export", "animate", "matte", "generate"])
@pytest.mark.parametrize("alias", ["same", "hardlink", "symlink"])
def test_every_writing_command_refuses_to_overwrite_its_input(
        command: str, alias: str, gif: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = gif.read_bytes()
    out = gif
    if alias == "hardlink":
        out = gif.with_name("hard.gif")
        os.link(gif, out)
    elif alias == "symlink":
        out = gif.with_name("link.gif")
        out.symlink_to(gif.name)
    argv = {
        "convert": ["convert", str(gif), "-o", str(out)],
        "export": ["export", str(gif), "--target", "slack", "-o", str(out)],
        "animate": ["animate", str(gif), "--motion", "bounce", "-o", str(out)],
        "matte": ["matte", str(gif), "--colorkey", "-o", str(out)],
        "generate": ["generate", "a cat", "--image", str(gif), "-o", str(out)],
    }[command]
    code, err = _run(capsys, *argv)
    assert code == 2
    assert "is the input file" in err and len(err.strip().splitlines()) == 1
    assert gif.read_bytes() == original


# --------------------------------------------------------------------------- output paths
def test_output_that_is_a_folder(gif: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "out.webp").mkdir()
    code, err = _run(capsys, "convert", str(gif), "-o", str(tmp_path / "out.webp"))
    assert code == 2 and "is a folder" in err and len(err.strip().splitlines()) == 1
    assert list((tmp_path / "out.webp").iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_output_that_is_a_pipe_or_device_is_not_replaced(gif: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """The temp file renamed onto ``-o /dev/null`` replaced the device with a plain file: refused instead."""
    import stat

    pipe = tmp_path / "out.webp"
    os.mkfifo(pipe)
    code, err = _run(capsys, "convert", str(gif), "-o", str(pipe))
    assert code == 2 and "not a regular file" in err and len(err.strip().splitlines()) == 1
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    with pytest.raises(OutputError, match="not a regular file"):
        atomic.check_output_path(os.devnull)
    assert not Path(os.devnull).is_file()


def test_output_whose_parent_is_a_file(gif: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(capsys, "convert", str(gif), "-o", str(gif / "x.webp"))
    assert code == 2 and "is a file, not a folder" in err


def test_output_in_a_read_only_folder(gif: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        if os.geteuid() == 0:  # root writes anywhere: make the write itself fail as it would
            def refuse(*a: object, **k: object) -> None:
                raise PermissionError(13, "Permission denied")
            monkeypatch.setattr(atomic.tempfile, "mkstemp", refuse)
        code, err = _run(capsys, "convert", str(gif), "-o", str(ro / "x.webp"))
        assert code == 2 and "read-only" in err and len(err.strip().splitlines()) == 1
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)


def test_output_names_near_name_max(gif: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ok = tmp_path / ("n" * 250 + ".gif")  # 254 bytes: the temp name must stay short
    code, err = _run(capsys, "convert", str(gif), "-o", str(ok))
    assert code == 0, err
    assert ok.is_file()
    too_long = tmp_path / ("n" * 252 + ".gif")
    code, err = _run(capsys, "convert", str(gif), "-o", str(too_long))
    assert code == 2 and "at most 255" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["a.gif", ok.name])


def test_temp_names_are_short_and_ours() -> None:
    prefix, suffix = atomic._temp_affixes(Path("x" * 250 + ".webp"), None)
    assert len(prefix) + 8 + len(suffix) < 64
    assert atomic.is_temp_name(f"{prefix}abcd_123{suffix}")
    assert not atomic.is_temp_name(".bashrc") and not atomic.is_temp_name("notes.tmp.txt")


# --------------------------------------------------------------------------- leftovers
def test_next_write_removes_stale_temps_of_dead_writers_only(
        gif: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    old = time.time() - 600
    dead = out_dir / ".x.999999999.abcd1234.tmp.webp"  # a kill -9'd writer (no such pid)
    legacy = out_dir / ".x.abcd1234.tmp.webp"  # older versions' name, hours old
    alive = out_dir / f".x.{os.getpid()}.abcd1234.tmp.webp"  # a live writer's file
    fresh_dead = out_dir / ".y.999999999.abcd1234.tmp.webp"  # just made: maybe not dead yet
    users = out_dir / ".notes.tmp"
    for p in (dead, legacy, alive, fresh_dead, users):
        p.write_bytes(b"partial")
    os.utime(dead, (old, old))
    os.utime(alive, (old, old))
    os.utime(legacy, (old - 7200, old - 7200))
    link = out_dir / ".z.999999999.abcd1234.tmp.webp"
    link.symlink_to(gif)
    os.utime(link, (old, old), follow_symlinks=False)
    code, err = _run(capsys, "convert", str(gif), "-o", str(out_dir / "x.webp"))
    assert code == 0, err
    left = {p.name for p in out_dir.iterdir()}
    assert left == {"x.webp", alive.name, fresh_dead.name, users.name, link.name}
    assert gif.exists()


def test_failed_write_removes_the_folders_it_created(
        gif: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from sticker_studio.formats import writers

    def disk_full(*a: object, **k: object) -> bytes:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writers, "encode_sticker", disk_full)
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "mine.txt").write_text("keep")
    code, err = _run(capsys, "convert", str(gif), "-o", str(tmp_path / "new" / "a" / "b" / "x.webp"))
    assert code == 2 and "disk is full" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["mine.txt"]


def test_output_error_is_still_an_oserror() -> None:
    assert issubclass(OutputError, OSError)


# --------------------------------------------------------------------------- ffmpeg names
def test_colon_in_a_relative_video_name_is_a_file_not_a_protocol(
        gif: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    code, err = _run(capsys, "convert", "a.gif", "-o", "a:b.webm")  # written through ffmpeg too
    assert code == 0, err
    assert (tmp_path / "a:b.webm").is_file()
    code, err = _run(capsys, "convert", "a:b.webm", "-o", "back.gif")  # before: "Protocol not found"
    assert code == 0, err
    assert (tmp_path / "back.gif").is_file()
