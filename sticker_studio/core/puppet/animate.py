"""``animate_character``: a drawing + rig + motion -> a looping :class:`Sticker`.

Per frame: the motion's pose -> forward kinematics -> ARAP per layer (pre-factorised)
-> the whole-body preset (``body``, from :mod:`sticker_studio.core.motion.presets`) as a root
layer on every vertex -> textured layers -> the face -> effects. The canvas is the
drawing's own, grown evenly when the motion reaches past it, so frame 0 is the drawing
pixel for pixel (on a larger canvas, the drawing sits in the middle, unchanged).
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field

import numpy as np

from sticker_studio.core import pixelart
from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.puppet import effects as fx_effects
from sticker_studio.core.puppet import face as fx_face
from sticker_studio.core.puppet.arap import triangle_stretch
from sticker_studio.core.puppet.arms import arm_doubts, is_automatic, plausible_arm_sides
from sticker_studio.core.puppet.eyes import eye_doubts
from sticker_studio.core.puppet.layers import Puppet
from sticker_studio.core.puppet.motions import (
    CharacterMotion,
    CharacterParams,
    MissingPartError,
    MotionContext,
    find_character_motion,
    list_character_motions,
    m_wave,
    missing_for,
)
from sticker_studio.core.puppet.pose import CharacterPose, JointTransform
from sticker_studio.core.puppet.rig import Rig
from sticker_studio.core.sticker import Sticker, durations_for_fps

MAX_FRAMES = 240
#: the motions whose whole change is the eyes looking aside: offered only where that changes the drawing
LOOK_MOTIONS = frozenset({"look"})
#: looking aside must change at least this many pixels (by more than LOOK_CHANGE_LEVEL of 255 in a channel)
LOOK_MIN_CHANGED = 4
LOOK_CHANGE_LEVEL = 8
#: what such a drawing lacks, as the one-line error names it
EYES_THAT_LOOK = ("eyes that can look aside (the rig's eye ellipses hold no pupil or eye shape the look moves: "
                  "a pupil-less eye drawn bigger than its ellipse stays as drawn)")


@dataclass(frozen=True)
class AnimateOptions:
    frames: int | None = None       # None: the motion's default
    fps: float | None = None
    speed: float = 1.0              # whole cycles per loop (rounded, at least 1)
    body: str | None = None         # a whole-body preset stacked on top (core.motion PRESETS)
    body_amplitude: float = 1.0
    effects: bool = True
    pixel_art: bool | None = None   # None: detected
    seed: int = 0
    #: effect kinds drawn through the whole loop on top of the motion's own (e.g. ("sparkles",))
    extra_effects: tuple[str, ...] = ()


@dataclass
class RenderPlan:
    """Everything computed once for a drawing + rig (reuse it across motions)."""

    puppet: Puppet
    rest_face: fx_face.FaceGeometry
    palette: fx_face.FacePalette | None = None
    extras: dict[str, object] = field(default_factory=dict)


def prepare(rgba: np.ndarray, rig: Rig, pixel_art: bool | None = None, *, workers: int = 1) -> RenderPlan:
    """The drawing cut into its puppet (``workers`` threads make the layers: the same puppet as one) and the face."""
    art = pixelart.is_pixel_art([rgba]) if pixel_art is None else bool(pixel_art)
    puppet = Puppet(rgba, rig, pixel_art=art, workers=workers)
    # an automatic rig's doubtful eyes (an outline stroke, a flank) get no lids (core/puppet/eyes.py)
    doubts = eye_doubts(rgba, rig)
    rf = fx_face.FaceGeometry(eye_l=None if doubts.get("eye_l") else _ell(rig, "eye_l"),
                              eye_r=None if doubts.get("eye_r") else _ell(rig, "eye_r"), mouth=_ell(rig, "mouth"))
    palette = fx_face.face_palette(rgba, rf) if rig.face else None
    return RenderPlan(puppet, rf, palette)


def _ell(rig: Rig, name: str) -> tuple[float, float, float, float] | None:
    e = rig.face.get(name)
    return None if e is None else e.as_tuple()


def resolve_motion(name: str, rig: Rig) -> CharacterMotion:
    """The motion by name; :class:`MissingPartError` naming what the drawing lacks."""
    motion = find_character_motion(name)
    if motion is None:
        names = ", ".join(m.name for m in list_character_motions())
        raise InvalidInputError(f"unknown character motion {name!r}; choose one of: {names}")
    missing = missing_for(motion, rig)
    if missing:
        raise MissingPartError(f"motion {motion.name!r} needs {' and '.join(missing)}, which the rig of this drawing "
                               f"does not have; fix the rig (sticker-studio rig IN -o rig.json, edit, --rig) "
                               f"or pick another motion")
    return motion


def motion_poses(motion: CharacterMotion, rig: Rig, puppet: Puppet, params: CharacterParams,
                 phases: list[float], arms: tuple[str, ...] | None = None) -> list[CharacterPose]:
    ctx = MotionContext(rig, params, puppet.size, params.ease(), arms)
    if motion.fn is m_wave and params.side not in ("l", "r"):
        ctx.wave_pick = open_arm(puppet, ctx)
    return [motion.fn(t % 1.0, ctx) for t in phases]


#: an "auto" wave raises the left arm instead of the viewer's right only when the left one's wave changes at most
#: this share of the pixels inside the drawing the right one's changes: a front view's two arms are alike, and it
#: keeps the right one
OPEN_ARM_RATIO = 0.5
#: effects (zzz, hearts, tears, sweat, anger, sparkles) are sized from at least this share of the character's size
#: (:attr:`~sticker_studio.core.puppet.effects.EffectAnchors.glyph_radius`): a face-only drawing's head radius is
#: 0.4-0.6 of it and keeps its sizes; a person's or a profile animal's 0.12 made them 2-4 px on a 256 px sticker
EFFECT_GLYPH = 0.25
_OPEN_ARMS: weakref.WeakKeyDictionary[Puppet, dict[tuple[str, ...], str]] = weakref.WeakKeyDictionary()


def arm_wave_scores(puppet: Puppet, ctx: MotionContext) -> dict[str, tuple[int, int, int]]:
    """Per playable arm side: (the arm's own pixels, the pixels its raised, waving arm changes *inside* the
    drawing: drawn at rest and still drawn, in another colour, the mesh triangles it folds), at both ends of the
    raised arm's swing."""
    subject = puppet.rgba[..., 3] > 0
    x0, y0 = int(puppet.origin[0]), int(puppet.origin[1])
    layers = {layer.part: layer for layer in puppet.layers}
    out = {}
    for s in ctx.arm_sides():
        own = np.zeros(subject.shape, bool)
        layer = layers.get(f"arm_{s}")
        if layer is not None:
            h, w = layer.still.shape[:2]
            own[y0:y0 + h, x0:x0 + w] = layer.still[..., 3] > 0
        c = MotionContext(ctx.rig, CharacterParams(side=s), ctx.size, ctx.ease, ctx.arms)
        inside = np.zeros(subject.shape, bool)
        folds = 0
        for t in (0.25, 5.0 / 12.0):  # the arm raised, at both ends of its swing
            pose = m_wave(t, c)
            deformed = puppet.deform(pose)
            for lay, verts in zip(puppet.layers, deformed, strict=True):
                det, _ = triangle_stretch(lay.mesh.vertices, verts - puppet.origin, lay.mesh.triangles)
                folds += int((det <= 0).sum())
            frame = puppet.render(pose, deformed=deformed)
            inside |= np.any(frame != puppet.rgba, axis=-1) & subject & (frame[..., 3] > 0)
        out[s] = (int((own & subject).sum()), int(inside.sum()), folds)
    return out


