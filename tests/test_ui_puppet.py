"""The app's puppet: a dropped drawing is rigged on a worker, the rig is shown and fixed
undoably, the motion gallery plays on the drawing, and a character motion becomes a sticker (issue 22)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from sticker_studio.core.puppet.rig import PART_NAMES, RigError
from sticker_studio.ui.main_window import MainWindow
from sticker_studio.ui.state.rig import (
    crop_to_subject,
    fit_drawing,
    moved_joint,
    reference_key,
    rig_path,
    scale_rig,
    with_feature,
    with_limb,
    without_limb,
)
from sticker_studio.ui.state.settings import load_settings
from window_fixtures import open_main_window, use_no_models

WAIT_MS = 60_000
SIDE = 192
#: full-body characters of the art library whose rig has an arm and eyes (the first that renders is used)
CHARACTERS = ("man dancing", "bear", "person standing")


def character_drawing(side: int = SIDE) -> np.ndarray:
    from sticker_studio.core.puppet.autorig import propose_rig
    from sticker_studio.core.puppet.motions import find_character_motion, missing_for
    from sticker_studio.core.text.art_library import ArtLibrary
    from sticker_studio.formats.svg_render import render_svg

    lib = ArtLibrary.load()
    for label in CHARACTERS:
        entry = lib.find(label)
        if entry is None:
            continue
        rgba = render_svg(lib.svg(entry), side)
        rig = propose_rig(rgba)
        if all(not missing_for(find_character_motion(m), rig) for m in ("wave", "blink")):
            return rgba
    raise AssertionError(f"none of {CHARACTERS} rigs with an arm and eyes")


@pytest.fixture(scope="module")
def drawing() -> np.ndarray:
    return character_drawing()


@pytest.fixture()
def drawing_file(tmp_path: Path, drawing: np.ndarray) -> Path:
    path = tmp_path / "dancer.png"
    Image.fromarray(drawing).save(path)
    return path


@pytest.fixture()
def window(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MainWindow:
    use_no_models(tmp_path, monkeypatch)
    with open_main_window(qtbot, tmp_path) as win:
        yield win


def drop(widget, path: Path) -> None:
    """Deliver a file drop (as from a file manager) to ``widget``."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(pos.toPoint(), actions, mime, buttons, mods)
    QApplication.sendEvent(widget, enter)
    event = QDropEvent(pos, actions, mime, buttons, mods)
    QApplication.sendEvent(widget, event)
    assert event.isAccepted()


def rigged(qtbot, win: MainWindow, path: Path) -> None:
    drop(win.reference_panel.drop_area, path)
    qtbot.waitUntil(lambda: win.session.rig.rig() is not None, timeout=WAIT_MS)


def visible_equal(a: np.ndarray, b: np.ndarray) -> bool:
    vis = (a[..., 3] > 0) | (b[..., 3] > 0)
    return bool(np.array_equal(a[..., 3], b[..., 3]) and np.array_equal(a[vis, :3], b[vis, :3]))


