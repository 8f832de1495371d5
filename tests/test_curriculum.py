"""The difficulty-adaptive curriculum: static schedule, loss-driven adaptive part, baselines."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.engine.generate.tasks import Task
from sticker_studio.training.generator.curriculum import (
    GROUPS,
    Curriculum,
    CurriculumConfig,
    adaptive_offsets,
    linear_weights,
    make_curriculum,
    static_weights,
)


def test_static_schedule_passes_through_the_papers_points() -> None:
    assert static_weights(0.0) == pytest.approx({"generation": 0.1, "interpolation": 0.9, "prediction": 0.7})
    assert static_weights(0.5) == pytest.approx({"generation": 0.5, "interpolation": 0.5, "prediction": 0.5})
    assert static_weights(1.0) == pytest.approx({"generation": 0.9, "interpolation": 0.1, "prediction": 0.3})
    assert static_weights(0.25) == pytest.approx({"generation": 0.3, "interpolation": 0.7, "prediction": 0.6})
    assert static_weights(0.75)["generation"] == pytest.approx(0.7)
    assert static_weights(2.0) == static_weights(1.0)  # past the end the final weights hold


def test_static_curriculum_moves_from_interpolation_to_generation() -> None:
    cur = make_curriculum("static", total_steps=100)
    start, end = cur.group_weights(0), cur.group_weights(100)
    assert start["interpolation"] > start["generation"]
    assert end["generation"] > end["interpolation"]
    assert sum(start.values()) == pytest.approx(1.0)
    tasks = cur.task_weights(50)
    assert set(tasks) == {t for ts in GROUPS.values() for t in ts}
    assert sum(tasks.values()) == pytest.approx(1.0)


def test_sampling_follows_the_weights() -> None:
    cur = make_curriculum("static", total_steps=100)
    rng = random.Random(0)
    early = Counter(cur.sample_task(0, rng) for _ in range(3000))
    late = Counter(cur.sample_task(100, rng) for _ in range(3000))
    assert early[Task.INTERPOLATION] > 3 * early[Task.TEXT_TO_ANIMATION]
    assert late[Task.TEXT_TO_ANIMATION] + late[Task.IMAGE_TO_ANIMATION] > 3 * late[Task.INTERPOLATION]
    w = cur.task_weights(0)
    assert early[Task.INTERPOLATION] / 3000 == pytest.approx(w[Task.INTERPOLATION], abs=0.04)


def test_adaptive_part_moves_with_the_loss() -> None:
    cur = make_curriculum("dcl", total_steps=1000, history=200, buckets=5)
    base = cur.group_weights(500)
    rng = random.Random(0)
    for _ in range(150):
        cur.update(0.5 + 0.01 * rng.random())
    cur.update(3.0)  # a loss spike: P ranks top → lean to the easy group
    spiking = cur.group_weights(500)
    assert cur.last_bucket == 4
    assert spiking["interpolation"] > base["interpolation"] and spiking["generation"] < base["generation"]
    for _ in range(5):
        cur.update(0.05)  # coasting: P ranks bottom → lean to the hard group
    coasting = cur.group_weights(500)
    assert cur.last_bucket == 0
    assert coasting["generation"] > spiking["generation"] and coasting["interpolation"] < spiking["interpolation"]
    assert adaptive_offsets(0, 5) == pytest.approx({"generation": 0.9, "interpolation": 0.1, "prediction": 0.5})
    assert adaptive_offsets(4, 5) == pytest.approx({"generation": 0.1, "interpolation": 0.9, "prediction": 0.5})


def test_pid_value_uses_the_papers_gains() -> None:
    cur = make_curriculum("dcl", total_steps=10)
    cur.update(1.0)
    cur.update(2.0)
    # P = 5·last + 3·mean + 1.3·Δ
    assert cur.last_p == pytest.approx(5 * 2.0 + 3 * 1.5 + 1.3 * 1.0)
    cur.update(float("nan"))  # ignored
    assert cur.last_p == pytest.approx(5 * 2.0 + 3 * 1.5 + 1.3 * 1.0)


def test_baselines_and_resume_state() -> None:
    none = make_curriculum("none", total_steps=10)
    assert none.group_weights(0) == pytest.approx({g: 1 / 3 for g in GROUPS})
    none.update(5.0)
    assert none.group_weights(0) == pytest.approx({g: 1 / 3 for g in GROUPS})  # no adaptive part
    lin = make_curriculum("linear", total_steps=10)
    assert linear_weights(0.5)["generation"] == pytest.approx(0.5)
    assert lin.group_weights(5)["prediction"] == pytest.approx(0.5 / 1.5)
    cur = make_curriculum("dcl", total_steps=10)
    for x in (1.0, 0.8, 0.9):
        cur.update(x)
    twin = Curriculum(CurriculumConfig(kind="dcl", total_steps=10))
    twin.load_state_dict(cur.state_dict())
    assert twin.group_weights(3) == cur.group_weights(3)
    with pytest.raises(InvalidInputError):
        make_curriculum("bogus")