def open_arm(puppet: Puppet, ctx: MotionContext) -> str | None:
    """The arm an "auto" wave raises, of two playable arms: one whose raise folds no more mesh triangles than the
    other's, and of those the one that waves in the open. Raised, an arm in the
    open leaves background where it hung and sweeps over background; a profile's far arm is drawn over the body,
    and raising it (toward the head) drags a flap of the chest across the drawing and paints over the rest: many
    pixels that stay drawn but change."""
    sides = ctx.arm_sides()
    if len(sides) < 2:
        return None
    memo = _OPEN_ARMS.setdefault(puppet, {})
    key = tuple(sides)
    if key not in memo:
        sc = arm_wave_scores(puppet, ctx)
        if sc["l"][2] != sc["r"][2]:  # an arm whose raise folds the mesh is not the one to wave
            memo[key] = "l" if sc["l"][2] < sc["r"][2] else "r"
        else:
            memo[key] = "l" if sc["l"][1] < OPEN_ARM_RATIO * sc["r"][1] else "r"
    return memo[key]


def playable_arms(rig: Rig, plan: RenderPlan) -> tuple[str, ...]:
    """The arm sides wave, cheer and clap may move on this drawing: every arm of a rig a person made,
    the plausible ones of an automatic rig (:mod:`sticker_studio.core.puppet.arms`), and of those only arms
    that hold pixels of the drawing (a hand-placed arm whose pixels all went to the body moved nothing: the
    hand-labelled T. rex "waved" its empty arm and nothing changed); kept in the plan."""
    key = ("playable_arms", id(rig))
    got = plan.extras.get(str(key))
    if not isinstance(got, tuple):
        layers = _parts_with_pixels(plan)
        got = tuple(sorted(s for s in plausible_arm_sides(plan.puppet.rgba, rig, plan.puppet)
                           if f"arm_{s}" in layers))
        plan.extras[str(key)] = got
    return got