# ----------------------------------------------------------- the whole path
def test_drop_rig_gallery_then_animate_wave(qtbot, window: MainWindow, drawing_file: Path, drawing: np.ndarray) -> None:
    """Drop -> rig shown -> wave and blink play in the gallery -> a double-click adds the wave sticker."""
    state = window.session.rig
    gaps: list[float] = []
    last = [0.0]
    rigging = [False]

    def busy(on: bool) -> None:
        rigging[0] = on
        last[0] = time.perf_counter()

    def tick() -> None:
        now = time.perf_counter()
        if rigging[0]:
            gaps.append(now - last[0])
        last[0] = now

    state.busy_changed.connect(busy)
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    rigged(qtbot, window, drawing_file)
    timer.stop()
    print(f"GUI thread while rigging: longest gap {1000 * max(gaps, default=0):.0f} ms over {len(gaps)} ticks")
    assert state.last_rig_thread not in (0, threading.main_thread().ident)  # rigged on a worker

    # the rig is drawn: every joint's handle is painted over the drawing
    overlay = window.reference_panel.character.overlay
    rig = overlay.rig()
    assert rig is state.rig() and rig.has("root")
    shot = overlay.grab().toImage()
    dpr = shot.devicePixelRatio()
    names = list(rig.joints)
    for i, name in enumerate(names):
        joint = rig.joints[name]
        p = overlay.widget_point(joint.x, joint.y)
        later = [overlay.widget_point(*rig.joints[n].xy) for n in names[i + 1:]]
        later += [overlay.widget_point(e.cx, e.cy) for e in rig.face.values()]
        later += [overlay.widget_point(e.cx + e.rx, e.cy + e.ry) for e in rig.face.values()]
        if any(abs(q.x() - p.x()) + abs(q.y() - p.y()) < 14 for q in later):
            continue  # covered by a joint, an eye or the mouth drawn after it
        colour = shot.pixelColor(QPoint(int(p.x() * dpr), int(p.y() * dpr)))
        assert (colour.red(), colour.green(), colour.blue()) in ((255, 255, 255), (255, 170, 170)), name

    gallery = window.reference_panel.character.gallery
    assert {"wave", "blink"} <= set(gallery.names())
    for name in ("wave", "blink"):
        qtbot.waitUntil(lambda n=name: gallery.cell(n).is_ready(), timeout=WAIT_MS)
    seen = {name: {gallery.cell(name).frame_index()} for name in ("wave", "blink")}
    images = {name: gallery.cell(name).grab().toImage() for name in ("wave", "blink")}

    def played() -> bool:
        for name in seen:
            seen[name].add(gallery.cell(name).frame_index())
        return all(len(s) >= 3 for s in seen.values())

    qtbot.waitUntil(played, timeout=WAIT_MS)
    for name in ("wave", "blink"):
        qtbot.waitUntil(lambda n=name: gallery.cell(n).grab().toImage() != images[n], timeout=WAIT_MS)

    wave = gallery.cell("wave")
    qtbot.mouseDClick(wave, Qt.MouseButton.LeftButton, pos=wave.rect().center())
    qtbot.waitUntil(lambda: len(window.document.entries()) == 1, timeout=WAIT_MS)
    entry = window.document.entries()[0]
    sticker = entry.sticker
    assert "wave" in entry.name
    assert sticker.metadata.get("motion") == "wave" and sticker.frame_count > 1
    px, py = sticker.metadata["canvas_padding"]
    h, w = drawing.shape[:2]
    first = sticker.frames[0]
    assert visible_equal(first[py:py + h, px:px + w], drawing)  # frame 0 is the reference
    assert first[..., 3].sum() == drawing[..., 3].sum()          # and nothing else
    changed = [not np.array_equal(f, first) for f in sticker.frames[1:]]
    assert sum(changed) >= len(changed) // 2                      # the frames move
    assert window.reference_panel.animate_button.text().startswith("Animate “wave”")


def test_animate_button_with_a_chosen_motion_and_a_body_layer(qtbot, window: MainWindow,
                                                             drawing_file: Path) -> None:
    rigged(qtbot, window, drawing_file)
    panel = window.reference_panel
    gallery = panel.character.gallery
    qtbot.waitUntil(lambda: "blink" in gallery.names(), timeout=WAIT_MS)
    qtbot.mouseClick(gallery.cell("blink"), Qt.MouseButton.LeftButton, pos=gallery.cell("blink").rect().center())
    assert panel.choice().character == "blink" and panel.frames_spin.value() == 24
    panel.set_preset("jelly")  # a preset without the layer box: back to the preset
    assert panel.choice().character == "" and panel.animate_button.text() == "Animate with motion preset"
    qtbot.mouseClick(gallery.cell("blink"), Qt.MouseButton.LeftButton, pos=gallery.cell("blink").rect().center())
    panel.character.body_layer_box.setChecked(True)
    panel.set_preset("bounce")
    choice = panel.choice()
    assert choice.character == "blink" and choice.body_layer and choice.preset == "bounce"
    panel.frames_spin.setValue(6)
    qtbot.mouseClick(panel.animate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.document.entries()) == 1, timeout=WAIT_MS)
    sticker = window.document.current_sticker()
    assert sticker.frame_count == 6 and sticker.metadata.get("body") == "bounce"


# ------------------------------------------------------------- fixing the rig
def drag(qtbot, overlay, start: QPointF, end: QPointF) -> None:
    qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=start.toPoint())
    qtbot.mouseMove(overlay, pos=((start + end) / 2).toPoint())
    qtbot.mouseMove(overlay, pos=end.toPoint())
    qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=end.toPoint())


