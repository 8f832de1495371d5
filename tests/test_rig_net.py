"""The learned rig model: procedural labels, training, predict_rig's frame, the eval's PCK."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from sticker_studio.engine.rig.contract import FACE, JOINTS, MIRROR, PARTS, BodyPlan, FaceFeature, RigPrediction
from sticker_studio.engine.rig.preprocess import frame_labels, frame_subject, subject_box
from sticker_studio.training.rig.characters import FAMILIES, HELD_OUT_FAMILIES, TRAIN_FAMILIES, render_character
from sticker_studio.training.rig.samples import POINTS, make_sample, mirror_drawing

#: which part a joint belongs to: it is drawn where the joint is, or right next to it (shoulders
#: and hips are left out: they lie under the body, which is drawn over them)
JOINT_PART = {
    "elbow_l": "arm_l", "hand_l": "arm_l", "elbow_r": "arm_r", "hand_r": "arm_r", "knee_l": "leg_l",
    "foot_l": "leg_l", "knee_r": "leg_r", "foot_r": "leg_r", "tail_tip": "tail", "ear_l_tip": "ear_l",
    "ear_r_tip": "ear_r",
}


def _dilate(mask: np.ndarray, r: int) -> np.ndarray:
    out = mask.copy()
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            out |= np.roll(np.roll(mask, dy, 0), dx, 1)
    return out


@pytest.mark.parametrize("family", FAMILIES)
def test_generated_labels_are_consistent(family: str) -> None:
    on_own_part, own_checked = 0, 0
    for seed in range(6):
        d = render_character(family, seed, 192)
        alpha = d.rgba[..., 3] > 0
        assert alpha.any()
        # the part map covers exactly the drawn pixels (every drawn pixel belongs to some part)
        assert not (d.parts[~alpha]).any()
        assert (d.parts[d.rgba[..., 3] > 128] > 0).mean() > 0.98
        assert set(d.joints) <= set(JOINTS) and set(d.face) <= set(FACE)
        for name in ("root", "chest", "head_top"):
            assert name in d.joints, (family, seed, name)
        near = _dilate(alpha, 2)
        x0, y0, x1, y1 = subject_box(d.rgba[..., 3], 0)
        for name, (x, y) in d.joints.items():
            if name == "root":  # the pelvis, or the centroid of a blob's / an object's body
                assert (x, y) == d.joints.get("pelvis", (x, y))
                assert x0 <= x <= x1 and y0 <= y <= y1
                continue
            xi, yi = int(x), int(y)
            assert 0 <= xi < 192 and 0 <= yi < 192 and near[yi, xi], (family, seed, name, x, y)
            part = JOINT_PART.get(name)
            if part is not None:  # the joint's own part is drawn at (or right next to) it, unless a part
                own = _dilate(d.parts == PARTS.index(part) + 1, 3)  # in front hides it (a profile's far legs)
                on_own_part += int(own[yi, xi])
                own_checked += 1
        for name, (cx, cy, rx, ry) in d.face.items():
            assert rx > 0 and ry > 0 and near[int(cy), int(cx)], (family, seed, name)
            assert d.parts[int(cy), int(cx)] in (PARTS.index("head") + 1, PARTS.index("body") + 1)
        for side in ("l", "r"):  # a limb's part is in the map iff its joints are in the labels
            assert (f"hand_{side}" in d.joints) == bool((d.parts == PARTS.index(f"arm_{side}") + 1).any())
            assert (f"foot_{side}" in d.joints) == bool((d.parts == PARTS.index(f"leg_{side}") + 1).any())
        assert ("tail_tip" in d.joints) == bool((d.parts == PARTS.index("tail") + 1).any())
    assert on_own_part >= 0.75 * own_checked, (family, on_own_part, own_checked)


def test_held_out_families_are_never_trained_on() -> None:
    assert not set(HELD_OUT_FAMILIES) & set(TRAIN_FAMILIES)
    from sticker_studio.training.rig.train import RigTask, RigTrainConfig

    assert set(RigTrainConfig().families) == set(TRAIN_FAMILIES)
    from sticker_studio.core.errors import InvalidInputError

    with pytest.raises(InvalidInputError):
        RigTask(RigTrainConfig(families=["robot"]))


def test_mirror_swaps_sides_and_round_trips() -> None:
    d = render_character("person", 3, 160)
    m = mirror_drawing(d)
    assert np.array_equal(m.rgba, d.rgba[:, ::-1])
    for name, (x, y) in d.joints.items():
        mx, my = m.joints[MIRROR[name]]
        assert mx == pytest.approx(160 - x) and my == pytest.approx(y)
    arm_l = PARTS.index("arm_l") + 1
    arm_r = PARTS.index("arm_r") + 1
    assert np.array_equal(m.parts == arm_r, (d.parts == arm_l)[:, ::-1])
    back = mirror_drawing(m)
    assert np.array_equal(back.parts, d.parts)
    assert set(back.joints) == set(d.joints)
    for name, (x, y) in d.joints.items():
        assert back.joints[name] == pytest.approx((x, y))


def test_sample_targets_follow_the_framing() -> None:
    rng = np.random.default_rng(0)
    s = make_sample("animal", 5, rng, size=128, stride=4, augment=False)
    d = render_character("animal", 5, 192)
    image, framing = frame_subject(d.rgba, 128)
    assert np.allclose(s.image.transpose(1, 2, 0), image)
    k = POINTS.index("head")
    assert s.points[k, :2] == pytest.approx(framing.to_model(*d.joints["head"]), abs=1e-4)
    assert s.points[k, 2] == 1.0
    assert np.array_equal(s.parts, frame_labels(d.parts, type(framing)(framing.x0, framing.y0, framing.scale / 4), 32))


def test_tiny_model_trains_and_loss_falls(tmp_path) -> None:
    from sticker_studio.training.rig.train import RigTrainConfig, train_rig

    torch.set_num_threads(1)
    cfg = RigTrainConfig(out=str(tmp_path / "run"), model_config="tiny", steps=30, batch_size=6, warmup_steps=3,
                         lr=3e-3, progress=False, log_every=1, checkpoint_every=0, export=str(tmp_path / "export"))
    result = train_rig(cfg)
    import json

    losses = [json.loads(line)["loss"] for line in (tmp_path / "run" / "loss.jsonl").read_text().splitlines()]
    assert result.steps == 30 and len(losses) == 30
    assert np.mean(losses[-5:]) < 0.8 * np.mean(losses[:3])
    assert (tmp_path / "export" / "config.json").is_file()
    assert (tmp_path / "export" / "diffusion_pytorch_model.safetensors").is_file()


def _random_net():
    from sticker_studio.engine.rig.net import make_rig_net

    torch.manual_seed(0)
    return make_rig_net("tiny").eval()


def test_predict_rig_names_and_input_frame() -> None:
    from sticker_studio.engine.rig.predict import predict_rig

    net = _random_net()
    d = render_character("quadruped", 2, 128)
    pred = predict_rig(d.rgba, net=net)
    assert set(pred.joints) == set(JOINTS) and set(pred.face) == set(FACE)
    assert pred.parts.shape == d.rgba.shape[:2] and pred.parts.dtype == np.uint8
    assert not pred.parts[d.rgba[..., 3] == 0].any()
    assert isinstance(pred.body_plan, BodyPlan)
    assert sum(pred.body_plan_scores.values()) == pytest.approx(1.0, abs=1e-4)
    # the same drawing placed at an offset in a bigger canvas: every point moves by that offset
    big = np.zeros((300, 260, 4), np.uint8)
    big[41:41 + 128, 17:17 + 128] = d.rgba
    moved = predict_rig(big, net=net)
    for name in JOINTS:
        (x, y, c), (mx, my, mc) = pred.joints[name], moved.joints[name]
        assert (mx - 17, my - 41) == pytest.approx((x, y), abs=1e-3) and mc == pytest.approx(c, abs=1e-5)
    assert np.array_equal(moved.parts[41:41 + 128, 17:17 + 128], pred.parts)


def test_predict_rig_maps_a_known_peak_to_input_pixels() -> None:
    """A stand-in network whose heatmap peaks at one cell: the point comes back in input pixels."""
    from sticker_studio.engine.rig.net import RigNetOutput
    from sticker_studio.engine.rig.predict import predict_rig

    class Peak(torch.nn.Module):
        stride = 4

        def __init__(self) -> None:
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(1))
            self.config = type("C", (), {"input_size": 128})()

        def forward(self, x: torch.Tensor) -> RigNetOutput:
            heat = torch.full((1, len(POINTS), 32, 32), -10.0)
            heat[0, :, 10, 20] = 5.0  # centre of cell (20, 10): model pixel (82, 42)
            size = torch.full((1, 6, 32, 32), 0.05)
            return RigNetOutput(heat, size, torch.zeros(1, len(PARTS) + 1, 32, 32), torch.zeros(1, 4))

    rgba = np.zeros((400, 300, 4), np.uint8)
    rgba[100:300, 50:250] = 255  # a 200² square: framed with an 8 % margin
    _, framing = frame_subject(rgba, 128)
    pred = predict_rig(rgba, net=Peak())
    want = framing.to_input(82.0, 42.0)
    for name in JOINTS:
        x, y, c = pred.joints[name]
        assert (x, y) == pytest.approx(want, abs=1e-6) and c > 0.99
    cx, cy, rx, ry = pred.face["eye_l"].ellipse
    assert (cx, cy) == pytest.approx(want) and rx == pytest.approx(0.05 * 128 / framing.scale)


def test_pck_and_hits_on_a_hand_made_case() -> None:
    from sticker_studio.training.rig.evaluate import RigScores, Truth

    alpha = np.zeros((200, 200), np.uint8)
    alpha[50:150, 20:120] = 255  # bbox 100 × 100: tolerance 0.05 · 141.42 = 7.07 px
    truth = Truth("t", {"head": (50.0, 60.0), "chest": (70.0, 100.0), "hand_l": (30.0, 120.0)},
                  {"eye_l": (40.0, 60.0, 5.0, 3.0), "mouth": (60.0, 80.0, 6.0, 2.0)}, "humanoid")
    joints = {n: (0.0, 0.0, 0.0) for n in JOINTS}
    joints["head"] = (57.0, 60.0, 0.9)            # 7.0 px away: a hit
    joints["chest"] = (70.0, 107.2, 0.9)          # 7.2 px away: a miss
    joints["hand_l"] = (30.0, 120.0, 0.3)         # exact but unsure: a miss
    joints["tail_tip"] = (1.0, 1.0, 0.9)          # not in the truth: not counted (real set has no parts)
    face = {"eye_l": FaceFeature((43.0, 61.5, 1, 1), 0.9),   # inside: 0.36 + 0.25 ≤ 1
            "mouth": FaceFeature((60.0, 82.5, 1, 1), 0.9),   # outside in y
            "eye_r": FaceFeature((0, 0, 1, 1), 0.9)}
    pred = RigPrediction(joints, face, np.zeros((200, 200), np.uint8), BodyPlan.HUMANOID, 0.9)
    scores = RigScores()
    scores.add(truth, pred, alpha)
    s = scores.summary()
    assert s["pck"] == pytest.approx(1 / 3)
    assert s["pck_per_joint"] == {"head": 1.0, "chest": 0.0, "hand_l": 0.0}
    assert s["face_hit"] == {"eye_l": 1.0, "mouth": 0.0}
    assert s["eye_hit"] == 1.0 and s["body_plan_accuracy"] == 1.0
    assert math.isclose(0.05 * math.hypot(100, 100), 7.0710678, rel_tol=1e-6)


def test_part_iou_on_a_hand_made_case() -> None:
    from sticker_studio.training.rig.evaluate import RigScores, Truth

    alpha = np.full((10, 10), 255, np.uint8)
    true_parts = np.zeros((10, 10), np.uint8)
    true_parts[:, :5] = PARTS.index("head") + 1
    pred_parts = np.zeros((10, 10), np.uint8)
    pred_parts[:, :4] = PARTS.index("head") + 1   # 40 of the 50: IoU 0.8
    pred_parts[:, 4:] = PARTS.index("body") + 1   # body predicted, absent in the truth: IoU 0
    truth = Truth("t", {}, {}, None, true_parts)
    pred = RigPrediction({}, {}, pred_parts, BodyPlan.BLOB, 1.0)
    scores = RigScores()
    scores.add(truth, pred, alpha)
    s = scores.summary()
    assert s["part_iou"] == {"head": pytest.approx(0.8), "body": 0.0}


def test_side_views_are_scored_with_a_swap_allowed() -> None:
    from sticker_studio.training.rig.evaluate import RigScores, Truth

    alpha = np.zeros((100, 100), np.uint8)
    alpha[:, :] = 255
    joints = {n: (0.0, 0.0, 0.0) for n in JOINTS}
    joints["hand_l"] = (80.0, 50.0, 0.9)   # the model names the paws the other way round
    joints["hand_r"] = (20.0, 50.0, 0.9)
    pred = RigPrediction(joints, {}, np.zeros((100, 100), np.uint8), BodyPlan.QUADRUPED, 0.9)
    labels = {"hand_l": (20.0, 50.0), "hand_r": (80.0, 50.0)}
    front, side = RigScores(), RigScores()
    front.add(Truth("f", labels, {}, "quadruped"), pred, alpha)
    side.add(Truth("s", labels, {}, "quadruped", view="side"), pred, alpha)
    assert front.summary()["pck"] == 0.0
    assert side.summary()["pck"] == 1.0


def test_the_real_set_reads() -> None:
    from pathlib import Path

    from sticker_studio.training.rig.evaluate import read_real_set

    folder = Path(__file__).parent / "data" / "rig_real"
    if not (folder / "labels.json").is_file():
        pytest.skip("no hand-labelled rig set in this checkout")
    meta, items = read_real_set(folder)
    assert meta["version"] == 1 and len(items) >= 40
    rgba, truth = items[0]
    assert rgba.shape[2] == 4 and truth.joints
    assert {t.view for _, t in items} <= {"front", "side"}


def test_mirror_averaging_is_mirror_symmetric() -> None:
    """With ``mirror=True`` the reading of a mirrored drawing is the mirrored reading."""
    from sticker_studio.engine.rig.predict import predict_rig

    net = _random_net()
    d = render_character("animal", 4, 128)
    a = predict_rig(d.rgba, net=net, mirror=True)
    b = predict_rig(np.ascontiguousarray(d.rgba[:, ::-1]), net=net, mirror=True)
    for name in JOINTS:
        (x, y, c), (mx, my, mc) = a.joints[name], b.joints[MIRROR[name]]
        assert (128 - mx, my) == pytest.approx((x, y), abs=1e-3) and mc == pytest.approx(c, abs=1e-5)
    assert a.body_plan_scores == pytest.approx(b.body_plan_scores, abs=1e-5)


def test_bundled_rig_net_is_verified_and_reads_held_out_characters() -> None:
    """The shipped weights (when listed) load through the manifest's sha256 check and find most
    joints of held-out characters, far more than the mean-pose baseline."""
    from sticker_studio.engine.rig.predict import load_rig_net, predict_rig, rig_model_installed
    from sticker_studio.training.rig.evaluate import RigScores, Truth

    if not rig_model_installed():
        pytest.skip("no rig-net in the manifest")
    net = load_rig_net()
    assert load_rig_net() is net  # cached
    scores = RigScores()
    for seed in range(6):
        d = render_character("robot", 10_000_000 + seed, 256)
        scores.add(Truth("r", dict(d.joints), dict(d.face), d.body_plan.value, d.parts), predict_rig(d.rgba, net=net),
                   d.rgba[..., 3])
    s = scores.summary()
    assert s["pck"] > 0.5 and s["part_miou"] > 0.3


def test_a_new_rig_default_keeps_the_matting_default(tmp_path) -> None:
    from sticker_studio.engine.store.manifest import ModelEntry, ModelFile, read_manifest_file, upsert_entry

    path = tmp_path / "models_manifest.json"
    f = (ModelFile("config.json", "0" * 64, 1),)
    upsert_entry(path, ModelEntry(id="matte", architecture="matting-head", source="bundled:resources/models/m",
                                  files=f, tasks=("matte",), default=True))
    upsert_entry(path, ModelEntry(id="rig", architecture="rig-net", source="bundled:resources/models/r",
                                  files=f, tasks=("rig",), default=True))
    upsert_entry(path, ModelEntry(id="rig2", architecture="rig-net", source="bundled:resources/models/r2",
                                  files=f, tasks=("rig",), default=True))
    defaults = {e.id: e.default for e in read_manifest_file(path)}
    assert defaults == {"matte": True, "rig": False, "rig2": True}