def _parts_with_pixels(plan: RenderPlan) -> set[str]:
    """The rig's parts that hold pixels of the drawing (a layer of the puppet)."""
    return {layer.part for layer in plan.puppet.layers}


def eyes_can_look(plan: RenderPlan) -> bool:
    """Whether looking aside changes the drawing: the eyes drawn at the look's full reach, both ways, differ
    from the rest in at least :data:`LOOK_MIN_CHANGED` pixels. A pupil-less eye drawn past the rig's ellipse
    stays as drawn (:func:`~sticker_studio.core.puppet.face.draw_face`: moving only what lay in the ellipse cut
    crescents into it), so on the Twemoji and OpenMoji aliens, the skull, and eyes placed on an outline, ``look``
    played a still picture; kept in the plan."""
    got = plan.extras.get("eyes_can_look")
    if not isinstance(got, bool):
        got = any(_look_changes(plan, dx) >= LOOK_MIN_CHANGED for dx in (1.0, -1.0))
        plan.extras["eyes_can_look"] = got
    return got


def _look_changes(plan: RenderPlan, dx: float) -> int:
    """How many pixels of the rest drawing change (by more than LOOK_CHANGE_LEVEL) with the eyes looking ``dx``."""
    rest = plan.puppet.rgba
    frame = rest.copy()
    fx_face.draw_face(frame, rest, plan.rest_face, plan.rest_face, fx_face.FaceState(pupil_dx=dx), plan.palette)
    return int(np.count_nonzero(np.abs(frame.astype(np.int16) - rest.astype(np.int16)).max(axis=-1)
                                > LOOK_CHANGE_LEVEL))


def missing_in(motion: CharacterMotion, rig: Rig, plan: RenderPlan) -> list[str]:
    """What ``motion`` needs that this drawing lacks: :func:`missing_for`, its automatic rig's doubtful arms
    left out, ears or a tail that hold no pixel of the drawing (turning them would move nothing), and eyes
    that do not move when they look aside (for the motions in :data:`LOOK_MOTIONS`)."""
    arms = playable_arms(rig, plan) if {"arm", "arms"} & set(motion.needs) else None
    missing = missing_for(motion, rig, arms)
    if "eyes" in motion.needs and "eyes" not in missing and plan.rest_face.eye_l is None \
            and plan.rest_face.eye_r is None:
        missing.append("eyes")
    if motion.name in LOOK_MOTIONS and "eyes" not in missing and not eyes_can_look(plan):
        missing.append(EYES_THAT_LOOK)
    layers = _parts_with_pixels(plan)
    if "ear" in motion.needs and "an ear (or hair tuft)" not in missing and not {"ear_l", "ear_r"} & layers:
        missing.append("an ear (or hair tuft)")
    if "tail" in motion.needs and "a tail" not in missing and "tail" not in layers:
        missing.append("a tail")
    return missing


def check_playable(motion: CharacterMotion, rig: Rig, plan: RenderPlan) -> None:
    """Raise the one-line :class:`MissingPartError` animate would raise for ``motion`` on this drawing
    (:func:`missing_in`); nothing when it plays."""
    missing = missing_in(motion, rig, plan)
    if missing:
        raise _missing_error(motion, rig, plan, missing)