def press_undo(qtbot, win: MainWindow) -> None:
    win.activateWindow()
    win.timeline.setFocus()
    qtbot.keyClick(win.timeline, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def test_joint_drag_is_undone_by_ctrl_z_and_survives_a_restart(qtbot, tmp_path: Path, monkeypatch, drawing_file: Path,
                                                               ) -> None:
    use_no_models(tmp_path, monkeypatch)
    with open_main_window(qtbot, tmp_path) as win:
        rigged(qtbot, win, drawing_file)
        overlay = win.reference_panel.character.overlay
        rig = win.session.rig.rig()
        name = "hand_r" if "hand_r" in rig.joints else "head"
        before = rig.joints[name]
        start = overlay.widget_point(before.x, before.y)
        drag(qtbot, overlay, start, start + QPointF(-18, 14))
        moved = win.session.rig.rig().joints[name]
        assert moved.x < before.x - 5 and moved.y > before.y + 5
        assert overlay.rig() is win.session.rig.rig()

        press_undo(qtbot, win)
        back = win.session.rig.rig().joints[name]
        assert (back.x, back.y) == (before.x, before.y)
        win.window_actions.redo.trigger()
        assert win.session.rig.rig().joints[name] == moved
        key = win.session.rig.key()
        win.shutdown()
        assert rig_path(key).is_file()  # saved beside the reference in the data dir

    settings = load_settings()  # what the first window stored
    assert settings.reference_path == str(drawing_file.resolve())
    with open_main_window(qtbot, tmp_path, settings) as again:
        qtbot.waitUntil(lambda: again.session.rig.rig() is not None, timeout=WAIT_MS)
        restored = again.session.rig.rig()
        got = restored.joints[name]
        assert abs(got.x - moved.x) < 1e-3 and abs(got.y - moved.y) < 1e-3 and restored.source == "user"
        assert again.reference_panel.character.overlay.rig() is restored


def test_remove_and_add_a_limb_from_the_context_menu_undoably(qtbot, window: MainWindow, drawing_file: Path) -> None:
    rigged(qtbot, window, drawing_file)
    state = window.session.rig
    overlay = window.reference_panel.character.overlay
    rig = state.rig()
    side = "arm_r" if rig.has("shoulder_r", "hand_r") else "arm_l"
    hand = rig.joints[f"hand{side[-2:]}"]
    actions = {a.text(): a for a in overlay.context_actions(overlay.widget_point(hand.x, hand.y))}
    label = "right arm" if side == "arm_r" else "left arm"
    actions[f"Remove {label}"].trigger()
    removed = state.rig()
    assert not removed.has_part(side) and f"hand{side[-2:]}" not in removed.joints
    assert not (removed.parts == PART_NAMES.index(side) + 1).any()
    assert "wave" in window.reference_panel.character.gallery.names() or rig.has_part(
        "arm_l" if side == "arm_r" else "arm_r") is False

    actions = {a.text(): a for a in overlay.context_actions(overlay.widget_point(hand.x, hand.y))}
    actions[f"Add {label} ending here"].trigger()
    added = state.rig()
    assert added.has_part(side)
    tip = added.joints[f"hand{side[-2:]}"]
    assert abs(tip.x - hand.x) < 2 and abs(tip.y - hand.y) < 2

    window.window_actions.undo.trigger()
    assert state.rig() is removed
    window.window_actions.undo.trigger()
    assert state.rig().joints == rig.joints

    # an eye removed and put back by the menu, then the whole rig proposed again (one undo step each)
    eye = "eye_l" if "eye_l" in rig.face else "eye_r"
    e = rig.face[eye]
    actions = {a.text(): a for a in overlay.context_actions(overlay.widget_point(e.cx, e.cy))}
    label = "left eye" if eye == "eye_l" else "right eye"
    actions[f"Remove {label}"].trigger()
    assert eye not in state.rig().face and eye not in overlay.rig().face
    actions = {a.text(): a for a in overlay.context_actions(overlay.widget_point(e.cx + 3, e.cy))}
    actions[f"Add {label} here"].trigger()
    assert abs(state.rig().face[eye].cx - (e.cx + 3)) < 1.5
    fixed = state.rig()
    actions["Rig again automatically"].trigger()
    qtbot.waitUntil(lambda: state.rig() is not fixed, timeout=WAIT_MS)
    assert state.rig().source != "user" and state.rig().face[eye] == e
    window.window_actions.undo.trigger()
    assert state.rig() is fixed


def test_an_eye_is_moved_and_resized_by_dragging(qtbot, window: MainWindow, drawing_file: Path) -> None:
    rigged(qtbot, window, drawing_file)
    state = window.session.rig
    overlay = window.reference_panel.character.overlay
    rig = state.rig()
    name = "eye_l" if "eye_l" in rig.face else "eye_r"
    eye = rig.face[name]
    scale = overlay.picture_rect().width() / rig.width
    corner = overlay.widget_point(eye.cx + eye.rx, eye.cy + eye.ry)
    assert overlay.handle_at(corner) == f"{name}:size"
    drag(qtbot, overlay, corner, corner + QPointF(6, 9))
    bigger = state.rig().face[name]
    assert (bigger.cx, bigger.cy) == (eye.cx, eye.cy)
    assert abs(bigger.rx - (eye.rx + 6 / scale)) < 1.5 / scale and abs(bigger.ry - (eye.ry + 9 / scale)) < 1.5 / scale
    centre = overlay.widget_point(eye.cx, eye.cy)
    if overlay.handle_at(centre) == name:  # not under a joint
        drag(qtbot, overlay, centre, centre + QPointF(0, 12))
        assert state.rig().face[name].cy > eye.cy + 8 / scale and state.rig().face[name].rx == bigger.rx
        window.window_actions.undo.trigger()
    window.window_actions.undo.trigger()
    assert state.rig().face[name] == eye


# ------------------------------------------------------------ the rig values
def test_rig_edits_are_new_values(drawing: np.ndarray) -> None:
    from sticker_studio.core.puppet.autorig import propose_rig

    rig = propose_rig(drawing)
    moved = moved_joint(rig, "head", 5.0, -40.0)
    assert moved.joints["head"].xy == (5.0, 0.0) and rig.joints["head"] != moved.joints["head"]  # kept on it
    assert moved.source == "user" and rig.source != "user"
    ys, xs = np.nonzero(drawing[..., 3] > 200)
    far = np.argmax((xs - rig.joints["root"].x) ** 2 + (ys - rig.joints["root"].y) ** 2)
    with pytest.raises(RigError, match="no part of the drawing"):
        with_limb(rig, "tail", 0.0, 0.0, drawing[..., 3])  # the corner is empty
    tail = with_limb(rig, "tail", float(xs[far]), float(ys[far]), drawing[..., 3])
    assert tail.has_part("tail") and tail.parts is not None and rig.parts is not None
    tail_label = PART_NAMES.index("tail") + 1
    assert (tail.parts == tail_label).sum() > 0 and not (rig.parts == tail_label).any()
    back = without_limb(tail, "tail")
    assert not back.has_part("tail") and (back.parts > 0).sum() == (rig.parts > 0).sum()
    eye = with_feature(without_limb(rig, "tail"), "mouth", 90.0, 80.0)
    assert eye.face["mouth"].cx == 90.0
    half = scale_rig(rig, rig.width // 2, rig.height // 2)
    assert abs(half.joints["root"].x - rig.joints["root"].x / 2) < 1e-9 and half.parts.shape == (96, 96)
    small, fitted = fit_drawing(drawing, rig, 64)
    assert small.shape[:2] == (64, 64) and fitted.width == 64
    cut, moved_rig = crop_to_subject(drawing, rig)
    ys, xs = np.nonzero(drawing[..., 3])
    assert cut.shape[0] < drawing.shape[0] or cut.shape[1] < drawing.shape[1]
    assert cut[..., 3].sum() == drawing[..., 3].sum()  # nothing of the subject lost
    dx = rig.joints["root"].x - moved_rig.joints["root"].x
    assert dx == max(0, xs.min() - round(0.04 * max(np.ptp(xs) + 1, np.ptp(ys) + 1)))
    assert reference_key(drawing) == reference_key(drawing.copy()) != reference_key(drawing[::-1])
