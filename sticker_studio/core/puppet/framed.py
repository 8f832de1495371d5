"""A character animation rendered straight onto the square sticker canvas, at the framed scale.

:func:`~sticker_studio.core.puppet.framing.frame_character` crops the finished frames of
:func:`~sticker_studio.core.puppet.animate.animate_character` to where the motion goes and
resamples every one of them. Here the framing is decided first, from where the motion goes
(every frame's deformed mesh, less the mesh's margin around the drawing, and the effects'
pixels), and each frame is drawn once at that scale and offset: the mesh layers with their
vertices carried by the framing, the face and effects with their geometry scaled. A frame at
rest is the drawing resampled once with the framing's filter (what frame_character gives for
frame 0); pixel art scales by whole multiples, nearest-neighbour, as there.
"""

from __future__ import annotations

import math
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.puppet import animate as an
from sticker_studio.core.puppet import effects as fx_effects
from sticker_studio.core.puppet import face as fx_face
from sticker_studio.core.puppet.framing import (
    DEFAULT_MARGIN,
    CharacterFraming,
    frame_character,
    place_scaled,
    plan_for_crop,
    rest_box_of,
)
from sticker_studio.core.puppet.layers import Puppet, affine_runs, draw_run
from sticker_studio.core.puppet.motions import CharacterParams
from sticker_studio.core.puppet.paint import Box, composite_premul
from sticker_studio.core.puppet.pose import CharacterPose, JointTransform, root_affine
from sticker_studio.core.puppet.raster import draw_mesh, footprint, to_straight_uint8, warp_affine_straight
from sticker_studio.core.puppet.rig import Rig
from sticker_studio.core.sticker import Sticker, durations_for_fps


@dataclass(frozen=True)
class FramedView:
    """The framing as a map from the animation's grown canvas to the sticker: ``q -> k * (q - crop0) + at``
    on continuous coordinates (the face and effect painters'), one pixel centre = index + 0.5."""

    plan: CharacterFraming
    kx: float
    ky: float

    @staticmethod
    def of(plan: CharacterFraming) -> FramedView:
        cw, ch = plan.crop[2] - plan.crop[0], plan.crop[3] - plan.crop[1]
        return FramedView(plan, plan.size[0] / cw, plan.size[1] / ch)

    @property
    def k(self) -> float:
        return math.sqrt(self.kx * self.ky)

    def paint(self, x: float, y: float) -> tuple[float, float]:
        """A continuous point (paint coordinates) on the sticker."""
        (x0, y0), (ax, ay) = self.plan.crop[:2], self.plan.at
        return (self.kx * (x - x0) + ax, self.ky * (y - y0) + ay)

    def mesh(self, pts: np.ndarray) -> np.ndarray:
        """Points in pixel-centre coordinates (the raster's: centre = index) on the sticker."""
        k = np.array([self.kx, self.ky])
        c0 = np.array(self.plan.crop[:2], np.float64)
        return (pts - c0 + 0.5) * k + np.array(self.plan.at, np.float64) - 0.5

    def inverse(self) -> np.ndarray:
        """2 x 3: sticker pixel centre -> grown-canvas pixel centre."""
        (x0, y0), (ax, ay) = self.plan.crop[:2], self.plan.at
        return np.array([[1.0 / self.kx, 0.0, (0.5 - ax) / self.kx + x0 - 0.5],
                         [0.0, 1.0 / self.ky, (0.5 - ay) / self.ky + y0 - 0.5]])


#: below this scale (sticker pixels per drawing pixel) the frames are rendered at the drawing's size
#: and resampled (:func:`~sticker_studio.core.puppet.framing.frame_character`) instead of drawn straight
MIN_DIRECT_SCALE = 0.7