def _missing_error(motion: CharacterMotion, rig: Rig, plan: RenderPlan, missing: list[str]) -> MissingPartError:
    why = ""
    layers = _parts_with_pixels(plan)
    empty = [s for s in ("l", "r") if rig.has_part(f"arm_{s}") and f"arm_{s}" not in layers]
    if {"arm", "arms"} & set(motion.needs) and empty:
        why = "; " + " and ".join(f"arm_{s}" for s in empty) + (" holds" if len(empty) == 1 else " hold") \
            + " no pixels of the drawing"
    if {"arm", "arms"} & set(motion.needs) and is_automatic(rig):
        doubts = arm_doubts(plan.puppet.rgba, rig, plan.puppet)
        if any(doubts.values()):
            why = ("; the automatic rig's arms do not look like arms here ("
                   + "; ".join(f"arm_{s}: {w}" for s, w in sorted(doubts.items()) if w) + ")")
    eyes = eye_doubts(plan.puppet.rgba, rig)
    if "eyes" in missing and any(eyes.values()):
        why += ("; the automatic rig's eyes do not look like eyes here ("
                + "; ".join(f"{k}: {w}" for k, w in sorted(eyes.items()) if w) + ")")
    return MissingPartError(
        f"motion {motion.name!r} needs {' and '.join(missing)}, which this drawing's rig does not give{why}; "
        f"fix the rig (sticker-studio rig IN -o rig.json, edit, --rig) or pick another motion")


def _face_geometry(plan: RenderPlan, jt: dict[str, JointTransform], offset: np.ndarray) -> fx_face.FaceGeometry:
    """Where the eyes and mouth sit in this frame: the rest ellipses carried by the head's transform."""
    anchor = jt.get("head") or jt.get("root")
    if anchor is None:
        return plan.rest_face
    m = anchor.matrix
    scale = float(math.sqrt(abs(np.linalg.det(m))))
    rot = float(math.atan2(m[1, 0], m[0, 0]))
    sx = float(np.hypot(m[0, 0], m[1, 0]))
    sy = float(np.hypot(m[0, 1], m[1, 1]))

    def move(e: tuple[float, float, float, float] | None) -> tuple[float, float, float, float] | None:
        if e is None:
            return None
        c = anchor.apply(np.array([[e[0], e[1]]]))[0] + offset
        return (float(c[0]), float(c[1]), e[2] * sx, e[3] * sy)

    # (the plan's rest face: an automatic rig's doubtful eyes, left out there, get no lids in any frame)
    rest = plan.rest_face
    return fx_face.FaceGeometry(eye_l=move(rest.eye_l), eye_r=move(rest.eye_r), mouth=move(rest.mouth),
                                rotation=rot, scale=scale)


def _face_state(pose: CharacterPose) -> fx_face.FaceState:
    f = pose.face
    return fx_face.FaceState(eye_open_l=f.eye_open_l, eye_open_r=f.eye_open_r, mouth_open=f.mouth_open,
                             pupil_dx=f.pupil_dx, pupil_dy=f.pupil_dy, brow=fx_face.Brow(f.brow), blush=f.blush)


def _anchors(plan: RenderPlan, jt: dict[str, JointTransform], geometry: fx_face.FaceGeometry,
             offset: np.ndarray) -> fx_effects.EffectAnchors:
    """Where effects attach: the head's centre and size, the eyes, the mouth, the way it faces."""
    rig = plan.puppet.rig
    head = jt.get("head") or jt.get("root")
    assert head is not None
    centre = head.position + offset
    if "head_top" in jt:
        radius = float(np.linalg.norm(jt["head_top"].position - head.position)) * 1.15
    else:
        radius = 0.3 * plan.puppet.size
    radius = max(radius, 0.12 * plan.puppet.size)
    eyes_e = [e for e in (geometry.eye_l, geometry.eye_r) if e is not None]
    facing = 1
    if "root" in rig.joints and "head" in rig.joints:
        dx = rig.joints["head"].x - rig.joints["root"].x
        facing = -1 if dx < -0.1 * plan.puppet.size else 1
    mouth = None if geometry.mouth is None else (geometry.mouth[0], geometry.mouth[1])
    return fx_effects.EffectAnchors(head_center=(float(centre[0]), float(centre[1])), head_radius=radius,
                                    eyes=tuple((e[0], e[1]) for e in eyes_e), mouth=mouth, facing=facing,
                                    eye_radius=max((e[3] for e in eyes_e), default=0.0),
                                    glyph_radius=EFFECT_GLYPH * plan.puppet.size)


