"""Several emoji typed into one field become one emoji each (Telegram takes one emoji per item)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.pack.pack import StickerPack
from sticker_studio.core.pack.store import split_emoji_text
from sticker_studio.core.sticker import Sticker


@pytest.mark.parametrize(("text", "count"), [
    ("😀😺", 2), ("👍🏽", 1), ("👩\u200d👩\u200d👧", 1), ("🇫🇷🇩🇪", 2), ("1\ufe0f\u20e3", 1), ("❤\ufe0f", 1), ("😀", 1),
])
def test_split_keeps_sequences_whole(text: str, count: int) -> None:
    parts = split_emoji_text(text)
    assert len(parts) == count and "".join(parts) == text


def _still() -> Sticker:
    frame = np.zeros((16, 16, 4), np.uint8)
    frame[4:12, 4:12] = (200, 30, 30, 255)
    return Sticker([frame], [100])


def test_pack_add_and_set_emojis_split_one_field(tmp_path: Path) -> None:
    pack = StickerPack.create(tmp_path / "p", "Test")
    entry = pack.add(_still(), name="a", emojis=["😀😺"])
    assert entry.emojis == ["😀", "😺"]
    assert pack.set_emojis(entry.id, ["👍🏽🇫🇷"]).emojis == ["👍🏽", "🇫🇷"]
    with pytest.raises(InvalidInputError, match="1 to 3"):
        pack.set_emojis(entry.id, ["😀😀😀😀"])
