"""The reference model and the session without a window (issues 21 and 25).

:class:`ReferenceModel` cuts the reference out on a worker (the newest request wins), keeps
the Background choice per reference (a new one starts with the default) and the region flips
per method; :class:`StudioSession` holds it as ``session.reference``.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PIL import Image, ImageDraw

from sticker_studio.core.sticker import Sticker
from sticker_studio.engine.matting.cutout import Background, MattingHeadCache
from sticker_studio.ui.state.document import PackDocument, open_or_create_pack
from sticker_studio.ui.state.motion import MotionChoice
from sticker_studio.ui.state.reference import ReferenceModel
from sticker_studio.ui.state.session import StudioSession
from sticker_studio.ui.state.settings import AppSettings
from window_fixtures import use_no_models

WAIT_MS = 20_000
HOLE = (34, 46)


def ring(paper: tuple[int, int, int] = (255, 255, 255)) -> np.ndarray:
    """A red ring (paper through its hole) beside a blue body with a white belly, JPEG-noisy, opaque."""
    image = Image.new("RGB", (128, 96), paper)
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 20, 60, 72), fill=(200, 60, 60), outline=(20, 20, 40), width=3)
    draw.ellipse((22, 34, 46, 58), fill=paper, outline=(20, 20, 40), width=2)
    draw.ellipse((70, 14, 120, 84), fill=(40, 90, 200), outline=(20, 20, 40), width=3)
    draw.ellipse((82, 36, 108, 70), fill="white", outline=(20, 20, 40), width=2)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    rgb = np.asarray(Image.open(buffer).convert("RGB"))
    return np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])


@pytest.fixture()
def model(qtbot) -> ReferenceModel:
    reference = ReferenceModel(AppSettings(), heads=MattingHeadCache.of(None))  # no head: colour key default
    yield reference
    for job in list(reference.jobs):
        job.wait(WAIT_MS)


def settle(qtbot, reference: ReferenceModel) -> None:
    qtbot.waitUntil(lambda: not reference.is_busy(), timeout=WAIT_MS)


def alpha(reference: ReferenceModel, point: tuple[int, int]) -> int:
    sticker = reference.sticker()
    assert sticker is not None
    return int(sticker.frames[0][point[1], point[0], 3])


def test_the_cut_out_runs_on_a_worker_and_says_it_is_busy(qtbot, model: ReferenceModel) -> None:
    busy: list[bool] = []
    model.busy_changed.connect(busy.append)
    with qtbot.waitSignal(model.changed, timeout=WAIT_MS) as shown:
        job = model.set_reference(Sticker([ring()], [100]), "ring.jpg")
        assert job is not None and model.is_busy() and model.sticker() is None  # not cut out yet
    assert shown.args[0] is model.sticker() and shown.args[1] == "ring.jpg"
    settle(qtbot, model)
    assert busy[0] is True and busy[-1] is False
    assert alpha(model, (2, 2)) == 0 and alpha(model, (95, 53)) == 255  # the paper is gone, the belly kept
    assert model.original().frames[0][2, 2, 3] == 255


def test_the_newest_request_wins(qtbot, model: ReferenceModel) -> None:
    """Three drawings in a row: only the last one's cut-out is ever shown."""
    shown: list[str] = []
    model.changed.connect(lambda sticker, name: shown.append(name))
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        model.set_reference(Sticker([ring()], [100]), name)
    settle(qtbot, model)
    qtbot.wait(100)  # a stale result that arrives late is dropped too
    assert shown == ["c.jpg"] and model.name() == "c.jpg"


def test_flips_are_kept_per_method_and_saved(qtbot, model: ReferenceModel) -> None:
    model.set_reference(Sticker([ring()], [100]), "ring.jpg")
    settle(qtbot, model)
    assert model.background() is Background.COLOUR_KEY and alpha(model, HOLE) == 255
    track = model.region_at(*HOLE)
    assert model.flip_region_at(*HOLE)
    settle(qtbot, model)
    assert alpha(model, HOLE) <= 8 and model.flips() == {track: False}
    model.set_background(Background.LINE_ART)
    settle(qtbot, model)
    assert model.flips() == {}  # line art's closed shapes have flips of their own
    model.set_background(Background.COLOUR_KEY)
    settle(qtbot, model)
    assert model.flips() == {track: False} and alpha(model, HOLE) <= 8  # back with the method
    assert model.settings.reference_flips_by_method == {"colour-key": {str(track): False}}
    assert model.settings.reference_background == "colour-key"
    model.stack.undo()
    settle(qtbot, model)
    assert alpha(model, HOLE) == 255 and model.flips() == {}


def test_each_new_reference_starts_with_the_default_background(qtbot, model: ReferenceModel) -> None:
    model.set_reference(Sticker([ring()], [100]), "first.png")
    model.set_background(Background.NONE)
    settle(qtbot, model)
    assert alpha(model, (2, 2)) == 255  # "none": the paper stays
    model.set_reference(Sticker([ring()], [100]), "next.jpg")
    settle(qtbot, model)
    assert model.background() is model.default_background() is Background.COLOUR_KEY
    assert alpha(model, (2, 2)) == 0 and model.settings.reference_background == ""


def test_the_session_holds_the_reference_without_a_window(qtbot, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    use_no_models(tmp_path, monkeypatch)
    document = PackDocument(open_or_create_pack(tmp_path / "pack", "Test"), autosave_delay_ms=30)
    session = StudioSession(document, AppSettings())
    try:
        assert isinstance(session.reference, ReferenceModel)
        assert session.animate(MotionChoice(preset="bounce", frames=4)) is None  # nothing to animate yet
        with qtbot.waitSignal(session.reference_changed, timeout=WAIT_MS):
            session.set_reference(Sticker([ring()], [100]), "ring.jpg")
        qtbot.waitUntil(lambda: not session.is_busy(), timeout=WAIT_MS)
        assert session.reference.sticker().frames[0][2, 2, 3] == 0
        drawing = tmp_path / "other.png"
        Image.fromarray(ring()[..., :3]).save(drawing)
        session.import_files([drawing])
        qtbot.waitUntil(lambda: len(document.entries()) == 1, timeout=WAIT_MS)
        assert session.reference_name() == "ring.jpg"  # importing does not replace the reference
        assert document.entries()[0].sticker.frames[0][2, 2, 3] == 0  # the import was cut out too
        session.animate(MotionChoice(preset="bounce", frames=4))
        qtbot.waitUntil(lambda: len(document.entries()) == 2, timeout=WAIT_MS)
        assert document.entries()[1].sticker.frame_count == 4
    finally:
        session.shutdown()