def _body_layer(name: str, amplitude: float, puppet: Puppet):
    """(preset, geometry, params) for a whole-body preset applied to the vertices."""
    from sticker_studio.core.motion.poses import MotionParams, get_easing
    from sticker_studio.core.motion.presets import get_preset
    from sticker_studio.core.motion.render import SubjectGeometry

    preset = get_preset(name)
    geom = SubjectGeometry.from_alpha(puppet.rgba[..., 3])
    return preset, geom, MotionParams(amplitude=amplitude, easing=get_easing(preset.easing))


@dataclass
class DeformedMotion:
    """A character motion posed and deformed frame by frame, before any pixel is drawn: what
    :func:`animate_character` and the framed renderer (:mod:`.framed`) both start from."""

    motion: CharacterMotion
    plan: RenderPlan
    fps: float
    cycles: int
    phases: list[float]
    poses: list[CharacterPose]
    #: the whole-body preset layered on top (preset, geometry, params), or None
    body: tuple[object, object, object] | None
    #: per frame, per layer: the deformed mesh vertices
    deformed: list[list[np.ndarray]]
    opacities: list[float]
    #: how far the drawing's canvas grows on each side to hold the motion (x, y)
    padding: tuple[int, int]
    #: the drawing's own size (w, h)
    size: tuple[int, int]

    @property
    def canvas(self) -> tuple[int, int]:
        """(w, h) of the grown canvas that holds the motion: the drawing's, grown by :attr:`padding` on
        each side (the drawing sits at ``padding``); what :func:`render_deformed` draws on and the framed
        renderer (:mod:`.framed`) frames."""
        px, py = self.padding
        return self.size[0] + 2 * px, self.size[1] + 2 * py


def deform_motion(rgba: np.ndarray, rig: Rig, motion: str, params: CharacterParams | None = None,
                  options: AnimateOptions | None = None, plan: RenderPlan | None = None) -> DeformedMotion:
    """Pose and deform every frame of ``motion`` (the extra effects and the body layer included)
    and measure the grown canvas that holds it; validates frames, fps and speed."""
    from sticker_studio.core.motion.render import forward_points

    params = params or CharacterParams()
    options = options or AnimateOptions()
    mot = resolve_motion(motion, rig)
    plan = plan or prepare(rgba, rig, options.pixel_art)
    puppet = plan.puppet
    frames = mot.frames if options.frames is None else int(options.frames)
    fps = mot.fps if options.fps is None else float(options.fps)
    if not 1 <= frames <= MAX_FRAMES:
        raise InvalidInputError(f"frames must be between 1 and {MAX_FRAMES}, got {frames}")
    if fps <= 0 or options.speed <= 0:
        raise InvalidInputError("fps and speed must be positive")
    cycles = max(1, int(round(options.speed)))
    phases = [cycles * k / frames for k in range(frames)]
    # an automatic rig's doubtful arms never wave, nor does anything in their place: a one-line error instead
    check_playable(mot, rig, plan)
    arms = playable_arms(rig, plan) if {"arm", "arms"} & set(mot.needs) else None
    poses = motion_poses(mot, rig, puppet, params, phases, arms)
    if options.extra_effects:
        from sticker_studio.core.puppet.motions import env

        kinds = [_effect_kind(k) for k in options.extra_effects]
        for t, pose in zip(phases, poses, strict=True):
            for kind in kinds:
                pose.effects[kind] = max(pose.effects.get(kind, 0.0), env(t % 1.0, 0.1))
    body = _body_layer(options.body, options.body_amplitude, puppet) if options.body else None
    deformed_all = []
    opacities = []
    for t, pose in zip(phases, poses, strict=True):
        verts = puppet.deform(pose)
        opacity = 1.0
        if body is not None:
            preset, geom, bparams = body
            bp = preset.pose(t % 1.0 if preset.loops else min(1.0, t / cycles), bparams)
            c = np.asarray(geom.center)
            verts = [forward_points(bp, geom, (v - c) / geom.unit) * geom.unit + c for v in verts]
            opacity = float(bp.opacity)
        deformed_all.append(verts)
        opacities.append(opacity)
    # canvas: the drawing's, grown evenly to hold the motion (and effects around the head)
    h, w = rgba.shape[:2]
    # (measured against the rest mesh, which already reaches 2 px past the drawing's edge pixels)
    allv = np.concatenate([np.concatenate(v) for v in deformed_all])
    rest_v = np.concatenate([layer.mesh.vertices + puppet.origin for layer in puppet.layers])
    lo = np.minimum(rest_v.min(0), 0.0)
    hi = np.maximum(rest_v.max(0), np.array([w - 1.0, h - 1.0]))
    grow_x = max(0.0, lo[0] - allv[:, 0].min(), allv[:, 0].max() - hi[0])
    grow_y = max(0.0, lo[1] - allv[:, 1].min(), allv[:, 1].max() - hi[1])
    return DeformedMotion(mot, plan, fps, cycles, phases, poses, body, deformed_all, opacities,
                          (int(math.ceil(grow_x)), int(math.ceil(grow_y))), (w, h))


