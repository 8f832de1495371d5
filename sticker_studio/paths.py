"""Where the project's bundled resources and the user's files live."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "sticker-studio"


def resources_dir() -> Path:
    """The bundled ``resources/`` folder (models, samples, icons).

    ``STICKER_STUDIO_RESOURCES`` overrides it (used by packaged builds and tests).
    """
    override = os.environ.get("STICKER_STUDIO_RESOURCES")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "resources"


def manifest_path() -> Path:
    """The ``models_manifest.json`` that lists every model the engine can load."""
    override = os.environ.get("STICKER_STUDIO_MANIFEST")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "models_manifest.json"


def user_cache_dir() -> Path:
    """Downloaded models and other re-creatable files."""
    return Path(os.environ.get("STICKER_STUDIO_CACHE") or platformdirs.user_cache_dir(APP_NAME))


def user_data_dir() -> Path:
    """Packs and user-added models."""
    return Path(os.environ.get("STICKER_STUDIO_DATA") or platformdirs.user_data_dir(APP_NAME))


def user_config_dir() -> Path:
    """Settings."""
    return Path(os.environ.get("STICKER_STUDIO_CONFIG") or platformdirs.user_config_dir(APP_NAME))