def _motion_crop(puppet: Puppet, deformed: list[list[np.ndarray]], offset: np.ndarray,
                 rest_box: tuple[int, int, int, int], effect_boxes: list[tuple[int, int, int, int]]
                 ) -> tuple[int, int, int, int]:
    """Where the motion goes on the grown canvas: the rest drawing, every frame's mesh less the rest mesh's
    margin around the drawing (the mesh reaches ~2 px past the edge pixels), and the effects."""
    rest_v = np.concatenate([layer.mesh.vertices + puppet.origin for layer in puppet.layers]) + offset
    lo_m = np.array(rest_box[:2], np.float64) - rest_v.min(0)         # margin left/top (pixel-centre coords)
    hi_m = rest_v.max(0) - (np.array(rest_box[2:], np.float64) - 1.0)  # margin right/bottom
    x0, y0, x1, y1 = rest_box
    for verts in deformed:
        v = np.concatenate(verts) + offset
        lo = v.min(0) + lo_m
        hi = v.max(0) - hi_m
        x0, y0 = min(x0, int(math.floor(lo[0] + 1e-6))), min(y0, int(math.floor(lo[1] + 1e-6)))
        x1, y1 = max(x1, int(math.ceil(hi[0] - 1e-6)) + 1), max(y1, int(math.ceil(hi[1] - 1e-6)) + 1)
    for b in effect_boxes:
        x0, y0, x1, y1 = min(x0, b[0]), min(y0, b[1]), max(x1, b[2]), max(y1, b[3])
    return x0, y0, x1, y1


def _render(puppet: Puppet, pose: CharacterPose, verts: list[np.ndarray], view: FramedView, base: np.ndarray,
            px: int, py: int) -> np.ndarray:
    """The puppet at the framing (straight RGBA uint8, side x side); ``base`` is the rest drawing framed."""
    side = view.plan.side
    static = [puppet.is_static(layer, v) for layer, v in zip(puppet.layers, verts, strict=True)]
    if all(static):
        return base.copy()
    off = np.array([px, py], np.float64)
    frame = np.zeros((side, side, 4), np.uint8)
    if puppet._moves_as_a_whole(pose, verts):
        m, t = root_affine(pose, puppet.pivot)
        vx0, vy0, vx1, vy1 = puppet._visible_box()
        quad = np.array([[vx0 - 1.0, vy0 - 1.0], [vx1, vy0 - 1.0], [vx1, vy1], [vx0 - 1.0, vy1]])
        moved = view.mesh((quad + puppet.origin - puppet.pivot) @ m.T + puppet.pivot + t + off)
        box = _box(moved, side)
        if box[2] <= box[0] or box[3] <= box[1]:
            return frame
        # sticker -> grown canvas -> the drawing's crop
        minv = np.linalg.inv(m)
        to_crop = np.concatenate([minv, (puppet.pivot - puppet.origin - minv @ (puppet.pivot + t + off))[:, None]], 1)
        sv = view.inverse()
        inverse = np.concatenate([to_crop[:, :2] @ sv[:, :2], (to_crop[:, :2] @ sv[:, 2] + to_crop[:, 2])[:, None]], 1)
        inverse[:, 2] += inverse[:, :2] @ np.array([box[0], box[1]], np.float64)
        texture = puppet._whole_texture()
        if puppet._whole_cover is None:
            puppet._whole_cover = footprint(texture)
        warp_affine_straight(frame, box, texture, inverse, puppet.pixel_art, puppet._whole_cover)
        return frame
    # outside the moving layers' rest and moved boxes the frame is the framed drawing: only redo that box
    frame[...] = base
    pts = [view.mesh(np.concatenate([layer.mesh.vertices + puppet.origin, v]) + off)
           for layer, v, still in zip(puppet.layers, verts, static, strict=True) if not still]
    box = _box(np.concatenate(pts), side)
    if box[2] <= box[0] or box[3] <= box[1]:
        return frame
    buf = np.zeros((box[3] - box[1], box[2] - box[0], 4), np.float32)
    shift = np.array([box[0], box[1]], np.float64)
    bh, bw = buf.shape[:2]
    at: list[np.ndarray | None] = [view.mesh(v + off) - shift for v in verts]
    # layers moved by one affine map, consecutive in the drawing order, are one resample (turned or squashed as
    # a whole: most of a hop, a dance or a bow); a bent layer is its textured mesh
    for fit, run in affine_runs(puppet.layers, at, (bw, bh)):
        if fit is not None:
            draw_run(buf, puppet, fit, run, at, puppet.pixel_art)
            continue
        # a bent layer, or one mostly off the box (a still body around a waving arm): its triangles on the box
        layer, layer_at = puppet.layers[run[0]], at[run[0]]
        assert layer_at is not None
        tri = layer.mesh.triangles
        q = layer_at[tri]  # only the triangles that reach the box (a still body around a waving arm is mostly outside)
        near = ((q[:, :, 0].max(1) >= -2) & (q[:, :, 0].min(1) <= bw + 1) & (q[:, :, 1].max(1) >= -2)
                & (q[:, :, 1].min(1) <= bh + 1))
        if near.any():
            draw_mesh(buf, layer.padded, layer.mesh.vertices, layer_at, tri[near], (0.0, 0.0), nearest=puppet.pixel_art)
    frame[box[1]:box[3], box[0]:box[2]] = to_straight_uint8(buf)
    return frame


