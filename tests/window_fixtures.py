"""One way to open the real main window on a fresh pack in Qt tests (offscreen)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest


def use_no_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the app at an empty model manifest: no matting head, so the default cut-out is the colour key."""
    manifest = tmp_path / "empty_manifest.json"
    manifest.write_text(json.dumps({"schema": 1, "models": []}))
    monkeypatch.setenv("STICKER_STUDIO_MANIFEST", str(manifest))


@contextmanager
def open_main_window(qtbot: Any, tmp_path: Path, settings: Any | None = None) -> Iterator[Any]:
    """A shown, exposed MainWindow on a new pack in ``tmp_path / "pack"`` (reopened if there), with
    ``settings`` (default: fresh ones); shut down afterwards."""
    from sticker_studio.ui.main_window import MainWindow
    from sticker_studio.ui.state.document import PackDocument, open_or_create_pack
    from sticker_studio.ui.state.settings import AppSettings

    document = PackDocument(open_or_create_pack(tmp_path / "pack", "Test pack"), autosave_delay_ms=30)
    win = MainWindow(document, settings if settings is not None else AppSettings())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    try:
        yield win
    finally:
        win.shutdown()
