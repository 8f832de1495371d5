"""Synthetic set: round trip through the dataset reader, varied captions, subject-held-out splits."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest

from sticker_studio.training.data.background_plates import (
    BACKGROUND_KINDS,
    composite_on_background,
    random_background,
    random_background_with_kind,
)
from sticker_studio.training.data.captions import ClipFacts, describe
from sticker_studio.training.data.dataset import load_clip, load_composite, read_index, read_meta
from sticker_studio.training.data.subjects import drawn_subjects, load_subjects
from sticker_studio.training.data.synth import add_synth_arguments, generate_synthetic_dataset, run_synth_cli


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    # an empty subjects folder -> the drawn stand-ins: the test needs no download
    generate_synthetic_dataset(out, 24, subjects_dir=out / "no-subjects", seed=3, size=48)
    return out


def test_samples_round_trip_through_the_reader(dataset: Path) -> None:
    records = read_index(dataset)
    assert len(records) == 24
    for r in records:
        clip = load_clip(dataset, r)
        assert clip.frame_count == r.frame_count and 4 <= r.frame_count <= 24
        assert clip.size == (r.width, r.height) == (48, 48)
        assert r.caption == f"{r.domain}\t{r.description}"
        assert r.motion and r.trigger_words and r.source == "synth"
        assert clip.has_transparency()
        comp = load_composite(dataset, r)
        assert comp is not None and comp.frame_count == r.frame_count
        # where the clip is opaque, the composite shows the clip (up to JPEG noise)
        opaque = clip.frames[0][..., 3] == 255
        if opaque.any() and r.extra.get("jpeg_quality") is None:
            diff = np.abs(comp.frames[0][..., :3].astype(int) - clip.frames[0][..., :3])[opaque]
            assert diff.max() <= 1
    meta = read_meta(dataset)
    assert meta.name == "synth-motion" and meta.sources


def test_frame_counts_and_motions_vary(dataset: Path) -> None:
    records = read_index(dataset)
    assert len({r.frame_count for r in records}) >= 5
    assert len({r.motion for r in records}) >= 8
    assert len({r.extra["background"] for r in records}) >= 3


def test_splits_are_disjoint_by_subject(tmp_path: Path) -> None:
    subjects = drawn_subjects()
    records = generate_synthetic_dataset(tmp_path, 40, subjects_dir=tmp_path / "none", seed=1, size=32,
                                         composites=False, max_frames=6)
    by_split: dict[str, set[str]] = {}
    for r in records:
        by_split.setdefault(r.split, set()).add(r.subject)
    names = list(by_split)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not by_split[a] & by_split[b]
    assert {r.subject for r in records} <= {s.name for s in subjects}


def test_same_seed_same_dataset(tmp_path: Path) -> None:
    a = generate_synthetic_dataset(tmp_path / "a", 3, tmp_path / "none", seed=9, size=32, max_frames=6)
    b = generate_synthetic_dataset(tmp_path / "b", 3, tmp_path / "none", seed=9, size=32, max_frames=6, workers=2)
    assert [r.caption for r in a] == [r.caption for r in b]
    assert (tmp_path / "a" / a[0].path).read_bytes() == (tmp_path / "b" / b[0].path).read_bytes()


def test_captions_vary_for_the_same_clip() -> None:
    facts = ClipFacts(name="red heart", tags=("love",), group="Smileys & Emotion", motion="heartbeat",
                      verbs=("beating", "thumping"), cycles_per_second=2.5, amplitude=1.6, coverage=0.3)
    rng = np.random.default_rng(0)
    captions = [describe(facts, rng) for _ in range(40)]
    texts = {c.text for c in captions}
    assert len(texts) >= 20
    joined = " ".join(texts)
    assert "heart" in joined and any(w in joined for w in ("fast", "quickly", "rapidly"))
    assert any(w in joined for w in ("small", "tiny", "little"))
    assert {c.domain for c in captions} >= {"cartoon", "emoji"}
    assert all("\t" not in c.description and "heartbeat" in c.trigger_words for c in captions)


def test_slow_and_intro_wording() -> None:
    rng = np.random.default_rng(1)
    slow = ClipFacts("ghost", (), "", "float", ("floating",), 0.3, 1.0, 0.6)
    texts = [describe(slow, rng).description for _ in range(10)]
    assert sum(any(w in t for w in ("slowly", "gently", "lazily", "calmly")) for t in texts) >= 5
    assert not any(w in " ".join(texts) for w in ("fast", "quickly", "rapidly"))
    intro = ClipFacts("star", (), "", "pop-in", ("popping in",), None, 1.0, 0.6)
    assert "popping in" in describe(intro, rng).description


def test_backgrounds_cover_every_kind() -> None:
    rng = np.random.default_rng(0)
    subject = np.zeros((32, 32, 4), np.uint8)
    subject[8:24, 8:24] = (200, 30, 30, 255)
    for kind in BACKGROUND_KINDS:
        bg, got = random_background_with_kind(rng, 32, 32, subject, kind=kind)
        assert got == kind and bg.shape == (32, 32, 3) and bg.dtype == np.uint8
    bg, _ = random_background_with_kind(rng, 32, 32, subject, kind="subject-colour")
    assert np.abs(bg.astype(int) - (200, 30, 30)).max() < 80  # matches the subject's colour
    assert random_background(rng, 16, 20).shape == (16, 20, 3)
    white = np.full((32, 32, 3), 255, np.uint8)
    flat = composite_on_background(subject, white)
    assert (flat[0, 0] == 255).all() and (flat[16, 16] == (200, 30, 30)).all()
    noisy = composite_on_background(subject, white, jpeg_quality=30)
    assert noisy.shape == (32, 32, 3) and not np.array_equal(noisy, flat)


def test_fetched_subjects_load_when_present() -> None:
    subjects = load_subjects()  # data/subjects when fetched, else the drawn set
    assert subjects
    image = subjects[0].image(64)
    assert image.ndim == 3 and image.shape[2] == 4 and image[..., 3].max() > 0


def test_cli_handler(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    add_synth_arguments(parser)
    args = parser.parse_args([str(tmp_path / "ds"), "--count", "3", "--size", "32", "--max-frames", "6",
                              "--subjects", str(tmp_path / "none"), "--workers", "1"])
    assert run_synth_cli(args) == 0
    assert "samples/s" in capsys.readouterr().out
    assert len(read_index(tmp_path / "ds")) == 3
