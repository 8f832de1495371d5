"""A feeling motion plays on the plain subject: "a sleepy cat" never draws zzz over the weary cat's
wide-open eyes (any seed), unless the library's art already shows that feeling and can still do
the motion ("a crying cat" keeps the crying cat)."""

from __future__ import annotations

import pytest

from sticker_studio.engine.generate.feeling_art import art_for_feeling, shown_feeling


@pytest.mark.parametrize(("label", "feeling"), [
    ("cat", None), ("black cat", None), ("shopping bags", None), ("steam locomotive", None),
    ("weary cat", "other"), ("grinning cat", "other"), ("cat with tears of joy", "other"),
    ("crying cat", "cry"), ("loudly crying face", "cry"), ("sleepy face", "sleepy"), ("yawning face", "sleepy"),
    ("pouting cat", "angry"), ("face with steam from nose", "angry"), ("smiling cat with heart-eyes", "love"),
    ("kissing cat", "love")])
def test_the_feeling_an_entry_shows_is_read_from_its_name(label: str, feeling: str | None) -> None:
    assert shown_feeling(label) == feeling


def test_the_pool_keeps_plain_art_and_art_that_shows_the_feeling_and_can_do_it() -> None:
    pool = ["cat", "weary cat", "black cat", "crying cat", "kissing cat"]
    assert art_for_feeling(pool, "sleepy", str, lambda c: True) == ["cat", "black cat"]
    assert art_for_feeling(pool, "cry", str, lambda c: True) == ["cat", "black cat", "crying cat"]
    assert art_for_feeling(pool, "cry", str, lambda c: False) == ["cat", "black cat"]   # it cannot cry
    assert art_for_feeling(pool, "wave", str, lambda c: True) == pool                   # no feeling: as it was
    assert art_for_feeling(["weary cat"], "sleepy", str, lambda c: True) == ["weary cat"]  # nothing fits


def _labels(prompt: str, seeds: range) -> list[str]:
    from sticker_studio.engine.generate.two_stage import pick_scene

    return [pick_scene(prompt, seed=s, size=128).main.label for s in seeds]


def test_a_sleepy_cat_is_a_plain_cat_whatever_the_seed() -> None:
    labels = _labels("a sleepy cat", range(6))
    assert set(labels) <= {"cat", "black cat"}, labels
    assert labels[0] == "cat"


def test_art_that_already_shows_the_feeling_is_kept() -> None:
    assert set(_labels("a crying cat", range(3))) == {"crying cat"}
    # a motion that is no feeling leaves the seeds' variants as they were
    assert {"weary cat", "crying cat"} <= set(_labels("a fluffy cat waving", range(6)))
