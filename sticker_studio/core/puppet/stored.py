"""A character sticker that remembers how it was made: the drawing, the rig and the motion.

:func:`character_sticker` animates a drawing with a character motion, frames it on the
sticker canvas (:mod:`~sticker_studio.core.puppet.framing`) and records in the sticker's
metadata what a pack keeps, like the whole-body presets do:

* ``motion_source``: the drawing (an RGBA array; a pack stores it as a PNG beside the frames);
* ``motion_args``: the motion and every setting, with ``"character": true``;
* ``rig``: the rig as its JSON (``Rig.to_json``), the part map inline as a base64 PNG.

:func:`remake_character_sticker` makes the same sticker again from that metadata (for a
re-export at another size, or to check a stored sticker). Vector ``.tgs`` export cannot
move parts of a drawing: :func:`is_character_sticker` lets it refuse with one line.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

import numpy as np

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.puppet.framing import DEFAULT_MARGIN
from sticker_studio.core.puppet.rig import Rig
from sticker_studio.core.sticker import Sticker

#: Metadata key of the rig a character sticker was animated with.
RIG_KEY = "rig"


@dataclass(frozen=True)
class CharacterSettings:
    """Everything a character sticker is made from, besides the drawing and the rig."""

    motion: str
    frames: int | None = None
    fps: float | None = None
    amplitude: float = 1.0
    speed: float = 1.0
    easing: str = "ease-in-out"
    side: str = "auto"                 # which arm waves
    body: str | None = None            # a whole-body preset stacked on top
    effects: tuple[str, ...] = field(default=())
    seed: int = 0
    size: int = 512                    # the square sticker's side
    subject_size: float = 0.8
    margin: float = DEFAULT_MARGIN
    pixel_art: bool | None = None

    def to_args(self) -> dict[str, Any]:
        return {"motion": self.motion, "character": True, "frames": self.frames, "fps": self.fps,
                "amplitude": float(self.amplitude), "speed": float(self.speed), "easing": self.easing,
                "side": self.side, "body": self.body, "effects": list(self.effects), "seed": int(self.seed),
                "size": int(self.size), "subject_size": float(self.subject_size), "margin": float(self.margin),
                "pixel_art": self.pixel_art}

    @classmethod
    def from_args(cls, args: Any) -> CharacterSettings:
        if not isinstance(args, dict) or not args.get("character") or not isinstance(args.get("motion"), str):
            raise InvalidInputError("the sticker does not record a character motion")
        try:
            frames = None if args.get("frames") is None else int(args["frames"])
            fps = None if args.get("fps") is None else float(args["fps"])
            body = args.get("body")
            pixel_art = args.get("pixel_art")
            return cls(motion=args["motion"], frames=frames, fps=fps, amplitude=float(args.get("amplitude", 1.0)),
                       speed=float(args.get("speed", 1.0)), easing=str(args.get("easing", "ease-in-out")),
                       side=str(args.get("side", "auto")), body=None if body is None else str(body),
                       effects=tuple(str(e) for e in args.get("effects") or ()), seed=int(args.get("seed", 0)),
                       size=int(args.get("size", 512)), subject_size=float(args.get("subject_size", 0.8)),
                       margin=float(args.get("margin", DEFAULT_MARGIN)),
                       pixel_art=None if pixel_art is None else bool(pixel_art))
        except (TypeError, ValueError) as error:
            raise InvalidInputError(f"the sticker's recorded character motion is damaged ({error})") from None


def is_character_sticker(metadata: dict[str, Any]) -> bool:
    """Whether a sticker was made by a character motion (parts of the drawing move)."""
    args = metadata.get("motion_args")
    return bool(metadata.get("character")) or (isinstance(args, dict) and bool(args.get("character")))


def rig_to_metadata(rig: Rig) -> dict[str, Any]:
    """The rig's JSON with its part map inline (a base64 PNG), for a sticker's metadata."""
    data = rig.to_json(None)
    data.pop("parts_file", None)
    if rig.parts is not None:
        from PIL import Image

        buf = BytesIO()
        Image.fromarray(np.ascontiguousarray(rig.parts), mode="L").save(buf, format="PNG", optimize=True)
        data["parts_png"] = base64.b64encode(buf.getvalue()).decode("ascii")
    return data


def rig_from_metadata(data: Any) -> Rig:
    """The rig :func:`rig_to_metadata` stored (validated like a rig file)."""
    from sticker_studio.core.puppet.rig import RigError

    if not isinstance(data, dict):
        raise RigError("the sticker does not record the rig it was animated with")
    parts = None
    if data.get("parts_png"):
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(BytesIO(base64.b64decode(str(data["parts_png"]), validate=True))) as im:
                parts = np.array(im.convert("L"), dtype=np.uint8)
        except (ValueError, OSError, UnidentifiedImageError) as error:
            raise RigError(f"the sticker's stored part map is damaged ({error})") from None
    return Rig.from_json({k: v for k, v in data.items() if k != "parts_png"}, parts)


def character_sticker(drawing: np.ndarray, rig: Rig, settings: CharacterSettings) -> Sticker:
    """The drawing animated with a character motion, framed on a square canvas, with how it was made.

    The rig is stored and used as its JSON round trip, so :func:`remake_character_sticker`
    gives the same frames. A drawing without the parts the motion needs raises
    :class:`~sticker_studio.core.puppet.motions.MissingPartError` naming them.
    """
    from sticker_studio.core.puppet.animate import AnimateOptions
    from sticker_studio.core.puppet.framed import animate_framed
    from sticker_studio.core.puppet.motions import CharacterParams

    drawing = np.ascontiguousarray(drawing)
    stored = rig_to_metadata(rig)
    rig = rig_from_metadata(stored)  # what a remake reads back (joints rounded to 1/1000 px)
    params = CharacterParams(amplitude=float(settings.amplitude), easing=settings.easing, side=settings.side)
    options = AnimateOptions(frames=settings.frames, fps=settings.fps, speed=float(settings.speed), body=settings.body,
                             pixel_art=settings.pixel_art, seed=int(settings.seed), extra_effects=settings.effects)
    # drawn straight at the sticker's framing (what frame_character(animate_character(...)) gives, less the resampling)
    sticker = animate_framed(drawing, rig, settings.motion, params, options, side=settings.size,
                             subject_size=settings.subject_size, margin=settings.margin)
    sticker.metadata.update({
        "motion_source": drawing,
        "motion_args": settings.to_args(),
        RIG_KEY: stored,
    })
    return sticker


def remake_character_sticker(metadata: dict[str, Any], drawing: np.ndarray, *, size: int | None = None,
                             subject_size: float | None = None) -> Sticker:
    """The sticker again from its metadata and drawing, optionally at another side or subject size."""
    from dataclasses import replace

    settings = CharacterSettings.from_args(metadata.get("motion_args"))
    if size is not None:
        settings = replace(settings, size=int(size))
    if subject_size is not None:
        settings = replace(settings, subject_size=float(subject_size))
    rig = rig_from_metadata(metadata.get(RIG_KEY))
    if (rig.width, rig.height) != (drawing.shape[1], drawing.shape[0]):
        raise InvalidInputError(f"the stored rig is for a {rig.width}x{rig.height} drawing but the stored drawing is "
                                f"{drawing.shape[1]}x{drawing.shape[0]}")
    return character_sticker(drawing, rig, settings)
