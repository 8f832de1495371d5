"""Click a white region of the reference's cut-out to flip it, keep <-> remove (issue 10).

On white paper the colour key keeps every enclosed white region: the ring's hole (paper
showing through) as well as the character's belly. A click on the thumbnail removes the
hole in every frame; Undo brings it back.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PIL import Image, ImageDraw
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest

from sticker_studio.core.matte.background import remove_background_colorkey
from sticker_studio.core.sticker import Sticker
from sticker_studio.engine.matting.cutout import Background, MattingHeadCache, cut_out
from sticker_studio.ui.main_window import MainWindow
from sticker_studio.ui.reference_panel import FLIP_HINT
from window_fixtures import open_main_window, use_no_models

W, H = 128, 96
HOLE = (34, 46)    # centre of the ring's hole
BELLY = (95, 53)   # centre of the character's white belly
BODY = (80, 30)    # the character's blue body: not an enclosed region
PAPER = (3, 3)


@pytest.fixture()
def window(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MainWindow:
    use_no_models(tmp_path, monkeypatch)  # no matting head: the default is the colour key
    with open_main_window(qtbot, tmp_path) as win:
        yield win


def ring_and_bear(dx: int = 0) -> np.ndarray:
    """A red ring (white paper through its hole) and a blue character with a white belly, on
    white, JPEG-compressed, opaque RGBA; ``dx`` moves the ring (for an animated reference)."""
    image = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((8 + dx, 20, 60 + dx, 72), fill=(200, 60, 60), outline=(20, 20, 40), width=3)
    draw.ellipse((22 + dx, 34, 46 + dx, 58), fill="white", outline=(20, 20, 40), width=2)
    draw.ellipse((70, 14, 120, 84), fill=(40, 90, 200), outline=(20, 20, 40), width=3)
    draw.ellipse((82, 36, 108, 70), fill="white", outline=(20, 20, 40), width=2)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    rgb = np.asarray(Image.open(buffer).convert("RGB"))
    return np.dstack([rgb, np.full((H, W), 255, np.uint8)])


def alpha_at(window: MainWindow, point: tuple[int, int], frame: int = 0) -> int:
    reference = window.session.reference.sticker()
    assert reference is not None
    return int(reference.frames[frame][point[1], point[0], 3])


def click_thumbnail(window: MainWindow, point: tuple[int, int]) -> None:
    label = window.reference_panel.drop_area.label
    QTest.mouseClick(label, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, label.point_of(*point))


def no_head() -> MattingHeadCache:
    heads = MattingHeadCache()
    heads._tried = True  # as if none were installed
    return heads


def test_colour_key_cut_out_is_unchanged_without_flips() -> None:
    frame = ring_and_bear()
    cut = cut_out(Sticker([frame], [100]), Background.COLOUR_KEY, no_head())
    assert np.array_equal(cut.sticker.frames[0], remove_background_colorkey(frame))
    assert cut.region_at(*HOLE) and cut.region_at(*BELLY) and cut.region_at(*HOLE) != cut.region_at(*BELLY)
    assert cut.region_at(*PAPER) == 0 and cut.region_at(*BODY) == 0 and cut.region_at(-1, 500) == 0
    assert cut.kept == {cut.region_at(*HOLE): True, cut.region_at(*BELLY): True}


def settle(qtbot, window: MainWindow) -> None:
    """Wait until the reference's cut-out jobs (on workers) are done."""
    qtbot.waitUntil(lambda: not window.session.reference.is_busy(), timeout=10_000)


def test_clicking_the_hole_removes_it_and_undo_brings_it_back(qtbot, window: MainWindow) -> None:
    session, actions = window.session, window.window_actions
    session.set_reference(Sticker([ring_and_bear()], [100]), "ring.jpg")
    settle(qtbot, window)
    assert session.background_method() == Background.COLOUR_KEY
    assert alpha_at(window, HOLE) == 255 and alpha_at(window, BELLY) == 255  # the key keeps both
    with qtbot.waitSignal(window.reference_panel.region_clicked):
        click_thumbnail(window, HOLE)
    settle(qtbot, window)
    assert alpha_at(window, HOLE) <= 8                       # the hole is open
    assert alpha_at(window, BELLY) == 255                    # the belly is still white
    assert window.reference_panel.reference() is session.reference.sticker()  # the panel shows the new cut-out
    assert actions.undo.isEnabled() and "region" in actions.undo.text().lower()
    actions.undo.trigger()
    settle(qtbot, window)
    assert alpha_at(window, HOLE) == 255 and session.reference_flips() == {}
    actions.redo.trigger()
    settle(qtbot, window)
    assert alpha_at(window, HOLE) <= 8
    click_thumbnail(window, HOLE)                            # and a second click keeps it again
    settle(qtbot, window)
    assert alpha_at(window, HOLE) == 255


def test_a_flip_applies_to_every_frame(qtbot, window: MainWindow) -> None:
    frames = [ring_and_bear(dx) for dx in (0, 2, 4, 6)]
    session = window.session
    session.set_reference(Sticker(frames, [80] * 4), "ring.gif")
    settle(qtbot, window)
    assert session.flip_region_at(*HOLE)
    settle(qtbot, window)
    reference = session.reference.sticker()
    assert reference is not None and reference.frame_count == 4 and reference.durations_ms == [80] * 4
    for k, dx in enumerate((0, 2, 4, 6)):
        assert alpha_at(window, (HOLE[0] + dx, HOLE[1]), k) <= 8, k   # the moving hole is open everywhere
        assert alpha_at(window, BELLY, k) == 255
    window.window_actions.undo.trigger()
    settle(qtbot, window)
    assert all(alpha_at(window, (HOLE[0] + dx, HOLE[1]), k) == 255 for k, dx in enumerate((0, 2, 4, 6)))


