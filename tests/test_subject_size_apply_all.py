"""Issue 25: the default subject size follows the messengers' own art, and "apply to all stickers
in the pack" brings every sticker to the pack's size, undoably."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sticker_studio.core.motion.presets import DEFAULT_SUBJECT_SIZE, animate
from sticker_studio.core.pack.subject_fit import rescale_subject, subject_box, subject_fraction
from sticker_studio.core.sticker import Sticker


def disc(side: int = 128, radius: int = 40) -> np.ndarray:
    yy, xx = np.mgrid[0:side, 0:side]
    frame = np.zeros((side, side, 4), np.uint8)
    frame[(yy - side / 2 + 0.5) ** 2 + (xx - side / 2 + 0.5) ** 2 <= radius ** 2] = (220, 80, 40, 255)
    return frame


def longer_side_fraction(frame: np.ndarray) -> float:
    box = subject_box(frame)
    assert box is not None
    return max(box[2] - box[0], box[3] - box[1]) / min(frame.shape[:2])


def test_the_default_subject_size_is_what_messengers_art_fills() -> None:
    """Fluent Emoji fill 0.88 of their canvas, Noto 0.94 (measured in subject_fit's docstring);
    0.65 looked small beside them."""
    assert 0.8 <= DEFAULT_SUBJECT_SIZE <= 0.9
    made = animate(disc(), "nod", frames=4)  # the motion's room may take a little off the default
    assert 0.75 <= made.metadata["subject_size"] <= DEFAULT_SUBJECT_SIZE + 0.01
    assert max(longer_side_fraction(f) for f in made.frames) >= 0.75


def test_art_library_fill_is_as_documented() -> None:
    """The figures behind the default: the shipped Fluent and Noto art's longer side over the canvas."""
    from sticker_studio.core.text.art_library import ArtLibrary, icon_svg
    from sticker_studio.formats.svg_render import render_svg

    library = ArtLibrary.load()
    for style, expected in (("fluent-emoji-flat", 0.88), ("noto", 0.94)):
        icons = library.icon_set(style)
        names = sorted(icons["icons"])[::max(1, len(icons["icons"]) // 12)][:12]
        fills = [longer_side_fraction(render_svg(icon_svg(icons, n), 128)) for n in names]
        assert float(np.median(fills)) == pytest.approx(expected, abs=0.03), style


def test_rescale_brings_a_small_subject_to_the_packs_size() -> None:
    small = animate(disc(), "nod", frames=4, subject_size=0.5)
    made_at = subject_fraction(small)  # what animate recorded
    assert made_at == pytest.approx(0.5, abs=0.05)
    bigger = rescale_subject(small, 0.8)
    assert bigger is not None and bigger.size == small.size and bigger.durations_ms == small.durations_ms
    assert bigger.metadata["subject_size"] == pytest.approx(0.8, abs=0.01)
    grown = longer_side_fraction(bigger.frames[0]) / longer_side_fraction(small.frames[0])
    assert grown == pytest.approx(0.8 / made_at, abs=0.04)
    assert rescale_subject(bigger, 0.8) is None  # already there
    assert rescale_subject(Sticker([np.zeros((32, 32, 4), np.uint8)], [100]), 0.8) is None  # blank


def test_rescale_never_pushes_the_motion_off_the_canvas() -> None:
    frames = []
    for dx in (-30, 0, 30):  # a subject that travels from side to side
        frames.append(np.roll(disc(radius=20), dx, axis=1))
    sticker = Sticker(frames, [100] * 3)
    grown = rescale_subject(sticker, 0.95)
    assert grown is not None
    for frame in grown.frames:
        box = subject_box(frame)
        assert box is not None and box[0] > 0 and box[2] < frame.shape[1]  # nothing cut off at the sides


pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")


def test_apply_to_all_is_one_undoable_step(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from window_fixtures import open_main_window, use_no_models

    use_no_models(tmp_path, monkeypatch)
    with open_main_window(qtbot, tmp_path) as window:
        document, session = window.document, window.session
        document.add_sticker(animate(disc(), "nod", frames=3, subject_size=0.5), name="small")
        document.add_sticker(animate(disc(), "nod", frames=3, subject_size=0.6), name="medium")
        before = [longer_side_fraction(e.sticker.frames[0]) for e in document.entries()]
        made_at = [e.sticker.metadata["subject_size"] for e in document.entries()]
        assert session.set_subject_size(0.8)
        window.pack_panel.apply_size_button.click()
        qtbot.waitUntil(lambda: not session.is_busy(), timeout=60_000)  # the window's warm-up too
        qtbot.wait(50)
        assert [e.sticker.metadata["subject_size"] for e in document.entries()] == [
            pytest.approx(0.8, abs=0.02)] * 2
        after = [longer_side_fraction(e.sticker.frames[0]) for e in document.entries()]
        assert after[0] == pytest.approx(before[0] * 0.8 / made_at[0], abs=0.03)
        assert after[1] == pytest.approx(before[1] * 0.8 / made_at[1], abs=0.03)
        assert "all stickers" in window.window_actions.undo.text()
        window.window_actions.undo.trigger()  # one step takes it back for every sticker
        assert [longer_side_fraction(e.sticker.frames[0]) for e in document.entries()] == before
        assert document.pack.subject_size == pytest.approx(0.8)
