"""The classifier's training clips of one class are the same whether rendered alone or with the rest, so a
changed motion's clips can be rebuilt alone (``python -m sticker_studio.training.adherence.dataset OUT N OFFSET
clap,wave`` beside ``... -clap,wave``)."""

from __future__ import annotations

import numpy as np

from sticker_studio.training.adherence.clips import character_clips


def test_a_class_renders_the_same_alone_or_with_others() -> None:
    # a skipped motion still draws its random parameters, so a changed motion's clips can be rebuilt alone
    alone = {c.label: c for c in character_clips("blob", 70_000_004, presets=0, size=96, labels=frozenset({"talk"}))}
    both = {c.label: c for c in character_clips("blob", 70_000_004, presets=0, size=96,
                                                labels=frozenset({"blink", "talk"}))}
    assert set(alone) == {"talk"} and set(both) == {"blink", "talk"}
    assert len(alone["talk"].frames) == len(both["talk"].frames)
    assert all(np.array_equal(a, b) for a, b in zip(alone["talk"].frames, both["talk"].frames, strict=True))
