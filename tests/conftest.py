"""Shared test setup: offscreen Qt, few threads, no network, temp user dirs."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")

import pytest


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real user's cache, data or config from a test."""
    root = tmp_path_factory.mktemp("userdirs")
    monkeypatch.setenv("STICKER_STUDIO_CACHE", str(root / "cache"))
    monkeypatch.setenv("STICKER_STUDIO_DATA", str(root / "data"))
    monkeypatch.setenv("STICKER_STUDIO_CONFIG", str(root / "config"))
