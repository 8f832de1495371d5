"""The dataset folder shape: index round trip, exact clip round trip, stable subject splits."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.sticker import Sticker
from sticker_studio.training.data.dataset import (
    DatasetMeta,
    DatasetRecord,
    clip_path_for,
    load_clip,
    load_composite,
    make_caption,
    read_index,
    read_meta,
    split_for_subject,
    write_clip,
    write_index,
)


def _record(rid: str, **kw: object) -> DatasetRecord:
    base = dict(id=rid, path=clip_path_for(rid), caption=make_caption("cartoon", "a red heart beating fast"),
                domain="cartoon", description="a red heart beating fast", trigger_words=["heart", "beating"],
                motion="heartbeat", frame_count=6, fps=12.0, width=24, height=20, subject="red heart")
    base.update(kw)
    return DatasetRecord(**base)  # type: ignore[arg-type]


def test_clip_round_trip_is_exact_even_with_repeated_frames(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    a, b = (rng.integers(0, 256, (20, 24, 4), dtype=np.uint8) for _ in range(2))
    sticker = Sticker.from_frames([a, a, b, b, b, a], fps=12)
    write_clip(tmp_path, clip_path_for("x"), sticker)
    back = load_clip(tmp_path, _record("x"))
    assert back.frame_count == 6
    assert all(np.array_equal(p, q) for p, q in zip(back.frames, sticker.frames, strict=False))
    assert back.durations_ms == sticker.durations_ms


def test_index_round_trip_keeps_extra_fields(tmp_path: Path) -> None:
    records = [_record("a", extra={"keyframes": {"3": [0, 2, 4]}}),
               _record("b", split="val", composite_path="clips/b_bg.png", license="MIT")]
    write_index(tmp_path, records, DatasetMeta(name="t", sources=[{"name": "x", "license": "MIT", "url": "npm:x"}]))
    back = read_index(tmp_path)
    assert [r.id for r in back] == ["a", "b"]
    assert back[0].extra == {"keyframes": {"3": [0, 2, 4]}} and back[0].composite_path is None
    assert back[1].split == "val" and back[1].composite_path == "clips/b_bg.png"
    assert back[0].caption.split("\t") == ["cartoon", "a red heart beating fast"]
    line = json.loads((tmp_path / "index.jsonl").read_text().splitlines()[0])
    assert "composite_path" not in line and line["keyframes"] == {"3": [0, 2, 4]}
    meta = read_meta(tmp_path)
    assert meta.name == "t" and meta.version == 1 and meta.sources[0]["license"] == "MIT"


def test_composite_is_stored_as_rgb(tmp_path: Path) -> None:
    frames = [np.full((8, 8, 4), (10, 20, 30, 255), np.uint8)] * 2
    write_clip(tmp_path, clip_path_for("c", "_bg"), Sticker(frames, [100, 100]), rgb_only=True)
    comp = load_composite(tmp_path, _record("c", composite_path=clip_path_for("c", "_bg")))
    assert comp is not None and comp.frame_count == 2 and (comp.frames[0][..., 3] == 255).all()
    assert load_composite(tmp_path, _record("c")) is None


def test_broken_index_lines_name_the_line(tmp_path: Path) -> None:
    (tmp_path / "index.jsonl").write_text('{"id": "a"}\n')
    with pytest.raises(InvalidInputError, match=":1:.*lacks"):
        read_index(tmp_path)
    (tmp_path / "index.jsonl").write_text("not json\n")
    with pytest.raises(InvalidInputError, match="not valid JSON"):
        read_index(tmp_path)
    with pytest.raises(InvalidInputError, match="missing"):
        read_index(tmp_path / "nowhere")


def test_write_index_refuses_duplicates_and_absolute_paths(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="duplicate"):
        write_index(tmp_path, [_record("a"), _record("a")], {"name": "t"})
    with pytest.raises(InvalidInputError, match="relative"):
        write_index(tmp_path, [_record("a", path="/abs/a.png")], {"name": "t"})


def test_split_is_stable_and_roughly_proportional() -> None:
    names = [f"subject {i}" for i in range(2000)]
    splits = [split_for_subject(n) for n in names]
    assert splits == [split_for_subject(n) for n in names]
    assert split_for_subject("Red Heart ") == split_for_subject("red heart")
    val, test = splits.count("val") / 2000, splits.count("test") / 2000
    assert 0.07 < val < 0.13 and 0.07 < test < 0.13


def test_make_caption_flattens_tabs() -> None:
    assert make_caption("car\ttoon", "a  heart\tbeating\n") == "car toon\ta heart beating"