def test_a_click_where_no_region_is_does_nothing(qtbot, window: MainWindow) -> None:
    session = window.session
    session.set_reference(Sticker([ring_and_bear()], [100]), "ring.jpg")
    settle(qtbot, window)
    before = session.reference.sticker()
    for point in (PAPER, BODY):
        click_thumbnail(window, point)
        assert session.reference.sticker() is before and session.reference_flips() == {}
    assert not session.reference.is_busy()
    assert "no region there" in window.statusBar().currentMessage().lower()
    assert session.reference_stack.count() == 0
    # "Show original" shows the image as given: a click there flips nothing
    panel = window.reference_panel
    panel.original_button.setChecked(True)
    label = panel.drop_area.label
    event = QMouseEvent(QMouseEvent.Type.MouseButtonPress, QPointF(label.point_of(*HOLE)), QPointF(),
                        Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.assertNotEmitted(panel.region_clicked):
        label.mousePressEvent(event)
    assert session.reference.sticker() is before


def test_flips_survive_a_background_switch_and_back_and_a_new_reference_forgets_them(
        qtbot, window: MainWindow) -> None:
    """Issue 25: a flipped region is kept per reference and per method, not lost on a switch."""
    session = window.session
    session.set_reference(Sticker([ring_and_bear()], [100]), "ring.jpg")
    settle(qtbot, window)
    assert session.flip_region_at(*HOLE) and session.reference_flips()
    settle(qtbot, window)
    flips = session.reference_flips()
    assert FLIP_HINT in window.reference_panel.drop_area.toolTip()
    session.set_background_method(Background.LINE_ART)
    settle(qtbot, window)
    assert session.reference_flips() == {} and session.reference_stack.count() == 1  # the flip's undo stays
    session.set_background_method(Background.COLOUR_KEY)
    settle(qtbot, window)
    assert session.reference_flips() == flips and alpha_at(window, HOLE) <= 8  # the hole is open again
    session.set_reference(Sticker([ring_and_bear()], [100]), "again.jpg")
    settle(qtbot, window)
    assert session.reference_flips() == {} and session.reference_stack.count() == 0
    assert alpha_at(window, HOLE) == 255


def test_flips_come_back_with_the_reference_after_a_restart(qtbot, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from sticker_studio.ui.state.settings import AppSettings, load_settings, save_settings

    use_no_models(tmp_path, monkeypatch)
    drawing = tmp_path / "ring.png"
    Image.fromarray(ring_and_bear()).save(drawing)
    settings = AppSettings()
    with open_main_window(qtbot, tmp_path, settings) as first:
        first.session.load_reference(drawing)
        qtbot.waitUntil(lambda: first.session.reference.sticker() is not None, timeout=10_000)
        track = first.session.reference_region_at(*HOLE)
        assert first.session.flip_region_at(*HOLE)
        settle(qtbot, first)
        assert alpha_at(first, HOLE) <= 8
        first.session.set_background_method(Background.LINE_ART)  # the choice is saved with the reference
        settle(qtbot, first)
    save_settings(settings, tmp_path / "settings.json")
    again = load_settings(tmp_path / "settings.json")
    assert again.reference_background == Background.LINE_ART.value
    assert again.reference_flips_by_method == {Background.COLOUR_KEY.value: {str(track): False}}
    with open_main_window(qtbot, tmp_path, again) as second:
        qtbot.waitUntil(lambda: second.session.reference.sticker() is not None, timeout=10_000)
        settle(qtbot, second)
        assert second.session.background_method() == Background.LINE_ART
        second.session.set_background_method(Background.COLOUR_KEY)
        settle(qtbot, second)
        assert alpha_at(second, HOLE) <= 8 and alpha_at(second, BELLY) == 255  # the hole is still open
        assert second.session.reference_flips() == {second.session.reference_region_at(*HOLE): False}
        assert second.session.reference_stack.count() == 0  # restored, not a new edit
        assert second.session.flip_region_at(*HOLE)
        settle(qtbot, second)
        assert alpha_at(second, HOLE) == 255


def test_flips_and_method_changes_are_cut_out_on_a_worker_and_the_newest_wins(qtbot, window: MainWindow) -> None:
    frames = [ring_and_bear(dx) for dx in (0, 2, 4)]
    session = window.session
    session.set_reference(Sticker(frames, [80] * 3), "ring.gif")
    assert session.reference.is_busy() and window.reference_panel.is_busy()  # the busy indicator shows
    settle(qtbot, window)
    assert not window.reference_panel.is_busy()
    before = session.reference.sticker()
    assert session.flip_region_at(*HOLE)
    assert session.reference_region_kept(session.reference_region_at(*HOLE)) is False  # the pending flip counts
    qtbot.waitUntil(lambda: session.reference.sticker() is not before, timeout=10_000)
    assert all(alpha_at(window, (HOLE[0] + dx, HOLE[1]), k) <= 8 for k, dx in enumerate((0, 2, 4)))
    assert window.reference_panel.reference() is session.reference.sticker()
    # two quick flips: the second one's result wins, whatever order the workers finish in
    assert session.flip_region_at(*BELLY) and session.flip_region_at(*HOLE)
    settle(qtbot, window)
    assert alpha_at(window, HOLE) == 255 and alpha_at(window, BELLY) <= 8
    # a flip still being cut out when another reference arrives is dropped
    assert session.flip_region_at(*HOLE)
    session.set_reference(Sticker([ring_and_bear()], [100]), "other.jpg")
    settle(qtbot, window)
    assert session.reference_name() == "other.jpg" and alpha_at(window, HOLE) == 255
