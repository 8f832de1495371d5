"""The pack's subject size: stored in pack.json, set in the CLI and the Pack panel, used by Animate.

Issue 12: one pack, one subject size -- motions adapt their amplitude instead of
shrinking the drawing, and the size is a setting of the pack.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sticker_studio.cli import main
from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.motion import presets as motion
from sticker_studio.core.pack.pack import StickerPack
from sticker_studio.core.pack.store import DEFAULT_SUBJECT_SIZE, PACK_FILE
from sticker_studio.core.sticker import Sticker

WAIT_MS = 20_000


def disc_reference(side: int = 96, radius: int = 30) -> np.ndarray:
    """A round subject: its box does not change when a motion rotates it."""
    yy, xx = np.mgrid[0:side, 0:side]
    frame = np.zeros((side, side, 4), np.uint8)
    frame[(xx - side / 2) ** 2 + (yy - side / 2) ** 2 < radius**2] = (200, 60, 60, 255)
    return frame


def subject_box(frame: np.ndarray) -> tuple[int, int]:
    ys, xs = np.nonzero(frame[..., 3] > 127)
    return int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def rewrite_subject_size(folder: Path, value: object, *, drop: bool = False) -> None:
    doc = json.loads((folder / PACK_FILE).read_text())
    if drop:
        doc.pop("subject_size", None)
    else:
        doc["subject_size"] = value
    (folder / PACK_FILE).write_text(json.dumps(doc))


# ------------------------------------------------------------------------ the pack store
def test_the_pack_default_is_the_motion_default() -> None:
    assert DEFAULT_SUBJECT_SIZE == motion.DEFAULT_SUBJECT_SIZE


def test_subject_size_round_trips_through_pack_json(tmp_path: Path) -> None:
    with StickerPack.create(tmp_path / "p", "Cats", subject_size=0.8) as pack:
        assert pack.subject_size == 0.8
    with StickerPack.open(tmp_path / "p") as pack:
        assert pack.subject_size == 0.8
        pack.subject_size = 0.45
        assert pack.is_dirty
        pack.save()
    assert json.loads((tmp_path / "p" / PACK_FILE).read_text())["subject_size"] == 0.45
    with StickerPack.open(tmp_path / "p") as pack:
        assert pack.subject_size == 0.45


def test_an_old_pack_without_the_setting_reads_as_the_default(tmp_path: Path) -> None:
    StickerPack.create(tmp_path / "old", "Old").close()
    rewrite_subject_size(tmp_path / "old", None, drop=True)
    with StickerPack.open(tmp_path / "old") as pack:
        assert pack.subject_size == DEFAULT_SUBJECT_SIZE
        assert not pack.is_dirty  # opening does not rewrite the user's pack


@pytest.mark.parametrize("bad", ["0.8", True, -1, 0.0, 0.1, 1.5, 1e309, None, [0.5], {"v": 0.5}])
def test_a_damaged_value_falls_back_to_the_default(tmp_path: Path, bad: object) -> None:
    StickerPack.create(tmp_path / "p", "P", subject_size=0.9).close()
    rewrite_subject_size(tmp_path / "p", bad)  # json.dumps writes 1e309 as Infinity
    with StickerPack.open(tmp_path / "p") as pack:
        assert pack.subject_size == DEFAULT_SUBJECT_SIZE


@pytest.mark.parametrize("bad", [0.2, 1.01, float("nan"), "big", True])
def test_setting_a_value_out_of_range_is_refused(tmp_path: Path, bad: object) -> None:
    with pytest.raises(InvalidInputError, match="subject size"):
        StickerPack.create(tmp_path / "new", "P", subject_size=bad)  # type: ignore[arg-type]
    assert not (tmp_path / "new").exists()
    with StickerPack.create(tmp_path / "p", "P") as pack:
        with pytest.raises(InvalidInputError, match="subject size"):
            pack.subject_size = bad  # type: ignore[assignment]
        assert pack.subject_size == DEFAULT_SUBJECT_SIZE and not pack.is_dirty


# ------------------------------------------------------------------------ the CLI
def test_cli_pack_create_stores_it_and_pack_list_shows_it(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "pack"
    assert main(["pack", "create", str(folder), "--title", "T", "--subject-size", "0.8"]) == 0
    assert "subject size 0.8" in capsys.readouterr().out
    assert main(["pack", "list", str(folder)]) == 0
    assert "subject size 0.8" in capsys.readouterr().out
    assert main(["pack", "create", str(tmp_path / "default"), "--title", "T"]) == 0
    assert f"subject size {DEFAULT_SUBJECT_SIZE:g}" in capsys.readouterr().out


def test_cli_refuses_a_bad_subject_size_and_makes_no_folder(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pack", "create", str(tmp_path / "pack"), "--title", "T", "--subject-size", "1.5"]) == 2
    err = capsys.readouterr().err
    assert "subject size" in err and "Traceback" not in err
    assert not (tmp_path / "pack").exists()


# ------------------------------------------------------------------------ the app
@pytest.fixture()
def window(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from sticker_studio.ui.main_window import MainWindow
    from sticker_studio.ui.state.document import PackDocument, open_or_create_pack
    from sticker_studio.ui.state.settings import AppSettings

    manifest = tmp_path / "empty_manifest.json"
    manifest.write_text(json.dumps({"schema": 1, "models": []}))
    monkeypatch.setenv("STICKER_STUDIO_MANIFEST", str(manifest))
    document = PackDocument(open_or_create_pack(tmp_path / "pack", "Test pack"), autosave_delay_ms=30)
    win = MainWindow(document, AppSettings())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.shutdown()


def test_pack_panel_subject_size_gives_every_motion_one_subject_size_and_undoes(qtbot, window,
                                                                                 tmp_path: Path) -> None:
    from PySide6.QtCore import Qt

    from sticker_studio.ui.state.motion import MotionChoice

    spin = window.pack_panel.subject_size_spin
    assert spin.value() == round(DEFAULT_SUBJECT_SIZE * 100)  # the pack's value is shown
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "50")
    qtbot.keyClick(spin, Qt.Key.Key_Return)  # as a user types it
    assert window.document.pack.subject_size == 0.5

    window.session.set_reference(Sticker([disc_reference()], [100]), "disc.png")
    made = []
    for count, preset in enumerate(("bounce", "spin"), start=1):
        window.session.animate(MotionChoice(preset=preset, frames=6))
        qtbot.waitUntil(lambda n=count: len(window.document.entries()) == n, timeout=WAIT_MS)
        made.append(window.document.entries()[-1].sticker)
    boxes = [subject_box(s.frames[0]) for s in made]
    assert boxes[0] == boxes[1], boxes  # one subject size across motions
    side = min(made[0].width, made[0].height)
    assert max(boxes[0]) == pytest.approx(0.5 * side, abs=0.03 * side)  # ... and it is the setting
    assert all(s.metadata["subject_size"] == pytest.approx(0.5, abs=0.02) for s in made)

    window.document.save_now()
    with StickerPack.open(tmp_path / "pack", read_only=True) as on_disk:
        assert on_disk.subject_size == 0.5  # saved with the pack

    window.document.undo_group.setActiveStack(window.document.pack_stack)  # as after the edit (animating moved it)
    assert window.document.undo_group.undoText() == "Set subject size"
    window.document.undo_group.undo()
    assert window.document.pack.subject_size == DEFAULT_SUBJECT_SIZE
    assert spin.value() == round(DEFAULT_SUBJECT_SIZE * 100)  # the panel follows the undo
    window.document.undo_group.redo()
    assert window.document.pack.subject_size == 0.5 and spin.value() == 50
