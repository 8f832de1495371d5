"""Where the bundled data is found: env override, the installed package's copy, the checkout."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sticker_studio import paths
from sticker_studio.engine.store.manifest import read_manifest_file

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def no_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STICKER_STUDIO_RESOURCES", raising=False)
    monkeypatch.delenv("STICKER_STUDIO_MANIFEST", raising=False)


def test_checkout_reads_the_top_level_folders(no_overrides: None, monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    monkeypatch.setattr(paths, "files", lambda _package: tmp_path / "no-package-data")
    assert paths.package_data_dir() is None
    assert paths.resources_dir() == REPO / "resources"
    assert paths.manifest_path() == REPO / "models_manifest.json"


def test_installed_copy_wins_and_bundled_sources_resolve_inside_it(
    no_overrides: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What setup.py's build step lays out in a wheel: sticker_studio/_data/{resources,models_manifest.json}."""
    package = tmp_path / "site-packages" / "sticker_studio"
    data = package / "_data"
    (data / "resources" / "models").mkdir(parents=True)
    shutil.copy2(REPO / "models_manifest.json", data / "models_manifest.json")
    monkeypatch.setattr(paths, "files", lambda _package: package)
    assert paths.package_data_dir() == data
    assert paths.resources_dir() == data / "resources"
    assert paths.manifest_path() == data / "models_manifest.json"
    entries = read_manifest_file(paths.manifest_path())
    bundled = [e for e in entries if e.source.startswith("bundled:resources/")]
    assert bundled, "the repository manifest lists bundled models"
    for entry in bundled:
        # "bundled:resources/models/x" -> <package>/_data/resources/models/x (not the checkout)
        assert entry.local_folder() == data / entry.source.split(":", 1)[1]


def test_env_overrides_beat_the_package_copy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    package = tmp_path / "sticker_studio"
    (package / "_data" / "resources").mkdir(parents=True)
    (package / "_data" / "models_manifest.json").write_text(json.dumps({"schema": 1, "models": []}))
    monkeypatch.setattr(paths, "files", lambda _package: package)
    monkeypatch.setenv("STICKER_STUDIO_RESOURCES", str(tmp_path / "mine"))
    monkeypatch.setenv("STICKER_STUDIO_MANIFEST", str(tmp_path / "mine.json"))
    assert paths.resources_dir() == tmp_path / "mine"
    assert paths.manifest_path() == tmp_path / "mine.json"
