"""Issue 24's "done when", in the app (offscreen): a mug's handle hole, a stick figure's head and a
pale mug on textured paper come out right with no clicks, and one flip removes a handle's hole with
no light arc left inside it. The drawings are made here: anti-aliased (drawn at 4x, box-shrunk),
on white, cream or textured paper, saved as JPEG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PIL import Image

from sketch_drawings import SKETCHES, coloured_mug, render
from sticker_studio.engine.matting.cutout import Background
from sticker_studio.training.eval.metrics import alpha_psnr
from sticker_studio.ui.main_window import MainWindow
from window_fixtures import open_main_window, use_no_models

WAIT_MS = 60_000
SIDE = 256
HOLE = (170, 130)       # the mug's handle hole (coloured_mug)
BODY = (100, 140)       # the mug's body
HANDLE = (132, 200)     # the handle's band, below the hole
HEAD = (128, 60)        # inside the stick figure's head (stick_figure)


def save(rgb: np.ndarray, path: Path) -> Path:
    Image.fromarray(rgb).save(path, quality=92)
    return path


def cut_out_in_app(qtbot, window: MainWindow, path: Path) -> np.ndarray:
    """Drop ``path`` on the app as the reference (no clicks) and wait for its cut-out's first frame."""
    window.session.load_reference(path)
    qtbot.waitUntil(lambda: window.reference_panel.reference() is not None and not window.session.reference.is_busy(),
                    timeout=WAIT_MS)
    sticker = window.session.reference.sticker()
    assert sticker is not None
    return sticker.frames[0]


def alpha_at(frame: np.ndarray, point: tuple[int, int]) -> int:
    return int(frame[point[1], point[0], 3])


@pytest.fixture()
def window(qtbot, tmp_path: Path) -> MainWindow:
    with open_main_window(qtbot, tmp_path) as win:  # the default manifest: the bundled matting head
        yield win


@pytest.mark.parametrize("paper", ["white", "cream"])
def test_a_mug_comes_out_with_its_handles_hole_open(qtbot, window: MainWindow, tmp_path: Path, paper: str) -> None:
    rgb, truth = coloured_mug(SIDE, paper, seed=7)
    frame = cut_out_in_app(qtbot, window, save(rgb, tmp_path / "mug.jpg"))
    assert window.session.background_method() == Background.MODEL  # a coloured drawing: not line art
    assert alpha_at(frame, HOLE) <= 8 and alpha_at(frame, BODY) >= 250 and alpha_at(frame, HANDLE) >= 250
    assert frame[:4, :, 3].max() <= 8
    assert alpha_psnr(frame[..., 3] / 255.0, truth) >= 30.0


def test_a_stick_figures_head_comes_out_filled(qtbot, window: MainWindow, tmp_path: Path) -> None:
    rgb, truth = render(SKETCHES["stick_figure"], SIDE, "white", seed=7)
    frame = cut_out_in_app(qtbot, window, save(rgb, tmp_path / "stick.jpg"))
    assert window.session.background_method() == Background.LINE_ART  # found: a sketch on paper
    assert alpha_at(frame, HEAD) == 255 and frame[HEAD[1], HEAD[0], :3].min() >= 230  # the face: white, kept
    assert alpha_at(frame, (100, 200)) == 0                 # between the legs: open
    assert alpha_at(frame, (128, 130)) >= 200               # the body's stroke
    assert alpha_psnr(frame[..., 3] / 255.0, truth) >= 30.0
    # a closed shape of line art is a region like any other: one click empties the head, Undo fills it
    assert window.session.flip_region_at(*HEAD)
    qtbot.waitUntil(lambda: not window.session.reference.is_busy(), timeout=WAIT_MS)
    assert alpha_at(window.session.reference.sticker().frames[0], HEAD) == 0
    window.window_actions.undo.trigger()
    qtbot.waitUntil(lambda: not window.session.reference.is_busy(), timeout=WAIT_MS)
    assert alpha_at(window.session.reference.sticker().frames[0], HEAD) == 255
    # the user can still choose another method
    window.session.set_background_method(Background.MODEL)
    qtbot.waitUntil(lambda: not window.session.reference.is_busy(), timeout=WAIT_MS)
    assert window.session.background_method() == Background.MODEL
    assert window.session.reference.sticker().metadata.get("background") == Background.MODEL.value


def test_a_pale_mug_on_textured_paper_comes_out_whole(qtbot, window: MainWindow, tmp_path: Path) -> None:
    rgb, truth = coloured_mug(SIDE, "texture", seed=7, body=(226, 226, 230))
    frame = cut_out_in_app(qtbot, window, save(rgb, tmp_path / "pale_mug.jpg"))
    assert alpha_at(frame, BODY) >= 250 and alpha_at(frame, HANDLE) >= 250  # the pale body and handle kept
    assert alpha_at(frame, HOLE) <= 8 and frame[:4, :, 3].max() <= 8       # the hole and the paper gone
    assert alpha_psnr(frame[..., 3] / 255.0, truth) >= 30.0


def test_one_flip_removes_a_handles_hole_with_no_arc_left(qtbot, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    use_no_models(tmp_path, monkeypatch)  # the colour key: it keeps every enclosed paper region
    rgb, truth = coloured_mug(SIDE, "cream", seed=7)
    with open_main_window(qtbot, tmp_path) as window:
        frame = cut_out_in_app(qtbot, window, save(rgb, tmp_path / "mug.jpg"))
        assert window.session.background_method() == Background.COLOUR_KEY
        assert alpha_at(frame, HOLE) == 255                  # kept as paper
        assert window.session.flip_region_at(*HOLE)          # one click
        qtbot.waitUntil(lambda: not window.session.reference.is_busy(), timeout=WAIT_MS)
        frame = window.session.reference.sticker().frames[0]
    alpha = frame[..., 3] / 255.0
    yy, xx = np.mgrid[:SIDE, :SIDE]
    band = (np.hypot(xx - HOLE[0], yy - HOLE[1]) < 17.5) & (truth < 0.5)  # the hole up to its outline
    luma = frame[..., :3].astype(np.float32) @ np.asarray([0.299, 0.587, 0.114], np.float32)
    arc = band & (alpha - truth > 0.15) & (luma > 120)
    assert not arc.any(), np.argwhere(arc)[:5]
    assert np.clip(alpha - truth, 0, 1)[band].sum() < 2.0
    assert alpha_at(frame, BODY) == 255 and alpha_at(frame, HANDLE) >= 250
