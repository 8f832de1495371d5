"""UI building blocks: frame conversion, settings file, emoji splitting, preview timing, widget factories,
worker cancel, and the model manager's statuses (offscreen, pytest-qt)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from sticker_studio.core.errors import CancelledError
from sticker_studio.core.sticker import Sticker
from sticker_studio.ui.image_convert import qimage_to_rgba, rgba_to_qimage
from sticker_studio.ui.pack_panel import split_emojis
from sticker_studio.ui.preview import PreviewWidget, seam_difference
from sticker_studio.ui.state.settings import AppSettings, load_settings, save_settings, settings_path
from sticker_studio.ui.state.workers import BackgroundJob


def test_rgba_qimage_round_trip_keeps_straight_alpha(qapp) -> None:
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 256, (7, 5, 4), dtype=np.uint8)
    frame[0, 0] = (200, 100, 50, 77)  # a known, partly transparent pixel
    original = frame.copy()
    image = rgba_to_qimage(frame)
    frame[0, 0] = 0  # the QImage owns its own copy
    back = qimage_to_rgba(image)
    assert back.shape == (7, 5, 4)
    assert np.array_equal(back, original)  # straight alpha: colour under partial alpha kept exactly
    assert np.array_equal(back, qimage_to_rgba(rgba_to_qimage(back)))


def test_settings_round_trip_and_bad_files(tmp_path: Path) -> None:
    assert load_settings() == AppSettings()  # no file yet
    s = AppSettings(device="cpu", export_folder=str(tmp_path), preview_background="#ffffff", last_pack="/x")
    save_settings(s)
    assert load_settings() == s
    settings_path().write_text("{ not json")
    assert load_settings() == AppSettings()
    settings_path().write_text(json.dumps({"device": 3, "onion_skin": True, "unknown": 1}))
    loaded = load_settings()
    assert loaded.device == "auto" and loaded.onion_skin is True


def test_split_emojis_keeps_sequences_whole() -> None:
    family = "\U0001F468\u200D\U0001F469\u200D\U0001F467"
    assert split_emojis("😺👋") == ["😺", "👋"]
    assert split_emojis(f"👍🏽 {family}, 🇺🇦") == ["👍🏽", family, "🇺🇦"]
    assert split_emojis("❤️") == ["❤️"]


def test_preview_plays_at_the_stickers_real_timing(qtbot) -> None:
    frames = [np.full((8, 8, 4), v, np.uint8) for v in (10, 120, 240)]
    sticker = Sticker(frames, [40, 240, 40])
    widget = PreviewWidget()
    qtbot.addWidget(widget)
    widget.set_sticker(sticker)
    changes: list[tuple[int, float]] = []
    widget.frame_changed.connect(lambda i: changes.append((i, time.perf_counter())))
    start = time.perf_counter()
    widget.play()
    qtbot.waitUntil(lambda: len(changes) >= 3, timeout=3000)
    widget.pause()
    (i1, t1), (i2, t2) = changes[0], changes[1]
    assert (i1, i2) == (1, 2)
    # lower bounds are the contract (a busy machine only makes frames late); upper bounds only catch a
    # wrong unit (frame 0 is 40 ms: 400 ms would be centiseconds read as ms x 10) and leave room for load
    assert 0.030 <= t1 - start <= 0.350           # frame 0 shows ~40 ms
    # frame 1 ends ~280 ms after the start (40 + 240), never earlier; measured from the start, not from
    # frame 1's own signal, which a busy machine may deliver late
    assert 0.270 <= t2 - start <= 1.200
    # and it loops: the frame shown follows the elapsed time, so a tick that a busy machine delivers more than
    # 40 ms late lands in frame 1 and the 40-ms frame 0 is (rightly) skipped
    assert changes[2][0] in (0, 1)


def test_preview_options_and_seam(qtbot) -> None:
    a = np.zeros((8, 8, 4), np.uint8)
    b = np.full((8, 8, 4), 255, np.uint8)
    widget = PreviewWidget()
    qtbot.addWidget(widget)
    widget.set_sticker(Sticker([a, b, a], [50, 50, 50]))
    assert seam_difference(widget.sticker()) == 0.0
    assert seam_difference(Sticker([a, b], [50, 50])) == 1.0
    widget.set_background("#ffffff")
    assert widget.background() == "#ffffff"
    widget.set_background("not a colour")
    assert widget.background() == "checker"
    widget.set_onion_skin(True)
    widget.set_zoom(2.0)
    widget.resize(200, 200)
    assert not widget.grab().isNull()
    widget.step(-1)
    assert widget.current_index() == 2


def test_background_job_cancel_and_errors(qtbot) -> None:
    started = threading.Event()

    def slow(progress, cancel):
        started.set()
        for i in range(1000):
            if cancel.is_set():
                raise CancelledError("stopped")
            progress(i, 1000)
            time.sleep(0.002)
        return "done"

    job = BackgroundJob(slow)
    with qtbot.waitSignal(job.cancelled, timeout=5000):
        job.start()
        assert started.wait(5)
        job.cancel()
    qtbot.waitUntil(lambda: not job.is_running(), timeout=5000)

    from sticker_studio.core.errors import InvalidInputError

    def bad(progress, cancel):
        raise InvalidInputError("that file is not an image")

    job2 = BackgroundJob(bad)
    with qtbot.waitSignal(job2.failed, timeout=5000) as blocker:
        job2.start()
    assert blocker.args == ["that file is not an image"]
    assert isinstance(job2.error, InvalidInputError)
    job2.wait()


def test_model_manager_statuses(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sticker_studio.engine.store.manifest import ModelEntry, ModelFile, write_manifest_file
    from sticker_studio.ui.dialogs.model_manager import ModelManagerDialog, model_statuses

    resources = tmp_path / "resources"
    good = resources / "models" / "good"
    good.mkdir(parents=True)
    (good / "w.bin").write_bytes(b"weights")
    import hashlib

    digest = hashlib.sha256(b"weights").hexdigest()
    f = ModelFile("w.bin", digest, 7)
    entries = [
        ModelEntry("good", "matting-head", "bundled:resources/models/good", (f,)),
        ModelEntry("gone", "matting-head", "bundled:resources/models/gone", (f,)),
        ModelEntry("remote", "dfgn", "hf:someone/model@abc", (f,)),
    ]
    manifest = tmp_path / "m.json"
    write_manifest_file(manifest, entries)
    monkeypatch.setenv("STICKER_STUDIO_RESOURCES", str(resources))
    monkeypatch.setenv("STICKER_STUDIO_MANIFEST", str(manifest))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert [s.status for s in model_statuses()] == ["bundled", "missing", "missing"]
    (good / "w.bin").write_bytes(b"WEIGHTS")
    assert model_statuses(use_cache=False)[0].status == "corrupt"

    dialog = ModelManagerDialog()
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 3
    dialog.select_model("remote")
    assert dialog.download_button.isEnabled()
    with qtbot.waitSignal(dialog.models_changed, timeout=10_000):
        dialog.start_download()  # offline: a clear message, no traceback
    assert "not downloaded" in dialog.status.text() and "offline" in dialog.status.text()
    dialog.select_model("good")
    with qtbot.waitSignal(dialog.models_changed, timeout=10_000):
        dialog.start_verify()
    assert "sha256" in dialog.status.text() and "manifest says" in dialog.status.text()


# ------------------------------------------------------------------- export dialog (pack export)
def test_export_dialog_remembers_targets_and_names_failing_stickers(qtbot, tmp_path, monkeypatch) -> None:
    import numpy as np

    from sticker_studio.core.errors import BudgetError
    from sticker_studio.core.pack.pack import StickerPack
    from sticker_studio.core.sticker import Sticker
    from sticker_studio.formats import fit_pool
    from sticker_studio.ui.dialogs.export import ExportDialog
    from sticker_studio.ui.state.settings import AppSettings, load_settings

    pack = StickerPack.create(tmp_path / "pack", "Dialog pack")
    frame = np.zeros((32, 32, 4), np.uint8)
    frame[8:24, 8:24] = (200, 50, 50, 255)
    pack.add(Sticker([frame], [100]), name="still one")  # a still: must not stop the export
    moving = [np.roll(frame, k, axis=1) for k in range(4)]
    pack.add(Sticker(moving, [100] * 4), name="mover")
    pack.add(Sticker(moving[::-1], [100] * 4), name="the bad one")
    settings = AppSettings(export_targets=["slack", "whatsapp"])
    dialog = ExportDialog(list(pack.entries), tmp_path / "out", None, title=pack.title, settings=settings)
    qtbot.addWidget(dialog)
    assert dialog.selected_targets() == ["whatsapp", "slack"]  # remembered ticks, in table order
    with qtbot.waitSignal(dialog.export_finished, timeout=60_000) as done:
        dialog.start_export()
    assert all(o.ok for o in done.args[0].values()), done.args[0]
    assert (tmp_path / "out" / "whatsapp" / "contents.json").is_file()
    assert load_settings().export_targets == ["whatsapp", "slack"]

    real = fit_pool._fit_one

    def fit(sticker, target):
        if np.array_equal(sticker.frames[0], moving[3]):  # the first frame of 'the bad one'
            raise BudgetError("too big (test)")
        return real(sticker, target)

    monkeypatch.setattr(fit_pool, "_fit_one", fit)  # fitted in this process (one worker), not from the cache
    monkeypatch.setenv(fit_pool.WORKERS_ENV, "1")
    fit_pool.DEFAULT_CACHE.clear()
    dialog.set_selected_targets(["slack"])
    with qtbot.waitSignal(dialog.export_finished, timeout=60_000) as failed:
        dialog.start_export()
    assert failed.args[0]["slack"].problems == ["the bad one: too big (test)"]
    assert "the bad one" in dialog.status.text() and "Nothing was written" in dialog.status.text()
    dialog.reject()


def test_widget_factories_set_what_they_are_given(qapp) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QStyle, QToolButton, QWidget

    from sticker_studio.ui.widgets import cancel_and_progress, double_spin_box, section_column, spin_box, tool_button

    panel = QWidget()
    layout = section_column(panel, "Pack")
    title = layout.itemAt(0).widget()
    assert title.objectName() == "sectionTitle" and title.text() == "Pack"
    spin = spin_box(panel, 0, 1024, step=32, special_text="drawing's size", suffix=" px", tooltip="side")
    assert (spin.minimum(), spin.maximum(), spin.value(), spin.singleStep()) == (0, 1024, 0, 32)
    texts = (spin.specialValueText(), spin.suffix(), spin.prefix(), spin.toolTip())
    assert texts == ("drawing's size", " px", "", "side")
    speed = double_spin_box(panel, 0.25, 4.0, value=1.0, step=0.25, prefix="speed ×")
    assert (speed.minimum(), speed.maximum(), speed.value(), speed.singleStep(), speed.prefix()) == (
        0.25, 4.0, 1.0, 0.25, "speed ×")
    button = tool_button(panel, "Open…", icon=QStyle.StandardPixmap.SP_DialogOpenButton, text_beside_icon=True)
    assert button.text() == "Open…" and not button.icon().isNull() and not button.isCheckable()
    assert button.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon
    toggle = tool_button(panel, "More", checkable=True, tooltip="more")
    assert toggle.isCheckable() and toggle.toolTip() == "more" and toggle.icon().isNull()
    assert isinstance(toggle, QToolButton)
    cancelled: list[bool] = []
    cancel, progress = cancel_and_progress(panel, lambda: cancelled.append(True))
    assert cancel.text() == "Cancel" and not cancel.isEnabled() and progress.isHidden()
    cancel.setEnabled(True)
    cancel.click()
    assert cancelled == [True]
