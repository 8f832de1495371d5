"""A JPEG drawing on white paper set as the reference is cut out before it is animated (issue 10)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PIL import Image, ImageDraw
from PySide6.QtCore import Qt

from sticker_studio.engine.matting.cutout import Background
from sticker_studio.ui.main_window import MainWindow
from window_fixtures import open_main_window, use_no_models

WAIT_MS = 20_000
SIDE = 96


@pytest.fixture()
def window(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MainWindow:
    use_no_models(tmp_path, monkeypatch)  # no matting head: the default is the colour key
    with open_main_window(qtbot, tmp_path) as win:
        yield win


def drawing_on_paper(path: Path) -> Path:
    """A blue character with a white belly enclosed by its outline, on white paper, as a JPEG."""
    image = Image.new("RGB", (SIDE, SIDE), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((18, 14, 78, 84), fill=(40, 90, 200), outline=(20, 20, 40), width=3)
    draw.ellipse((34, 36, 62, 70), fill="white", outline=(20, 20, 40), width=2)
    image.save(path, quality=85)
    return path


def animate(qtbot, win: MainWindow, path: Path, background: Background | None = None) -> np.ndarray:
    win.session.load_reference(path)
    panel = win.reference_panel
    qtbot.waitUntil(lambda: panel.reference() is not None, timeout=WAIT_MS)
    if background is not None:  # the reference's own choice, made in the panel
        panel.background_box.setCurrentIndex(panel.background_box.findData(background.value))
        qtbot.waitUntil(lambda: not win.session.reference.is_busy(), timeout=WAIT_MS)
    panel.set_preset("bounce")
    panel.frames_spin.setValue(4)
    win.session.set_subject_size(0.65)  # room around the subject: a transparent border means no paper left
    qtbot.mouseClick(panel.animate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(win.document.entries()) == 1, timeout=WAIT_MS)
    return np.stack([f[..., 3] for f in win.document.current_sticker().frames])


def test_jpeg_drawing_is_cut_out_and_keeps_its_white_belly(qtbot, window: MainWindow, tmp_path: Path) -> None:
    alpha = animate(qtbot, window, drawing_on_paper(tmp_path / "bear.jpg"))
    panel = window.reference_panel
    assert panel.background_method() == Background.COLOUR_KEY.value
    assert panel.original_button.isEnabled()
    assert window.session.reference_original() is not window.session.reference.sticker()
    for a in alpha:
        border = np.concatenate([a[:3].ravel(), a[-3:].ravel(), a[:, :3].ravel(), a[:, -3:].ravel()])
        assert border.max() <= 8                     # transparent corners and border
    still = window.session.reference.sticker().frames[0][..., 3]
    assert still[:4, :4].max() <= 8 and still[53, 48] >= 247  # the enclosed white belly is kept
    assert (alpha[0] >= 247).sum() > 0.2 * SIDE * SIDE       # the character itself is opaque


def test_background_none_animates_the_opaque_card(qtbot, window: MainWindow, tmp_path: Path) -> None:
    alpha = animate(qtbot, window, drawing_on_paper(tmp_path / "bear.jpg"), Background.NONE)
    assert window.session.background_method() == Background.NONE
    assert window.session.reference.sticker().frames[0][..., 3].min() == 255
    ys, xs = np.nonzero(alpha[0] > 0)
    card = alpha[0][ys.min() + 3:ys.max() - 2, xs.min() + 3:xs.max() - 2]  # inside its resampled edge
    assert card.size > 0.3 * SIDE * SIDE and card.min() >= 240  # the whole paper rectangle is opaque


def test_the_background_choice_belongs_to_one_reference(qtbot, window: MainWindow, tmp_path: Path) -> None:
    """Issue 25: "none" chosen for one drawing does not carry over: the next one gets the default
    (the model; without one installed, as here, the colour key) and is cut out again."""
    session, panel = window.session, window.reference_panel
    default = session.reference.default_background()
    animate(qtbot, window, drawing_on_paper(tmp_path / "first.png"), Background.NONE)
    assert session.background_method() == Background.NONE
    session.load_reference(drawing_on_paper(tmp_path / "next.jpg"))
    qtbot.waitUntil(lambda: session.reference_name().endswith("next.jpg") and session.reference.sticker() is not None,
                    timeout=WAIT_MS)
    assert session.background_method() == default and panel.background_method() == default.value
    still = session.reference.sticker().frames[0][..., 3]
    assert still[:4, :4].max() <= 8 and still[53, 48] >= 247  # cut out again, the belly kept


def test_import_only_imports(qtbot, window: MainWindow, tmp_path: Path) -> None:
    """Issue 25: Ctrl+I (import as new stickers) adds to the pack and leaves the reference alone."""
    session = window.session
    animate(qtbot, window, drawing_on_paper(tmp_path / "ref.jpg"))
    reference, name = session.reference.sticker(), session.reference_name()
    session.import_files([drawing_on_paper(tmp_path / "new.jpg")])
    qtbot.waitUntil(lambda: len(window.document.entries()) == 2, timeout=WAIT_MS)
    assert session.reference.sticker() is reference and session.reference_name() == name
    assert window.reference_panel.reference() is reference


def test_imported_drawing_goes_into_the_pack_cut_out(qtbot, window: MainWindow, tmp_path: Path) -> None:
    """Importing (drop / Ctrl+I) a JPEG drawing adds it to the pack already cut out, not as a white card."""
    window.session.import_files([drawing_on_paper(tmp_path / "a.jpg"), drawing_on_paper(tmp_path / "b.jpg")])
    qtbot.waitUntil(lambda: len(window.document.entries()) == 2, timeout=WAIT_MS)
    for entry in window.document.entries():
        a = entry.sticker.frames[0][..., 3]
        assert a[:4, :4].max() <= 8 and a[53, 48] >= 247  # corners gone, the white belly kept
