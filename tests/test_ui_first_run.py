"""The first start opens on the bundled sample with one line on what to try; later starts do not."""

from __future__ import annotations

from pathlib import Path

from sticker_studio.ui.app import build_window
from sticker_studio.ui.first_run import FIRST_RUN_HINT, sample_drawing
from sticker_studio.ui.state.settings import AppSettings


def test_first_start_opens_on_the_sample_with_a_hint(qtbot) -> None:
    assert sample_drawing() is not None, "the checkout ships resources/samples/bounce.*"
    window = build_window(settings=AppSettings())
    qtbot.addWidget(window)
    entries = window.document.entries()
    assert len(entries) == 1
    sticker = window.document.current_sticker()
    assert sticker is not None and len(sticker.frames) >= 1
    assert window.statusBar().currentMessage() == FIRST_RUN_HINT
    assert window.session.settings.reference_path  # the sample is the reference too
    window.document.close()


def test_a_later_start_opens_the_last_pack_without_the_sample(qtbot, tmp_path: Path) -> None:
    first = build_window(settings=AppSettings())
    qtbot.addWidget(first)
    folder = first.document.folder
    first.document.save_now()
    first.document.close()
    again = build_window(settings=AppSettings(last_pack=str(folder)))
    qtbot.addWidget(again)
    assert len(again.document.entries()) == 1  # the same pack, not a second sample
    assert again.statusBar().currentMessage() != FIRST_RUN_HINT
    again.document.close()


def test_no_sample_on_an_explicit_pack(qtbot, tmp_path: Path) -> None:
    window = build_window(pack_folder=tmp_path / "Mine", settings=AppSettings())
    qtbot.addWidget(window)
    assert window.document.entries() == []
    window.document.close()
