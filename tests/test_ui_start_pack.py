"""The app always starts, whatever is wrong with the last pack; a pack open elsewhere shows read-only."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from sticker_studio.core.errors import PackReadOnlyError
from sticker_studio.core.pack import store as pack_store
from sticker_studio.core.pack.pack import StickerPack
from sticker_studio.core.sticker import Sticker
from sticker_studio.ui.app import build_window, open_start_pack
from sticker_studio.ui.state.document import default_pack_folder
from sticker_studio.ui.state.settings import AppSettings


@pytest.fixture()
def no_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = tmp_path / "empty_manifest.json"
    manifest.write_text(json.dumps({"schema": 1, "models": []}))
    monkeypatch.setenv("STICKER_STUDIO_MANIFEST", str(manifest))


def _sticker(seed: int = 0) -> Sticker:
    rng = np.random.default_rng(seed)
    return Sticker([rng.integers(0, 256, (16, 16, 4), dtype=np.uint8) for _ in range(2)], [60, 60])


def _damage(folder: Path, how: str) -> None:
    path = folder / "pack.json"
    doc = json.loads(path.read_text())
    if how == "tray_list":
        doc["tray_icon_id"] = []
    elif how == "deep_json":
        path.write_text('{"format": "sticker-studio-pack", "schema_version": 1, "title": "x", "stickers": '
                        + "[" * 200_000 + "]" * 200_000 + "}")
        return
    elif how == "bomb_frame":
        sid = doc["stickers"][0]["id"]
        frame = folder / "stickers" / sid / doc["stickers"][0]["frames"][0]
        from PIL import Image

        Image.new("L", (6000, 6000)).save(frame, compress_level=9)  # far bigger than the pack says
    elif how == "missing_folder":
        shutil.rmtree(folder / "stickers")
    elif how == "symlink":
        shutil.rmtree(folder / "stickers")
        (folder / "stickers").symlink_to("..")
    elif how == "wrong_types":
        doc["stickers"] = {"not": "a list"}
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize("how", ["tray_list", "deep_json", "bomb_frame", "missing_folder", "symlink", "wrong_types"])
def test_the_app_starts_whatever_is_wrong_with_the_last_pack(qtbot, tmp_path: Path, no_models: None,
                                                             how: str) -> None:
    # the damaged pack is the default pack itself: the fallback must not be that pack again
    folder = default_pack_folder()
    p = StickerPack.create(folder, "Mine")
    p.add(_sticker(1), name="precious")
    p.save()
    p.close()
    del p
    _damage(folder, how)
    before = {q.relative_to(folder): q.read_bytes() for q in folder.rglob("*") if q.is_file() and not q.is_symlink()
              and q.name != pack_store.LOCK_FILE}
    window = build_window(settings=AppSettings(last_pack=str(folder)))
    qtbot.addWidget(window)
    assert window.document is not None
    after = {q.relative_to(folder): q.read_bytes() for q in folder.rglob("*") if q.is_file() and not q.is_symlink()
             and q.name != pack_store.LOCK_FILE}
    assert after == before  # the damaged pack is left untouched on disk
    if how != "tray_list":
        text = window.last_error
        assert text, "the user is told why"
        if window.document.folder == folder:  # a sticker that cannot load is skipped, listed, kept on disk
            assert window.document.pack.problems
        else:
            assert window.document.folder != folder
    window.document.add_sticker(_sticker(2), name="new")  # and the app works
    window.document.close()


def test_second_window_on_the_same_pack_is_read_only_and_says_so(qtbot, tmp_path: Path, no_models: None,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import filelock

    folder = tmp_path / "shared"
    p = StickerPack.create(folder, "Shared")
    p.add(_sticker(1), name="one")
    p.save()
    p.close()
    # another process holds the pack: a lock on the same file from a second descriptor
    other = filelock.FileLock(str(folder / pack_store.LOCK_FILE), timeout=0, thread_local=False)
    other.acquire()
    try:
        window = build_window(pack_folder=folder, settings=AppSettings())
        qtbot.addWidget(window)
        assert window.document.read_only
        assert "(read-only)" in window.windowTitle()
        assert "Read-only" in window.last_error
        with pytest.raises(PackReadOnlyError):
            window.document.add_sticker(_sticker(3), name="lost?")
        assert [e.name for e in StickerPack.open(folder, read_only=True)] == ["one"]
    finally:
        other.release()


def test_open_start_pack_falls_back_to_a_fresh_pack(tmp_path: Path, no_models: None) -> None:
    folder = default_pack_folder()
    StickerPack.create(folder, "Mine").close()
    (folder / "pack.json").write_text("{broken")
    document = open_start_pack(AppSettings(last_pack=str(folder)))
    assert document.folder != folder and "Could not open the last pack" in document.notice
    assert (folder / "pack.json").read_text() == "{broken"
    document.close()
