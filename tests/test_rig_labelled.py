"""Hand-labelled training drawings for the rig model (training/rig/labelled.py, rig_train_labels.json)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.engine.rig.contract import BODY_PLANS, FACE, JOINTS
from sticker_studio.training.rig.labelled import IGNORE_PART, labelled_sample, load_labelled
from sticker_studio.training.rig.samples import POINTS

ROOT = Path(__file__).resolve().parent.parent
TRAIN_LABELS = ROOT / "sticker_studio" / "training" / "rig" / "rig_train_labels.json"
CHAINS = (("shoulder_l", "elbow_l", "hand_l"), ("shoulder_r", "elbow_r", "hand_r"),
          ("hip_l", "knee_l", "foot_l"), ("hip_r", "knee_r", "foot_r"),
          ("tail_base", "tail_mid", "tail_tip"), ("ear_l_base", "ear_l_tip"), ("ear_r_base", "ear_r_tip"))


def test_the_training_labels_follow_the_contract_and_name_library_art() -> None:
    from sticker_studio.core.text.art_library import ART_STYLES

    data = json.loads(TRAIN_LABELS.read_text("utf-8"))
    assert data["version"] == 1 and "openmoji" not in data["set"].lower()
    items = data["items"]
    assert len(items) >= 100
    for item in items:
        name = item["file"]
        assert item["style"] in ART_STYLES, name
        assert item["body_plan"] in BODY_PLANS and item["view"] in ("front", "side"), name
        assert set(item["joints"]) <= set(JOINTS) and "root" in item["joints"], name
        for x, y in item["joints"].values():
            assert 0 <= x < 512 and 0 <= y < 512, name
        for chain in CHAINS:
            if any(n in item["joints"] for n in chain[1:]):
                assert chain[0] in item["joints"], f"{name}: {chain} without its first joint"
        for f in FACE:
            assert item[f] is None or (len(item[f]) == 4 and item[f][2] > 0 and item[f][3] > 0), name
    plans = {p: sum(i["body_plan"] == p for i in items) for p in BODY_PLANS}
    assert plans["quadruped"] >= 30 and plans["humanoid"] >= 25 and plans["blob"] >= 20, plans


def test_the_evaluation_set_is_never_trained_on() -> None:
    with pytest.raises(InvalidInputError, match="evaluation only"):
        load_labelled(ROOT / "tests" / "data" / "rig_real")


def _two_disk_folder(tmp_path: Path) -> Path:
    """A drawing of two disks joined by a thin bar, labelled at the disks' centres."""
    img = Image.new("RGBA", (240, 200), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.line([(60, 60), (170, 140)], fill=(200, 80, 40, 255), width=3)
    for cx, cy in ((60, 60), (170, 140)):
        d.ellipse((cx - 14, cy - 14, cx + 14, cy + 14), fill=(60, 120, 200, 255))
    img.save(tmp_path / "disks.png")
    labels = {"version": 1, "set": "test", "licence": "CC0-1.0", "items": [
        {"file": "disks.png", "name": "disks", "body_plan": "humanoid", "view": "front",
         "joints": {"root": [115.0, 100.0], "hand_l": [60.0, 60.0], "foot_r": [170.0, 140.0]},
         "eye_l": [60.0, 60.0, 5.0, 5.0], "eye_r": None, "mouth": None}]}
    (tmp_path / "labels.json").write_text(json.dumps(labels), "utf-8")
    return tmp_path


def test_augmented_samples_keep_their_labels_on_the_drawing(tmp_path: Path) -> None:
    (drawing,) = load_labelled(_two_disk_folder(tmp_path))
    rng = np.random.default_rng(3)
    names_seen = set()
    for _ in range(24):
        s = labelled_sample(drawing, rng, size=128, stride=4)
        alpha = s.image[3]
        present = [POINTS[i] for i in range(len(POINTS)) if s.points[i, 2] > 0]
        # mirrored samples rename hand_l -> hand_r and foot_r -> foot_l; the points stay on the disks
        assert len(present) == 4 and "root" in present
        names_seen.update(present)
        for i, name in enumerate(POINTS):
            if s.points[i, 2] > 0 and name != "root":
                x, y = (int(round(v)) for v in s.points[i, :2])
                assert alpha[max(0, y - 1):y + 2, max(0, x - 1):x + 2].min() > 0.9, (name, x, y)
        assert (s.parts == IGNORE_PART).all()
        assert s.plan == BODY_PLANS.index("humanoid")
    assert {"hand_l", "hand_r", "foot_l", "foot_r"} <= names_seen  # the mirror happened both ways


def test_a_batch_mixes_in_labelled_drawings_and_their_parts_are_ignored(tmp_path: Path) -> None:
    import torch

    from sticker_studio.engine.rig.net import make_rig_net
    from sticker_studio.training.rig.train import make_batch, rig_losses

    labelled = load_labelled(_two_disk_folder(tmp_path))
    all_labelled = make_batch(["blob"], 4, "t", 128, 4, None, labelled, 1.0)
    assert (all_labelled.parts == IGNORE_PART).all()
    mixed = make_batch(["blob"], 8, "t2", 128, 4, None, labelled, 0.5)
    n_lab = int((mixed.parts == IGNORE_PART).flatten(1).all(1).sum())
    assert 0 < n_lab < 8
    torch.manual_seed(0)
    net = make_rig_net("tiny").eval()
    with torch.no_grad():
        terms = rig_losses(net(all_labelled.image), all_labelled, 4, 1.0, 20.0)
    assert all(torch.isfinite(v) for v in terms.values())
    assert float(terms["parts"]) == 0.0 and float(terms["heat"]) > 0.0


def test_train_rig_refuses_the_evaluation_set_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sticker_studio.cli import main

    code = main(["train", "rig", "--out", str(tmp_path / "run"), "--config", "tiny", "--steps", "1",
                 "--data", str(ROOT / "tests" / "data" / "rig_real"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "evaluation only" in err and "Traceback" not in err
    assert not (tmp_path / "run" / "checkpoints").exists()
