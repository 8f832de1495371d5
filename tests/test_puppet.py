"""The puppet engine: rig data, mesh + ARAP + raster exactness, autorig, motions, CLI errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from sticker_studio.core.puppet.animate import AnimateOptions, animate_character
from sticker_studio.core.puppet.arap import triangle_stretch
from sticker_studio.core.puppet.autorig import propose_rig
from sticker_studio.core.puppet.layers import Puppet
from sticker_studio.core.puppet.motions import (
    CharacterParams,
    MissingPartError,
    find_character_motion,
    list_character_motions,
)
from sticker_studio.core.puppet.pose import CharacterPose
from sticker_studio.core.puppet.rig import BodyPlan, Rig, RigError, load_rig, save_rig

SIDE = 192


def _figure(side: int = SIDE) -> np.ndarray:
    """A plain humanoid: round head with eyes and a mouth, body, arms out to the sides, legs."""
    im = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    k = side / 192
    skin, shirt, out = (240, 190, 120, 255), (60, 120, 220, 255), (40, 30, 30, 255)
    d.line([(96 * k, 150 * k), (76 * k, 184 * k)], fill=(50, 50, 80, 255), width=int(14 * k))   # legs
    d.line([(96 * k, 150 * k), (116 * k, 184 * k)], fill=(50, 50, 80, 255), width=int(14 * k))
    d.line([(80 * k, 96 * k), (30 * k, 130 * k)], fill=skin, width=int(12 * k))                 # arms
    d.line([(112 * k, 96 * k), (162 * k, 130 * k)], fill=skin, width=int(12 * k))
    d.ellipse([70 * k, 84 * k, 122 * k, 160 * k], fill=shirt, outline=out, width=2)              # body
    d.ellipse([62 * k, 12 * k, 130 * k, 84 * k], fill=skin, outline=out, width=2)                # head
    d.ellipse([78 * k, 38 * k, 88 * k, 50 * k], fill=(20, 20, 20, 255))                          # eyes
    d.ellipse([104 * k, 38 * k, 114 * k, 50 * k], fill=(20, 20, 20, 255))
    d.ellipse([86 * k, 60 * k, 106 * k, 68 * k], fill=(150, 30, 40, 255))                       # mouth
    return np.asarray(im).copy()


def _blob(side: int = 128) -> np.ndarray:
    im = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse([10, 10, side - 10, side - 10], fill=(250, 200, 40, 255), outline=(120, 80, 0, 255), width=3)
    d.ellipse([40, 45, 52, 60], fill=(30, 30, 30, 255))
    d.ellipse([76, 45, 88, 60], fill=(30, 30, 30, 255))
    d.ellipse([48, 80, 80, 92], fill=(140, 30, 40, 255))
    return np.asarray(im).copy()


@pytest.fixture(scope="module")
def figure() -> np.ndarray:
    return _figure()


@pytest.fixture(scope="module")
def rig(figure: np.ndarray) -> Rig:
    return propose_rig(figure)


@pytest.fixture(scope="module")
def puppet(figure: np.ndarray, rig: Rig) -> Puppet:
    return Puppet(figure, rig)


def _visible_equal(a: np.ndarray, b: np.ndarray) -> bool:
    vis = (a[..., 3] > 0) | (b[..., 3] > 0)
    return bool(np.array_equal(a[..., 3], b[..., 3]) and np.array_equal(a[vis, :3], b[vis, :3]))


def test_autorig_finds_the_figure(rig: Rig) -> None:
    assert rig.plan is BodyPlan.HUMANOID
    for part in ("head", "body", "arm_l", "arm_r", "leg_l", "leg_r"):
        assert rig.has_part(part), part
    assert rig.joints["hand_l"].x < rig.joints["root"].x < rig.joints["hand_r"].x
    assert rig.joints["head"].y < rig.joints["root"].y
    assert {"eye_l", "eye_r", "mouth"} <= set(rig.face)
    assert rig.face["eye_l"].cx < rig.face["eye_r"].cx
    assert rig.face["mouth"].cy > rig.face["eye_l"].cy


def test_rest_pose_rasterises_the_drawing_exactly(figure: np.ndarray, puppet: Puppet) -> None:
    frame = puppet.render(CharacterPose(), force_raster=True)
    assert _visible_equal(frame, figure)


def test_rigid_motion_is_exact(figure: np.ndarray, puppet: Puppet) -> None:
    pose = CharacterPose(offset=(5.0, -3.0))
    frame = puppet.render(pose, (SIDE + 20, SIDE + 20), (10, 10))
    expected = np.zeros_like(frame)
    expected[10 - 3:10 - 3 + SIDE, 10 + 5:10 + 5 + SIDE] = figure
    assert _visible_equal(frame, expected)


def test_wave_has_no_flipped_triangles_and_moves_one_side(figure: np.ndarray, rig: Rig, puppet: Puppet) -> None:
    motion = find_character_motion("wave")
    assert motion is not None
    from sticker_studio.core.puppet.animate import motion_poses

    poses = motion_poses(motion, rig, puppet, CharacterParams(), [k / 24 for k in range(24)])
    for pose in poses:
        for layer, verts in zip(puppet.layers, puppet.deform(pose), strict=True):
            det, _ = triangle_stretch(layer.mesh.vertices, verts - puppet.origin, layer.mesh.triangles)
            assert (det > 0).all(), layer.part
    sticker = animate_character(figure, rig, "wave")
    changed = np.zeros(figure.shape[:2], bool)
    px, py = sticker.metadata["canvas_padding"]
    for f in sticker.frames:
        changed |= np.any(f[py:py + SIDE, px:px + SIDE] != figure, axis=-1)
    xs = np.nonzero(changed)[1]
    assert len(xs) and xs.mean() > SIDE / 2  # the viewer's right arm waves by default


@pytest.mark.parametrize("name", ["nod", "bow", "head-shake", "cheer", "clap"])
def test_head_and_arm_motions_do_not_fold(rig: Rig, puppet: Puppet, name: str) -> None:
    from sticker_studio.core.puppet.animate import motion_poses

    motion = find_character_motion(name)
    assert motion is not None
    for pose in motion_poses(motion, rig, puppet, CharacterParams(), [k / 12 for k in range(12)]):
        for layer, verts in zip(puppet.layers, puppet.deform(pose), strict=True):
            det, _ = triangle_stretch(layer.mesh.vertices, verts - puppet.origin, layer.mesh.triangles)
            assert (det > 0).all(), (name, layer.part)


@pytest.mark.parametrize("name", ["wave", "blink", "talk", "hop", "idle", "nod", "cheer", "tail-wag"])
def test_frame0_is_the_drawing_and_the_loop_closes(figure: np.ndarray, rig: Rig, name: str) -> None:
    motion = find_character_motion(name)
    assert motion is not None
    if name == "tail-wag":
        with pytest.raises(MissingPartError, match="tail"):
            animate_character(figure, rig, name)
        return
    sticker = animate_character(figure, rig, name, options=AnimateOptions(frames=12))
    px, py = sticker.metadata["canvas_padding"]
    assert np.array_equal(sticker.frames[0][py:py + SIDE, px:px + SIDE], figure)
    from sticker_studio.core.puppet.motions import MotionContext

    ctx = MotionContext(rig, CharacterParams(), 180.0)
    assert motion.fn(0.0, ctx).is_rest() and motion.fn(1.0, ctx).is_rest()
    frames = [f.astype(np.int16) for f in sticker.frames]
    steps = [np.abs(frames[k + 1] - frames[k]).mean() for k in range(len(frames) - 1)]
    seam = np.abs(frames[0] - frames[-1]).mean()
    assert max(steps) > 0 and seam <= max(steps) + 1e-9


def test_every_motion_starts_at_rest(rig: Rig) -> None:
    from sticker_studio.core.puppet.motions import MotionContext

    ctx = MotionContext(rig, CharacterParams(amplitude=1.5), 180.0)
    for motion in list_character_motions():
        assert motion.fn(0.0, ctx).is_rest(), motion.name


def test_rig_json_round_trip(tmp_path: Path, rig: Rig) -> None:
    path = save_rig(rig, tmp_path / "rig.json")
    assert (tmp_path / "rig.parts.png").exists()
    back = load_rig(path)
    assert back.plan is rig.plan and set(back.joints) == set(rig.joints) and set(back.face) == set(rig.face)
    for name, j in rig.joints.items():
        assert abs(back.joints[name].x - j.x) < 1e-3 and abs(back.joints[name].y - j.y) < 1e-3
    assert back.parts is not None and rig.parts is not None and np.array_equal(back.parts, rig.parts)


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ('{"width": 10, "height": 10, "joints": {"root": {"x": 1, "y": 1}}}', "version"),
    ('{"version": 99, "width": 10, "height": 10}', "version 99"),
    ('{"version": 1, "width": 10, "height": 10, "joints": {"elbowz": {"x": 1, "y": 1}}}', "unknown joint"),
    ('{"version": 1, "width": 10, "height": 10, "joints": {"root": {"x": 1}}}', "malformed"),
    ('{"version": 1, "width": 10, "height": 10, "joints": {"head": {"x": 1, "y": 1}}}', "root"),
    ('{"version": 1, "width": 10, "height": 10, "plan": "octopus", "joints": {"root": {"x": 1, "y": 1}}}',
     "body plan"),
])
def test_bad_rig_json_is_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "rig.json"
    path.write_text(content)
    with pytest.raises(RigError, match=message):
        load_rig(path)


def test_blob_gets_a_face_and_no_arms() -> None:
    blob = _blob()
    rig = propose_rig(blob)
    assert rig.plan is BodyPlan.BLOB and {"eye_l", "eye_r", "mouth"} <= set(rig.face)
    with pytest.raises(MissingPartError, match="an arm"):
        animate_character(blob, rig, "wave")
    blink = animate_character(blob, rig, "blink", options=AnimateOptions(frames=12))
    changed = np.zeros(blob.shape[:2], bool)
    for f in blink.frames:
        changed |= np.any(f != blob, axis=-1)
    assert 0 < changed.sum() <= 0.08 * (blob[..., 3] > 0).sum()


def test_learned_joints_take_precedence(figure: np.ndarray) -> None:
    learned = {"hand_r": (170.0, 60.0, 0.9), "hand_l": (10.0, 10.0, 0.1)}
    rig = propose_rig(figure, learned)
    assert rig.joints["hand_r"].x == 170.0 and rig.joints["hand_l"].x != 10.0
    assert rig.source == "learned+geometry"


def test_cli_missing_part_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sticker_studio.cli import main

    src = tmp_path / "blob.png"
    Image.fromarray(_blob()).save(src)
    code = main(["animate", str(src), "--motion", "wave", "-o", str(tmp_path / "out.png")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "needs an arm" in err[0]  # one line, no rig summary before it
    assert not (tmp_path / "out.png").exists()


def test_cli_rig_then_animate_with_rig_and_body(tmp_path: Path) -> None:
    from sticker_studio.cli import main
    from sticker_studio.formats.readers import read_sticker

    src = tmp_path / "fig.png"
    Image.fromarray(_figure()).save(src)
    assert main(["rig", str(src), "-o", str(tmp_path / "rig.json"), "--preview", str(tmp_path / "rig.png")]) == 0
    data = json.loads((tmp_path / "rig.json").read_text())
    assert data["version"] == 1 and "hand_r" in data["joints"]
    out = tmp_path / "wave.png"
    assert main(["animate", str(src), "--rig", str(tmp_path / "rig.json"), "--motion", "wave", "--body", "bounce",
                 "--frames", "8", "-o", str(out)]) == 0
    st = read_sticker(out)
    assert st.frame_count == 8 and len({f.tobytes() for f in st.frames}) > 4
