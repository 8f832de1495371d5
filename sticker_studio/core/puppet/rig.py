"""The rig as data: named joints, face ellipses, part membership, body plan.

A rig is what the puppet engine needs to move a drawing like a character. It is
plain data, saved as JSON (with a ``"version"`` field) beside a sticker's reference:

* **joints**: any subset of :data:`JOINT_NAMES`, each ``(x, y)`` in the drawing's
  pixel coordinates (pixel centres are whole numbers) and a confidence 0..1. ``_l``
  is the image's left side (the viewer's left).
* **face**: ``eye_l``, ``eye_r``, ``mouth``, each an axis-aligned ellipse
  ``(cx, cy, rx, ry)`` in pixels, each optional.
* **parts**: which pixel belongs to which part. Stored as a label PNG beside the JSON
  (``<stem>.parts.png``, 8-bit greyscale, the drawing's size): value 0 = not the
  subject, 1 + index in :data:`PART_NAMES` otherwise (1 head, 2 body, 3 arm_l, ...).
  The JSON names the file in ``"parts_file"``. A rig without parts is valid: the
  engine then assigns every pixel to the nearest bone.
* **plan**: a :class:`BodyPlan`.

:func:`load_rig` validates everything and raises :class:`RigError` (an
:class:`InvalidInputError`) with a message saying what to fix.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np

from sticker_studio.core.errors import InvalidInputError

RIG_VERSION = 1
RIG_SCHEMA = "sticker-studio/rig"

JOINT_NAMES: tuple[str, ...] = (
    "root", "pelvis", "chest", "neck", "head", "head_top",
    "shoulder_l", "elbow_l", "hand_l", "shoulder_r", "elbow_r", "hand_r",
    "hip_l", "knee_l", "foot_l", "hip_r", "knee_r", "foot_r",
    "tail_base", "tail_mid", "tail_tip",
    "ear_l_base", "ear_l_tip", "ear_r_base", "ear_r_tip",
)

#: Each joint's parent in the skeleton (None for root). Missing parents are skipped
#: upward: a rig without ``elbow_l`` hangs ``hand_l`` on ``shoulder_l``.
JOINT_PARENTS: dict[str, str | None] = {
    "root": None, "pelvis": "root", "chest": "pelvis", "neck": "chest", "head": "neck", "head_top": "head",
    "shoulder_l": "chest", "elbow_l": "shoulder_l", "hand_l": "elbow_l",
    "shoulder_r": "chest", "elbow_r": "shoulder_r", "hand_r": "elbow_r",
    "hip_l": "pelvis", "knee_l": "hip_l", "foot_l": "knee_l",
    "hip_r": "pelvis", "knee_r": "hip_r", "foot_r": "knee_r",
    "tail_base": "pelvis", "tail_mid": "tail_base", "tail_tip": "tail_mid",
    "ear_l_base": "head", "ear_l_tip": "ear_l_base", "ear_r_base": "head", "ear_r_tip": "ear_r_base",
}

PART_NAMES: tuple[str, ...] = ("head", "body", "arm_l", "arm_r", "leg_l", "leg_r", "tail", "ear_l", "ear_r")

#: The joints that make up each part's chain (the first is where it attaches).
PART_JOINTS: dict[str, tuple[str, ...]] = {
    "head": ("neck", "head", "head_top"),
    "body": ("root", "pelvis", "chest", "neck"),
    "arm_l": ("shoulder_l", "elbow_l", "hand_l"),
    "arm_r": ("shoulder_r", "elbow_r", "hand_r"),
    "leg_l": ("hip_l", "knee_l", "foot_l"),
    "leg_r": ("hip_r", "knee_r", "foot_r"),
    "tail": ("tail_base", "tail_mid", "tail_tip"),
    "ear_l": ("ear_l_base", "ear_l_tip"),
    "ear_r": ("ear_r_base", "ear_r_tip"),
}

FACE_FEATURES: tuple[str, ...] = ("eye_l", "eye_r", "mouth")


class BodyPlan(Enum):
    HUMANOID = "humanoid"
    QUADRUPED = "quadruped"
    BLOB = "blob"
    OBJECT = "object"


class RigError(InvalidInputError):
    """A rig file that cannot be used (unreadable, wrong version, a joint off the drawing...)."""


@dataclass(frozen=True)
class Joint:
    x: float
    y: float
    confidence: float = 1.0

    @property
    def xy(self) -> tuple[float, float]:
        return (self.x, self.y)


@dataclass(frozen=True)
class Ellipse:
    """An axis-aligned ellipse in pixels."""

    cx: float
    cy: float
    rx: float
    ry: float

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.cx, self.cy, self.rx, self.ry)


@dataclass
class Rig:
    """Joints, face and parts of one drawing of ``width`` x ``height`` pixels."""

    width: int
    height: int
    joints: dict[str, Joint] = field(default_factory=dict)
    face: dict[str, Ellipse] = field(default_factory=dict)
    plan: BodyPlan = BodyPlan.BLOB
    #: HxW uint8 label map (0 = outside, 1 + PART_NAMES index), or None
    parts: np.ndarray | None = None
    #: where the proposal came from ("geometry", "learned+geometry", "user")
    source: str = "geometry"

    def has(self, *names: str) -> bool:
        return all(n in self.joints for n in names)

    def xy(self, name: str) -> np.ndarray:
        j = self.joints[name]
        return np.array([j.x, j.y], dtype=np.float64)

    def parent(self, name: str) -> str | None:
        """The nearest ancestor present in this rig."""
        p = JOINT_PARENTS.get(name)
        while p is not None and p not in self.joints:
            p = JOINT_PARENTS.get(p)
        return p

    def part_names(self) -> list[str]:
        """Parts with at least one pixel in the label map."""
        if self.parts is None:
            return []
        present = set(np.unique(self.parts).tolist())
        return [n for i, n in enumerate(PART_NAMES) if i + 1 in present]

    def part_mask(self, name: str) -> np.ndarray:
        if self.parts is None:
            return np.zeros((self.height, self.width), bool)
        return self.parts == PART_NAMES.index(name) + 1

    def has_part(self, name: str) -> bool:
        """A part is usable when its joints are there (and its pixels, when parts are stored)."""
        chain = [j for j in PART_JOINTS[name] if j in self.joints]
        if name == "head":
            ok = "head" in self.joints
        elif name == "body":
            ok = "root" in self.joints
        else:  # a limb moves about the joint it attaches by: without it there is nothing to turn
            ok = len(chain) >= 2 and PART_JOINTS[name][0] in self.joints
        if ok and self.parts is not None and name not in ("body",):
            ok = bool(self.part_mask(name).any())
        return ok

    def validate(self) -> None:
        """Raise :class:`RigError` naming the first problem found."""
        if self.width < 1 or self.height < 1:
            raise RigError(f"rig size must be positive, got {self.width}x{self.height}")
        for name, j in self.joints.items():
            if name not in JOINT_NAMES:
                raise RigError(f"unknown joint {name!r} in the rig; joints are: {', '.join(JOINT_NAMES)}")
            if not (math.isfinite(j.x) and math.isfinite(j.y)):
                raise RigError(f"joint {name} has a non-finite position")
            margin = 0.5 * max(self.width, self.height)
            if not (-margin <= j.x <= self.width + margin and -margin <= j.y <= self.height + margin):
                raise RigError(f"joint {name} at ({j.x:g}, {j.y:g}) is far outside the "
                               f"{self.width}x{self.height} drawing; move it onto the drawing")
            if not 0.0 <= j.confidence <= 1.0:
                raise RigError(f"joint {name} confidence must be 0..1, got {j.confidence:g}")
        for name, e in self.face.items():
            if name not in FACE_FEATURES:
                raise RigError(f"unknown face feature {name!r}; features are: {', '.join(FACE_FEATURES)}")
            vals = e.as_tuple()
            if not all(math.isfinite(v) for v in vals) or e.rx <= 0 or e.ry <= 0:
                raise RigError(f"face feature {name} needs a finite centre and positive radii, got {vals}")
        if self.parts is not None:
            if self.parts.shape != (self.height, self.width) or self.parts.dtype != np.uint8:
                raise RigError(f"the part map must be a {self.width}x{self.height} 8-bit label image, "
                               f"got {self.parts.shape} {self.parts.dtype}")
            if int(self.parts.max(initial=0)) > len(PART_NAMES):
                raise RigError(f"the part map has label {int(self.parts.max())}; labels are 0..{len(PART_NAMES)}")
        if not self.joints:
            raise RigError("the rig has no joints; it needs at least 'root'")
        if "root" not in self.joints:
            raise RigError("the rig has no 'root' joint; add one at the character's centre")

    # ------------------------------------------------------------------ JSON
    def to_json(self, parts_file: str | None = None) -> dict[str, Any]:
        return {
            "schema": RIG_SCHEMA,
            "version": RIG_VERSION,
            "width": self.width,
            "height": self.height,
            "plan": self.plan.value,
            "source": self.source,
            "joints": {n: {"x": round(j.x, 3), "y": round(j.y, 3), "confidence": round(j.confidence, 3)}
                       for n, j in self.joints.items()},
            "face": {n: {"cx": round(e.cx, 3), "cy": round(e.cy, 3), "rx": round(e.rx, 3), "ry": round(e.ry, 3)}
                     for n, e in self.face.items()},
            "parts_file": parts_file,
            "part_labels": {str(i + 1): n for i, n in enumerate(PART_NAMES)},
        }

    @classmethod
    def from_json(cls, data: Any, parts: np.ndarray | None = None) -> Rig:
        if not isinstance(data, dict):
            raise RigError("a rig file must hold a JSON object")
        version = data.get("version")
        if version is None:
            raise RigError("the rig file has no 'version' field; is it a sticker-studio rig?")
        if version != RIG_VERSION:
            raise RigError(f"rig version {version!r} is not supported (this app reads version {RIG_VERSION})")
        try:
            width, height = int(data["width"]), int(data["height"])
            plan_name = str(data.get("plan", "blob"))
            try:
                plan = BodyPlan(plan_name)
            except ValueError:
                raise RigError(f"unknown body plan {plan_name!r}; use one of: "
                               f"{', '.join(p.value for p in BodyPlan)}") from None
            joints = {}
            for name, j in dict(data.get("joints") or {}).items():
                joints[str(name)] = Joint(float(j["x"]), float(j["y"]), float(j.get("confidence", 1.0)))
            face = {}
            for name, e in dict(data.get("face") or {}).items():
                face[str(name)] = Ellipse(float(e["cx"]), float(e["cy"]), float(e["rx"]), float(e["ry"]))
        except RigError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise RigError(f"the rig file is malformed ({type(error).__name__}: {error}); "
                           "each joint needs x and y, each face feature cx, cy, rx, ry") from None
        rig = cls(width, height, joints, face, plan, parts, str(data.get("source", "user")))
        rig.validate()
        return rig


def parts_path_for(json_path: Path) -> Path:
    name = json_path.name
    stem = name[:-5] if name.endswith(".json") else json_path.stem
    return json_path.with_name(stem + ".parts.png")


def save_rig(rig: Rig, path: str | Path) -> Path:
    """Write the rig JSON (and its part map PNG beside it), atomically."""
    from io import BytesIO

    from PIL import Image

    from sticker_studio.core.atomic import atomic_write_bytes, atomic_write_text

    rig.validate()
    path = Path(path)
    parts_file = None
    if rig.parts is not None:
        ppath = parts_path_for(path)
        buf = BytesIO()
        Image.fromarray(rig.parts, mode="L").save(buf, format="PNG")
        atomic_write_bytes(ppath, buf.getvalue())
        parts_file = ppath.name
    return atomic_write_text(path, json.dumps(rig.to_json(parts_file), indent=1) + "\n")


def load_rig(path: str | Path) -> Rig:
    """Read and validate a rig JSON (and its part map, when it names one)."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RigError(f"rig file {path} not found; make one with `sticker-studio rig IMAGE -o {path.name}`") from None
    except (OSError, UnicodeDecodeError) as error:
        raise RigError(f"cannot read rig file {path}: {error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise RigError(f"rig file {path} is not valid JSON (line {error.lineno}: {error.msg})") from None
    parts = None
    if isinstance(data, dict) and data.get("parts_file"):
        ppath = path.with_name(Path(str(data["parts_file"])).name)
        try:
            with Image.open(ppath) as im:
                parts = np.array(im.convert("L"), dtype=np.uint8)
        except FileNotFoundError:
            raise RigError(f"the rig's part map {ppath.name} is missing beside {path.name}") from None
        except (OSError, UnidentifiedImageError) as error:
            raise RigError(f"cannot read the rig's part map {ppath.name}: {error}") from None
    return Rig.from_json(data, parts)


def load_rig_for(path: str | Path, drawing: np.ndarray, drawing_name: object, where: str = "") -> Rig:
    """:func:`load_rig`, refused with one line when the rig was made for a drawing of another size
    than ``drawing`` (H, W, ...), which ``drawing_name`` (and ``where``, after its size) names."""
    rig = load_rig(path)
    if (rig.width, rig.height) != (drawing.shape[1], drawing.shape[0]):
        raise InvalidInputError(f"{path} is a rig for a {rig.width}x{rig.height} drawing but {drawing_name} is "
                                f"{drawing.shape[1]}x{drawing.shape[0]}{where}; make the rig from this file with "
                                "`sticker-studio rig`")
    # a rig the user hands over (--rig) is theirs: its arms and eyes are played as given, not second-guessed
    # like the automatic rig's (core/puppet/arms.py, eyes.py)
    rig.source = "user"
    return rig
