"""Where the project's bundled resources and the user's files live."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

import platformdirs

APP_NAME = "sticker-studio"


#: The repository root of a checkout (or an editable install), where ``resources/`` and
#: ``models_manifest.json`` live at the top level.
CHECKOUT_ROOT = Path(__file__).resolve().parent.parent


def package_data_dir() -> Path | None:
    """``sticker_studio/_data`` of an installed wheel (setup.py copies the data in), if there is one.

    Read through :mod:`importlib.resources`, so it is found wherever the package is installed.
    A checkout has no such folder (its data stays at the top level).
    """
    folder = Path(str(files("sticker_studio") / "_data"))
    return folder if folder.is_dir() else None


def _bundled(name: str) -> Path:
    data = package_data_dir()
    if data is not None and (data / name).exists():
        return data / name
    return CHECKOUT_ROOT / name


def resources_dir() -> Path:
    """The bundled ``resources/`` folder (models, samples, icons, art).

    ``STICKER_STUDIO_RESOURCES`` overrides it (used by packaged builds and tests); then the
    installed package's own copy; then the checkout's top-level ``resources/``.
    """
    override = os.environ.get("STICKER_STUDIO_RESOURCES")
    if override:
        return Path(override)
    return _bundled("resources")


def manifest_path() -> Path:
    """The ``models_manifest.json`` that lists every model the engine can load.

    ``STICKER_STUDIO_MANIFEST`` overrides it; then the installed package's copy; then the checkout's.
    """
    override = os.environ.get("STICKER_STUDIO_MANIFEST")
    if override:
        return Path(override)
    return _bundled("models_manifest.json")


def user_cache_dir() -> Path:
    """Downloaded models and other re-creatable files."""
    return Path(os.environ.get("STICKER_STUDIO_CACHE") or platformdirs.user_cache_dir(APP_NAME))


def user_data_dir() -> Path:
    """Packs and user-added models."""
    return Path(os.environ.get("STICKER_STUDIO_DATA") or platformdirs.user_data_dir(APP_NAME))


def user_config_dir() -> Path:
    """Settings."""
    return Path(os.environ.get("STICKER_STUDIO_CONFIG") or platformdirs.user_config_dir(APP_NAME))