def animate_character(rgba: np.ndarray, rig: Rig, motion: str, params: CharacterParams | None = None,
                      options: AnimateOptions | None = None, plan: RenderPlan | None = None) -> Sticker:
    """Animate a drawing with a character motion (see :func:`list_character_motions`)."""
    options = options or AnimateOptions()
    return render_deformed(rgba, rig, deform_motion(rgba, rig, motion, params, options, plan),
                           params or CharacterParams(), options)


def render_deformed(rgba: np.ndarray, rig: Rig, dm: DeformedMotion, params: CharacterParams,
                    options: AnimateOptions) -> Sticker:
    """Draw a :class:`DeformedMotion` on its grown canvas: the sticker :func:`animate_character` gives."""
    mot, plan, fps, cycles, phases, poses = dm.motion, dm.plan, dm.fps, dm.cycles, dm.phases, dm.poses
    body, deformed_all, opacities = dm.body, dm.deformed, dm.opacities
    puppet = plan.puppet
    h, w = rgba.shape[:2]
    px, py = dm.padding
    cw, ch = dm.canvas
    offset = np.array([px, py], np.float64)
    out = []
    rig_full = puppet.rig
    palette_rgb = np.unique(rgba[rgba[..., 3] > 0][:, :3], axis=0) if puppet.pixel_art else None
    face_rgb = _face_colours(rgba, plan.rest_face) if puppet.pixel_art else None
    for k, (t, pose, verts) in enumerate(zip(phases, poses, deformed_all, strict=True)):
        if pose.is_rest() and body is None or (body is not None and pose.is_rest() and k == 0 and _rest_verts(
                puppet, verts)):
            frame = np.zeros((ch, cw, 4), np.uint8)
            frame[py:py + h, px:px + w] = rgba
        else:
            frame = puppet.render(pose, (cw, ch), (px, py), deformed=verts)
            if opacities[k] < 1.0:
                frame[..., 3] = np.rint(frame[..., 3] * max(0.0, opacities[k])).astype(np.uint8)
            jt = puppet.joint_transforms(pose)
            if not pose.face.is_neutral() and rig_full.face:
                geo = _face_geometry(plan, jt, offset)
                state = _face_state(pose)
                before = frame.copy() if face_rgb is not None else None
                fx_face.draw_face(frame, rgba, plan.rest_face, geo, state, plan.palette)
                if before is not None and face_rgb is not None:
                    _snap_changed(frame, before, face_rgb, geo)
            if options.effects:
                for kind, amount in pose.effects.items():
                    if amount <= 0.0:
                        continue
                    geo = _face_geometry(plan, jt, offset)
                    anchors = _anchors(plan, jt, geo, offset)
                    fx_effects.draw_effect(frame, fx_effects.EffectKind(kind), anchors, t % 1.0,
                                               float(amount), options.seed)
        if puppet.pixel_art and k > 0:
            frame = _to_palette(frame, palette_rgb)
        out.append(frame)
    sticker = Sticker(out, durations_for_fps(len(out), fps / 1.0 * 1.0), loop_count=0)
    sticker.metadata.update({
        "motion": mot.name, "motion_group": mot.group, "character": True, "body": options.body,
        "amplitude": params.amplitude, "speed": options.speed, "cycles": cycles, "loops": True,
        "pixel_art": puppet.pixel_art, "canvas_padding": [px, py], "rig_plan": rig.plan.value,
    })
    return sticker


