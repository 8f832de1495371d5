"""Motion transfer: move the full-resolution drawing the way the low-resolution animation moves.

The bundled generator works at 64–128 px, but a user's drawing is usually 512 px or
more. Upscaling the generated frames would blur it. Instead, for image-to-animation
and loops, we estimate how every pixel of each generated frame came from frame 0
(a dense backward flow, found at the generator's resolution), upsample that flow and
warp the user's own drawing with it, on premultiplied alpha so edges do not fringe.
Frame 0 is the drawing itself, and every frame keeps its crispness.

The flow for frame k starts from the better (lower photometric residual) of two guesses: the previous frame's flow
(motion is smooth), and a
similarity transform (shift, scale, rotation) from the alpha masks' moments (which
catches large spins and jumps that a local method misses). Refinement is a
coarse-to-fine Lucas–Kanade on grey level + alpha, with a small ridge term so flat
regions follow their neighbours instead of drifting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class FlowSettings:
    """Lucas–Kanade settings (defaults tuned for 64–128 px sticker frames)."""

    window: int = 7
    iterations: int = 4
    min_level_side: int = 8
    ridge: float = 1e-3
    max_step: float = 2.0
    smooth: int = 3
    #: The final flow is box-filtered twice with a window of this fraction of the frame
    #: side: a drawing should move as a smooth whole (squash, sway, bend), and the
    #: per-pixel wiggles of a small model's frames would otherwise tear its outline.
    final_smooth_fraction: float = 0.125


# ------------------------------------------------------------------------ geometry
def _base_grid(h: int, w: int, device: torch.device) -> torch.Tensor:
    ys, xs = torch.meshgrid(
        torch.arange(h, device=device, dtype=torch.float32),
        torch.arange(w, device=device, dtype=torch.float32),
        indexing="ij",
    )
    return torch.stack([xs, ys])  # [2, H, W] pixel coordinates (x, y)


def warp(image: torch.Tensor, flow: torch.Tensor, *, padding: str = "border", mode: str = "bilinear") -> torch.Tensor:
    """Sample ``image`` [N,C,H,W] at ``x + flow(x)`` (flow [N,2,H,W] in pixels)."""
    n, _, h, w = image.shape
    coords = _base_grid(h, w, image.device)[None] + flow
    gx = (2.0 * coords[:, 0] + 1.0) / w - 1.0
    gy = (2.0 * coords[:, 1] + 1.0) / h - 1.0
    grid = torch.stack([gx, gy], dim=-1)
    return F.grid_sample(image, grid, mode=mode, padding_mode=padding, align_corners=False)


def upsample_flow(flow: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Resize a flow field [N,2,h,w] to ``height`` x ``width`` and scale its vectors with it."""
    _, _, h, w = flow.shape
    up = F.interpolate(flow, size=(height, width), mode="bilinear", align_corners=False)
    scale = torch.tensor([width / w, height / h], dtype=flow.dtype, device=flow.device).view(1, 2, 1, 1)
    return up * scale


def similarity_flow(alpha_ref: torch.Tensor, alpha_k: torch.Tensor) -> torch.Tensor:
    """Backward flow [2,H,W] of the similarity that maps frame k's alpha onto the reference's.

    Shift from the centroids, scale from the areas, rotation from the principal axes
    (only where the shape is elongated enough for an axis to mean something).
    """
    h, w = alpha_ref.shape
    grid = _base_grid(h, w, alpha_ref.device)

    def moments(a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, float, float]:
        m = a.sum().clamp_min(1e-6)
        c = (grid * a).sum(dim=(1, 2)) / m
        d = grid - c.view(2, 1, 1)
        mu20 = (a * d[0] ** 2).sum() / m
        mu02 = (a * d[1] ** 2).sum() / m
        mu11 = (a * d[0] * d[1]).sum() / m
        theta = 0.5 * math.atan2(float(2 * mu11), float(mu20 - mu02))
        spread = math.sqrt(float((mu20 - mu02) ** 2 + 4 * mu11 ** 2))
        anisotropy = spread / max(float(mu20 + mu02), 1e-6)
        return m, c, theta, anisotropy

    m0, c0, t0, an0 = moments(alpha_ref)
    mk, ck, tk, ank = moments(alpha_k)
    if float(m0) < 1.0 or float(mk) < 1.0:
        return torch.zeros(2, h, w, device=alpha_ref.device)
    scale = math.sqrt(float(mk) / float(m0))
    delta = 0.0
    if min(an0, ank) > 0.15:
        delta = (tk - t0 + math.pi / 2) % math.pi - math.pi / 2
    cos, sin = math.cos(-delta), math.sin(-delta)
    d = grid - ck.view(2, 1, 1)
    x0 = c0[0] + (cos * d[0] - sin * d[1]) / scale
    y0 = c0[1] + (sin * d[0] + cos * d[1]) / scale
    return torch.stack([x0, y0]) - grid


