"""Hostile and concurrent packs: symlinks, two writers, damaged pack.json, memory caps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from sticker_studio.core.errors import (
    PackError,
    PackLockedError,
    PackReadOnlyError,
    UnsafePackError,
)
from sticker_studio.core.pack import store as pack_store
from sticker_studio.core.pack.pack import StickerPack
from sticker_studio.core.sticker import Sticker


def _sticker(seed: int, n: int = 2, size: int = 8) -> Sticker:
    rng = np.random.default_rng(seed)
    return Sticker([rng.integers(0, 256, (size, size, 4), dtype=np.uint8) for _ in range(n)], [50] * n)


def _pack(folder: Path) -> StickerPack:
    p = StickerPack.create(folder, "Cats")
    p.add(_sticker(1), name="a")
    p.add(_sticker(2), name="b")
    p.save()
    p.close()
    return p


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# --------------------------------------------------------------------------- symlinks
def test_stickers_symlinked_to_parent_is_refused_and_nothing_is_deleted(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.txt").write_text("years of work")
    (home / "frame_0123456789abcdef.png").write_bytes(b"looks like ours")
    pack = home / "evil"
    _pack(pack)
    import shutil

    shutil.rmtree(pack / "stickers")
    (pack / "stickers").symlink_to("..")
    before = _tree(home)
    with pytest.raises(UnsafePackError, match="symbolic link"):
        StickerPack.open(pack)
    assert _tree(home) == before  # before the fix: the pack's parent folder was rmtree'd


def test_symlinked_sticker_folder_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "frame_fedcba9876543210.png").write_bytes(b"not referenced")
    pack = tmp_path / "pack"
    _pack(pack)
    (pack / "stickers" / "s0000link").symlink_to(elsewhere)
    with pytest.raises(UnsafePackError, match="stickers/s0000link"):
        StickerPack.open(pack)
    assert (elsewhere / "frame_fedcba9876543210.png").exists()


def test_symlinked_frame_file_is_refused_not_read(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    p = _pack(pack)
    sid = p.ids[0]
    victim = min((pack / "stickers" / sid).iterdir())
    victim.unlink()
    victim.symlink_to("/etc/hostname")
    with pytest.raises(UnsafePackError):
        StickerPack.open(pack)


def test_cleanup_never_touches_files_it_did_not_make(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    p = _pack(pack)
    sid = p.ids[0]
    mine = pack / "stickers" / sid / "notes.txt"
    mine.write_text("the user's")
    removed = pack / "stickers" / "s0000dead"
    removed.mkdir()
    (removed / "frame_fedcba9876543210.png").write_bytes(b"orphan")
    (removed / "keep.txt").write_text("the user's too")
    q = StickerPack.open(pack)
    assert mine.exists() and (removed / "keep.txt").exists()
    assert not (removed / "frame_fedcba9876543210.png").exists()
    q.close()


# --------------------------------------------------------------------------- one writer
_WRITER = textwrap.dedent("""
    import sys, time, numpy as np
    from sticker_studio.core.pack.pack import StickerPack
    from sticker_studio.core.sticker import Sticker
    p = StickerPack.open(sys.argv[1])
    print("locked", flush=True)
    for k in range(int(sys.argv[2])):
        f = np.full((8, 8, 4), k, np.uint8)
        p.add(Sticker([f, f + 1], [50, 50]), name=f"child{k}")
        p.save()
    sys.stdin.readline()  # hold the pack open until told
""")


def test_second_process_gets_read_only_or_a_clear_error_and_nothing_is_lost(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    _pack(pack)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, "-c", _WRITER, str(pack), "5"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        with pytest.raises(PackLockedError, match="open in another Sticker Studio window or script"):
            StickerPack.open(pack)
        ro = StickerPack.open(pack, allow_read_only=True)
        assert ro.read_only and "another" in (ro.read_only_reason or "")
        with pytest.raises(PackReadOnlyError):
            ro.add(_sticker(9), name="mine")
        assert ro.last_recovery.count == 0  # a read-only open never cleans up the writer's files
    finally:
        assert child.stdin is not None
        child.stdin.write("\n")
        child.stdin.close()
        child.wait(30)
    final = StickerPack.open(pack)  # the writer is gone: its lock went with it
    assert [e.name for e in final] == ["a", "b"] + [f"child{k}" for k in range(5)]
    final.add(_sticker(9), name="mine")
    final.save()
    final.close()


def test_killed_writer_releases_the_lock(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    _pack(pack)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, "-c", _WRITER, str(pack), "0"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=env)
    assert child.stdout is not None and child.stdout.readline().strip() == "locked"
    child.kill()
    child.wait(30)
    StickerPack.open(pack).close()


# --------------------------------------------------------------------------- damaged pack.json
@pytest.mark.parametrize("damage", ["tray_list", "deep", "metadata_deep", "huge"])
def test_damaged_pack_json_is_a_pack_error(tmp_path: Path, damage: str) -> None:
    pack = tmp_path / "pack"
    _pack(pack)
    path = pack / "pack.json"
    doc = json.loads(path.read_text())
    if damage == "tray_list":
        doc["tray_icon_id"] = []
        path.write_text(json.dumps(doc))
        p = StickerPack.open(pack)  # harmless: falls back to the first sticker
        assert p.tray_icon_id is None
        p.close()
        return
    if damage == "deep":
        path.write_text('{"format": "sticker-studio-pack", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    elif damage == "metadata_deep":
        doc["stickers"][0]["metadata"] = {"m": json.loads("[" * 500 + "]" * 500)}
        path.write_text(json.dumps(doc))
        p = StickerPack.open(pack)
        assert p.entries[0].sticker.metadata == {}
        p.close()
        return
    else:
        path.write_bytes(b" " * (pack_store.MAX_PACK_FILE_BYTES + 1))
    with pytest.raises(PackError):
        StickerPack.open(pack)


# --------------------------------------------------------------------------- memory caps
def test_pack_over_the_decoded_cap_refuses_stickers_by_name_before_decoding(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pack = tmp_path / "pack"
    p = StickerPack.create(pack, "Big")
    for k in range(4):
        p.add(_sticker(k, n=2, size=64), name=f"big{k}")
    p.save()
    p.close()
    per_sticker = 2 * 64 * 64 * 4
    monkeypatch.setattr(pack_store, "MAX_PACK_DECODED_BYTES", 2 * per_sticker)
    decoded: list[str] = []
    real_read = pack_store.read_frame
    monkeypatch.setattr("sticker_studio.core.pack.pack.read_frame",
                        lambda path, *a: decoded.append(path.parent.name) or real_read(path, *a))
    with pytest.raises(PackError, match=r"sticker 'big2' .* not loaded"):
        StickerPack.open(pack)
    q = StickerPack.open(pack, skip_broken=True)
    assert [e.name for e in q] == ["big0", "big1"]
    assert any("big3" in m for m in q.problems)
    assert len(set(decoded)) <= 4 and q.ids[0] in decoded
    q.rename(q.ids[0], "renamed")
    q.save()  # the refused stickers stay in pack.json, untouched
    q.close()
    names = [s["name"] for s in json.loads((pack / "pack.json").read_text())["stickers"]]
    assert names == ["renamed", "big1", "big2", "big3"]