def _inside(box: fx_effects.Box | None, crop: tuple[int, int, int, int]) -> bool:
    """Whether a paint box (or none) lies within ``crop`` (x0, y0, x1, y1)."""
    return box is None or (box.x0 >= crop[0] and box.y0 >= crop[1] and box.x1 <= crop[2] and box.y1 <= crop[3])


def _drawn_box(shape: tuple[int, int],
               items: list[tuple[fx_effects.EffectKind, fx_effects.EffectAnchors, float, float]],
               seed: int) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the pixels the effects ``items`` draw on a blank canvas of ``shape`` (h, w), one
    after the other as :func:`~sticker_studio.core.puppet.effects.draw_effect` does; None: none. Worked out
    on the box their layers painted (the canvas is blank elsewhere), the same pixels as the whole canvas."""
    layers = [layer for ek, anchors, tt, amount in items
              if (layer := fx_effects.effect_layer(shape, ek, anchors, tt, amount, seed)) is not None
              and layer.touched is not None]
    if not layers:
        return None
    boxes = [layer.touched for layer in layers if layer.touched is not None]
    y0, x0 = min(b.y0 for b in boxes), min(b.x0 for b in boxes)
    y1, x1 = max(b.y1 for b in boxes), max(b.x1 for b in boxes)
    blank = np.zeros((y1 - y0, x1 - x0, 4), np.uint8)
    for layer, b in zip(layers, boxes, strict=True):
        assert layer.store is not None
        composite_premul(blank, Box(b.y0 - y0, b.y1 - y0, b.x0 - x0, b.x1 - x0), layer.store)
    rows, cols = np.flatnonzero(blank[..., 3].any(1)), np.flatnonzero(blank[..., 3].any(0))
    if rows.size == 0:
        return None
    return int(cols[0]) + x0, int(rows[0]) + y0, int(cols[-1]) + 1 + x0, int(rows[-1]) + 1 + y0


def _render_key(pose: CharacterPose, verts: list[np.ndarray]) -> bytes:
    """What :func:`_render` reads of a frame: the deformed vertices and the pose's joint angles, head
    squash and root transform (not its face or effects, drawn after); equal keys draw equal pixels."""
    shape = (sorted(pose.angles.items()), pose.head_offset, pose.head_scale, pose.offset, pose.scale, pose.rotation)
    return repr(shape).encode() + b"".join(np.ascontiguousarray(v, np.float64).tobytes() for v in verts)


def _box(points: np.ndarray, side: int) -> tuple[int, int, int, int]:
    lo = np.floor(points.min(0)) - 2
    hi = np.ceil(points.max(0)) + 3
    return (int(min(max(lo[0], 0), side)), int(min(max(lo[1], 0), side)), int(min(max(hi[0], 0), side)),
            int(min(max(hi[1], 0), side)))


def _scaled_face(geo: fx_face.FaceGeometry, view: FramedView) -> fx_face.FaceGeometry:
    def move(e: tuple[float, float, float, float] | None) -> tuple[float, float, float, float] | None:
        if e is None:
            return None
        x, y = view.paint(e[0], e[1])
        return (x, y, e[2] * view.kx, e[3] * view.ky)

    return replace(geo, eye_l=move(geo.eye_l), eye_r=move(geo.eye_r), mouth=move(geo.mouth),
                   scale=geo.scale * view.k)


def _scaled_anchors(a: fx_effects.EffectAnchors, view: FramedView) -> fx_effects.EffectAnchors:
    return fx_effects.EffectAnchors(
        head_center=view.paint(*a.head_center), head_radius=a.head_radius * view.k,
        eyes=tuple(view.paint(*e) for e in a.eyes), mouth=None if a.mouth is None else view.paint(*a.mouth),
        facing=a.facing, eye_radius=a.eye_radius * view.k, glyph_radius=a.glyph_radius * view.k)


def animate_framed(rgba: np.ndarray, rig: Rig, motion: str, params: CharacterParams | None = None,
                   options: an.AnimateOptions | None = None, plan: an.RenderPlan | None = None, *,
                   side: int = 512, subject_size: float = 0.8, margin: float = DEFAULT_MARGIN,
                   workers: int = 1) -> Sticker:
    """``frame_character(animate_character(...), ...)`` drawn straight at the framing (see the module docstring);
    ``workers`` threads draw the frames (the same frames as one)."""
    params = params or CharacterParams()
    options = options or an.AnimateOptions()
    dm = an.deform_motion(rgba, rig, motion, params, options, plan)
    mot, plan, fps, cycles, phases, poses = dm.motion, dm.plan, dm.fps, dm.cycles, dm.phases, dm.poses
    body, deformed_all, opacities = dm.body, dm.deformed, dm.opacities
    puppet = plan.puppet
    # the grown canvas of animate_character (the effects are placed on it, as there)
    h, w = rgba.shape[:2]
    px, py = dm.padding
    cw, ch = dm.canvas
    offset = np.array([px, py], np.float64)
    ys, xs = np.nonzero(rgba[..., 3] > 0)
    if ys.size == 0:
        raise InvalidInputError("the drawing is fully transparent: there is nothing to frame")
    rest_box = (int(xs.min()) + px, int(ys.min()) + py, int(xs.max()) + 1 + px, int(ys.max()) + 1 + py)
    # effects first, on a blank grown canvas: their pixels are part of where the motion goes (a frame whose
    # effects stay inside where the meshes go cannot widen it: its effects are not drawn twice)
    within = _motion_crop(puppet, deformed_all, offset, rest_box, [])
    drawn: list[list[tuple[fx_effects.EffectKind, fx_effects.EffectAnchors, float, float]]] = []
    effect_boxes = []
    # each frame's joint transforms, worked out once (for the effects here, the face when drawn)
    transforms: list[dict[str, JointTransform] | None] = []
    for t, pose in zip(phases, poses, strict=True):
        items = []
        jt: dict[str, JointTransform] | None = None
        if options.effects and not (pose.is_rest() and body is None):
            for name, amount in pose.effects.items():
                if amount <= 0.0:
                    continue
                jt = jt or puppet.joint_transforms(pose)
                geo = an._face_geometry(plan, jt, offset)
                items.append((fx_effects.EffectKind(name), an._anchors(plan, jt, geo, offset), t % 1.0, float(amount)))
        if items and not all(_inside(fx_effects.effect_bounds((ch, cw), ek, anchors, tt, amount, options.seed), within)
                             for ek, anchors, tt, amount in items):
            box = _drawn_box((ch, cw), items, options.seed)
            if box is not None:
                effect_boxes.append(box)
        drawn.append(items)
        transforms.append(jt)
    crop = _motion_crop(puppet, deformed_all, offset, rest_box, effect_boxes)
    crop = (max(0, crop[0]), max(0, crop[1]), min(cw, crop[2]), min(ch, crop[3]))
    fplan = plan_for_crop(crop, rest_box, side, subject_size, margin, puppet.pixel_art)
    if not puppet.pixel_art and fplan.scale < MIN_DIRECT_SCALE:
        # shrunk a lot (a big drawing): the raster's bilinear sampling would alias where the framing's
        # filter does not, so the moving parts would shimmer against the still ones; render at the
        # drawing's size and resample every frame with one filter instead
        full = an.render_deformed(rgba, rig, dm, params, options)
        return frame_character(full, rest_box_of(rgba, dm.padding), side, subject_size, margin)
    view = FramedView.of(fplan)
    grown = np.zeros((ch, cw, 4), np.uint8)
    grown[py:py + h, px:px + w] = rgba
    base = place_scaled(grown[crop[1]:crop[3], crop[0]:crop[2]], fplan, puppet.pixel_art)
    palette_rgb = np.unique(rgba[rgba[..., 3] > 0][:, :3], axis=0) if puppet.pixel_art else None
    # the mesh layers of a frame, by what they depend on (a pose a loop comes back to is drawn once)
    rest = [pose.is_rest() and body is None or (body is not None and pose.is_rest() and k == 0
                                                and an._rest_verts(puppet, verts))
            for k, (pose, verts) in enumerate(zip(poses, deformed_all, strict=True))]
    keys = [None if still else _render_key(pose, verts)
            for still, pose, verts in zip(rest, poses, deformed_all, strict=True)]
    # the frames whose mesh layers are drawn: the first of each key (a pose the loop comes back to is drawn once)
    first: dict[bytes, int] = {}
    for k, key in enumerate(keys):
        if key is not None:
            first.setdefault(key, k)
    uses = Counter(keys)

    def layers_of(k: int) -> np.ndarray:
        return _render(puppet, poses[k], deformed_all[k], view, base, px, py)

    def finish(k: int) -> np.ndarray:
        """Frame ``k``: its drawn layers (or the framed drawing at rest), opacity, face and effects."""
        pose, key = poses[k], keys[k]
        if key is None:
            frame = base.copy()
        else:
            frame = drawn_layers[key] if uses[key] == 1 else drawn_layers[key].copy()  # (its only frame: no copy)
            if opacities[k] < 1.0:
                frame[..., 3] = np.rint(frame[..., 3] * max(0.0, opacities[k])).astype(np.uint8)
            if not pose.face.is_neutral() and rig.face:
                jt = transforms[k] or puppet.joint_transforms(pose)
                geo = _scaled_face(an._face_geometry(plan, jt, offset), view)
                fx_face.draw_face(frame, rgba, plan.rest_face, geo, an._face_state(pose), plan.palette)
            for ek, anchors, tt, amount in drawn[k]:
                fx_effects.draw_effect(frame, ek, _scaled_anchors(anchors, view), tt, amount, options.seed)
        if puppet.pixel_art and k > 0:
            frame = an._to_palette(frame, palette_rgb)
        return frame

    # frames are independent once posed: ``workers`` threads draw them (numpy lets go of the GIL in the
    # resampling and painting), the same pixels in the same order as one thread
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="framed") \
        if workers > 1 and len(first) > 1 else None
    try:
        run = pool.map if pool is not None else map
        drawn_layers = dict(zip(first, run(layers_of, first.values()), strict=True))
        out = list(run(finish, range(len(poses))))
    finally:
        if pool is not None:
            pool.shutdown()
    sticker = Sticker(out, durations_for_fps(len(out), fps), loop_count=0)
    sticker.metadata.update({
        "motion": mot.name, "motion_group": mot.group, "character": True, "body": options.body,
        "amplitude": params.amplitude, "speed": options.speed, "cycles": cycles, "loops": True,
        "pixel_art": puppet.pixel_art, "rig_plan": rig.plan.value,
        "subject_size": fplan.subject_size, "pixel_scale": round(fplan.scale, 4),
    })
    return sticker


__all__ = ["FramedView", "animate_framed"]
