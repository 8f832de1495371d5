"""The app's settings: a small JSON file in the user's config dir (no QSettings).

JSON keeps the file readable and portable between platforms, and it is written
through :mod:`sticker_studio.core.atomic` so a crash mid-save never leaves a broken
settings file behind. Unknown keys are ignored and bad values fall back to defaults:
a hand-edited or older file must never stop the app from opening.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from sticker_studio import paths
from sticker_studio.core.atomic import atomic_write_text

SETTINGS_FILE = "settings.json"
#: Preview backgrounds: "checker" or a "#rrggbb" colour.
DEFAULT_BACKGROUND = "checker"


@dataclass
class AppSettings:
    """Everything the app remembers between runs."""

    device: str = "auto"                    # auto | cuda | mps | cpu
    export_folder: str = ""                 # empty -> ~/Pictures/Sticker Studio exports
    preview_background: str = DEFAULT_BACKGROUND
    last_pack: str = ""                     # folder of the pack opened last
    recent_files: list[str] = field(default_factory=list)
    onion_skin: bool = False
    reference_path: str = ""                # the Reference panel's drawing (a pasted one is kept in the data dir)
    reference_background: str = ""          # its Background choice (engine.matting.cutout); "" = the default
    #: its region flips per Background method: method value -> {track id: keep}
    reference_flips_by_method: dict[str, dict[str, bool]] = field(default_factory=dict)
    motion: dict[str, object] = field(default_factory=dict)  # the motion settings (ui.model.motion.MotionChoice)
    export_targets: list[str] = field(default_factory=list)  # ticked in the export dialog last time

    def default_export_folder(self) -> Path:
        if self.export_folder:
            return Path(self.export_folder)
        pictures = Path.home() / "Pictures"
        return (pictures if pictures.is_dir() else Path.home()) / "Sticker Studio exports"


def settings_path() -> Path:
    return paths.user_config_dir() / SETTINGS_FILE


def load_settings(path: Path | None = None) -> AppSettings:
    """Read the settings; a missing or unreadable file gives the defaults."""
    path = path or settings_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return AppSettings()
    if not isinstance(raw, dict):
        return AppSettings()
    defaults = AppSettings()
    values = {}
    for f in fields(AppSettings):
        value = raw.get(f.name, getattr(defaults, f.name))
        default = getattr(defaults, f.name)
        values[f.name] = value if isinstance(value, type(default)) else default
    return AppSettings(**values)


def save_settings(settings: AppSettings, path: Path | None = None) -> Path:
    """Write the settings atomically."""
    path = path or settings_path()
    return atomic_write_text(path, json.dumps(asdict(settings), indent=2, ensure_ascii=False) + "\n")
