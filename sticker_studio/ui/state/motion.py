"""What the user chose in the motion preset UI, as a value (no widgets).

The reference panel emits a :class:`MotionChoice` when the user asks to animate; the
session turns it into a ``core.motion.animate`` call, and the settings file keeps the
last one (``as_dict``/``from_dict``) so the panel comes back as it was left.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

#: Animating a reference larger than this scales it down to a messenger-sized canvas
#: (when no size is asked for).
ANIMATE_MAX_SIDE = 512
#: ``easing`` value meaning "the preset's own default" (intros overshoot, loops ease in-out).
PRESET_EASING = ""


@dataclass(frozen=True)
class MotionChoice:
    """A motion preset and how it plays: the same knobs as ``sticker-studio animate``.

    ``size`` 0 means "keep the reference's size, at most :data:`ANIMATE_MAX_SIDE`";
    ``easing`` :data:`PRESET_EASING` means the preset's default curve. ``character``: a
    character motion of the puppet engine (``wave``, ``blink``...) played on the reference's
    rig instead of the preset; ``body_layer``: the preset is stacked on it as a whole-body layer.
    """

    preset: str
    frames: int = 16
    fps: float = 16.0
    amplitude: float = 1.0
    speed: float = 1.0
    easing: str = PRESET_EASING
    size: int = 0
    character: str = ""
    body_layer: bool = False

    def animate_kwargs(self, reference_side: int) -> dict[str, Any]:
        """Keyword arguments for ``core.motion.animate`` (besides the image and the preset)."""
        if self.size:
            size: int | None = self.size
        else:
            size = ANIMATE_MAX_SIDE if reference_side > ANIMATE_MAX_SIDE else None
        return {"frames": self.frames, "fps": self.fps, "amplitude": self.amplitude, "speed": self.speed,
                "easing": self.easing or None, "size": size}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: object) -> MotionChoice | None:
        """The choice stored in settings, or None when missing or malformed (never raises)."""
        if not isinstance(raw, dict) or not isinstance(raw.get("preset"), str) or not raw["preset"]:
            return None
        defaults = cls(preset=raw["preset"])
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = raw.get(f.name, getattr(defaults, f.name))
            default = getattr(defaults, f.name)
            if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            values[f.name] = value if type(value) is type(default) else default
        return cls(**values)