def _face_colours(rgba: np.ndarray, rest_face: fx_face.FaceGeometry) -> np.ndarray | None:
    """The drawing's colours around its eyes (pixel art: the lids' soft edges snap to these, not to the nearest
    colour of the whole drawing, a shirt's red or the trousers' blue)."""
    h, w = rgba.shape[:2]
    cols = []
    for e in (rest_face.eye_l, rest_face.eye_r):
        if e is None:
            continue
        cx, cy, rx, ry = e
        grow = 1.5 * max(rx, ry) + 2.0
        x0, x1 = max(0, int(cx - rx - grow)), min(w, int(cx + rx + grow) + 1)
        y0, y1 = max(0, int(cy - ry - grow)), min(h, int(cy + ry + grow) + 1)
        win = rgba[y0:y1, x0:x1]
        cols.append(win[win[..., 3] >= 128][:, :3])
    got = np.unique(np.concatenate(cols), axis=0) if cols else np.zeros((0, 3), np.uint8)
    return got if len(got) else None


def _snap_changed(frame: np.ndarray, before: np.ndarray, colours: np.ndarray, geo: fx_face.FaceGeometry) -> None:
    """Pixels the face painter changed around the eyes of ``geo`` (in place) take the nearest of ``colours``."""
    near = np.zeros(frame.shape[:2], bool)
    for e in (geo.eye_l, geo.eye_r):
        if e is None:
            continue
        cx, cy, rx, ry = e
        grow = 1.5 * max(rx, ry) + 2.0
        near[max(0, int(cy - ry - grow)):max(0, int(cy + ry + grow) + 1),
             max(0, int(cx - rx - grow)):max(0, int(cx + rx + grow) + 1)] = True
    changed = near & (frame != before).any(-1) & (frame[..., 3] >= 128)
    if not changed.any():
        return
    px = frame[changed][:, :3].astype(np.int32)
    pal = colours.astype(np.int32)
    nearest = np.argmin(((px[:, None, :] - pal[None, :, :]) ** 2).sum(-1), axis=1)
    frame[changed, :3] = pal[nearest].astype(np.uint8)


def _to_palette(frame: np.ndarray, palette: np.ndarray | None) -> np.ndarray:
    """Pixel art stays pixel art: hard alpha, and every visible colour one of the drawing's
    (the face and effect painters draw smooth shapes)."""
    if palette is None or len(palette) == 0:
        return frame
    out = frame.copy()
    out[..., 3] = np.where(frame[..., 3] >= 128, 255, 0).astype(np.uint8)
    vis = out[..., 3] > 0
    cols = out[vis][:, :3].astype(np.int32)
    key = (cols[:, 0] << 16) | (cols[:, 1] << 8) | cols[:, 2]
    pal = palette.astype(np.int32)
    pkey = (pal[:, 0] << 16) | (pal[:, 1] << 8) | pal[:, 2]
    known = np.isin(key, pkey)
    if not known.all():
        odd = cols[~known]
        nearest = np.argmin(((odd[:, None, :] - pal[None, :, :]) ** 2).sum(-1), axis=1)
        cols[~known] = pal[nearest]
    out[vis, :3] = cols.astype(np.uint8)
    out[~vis] = 0
    return out


def _effect_kind(name: str) -> str:
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return str(fx_effects.EffectKind(key).value)
    except ValueError:
        kinds = ", ".join(k.value for k in fx_effects.EffectKind)
        raise InvalidInputError(f"unknown effect {name!r}; choose one of: {kinds}") from None


def _rest_verts(puppet: Puppet, verts: list[np.ndarray]) -> bool:
    return all(np.allclose(v, layer.mesh.vertices + puppet.origin, atol=1e-9)
               for v, layer in zip(verts, puppet.layers, strict=True))


def motion_needs() -> dict[str, tuple[str, ...]]:
    """Each character motion and the parts it needs (for the app's gallery and text->sticker)."""
    return {m.name: m.needs for m in list_character_motions()}


def available_motions(rig: Rig, rgba: np.ndarray | None = None, plan: RenderPlan | None = None) -> list[str]:
    """The motions this rig can play; given the drawing (``rgba`` or its ``plan``), the ones that play on
    it (:func:`missing_in`: what animate enforces), else the rig-only check (:func:`missing_for`)."""
    if plan is None and rgba is not None:
        plan = prepare(rgba, rig)
    if plan is None:
        return [m.name for m in list_character_motions() if not missing_for(m, rig)]
    return [m.name for m in list_character_motions() if not missing_in(m, rig, plan)]
