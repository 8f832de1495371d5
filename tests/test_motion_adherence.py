"""The motion classifier's features, a tiny classifier on two motions, and the adherence eval."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from sticker_studio.core.puppet.animate import AnimateOptions, animate_character, prepare
from sticker_studio.engine.adherence.classes import BODY_CLASSES, CHARACTER_CLASSES, CLASSES
from sticker_studio.engine.adherence.features import (
    GRID,
    MAP_CHANNELS,
    MAP_NAMES,
    SERIES,
    SERIES_NAMES,
    STEPS,
    VECTOR,
    clip_features,
    mirrored,
    normalise_clip,
    on_white_silhouette,
    spectrum,
)
from sticker_studio.engine.adherence.net import MotionClassifier
from sticker_studio.engine.adherence.predict import classify_features
from sticker_studio.training.adherence.clips import rig_from_drawing
from sticker_studio.training.rig.characters import render_character

REAL = Path(__file__).parent / "data" / "rig_real"


def _disc_clip(size: int = 96, frames: int = 12, where: tuple[int, int] = (30, 40), radius: int = 6,
               body: tuple[int, int, int, int] = (20, 20, 76, 80)) -> list[np.ndarray]:
    """A grey box (the subject) whose small red disc at ``where`` blinks on and off."""
    out = []
    yy, xx = np.mgrid[0:size, 0:size]
    for k in range(frames):
        f = np.zeros((size, size, 4), np.uint8)
        x0, y0, x1, y1 = body
        f[y0:y1, x0:x1] = (128, 128, 128, 255)
        if k % 4 in (1, 2):
            disc = (xx - where[0]) ** 2 + (yy - where[1]) ** 2 <= radius ** 2
            f[disc] = (220, 30, 30, 255)
        out.append(f)
    return out


def test_classes_are_the_character_motions_then_the_presets() -> None:
    assert len(CHARACTER_CLASSES) == 20
    assert {"blink", "wave", "talk", "cry", "sleepy", "tail-wag"} <= set(CHARACTER_CLASSES)
    assert "body:bounce" in BODY_CLASSES and "body:sway" in BODY_CLASSES
    assert CLASSES == (*CHARACTER_CLASSES, *BODY_CLASSES)


def test_a_still_clip_has_no_change() -> None:
    still = [_disc_clip(frames=1)[0]] * 8
    f = clip_features(still)
    assert f.maps.shape == (MAP_CHANNELS, GRID, GRID) and f.series.shape == (SERIES, STEPS)
    for name in ("change_mean", "change_max", "step_mean", "alpha_gain", "alpha_loss"):
        assert float(np.abs(f.maps[MAP_NAMES.index(name)]).max()) == 0.0
    moving = [i for i, n in enumerate(SERIES_NAMES) if not n.startswith("zoom_where")]
    assert float(np.abs(f.series[moving]).max()) < 1e-6
    assert f.vector().shape == (VECTOR,)
    assert f.maps[MAP_NAMES.index("alpha0")].max() > 0.9  # the subject is there


def test_change_is_found_where_it_happens_and_mirrors() -> None:
    clip = _disc_clip(where=(30, 40))  # the disc sits left of the subject's centre (48)
    f = clip_features(clip)
    change = f.maps[MAP_NAMES.index("change_mean")]
    cols = change.sum(axis=0)
    assert cols[: GRID // 2].sum() > 5 * cols[GRID // 2:].sum()
    red = f.maps[MAP_NAMES.index("red_change")]
    assert red.max() > 0.0 and f.maps[MAP_NAMES.index("green_change")].min() < 0.0  # grey -> red
    g = clip_features(mirrored(clip))
    flipped = g.maps[MAP_NAMES.index("change_mean")]
    assert np.abs(flipped - change[:, ::-1]).mean() < 0.02 * change.max()  # (sub-pixel resampling differs)
    assert flipped.sum(axis=0)[GRID // 2:].sum() > 5 * flipped.sum(axis=0)[: GRID // 2].sum()
    # blinking on and off every 4 frames of 12: the spectrum of the total change peaks at 3 cycles per loop
    mags = np.abs(np.fft.rfft(f.series[0]))
    assert int(np.argmax(mags[1:])) + 1 == 3


def test_features_follow_the_subject_not_the_canvas() -> None:
    """The same motion, drawn twice as big on a bigger canvas and moved, gives nearly the same features."""
    small = _disc_clip(size=96, where=(30, 40), radius=6, body=(20, 20, 76, 80))
    big = [np.kron(f, np.ones((2, 2, 1), np.uint8)) for f in small]
    big = [np.pad(f, ((10, 50), (60, 0), (0, 0))) for f in big]
    a, b = clip_features(small), clip_features(big)
    assert np.abs(a.maps - b.maps).mean() < 0.01
    assert np.abs(a.vector() - b.vector()).mean() < 0.05


def test_time_is_resampled_to_one_pass() -> None:
    clip = _disc_clip(frames=12)
    assert normalise_clip(clip).shape[0] == STEPS
    doubled = [f for f in clip for _ in range(2)]  # the same loop at twice the frame rate
    np.testing.assert_allclose(clip_features(doubled).maps, clip_features(clip).maps, atol=1e-6)


def test_spectrum_is_shift_invariant() -> None:
    s = np.random.default_rng(0).normal(size=(3, STEPS)).astype(np.float32)
    np.testing.assert_allclose(spectrum(s), spectrum(np.roll(s, 5, axis=1)), atol=1e-4)


def test_bad_frames_are_refused() -> None:
    with pytest.raises(ValueError):
        clip_features([])
    with pytest.raises(ValueError):
        clip_features([np.zeros((8, 8, 3), np.uint8)])


def test_on_white_silhouette_keeps_the_subject() -> None:
    clip = _disc_clip(size=96)
    sil = on_white_silhouette(clip, 48)
    assert sil[0].shape == (48, 48, 4)
    assert sil[0][..., 3].max() == 255 and sil[0][0, 0, 3] == 0  # grey subject opaque, empty corner clear


def _render(motion: str, family: str, seed: int) -> list[np.ndarray]:
    d = render_character(family, seed, 96)
    rig = rig_from_drawing(d)
    return list(animate_character(d.rgba, rig, motion, options=AnimateOptions(frames=12), plan=prepare(d.rgba, rig))
                .frames)


def test_a_tiny_classifier_separates_blink_from_hop() -> None:
    """Trained for a few steps on three characters, it tells a blink from a hop on a fourth."""
    torch.manual_seed(0)
    train = [("blob", 11), ("person", 12), ("animal", 13)]
    feats, labels = [], []
    for family, seed in train:
        for k, motion in enumerate(("blink", "hop")):
            clip = _render(motion, family, seed)
            for variant in (clip, mirrored(clip)):
                feats.append(clip_features(variant))
                labels.append(k)
    net = MotionClassifier(classes=["blink", "hop"], map_channels=MAP_CHANNELS, grid=GRID, vector=VECTOR,
                           channels=(8, 8, 8), hidden=16, dropout=0.0)
    maps = torch.from_numpy(np.stack([f.maps for f in feats]))
    vecs = torch.from_numpy(np.stack([f.vector() for f in feats]))
    net.map_mean.copy_(maps.mean(dim=(0, 2, 3)).reshape(-1, 1, 1))
    net.map_std.copy_(maps.std(dim=(0, 2, 3)).reshape(-1, 1, 1) + 1e-3)
    net.vec_mean.copy_(vecs.mean(0))
    net.vec_std.copy_(vecs.std(0) + 1e-3)
    y = torch.tensor(labels)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    net.train()
    for _ in range(40):
        loss = torch.nn.functional.cross_entropy(net(maps, vecs), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()
    test = [clip_features(_render(m, "quadruped", 14)) for m in ("blink", "hop")]
    got = classify_features(net, test)
    assert [g.label for g in got] == ["blink", "hop"]
    only = classify_features(net, test[:1], among=["hop"])[0]
    assert only.classes == ("hop",) and only.confidence == pytest.approx(1.0)


def test_hand_rig_from_the_labels_is_valid() -> None:
    from sticker_studio.training.adherence.evaluate import hand_rig, real_characters

    chars = real_characters(REAL, 128)
    assert len(chars) >= 40
    name, rgba, truth = chars[0]
    rig = hand_rig(truth, 128 / 512, 128)
    assert rgba.shape == (128, 128, 4) and "root" in rig.joints
    assert all(0 <= j.x <= 128 and 0 <= j.y <= 128 for j in rig.joints.values())


def test_the_bundled_classifier_reads_motions_of_an_unseen_character() -> None:
    from sticker_studio.engine.adherence.predict import classify_clip
    from sticker_studio.engine.store.manifest import ModelManifest

    if "motion-classifier" not in ModelManifest.load().ids():
        pytest.skip("no motion classifier in the manifest")
    # a held-out rig-family seed far from the classifier's training seeds
    for motion in ("blink", "wave", "hop"):
        got = classify_clip(_render(motion, "robot", 5), among=CHARACTER_CLASSES)
        assert got.label == motion, got.top()


@pytest.mark.slow
def test_real_set_adherence_on_two_characters() -> None:
    from sticker_studio.training.adherence.evaluate import adherence_markdown, real_set_adherence

    report = real_set_adherence(REAL, size=160, limit=2, motions=["blink", "hop"])
    assert report.rows and {r.rig for r in report.rows} <= {"auto", "hand"}
    assert "| blink |" in adherence_markdown(report)


def test_eval_motion_prints_adherence_and_the_issue_rules(capsys: pytest.CaptureFixture[str]) -> None:
    from sticker_studio.cli import main
    from sticker_studio.engine.store.manifest import ModelManifest

    if "motion-classifier" not in ModelManifest.load().ids():
        pytest.skip("no motion classifier in the manifest")
    assert main(["eval", "motion", "--characters", "smiley", "--size", "96"]) == 0
    out = capsys.readouterr().out
    assert "| issue rule | adherence |" in out
    assert "| blink | 1 |" in out and "Adherence (motion classifier" in out


def test_eval_motion_generator_needs_the_real_set(capsys: pytest.CaptureFixture[str]) -> None:
    from sticker_studio.cli import main

    assert main(["eval", "motion", "--generator-only", "--generator"]) == 2
    assert "--real" in capsys.readouterr().err


def test_rule_checks() -> None:
    from sticker_studio.cli.adherence_eval import rule_cell, rule_passes

    assert rule_passes("blink", 0.05, 0.0) is True and rule_passes("blink", 0.09, 0.0) is False
    assert rule_passes("wave", 0.3, 0.4) is True and rule_passes("wave", 0.3, 0.05) is False
    assert rule_passes("wave", 0.6, 0.5) is False and rule_passes("hop", 0.9, 0.0) is None
    assert rule_cell("blink", [(0.05, 0.0), (0.2, 0.0)]) == "FAIL 1/2" and rule_cell("nod", [(0.5, 0.0)]) == "—"
