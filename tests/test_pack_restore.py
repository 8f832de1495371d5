"""StickerPack.restore: what remove() returned goes back with the same id (the app's undo)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sticker_studio.core.errors import PackError
from sticker_studio.core.pack.pack import StickerPack
from sticker_studio.core.sticker import Sticker


def test_restore_after_a_save_writes_the_sticker_again(tmp_path: Path) -> None:
    pack = StickerPack.create(tmp_path / "p", "P")
    a = pack.add(Sticker([np.full((8, 8, 4), 200, np.uint8)] * 2, [100, 100]), name="a", emojis=["😺"])
    pack.add(Sticker([np.zeros((8, 8, 4), np.uint8)], [100]), name="b")
    pack.save()
    removed = pack.remove(a.id)
    pack.save()  # its files are gone from disk now
    pack.restore(removed, 0)
    with pytest.raises(PackError):
        pack.restore(removed, 0)
    pack.save()
    again = StickerPack.open(tmp_path / "p")
    assert [(e.id, e.name, e.emojis) for e in again.entries][0] == (a.id, "a", ["😺"])
    assert again.get(a.id).sticker.frame_count == 2
