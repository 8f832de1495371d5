"""The hand-labelled real-art rig set (tests/data/rig_real) is complete and self-consistent.

The set is evaluation data only (``eval rig --real``): 48 OpenMoji characters labelled by
hand with ``scripts/label_rig.py``. These tests check the files, the names (the rig
contract's), that every point lies on the drawing, that faces sit in the head and that
left/right follow the convention, so a slip in the labels shows up here rather than as
a silently wrong accuracy figure.
"""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "tests" / "data" / "rig_real"
SIZE = 512
JOINTS = {
    "root", "pelvis", "chest", "neck", "head", "head_top",
    "shoulder_l", "elbow_l", "hand_l", "shoulder_r", "elbow_r", "hand_r",
    "hip_l", "knee_l", "foot_l", "hip_r", "knee_r", "foot_r",
    "tail_base", "tail_mid", "tail_tip",
    "ear_l_base", "ear_l_tip", "ear_r_base", "ear_r_tip",
}
FACE = ("eye_l", "eye_r", "mouth")
BODY_PLANS = {"humanoid", "quadruped", "blob", "object"}
NEAR_PX = 4.0  # a point may sit this far outside the drawing (on the anti-aliased edge)
# chains: a later joint needs the earlier one
CHAINS = (("shoulder_l", "elbow_l", "hand_l"), ("shoulder_r", "elbow_r", "hand_r"),
          ("hip_l", "knee_l", "foot_l"), ("hip_r", "knee_r", "foot_r"),
          ("tail_base", "tail_mid", "tail_tip"), ("ear_l_base", "ear_l_tip"), ("ear_r_base", "ear_r_tip"))
PAIRS = (("hand_l", "hand_r"), ("foot_l", "foot_r"), ("ear_l_tip", "ear_r_tip"))
FRONT_PAIRS = (("shoulder_l", "shoulder_r"), ("hip_l", "hip_r"), ("ear_l_base", "ear_r_base"))


@pytest.fixture(scope="module")
def labels() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FOLDER / "labels.json").read_text("utf-8"))
    return data


@pytest.fixture(scope="module")
def distance() -> dict[str, np.ndarray]:
    out = {}
    for png in FOLDER.glob("*.png"):
        with Image.open(png) as img:
            drawn = np.asarray(img.convert("RGBA"))[..., 3] > 32
        out[png.name] = ndimage.distance_transform_edt(~drawn)
    return out


def _distance_to_drawing(distance: np.ndarray, x: float, y: float) -> float:
    """``distance`` is the distance map to the drawing; the nearest pixel to (x, y) decides."""
    return float(distance[min(int(round(y)), SIZE - 1), min(int(round(x)), SIZE - 1)])


def test_the_set_header_licence_and_attribution(labels: dict[str, Any]) -> None:
    assert labels["version"] == 1
    assert labels["set"] == "OpenMoji" and labels["licence"] == "CC-BY-SA-4.0"
    assert len(labels["items"]) >= 40
    licence = (FOLDER / "LICENSE.txt").read_text("utf-8")
    assert "Attribution-ShareAlike 4.0 International" in licence
    attribution = (FOLDER / "ATTRIBUTION.md").read_text("utf-8")
    files = [item["file"] for item in labels["items"]]
    assert len(set(files)) == len(files)
    for name in files:
        assert f"| {name} |" in attribution, f"{name} is not credited in ATTRIBUTION.md"
    pngs = sorted(p.name for p in FOLDER.glob("*.png"))
    assert pngs == sorted(files), "every PNG is labelled, no label lacks its PNG"
    total = sum(p.stat().st_size for p in FOLDER.iterdir())
    assert total < 6 * 1024 * 1024


def test_every_image_is_512_rgba_with_a_drawing(labels: dict[str, Any]) -> None:
    for item in labels["items"]:
        with Image.open(FOLDER / item["file"]) as img:
            assert img.size == (SIZE, SIZE) and img.mode == "RGBA", item["file"]
            a = np.asarray(img)[..., 3]
        share = float((a > 32).mean())
        assert 0.05 < share < 0.9, f"{item['file']}: {share:.0%} of the canvas is drawn"
        assert a[0].max() == a[-1].max() == 0, f"{item['file']} touches the top or bottom edge"


