"""Issue 10's "done when": a drawing on white paper dropped into the app comes out as a clean animated
sticker with its white parts kept and its holes open, with no extra clicks — using the bundled
matting head (the default background method when the head takes the layout prior)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PIL import Image, ImageDraw
from PySide6.QtCore import Qt
from scipy import ndimage

from sticker_studio.engine.matting.cutout import Background
from sticker_studio.ui.main_window import MainWindow
from window_fixtures import open_main_window

WAIT_MS = 60_000
SIDE = 256


@pytest.fixture()
def window(qtbot, tmp_path: Path) -> MainWindow:
    with open_main_window(qtbot, tmp_path) as win:  # the default manifest: the bundled matting head
        yield win


def drawing_on_paper(path: Path) -> Path:
    """A JPEG on white paper: an orange character with a white belly and white eyes, holding a
    green ring whose hole shows the paper (drawn at 2x and downsampled, like a scan)."""
    s = 2
    image = Image.new("RGB", (SIDE * s, SIDE * s), "white")
    d = ImageDraw.Draw(image)
    ink = (35, 30, 40)
    d.ellipse((40 * s, 40 * s, 160 * s, 200 * s), fill=(240, 150, 60), outline=ink, width=4 * s)   # body
    d.ellipse((70 * s, 110 * s, 130 * s, 180 * s), fill="white", outline=ink, width=3 * s)        # belly
    for x in (75, 110):                                                                          # eyes
        d.ellipse((x * s, 65 * s, (x + 18) * s, 85 * s), fill="white", outline=ink, width=2 * s)
        d.ellipse(((x + 6) * s, 71 * s, (x + 12) * s, 79 * s), fill=ink)
    d.ellipse((150 * s, 100 * s, 230 * s, 180 * s), fill=(70, 170, 90), outline=ink, width=4 * s)  # ring
    d.ellipse((175 * s, 125 * s, 205 * s, 155 * s), fill="white", outline=ink, width=3 * s)       # its hole
    image.resize((SIDE, SIDE), Image.Resampling.LANCZOS).save(path, quality=88)
    return path


def enclosed_transparent_area(alpha: np.ndarray) -> int:
    """Pixels of transparent regions that do not touch the border (holes)."""
    labels, n = ndimage.label(alpha < 32)
    edge = set(np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))) - {0}
    sizes = np.bincount(labels.ravel(), minlength=n + 1)
    return int(sum(sizes[i] for i in range(1, n + 1) if i not in edge))


def opaque_white_area(frame: np.ndarray) -> int:
    return int(((frame[..., 3] >= 240) & (frame[..., :3].min(axis=-1) >= 225)).sum())


def test_drawing_on_white_paper_keeps_white_parts_and_opens_holes(qtbot, window: MainWindow, tmp_path: Path) -> None:
    window.session.load_reference(drawing_on_paper(tmp_path / "drawing.jpg"))
    panel = window.reference_panel
    qtbot.waitUntil(lambda: panel.reference() is not None, timeout=WAIT_MS)
    assert window.session.background_method() == Background.MODEL  # the bundled head is the default: no clicks
    still = window.session.reference.sticker().frames[0]
    a = still[..., 3]
    assert a[:6].max() <= 8 and a[-6:].max() <= 8 and a[:, :6].max() <= 8  # the paper is gone
    assert a[145, 100] >= 240 and still[145, 100, :3].min() >= 225         # the white belly is kept, white
    assert a[75, 84] >= 240                                                 # an eye white is kept
    assert a[140, 190] <= 16                                                # the ring's hole is open
    assert a[140, 162] >= 240                                               # the ring itself is opaque
    panel.set_preset("bounce")
    panel.frames_spin.setValue(6)
    qtbot.mouseClick(panel.animate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.document.entries()) == 1, timeout=WAIT_MS)
    frames = window.document.current_sticker().frames
    hole, belly = enclosed_transparent_area(a), opaque_white_area(still)
    assert hole > 300 and belly > 2000
    for f in frames:  # every frame of the animated sticker: the hole stays open, the belly stays
        scale = (f.shape[0] / SIDE) ** 2
        assert enclosed_transparent_area(f[..., 3]) > 0.4 * hole * scale
        assert opaque_white_area(f) > 0.6 * belly * scale


def test_a_flip_reuses_the_heads_alpha(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sticker_studio.core.sticker import Sticker
    from sticker_studio.engine.matting import matte as matting
    from sticker_studio.engine.matting.cutout import MattingHeadCache, cut_out

    rgb = np.asarray(Image.open(drawing_on_paper(tmp_path / "d.jpg")).convert("RGB"))
    sticker = Sticker([np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])], [100])
    heads = MattingHeadCache()
    first = cut_out(sticker, Background.MODEL, heads)
    track = first.region_at(190, 140)  # the ring's hole
    assert track and first.kept[track] is False and first.network_alpha is not None
    calls = []
    real = matting.run_head
    monkeypatch.setattr(matting, "run_head", lambda *a, **k: calls.append(1) or real(*a, **k))
    flipped = cut_out(sticker, Background.MODEL, heads, flips={track: True}, previous=first)
    assert not calls                                           # the head did not run again
    assert flipped.sticker.frames[0][140, 190, 3] == 255 and flipped.kept[track] is True
    fresh = cut_out(sticker, Background.MODEL, heads, flips={track: True})
    assert calls and np.array_equal(fresh.sticker.frames[0], flipped.sticker.frames[0])


def test_close_calls_are_striped_in_the_panel_until_flipped(qtbot, window: MainWindow, tmp_path: Path) -> None:
    from sticker_studio.core.sticker import Sticker
    from sticker_studio.engine.matting.cutout import MattingHeadCache, close_calls, cut_out
    from sticker_studio.ui.reference_panel import CLOSE_CALL_COLOUR, CLOSE_CALL_HINT

    rgb = np.asarray(Image.open(drawing_on_paper(tmp_path / "d.jpg")).convert("RGB"))
    sticker = Sticker([np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])], [100])
    heads = MattingHeadCache()
    first = cut_out(sticker, Background.MODEL, heads)
    hole = first.region_at(190, 140)
    assert hole and hole not in first.close_calls  # the bundled head is sure of the ring's hole
    # the same cut-out, had the head been unsure there (mean alpha 0.55 over the hole)
    assert first.network_alpha is not None and first.regions is not None
    unsure = first.network_alpha.copy()
    unsure[0][first.regions == hole] = 0.55
    first.network_alpha = unsure
    doubtful = cut_out(sticker, Background.MODEL, heads, previous=first)
    assert hole in doubtful.close_calls and doubtful.kept[hole] is True
    mask = doubtful.close_call_mask()
    assert mask is not None and mask[140, 190] and not mask[5, 5]
    assert close_calls(unsure, [first.regions], {hole: False}) == doubtful.close_calls - {hole}  # a flip settles it

    panel = window.reference_panel
    panel.set_reference(doubtful.sticker, "d.jpg", sticker, mask)
    assert "check striped" in panel.info.text() and CLOSE_CALL_HINT in panel.drop_area.toolTip()
    image = panel.drop_area.label.pixmap().toImage()
    point = panel.drop_area.label.point_of(190, 140)
    pixmap_rect = panel.drop_area.label.image_rect()
    assert pixmap_rect is not None
    colours = set()
    for dx in range(-6, 7):
        c = image.pixelColor(int(point.x() - pixmap_rect.x()) + dx, int(point.y() - pixmap_rect.y()))
        colours.add((c.red(), c.green(), c.blue()))
    assert CLOSE_CALL_COLOUR in colours  # the stripes are drawn over the region
    panel.set_reference(doubtful.sticker, "d.jpg", sticker, None)
    assert "check striped" not in panel.info.text()


def test_paper_the_head_kept_can_be_clicked_away(monkeypatch: pytest.MonkeyPatch) -> None:
    """A head that keeps a white blob beside the subject (as around a glow): one click removes it."""
    import torch

    from sticker_studio.core.sticker import Sticker
    from sticker_studio.engine.matting import matte as matting
    from sticker_studio.engine.matting.cutout import MattingHeadCache, cut_out
    from sticker_studio.training.matting.train import build_matting_head

    yy, xx = np.mgrid[0:128, 0:128]
    disc = np.hypot(yy - 64, xx - 50) < 20
    blob = (np.hypot(yy - 64, xx - 84) < 14) & ~disc
    frame = np.full((128, 128, 4), 255, np.uint8)
    frame[disc, :3] = (30, 40, 160)
    frame[blob & (xx > 90), :3] = (255, 250, 200)  # a pale-yellow glow on part of the blob
    alpha = torch.zeros(1, 1, 128, 128)
    alpha[0, 0][torch.from_numpy(disc | blob)] = 1.0
    monkeypatch.setattr(matting, "run_head", lambda head, x, **kw: alpha.clone())
    heads = MattingHeadCache()
    monkeypatch.setattr(heads, "head", lambda: build_matting_head("layout-tiny").eval())
    cut = cut_out(Sticker([frame], [100]), Background.MODEL, heads)
    track = cut.region_at(86, 64)
    assert track and cut.kept[track] is True and cut.sticker.frames[0][64, 86, 3] == 255
    flipped = cut_out(Sticker([frame], [100]), Background.MODEL, heads, flips={track: False}, previous=cut)
    assert flipped.sticker.frames[0][64, 86, 3] == 0 and flipped.sticker.frames[0][64, 50, 3] == 255
    assert flipped.kept[track] is False
    glow = flipped.sticker.frames[0][64, 94]
    assert 40 <= glow[3] <= 70 and glow[2] < 60  # the glow stays a faint glow (its colour's least opacity), yellow


def test_the_kept_regions_are_the_votes_decisions_not_read_back_from_pixels() -> None:
    from sticker_studio.engine.matting.cutout import vote_decisions

    votes = {1: 0.9, 2: 0.1, 3: 0.5}  # the vote's numbers: mean alpha over each region's core
    assert vote_decisions(votes, None) == {1: True, 2: False, 3: True}
    assert vote_decisions(votes, {1: False, 2: True}) == {1: False, 2: True, 3: True}  # the user's flips win
