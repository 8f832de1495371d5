"""The face and effects painters: the face-effects modules when present, else the stand-in."""

from __future__ import annotations

from types import ModuleType

from sticker_studio.core.puppet import standin


def _load(name: str) -> ModuleType:
    import importlib

    try:
        return importlib.import_module(f"sticker_studio.core.puppet.{name}")
    except ImportError:
        return standin


face: ModuleType = _load("face")
effects: ModuleType = _load("effects")


def is_stand_in() -> bool:
    return face is standin or effects is standin