def test_names_plans_and_chains_follow_the_contract(labels: dict[str, Any]) -> None:
    plans = set()
    for item in labels["items"]:
        name = item["file"]
        assert set(item["joints"]) <= JOINTS, f"{name}: {set(item['joints']) - JOINTS}"
        assert item["body_plan"] in BODY_PLANS
        assert item["view"] in ("front", "side")
        plans.add(item["body_plan"])
        assert "root" in item["joints"], f"{name} has no root"
        for chain in CHAINS:
            for a, b in zip(chain, chain[1:], strict=False):
                if b in item["joints"] and b != chain[-1]:
                    assert a in item["joints"], f"{name}: {b} without {a}"
            if chain[-1] in item["joints"]:
                assert chain[0] in item["joints"], f"{name}: {chain[-1]} without {chain[0]}"
        if item["body_plan"] in ("humanoid", "quadruped"):
            assert {"head", "head_top", "root"} <= set(item["joints"]), name
            limbs = {"hand_l", "hand_r", "foot_l", "foot_r"} & set(item["joints"])
            heads_only = item["body_plan"] == "humanoid" and "shoulder_l" in item["joints"]
            assert limbs or heads_only, f"{name}: a {item['body_plan']} with no limb"
        for face in FACE:
            assert item[face] is None or (len(item[face]) == 4 and item[face][2] > 0 and item[face][3] > 0), name
    assert plans == BODY_PLANS
    by_plan = {p: sum(item["body_plan"] == p for item in labels["items"]) for p in BODY_PLANS}
    assert by_plan["humanoid"] >= 10 and by_plan["quadruped"] >= 10 and by_plan["blob"] >= 10, by_plan
    with_eyes = sum(item["eye_l"] is not None for item in labels["items"])
    with_tails = sum("tail_tip" in item["joints"] for item in labels["items"])
    with_ears = sum("ear_l_tip" in item["joints"] for item in labels["items"])
    assert with_eyes >= 20 and with_tails >= 10 and with_ears >= 15


def test_every_point_lies_on_the_drawing(labels: dict[str, Any], distance: dict[str, np.ndarray]) -> None:
    for item in labels["items"]:
        a = distance[item["file"]]
        points = dict(item["joints"])
        points.update({face: item[face][:2] for face in FACE if item[face]})
        for key, (x, y) in points.items():
            assert 0 <= x < SIZE and 0 <= y < SIZE, f"{item['file']}: {key} outside the image"
            d = _distance_to_drawing(a, x, y)
            assert d <= NEAR_PX, f"{item['file']}: {key} at ({x}, {y}) is {d:.1f} px off the drawing"
        for face in FACE:
            e = item[face]
            if e:
                cx, cy, rx, ry = e
                assert rx <= 160 and ry <= 160
                assert 0 <= cx - rx and cx + rx < SIZE and 0 <= cy - ry and cy + ry < SIZE, (item["file"], face)


def test_faces_sit_in_the_head(labels: dict[str, Any]) -> None:
    for item in labels["items"]:
        joints = item["joints"]
        faces = {f: item[f] for f in FACE if item[f]}
        if not faces:
            continue
        assert "head" in joints and "head_top" in joints, item["file"]
        hx, hy = joints["head"]
        radius = math.dist(joints["head"], joints["head_top"])
        for face, (cx, cy, rx, ry) in faces.items():
            assert math.dist((cx, cy), (hx, hy)) <= 1.3 * radius, f"{item['file']}: {face} outside the head"
            assert max(rx, ry) <= radius, f"{item['file']}: {face} larger than the head"
        eyes = [faces[e] for e in ("eye_l", "eye_r") if e in faces]
        if "mouth" in faces and eyes:  # every labelled face here is upright
            assert faces["mouth"][1] > max(e[1] for e in eyes), f"{item['file']}: mouth above the eyes"
        if len(eyes) == 2:
            assert eyes[0][0] < eyes[1][0], f"{item['file']}: eye_l right of eye_r"
            lo, hi = sorted(eyes, key=lambda e: e[0])
            assert hi[0] - hi[2] > lo[0] + lo[2] - 1, f"{item['file']}: the eyes overlap"