# ------------------------------------------------------------------ Lucas–Kanade
def _gradients(img: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    padded = F.pad(img, (1, 1, 1, 1), mode="replicate")
    gx = (padded[..., 1:-1, 2:] - padded[..., 1:-1, :-2]) * 0.5
    gy = (padded[..., 2:, 1:-1] - padded[..., :-2, 1:-1]) * 0.5
    return gx, gy


def _box(x: torch.Tensor, k: int) -> torch.Tensor:
    return F.avg_pool2d(x, k, stride=1, padding=k // 2, count_include_pad=False)


def refine_flow(
    src: torch.Tensor, dst: torch.Tensor, init: torch.Tensor, settings: FlowSettings = FlowSettings()
) -> torch.Tensor:
    """Coarse-to-fine Lucas–Kanade: find ``flow`` with ``src(x + flow) ≈ dst(x)``.

    ``src``/``dst`` [N,C,H,W] features, ``init`` [N,2,H,W] starting flow.
    """
    pyramid = [(src, dst)]
    while min(pyramid[-1][0].shape[-2:]) // 2 >= settings.min_level_side:
        s, d = pyramid[-1]
        pyramid.append((F.avg_pool2d(s, 2), F.avg_pool2d(d, 2)))
    flow = None
    for s, d in reversed(pyramid):
        h, w = s.shape[-2:]
        if flow is None:
            flow = F.interpolate(init, size=(h, w), mode="bilinear", align_corners=False)
            flow = flow * torch.tensor([w / init.shape[-1], h / init.shape[-2]], device=flow.device).view(1, 2, 1, 1)
        else:
            flow = upsample_flow(flow, h, w)
        for _ in range(settings.iterations):
            warped = warp(s, flow)
            gx, gy = _gradients(warped)
            diff = d - warped
            ixx = _box((gx * gx).sum(1, keepdim=True), settings.window) + settings.ridge
            iyy = _box((gy * gy).sum(1, keepdim=True), settings.window) + settings.ridge
            ixy = _box((gx * gy).sum(1, keepdim=True), settings.window)
            ixt = _box((gx * diff).sum(1, keepdim=True), settings.window)
            iyt = _box((gy * diff).sum(1, keepdim=True), settings.window)
            det = ixx * iyy - ixy * ixy
            du = (iyy * ixt - ixy * iyt) / det
            dv = (ixx * iyt - ixy * ixt) / det
            step = torch.cat([du, dv], dim=1).clamp(-settings.max_step, settings.max_step)
            flow = flow + step
            if settings.smooth > 1:
                flow = _box(flow, settings.smooth)
    assert flow is not None
    return flow


def _features(rgb: torch.Tensor, alpha: torch.Tensor | None) -> torch.Tensor:
    grey = (0.299 * rgb[:, 0:1] + 0.587 * rgb[:, 1:2] + 0.114 * rgb[:, 2:3])
    return grey if alpha is None else torch.cat([grey, alpha], dim=1)


def _residual(src: torch.Tensor, dst: torch.Tensor, flow: torch.Tensor) -> float:
    return float((warp(src, flow) - dst).abs().mean())


@torch.no_grad()
def estimate_motion(
    frames_rgb: torch.Tensor,
    alpha: torch.Tensor | None = None,
    *,
    reference_index: int = 0,
    settings: FlowSettings = FlowSettings(),
) -> torch.Tensor:
    """Backward flows [N,2,H,W]: frame k at x shows what the reference frame shows at x + flow_k(x).

    ``frames_rgb`` [N,3,H,W] in [0,1]; ``alpha`` [N,1,H,W] in [0,1] or None.
    The reference frame's flow is exactly zero.
    """
    frames_rgb = frames_rgb.float()
    alpha = alpha.float() if alpha is not None else None
    feats = _features(frames_rgb, alpha)
    n, _, h, w = feats.shape
    flows = torch.zeros(n, 2, h, w)
    ref = feats[reference_index:reference_index + 1]
    order = list(range(reference_index + 1, n)) + list(range(reference_index - 1, -1, -1))
    previous = torch.zeros(1, 2, h, w)
    for k in order:
        if k == reference_index - 1:
            previous = torch.zeros(1, 2, h, w)
        dst = feats[k:k + 1]
        candidates = [previous]
        if alpha is not None:
            candidates.append(similarity_flow(alpha[reference_index, 0], alpha[k, 0])[None])
        # refine only the guess that already explains the frame better (half the cost)
        init = min(candidates, key=lambda c: _residual(ref, dst, c))
        best = refine_flow(ref, dst, init, settings)
        previous = best
        flows[k] = _smooth_flow(best, settings)[0]
    return flows


def _smooth_flow(flow: torch.Tensor, settings: FlowSettings) -> torch.Tensor:
    k = int(round(min(flow.shape[-2:]) * settings.final_smooth_fraction))
    if k < 3:
        return flow
    k += 1 - k % 2  # odd window keeps the field centred
    return _box(_box(flow, k), k)


# ---------------------------------------------------------------------- transfer
def premultiplied_tensor(rgba: np.ndarray) -> torch.Tensor:
    """RGBA uint8 HxWx4 → premultiplied float [1,4,H,W] in [0,1]."""
    t = torch.from_numpy(rgba.astype(np.float32) / 255.0).permute(2, 0, 1)[None]
    t[:, :3] *= t[:, 3:4]
    return t


def straight_rgba(premul: torch.Tensor) -> np.ndarray:
    """Premultiplied float [4,H,W] → straight RGBA uint8 HxWx4."""
    p = premul.clamp(0.0, 1.0)
    a = p[3:4]
    rgb = torch.where(a > 1e-6, p[:3] / a.clamp_min(1e-6), torch.zeros_like(p[:3])).clamp(0.0, 1.0)
    out = torch.cat([rgb, a]).permute(1, 2, 0).numpy()
    return (out * 255.0 + 0.5).astype(np.uint8)


@torch.no_grad()
def warp_reference(
    reference_rgba: np.ndarray, flows: torch.Tensor, *, keep: set[int] | None = None
) -> list[np.ndarray]:
    """Warp the full-resolution ``reference_rgba`` by each flow (already at its resolution).

    Frames in ``keep`` are the reference itself, bit for bit.
    """
    keep = keep or set()
    ref = premultiplied_tensor(reference_rgba)
    out: list[np.ndarray] = []
    for k in range(flows.shape[0]):
        if k in keep:
            out.append(reference_rgba.copy())
            continue
        warped = warp(ref, flows[k:k + 1].float(), padding="zeros", mode="bicubic")
        out.append(straight_rgba(warped[0]))
    return out


def transfer_motion(
    reference_rgba: np.ndarray,
    frames_rgb: np.ndarray,
    alpha: np.ndarray | None,
    *,
    content_box: tuple[int, int, int, int] | None = None,
    reference_index: int = 0,
    keep: set[int] | None = None,
) -> list[np.ndarray]:
    """Animate ``reference_rgba`` (output resolution) with the motion of ``frames_rgb``.

    ``frames_rgb`` (N,h,w,3) uint8 and ``alpha`` (N,h,w) float in [0,1]: the generated
    frames at the generator's resolution. ``content_box`` (x, y, w, h) is where the
    reference sits inside those frames (the rest is padding); the flow is estimated
    on the whole frame and cropped to it. Returns N RGBA frames of the reference's size.
    """
    rgb = torch.from_numpy(frames_rgb.astype(np.float32) / 255.0).permute(0, 3, 1, 2)
    a = torch.from_numpy(alpha.astype(np.float32))[:, None] if alpha is not None else None
    flows = estimate_motion(rgb, a, reference_index=reference_index)
    if content_box is not None:
        x, y, w, h = content_box
        flows = flows[:, :, y:y + h, x:x + w]
    height, width = reference_rgba.shape[:2]
    flows = upsample_flow(flows, height, width)
    keep = set(keep or set()) | {reference_index}
    return warp_reference(reference_rgba, flows, keep=keep)