def test_left_is_the_viewers_left(labels: dict[str, Any]) -> None:
    for item in labels["items"]:
        joints = item["joints"]
        pairs = PAIRS + (FRONT_PAIRS if item["view"] == "front" else ())
        for left, right in pairs:
            if left in joints and right in joints:
                assert joints[left][0] < joints[right][0], f"{item['file']}: {left} is not left of {right}"


def test_head_top_is_above_the_head_for_upright_characters(labels: dict[str, Any]) -> None:
    upside_down = {"person_cartwheeling.png"}
    for item in labels["items"]:
        joints = item["joints"]
        if "head" in joints and "head_top" in joints:
            above = joints["head_top"][1] < joints["head"][1]
            assert above != (item["file"] in upside_down), item["file"]
        upright_humanoid = item["body_plan"] == "humanoid" and item["file"] not in upside_down
        if upright_humanoid and "neck" in joints and "pelvis" in joints:
            assert joints["neck"][1] < joints["pelvis"][1] + 1, item["file"]


def _label_tool() -> Any:
    spec = importlib.util.spec_from_file_location("label_rig", ROOT / "scripts" / "label_rig.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["label_rig"] = module
    spec.loader.exec_module(module)
    return module


def test_the_label_tool_round_trips_and_draws_overlays(tmp_path: Path, labels: dict[str, Any]) -> None:
    tool = _label_tool()
    assert set(tool.JOINTS) == JOINTS and set(tool.BODY_PLANS) == BODY_PLANS
    item = next(i for i in labels["items"] if i["file"] == "cat.png")
    shutil.copy(FOLDER / "cat.png", tmp_path / "cat.png")
    (tmp_path / "labels.json").write_text(json.dumps({**labels, "items": [item]}), "utf-8")
    data = tool.load_labels(tmp_path)
    tool.save_labels(tmp_path, data)
    assert json.loads((tmp_path / "labels.json").read_text("utf-8"))["items"] == [item]
    plain = tool.overlay(tmp_path, {**item, "joints": {}, "eye_l": None, "eye_r": None, "mouth": None}, scale=1.0)
    drawn = tool.overlay(tmp_path, item, scale=1.0)
    assert drawn.size == (SIZE, SIZE)
    changed = np.any(np.asarray(drawn) != np.asarray(plain), axis=-1)
    x, y = (int(v) for v in item["joints"]["tail_tip"])
    assert changed[y - 2:y + 3, x - 2:x + 3].any(), "the tail tip is drawn where it is labelled"
    sheet = tool.contact_sheet(tmp_path, data["items"], cell=64, cols=2)
    assert sheet.size[0] == 128 and np.asarray(sheet).std() > 10


def test_the_label_window_places_and_saves_a_joint(tmp_path: Path) -> None:
    pytest.importorskip("PySide6")
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    tool = _label_tool()
    app = QApplication.instance() or QApplication([])
    shutil.copy(FOLDER / "grinning_face.png", tmp_path / "grinning_face.png")
    window = tool.create_window(tmp_path)
    assert window.current() == "head_top"
    QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=QPoint(256, 90))
    assert window.current() == "head", "a click moves on to the next joint"
    window.advance()  # skip head
    assert window.current() == "neck"
    window.targets.setCurrentRow(len(tool.JOINTS))  # eye_l: drag a box
    QTest.mousePress(window.canvas, Qt.MouseButton.LeftButton, pos=QPoint(172, 200))
    QTest.mouseMove(window.canvas, QPoint(212, 240))
    QTest.mouseRelease(window.canvas, Qt.MouseButton.LeftButton, pos=QPoint(212, 240))
    window.save()
    saved = json.loads((tmp_path / "labels.json").read_text("utf-8"))["items"][0]
    assert saved["joints"] == {"head_top": [256.0, 90.0]}
    assert saved["eye_l"] is not None and abs(saved["eye_l"][0] - 192) <= 1 and saved["eye_l"][2] > 5
    window.close()
    app.processEvents()
