"""Batches and losses of the layout-prior matting head (issue 10), drawn from a matting pack.

The pack (:mod:`.matting_pack`) holds composited, animated clips with their layout prior
already computed; :func:`make_layout_batch` turns packed clips into tensors (flipped
left-right where asked — prior and truth flip with the image) and :func:`layout_losses`
are the terms :class:`~sticker_studio.training.matting.train.MattingTask` minimises when
it trains from a pack (``train matting --kit PACK``):

* ``alpha`` — L1, with extra weight on the prior's *enclosed* candidates (holes vs white
  interiors — the largest error left) and on the edge band (where the truth is partial);
* ``gradient`` and ``laplacian`` — L1 of the spatial gradients and of a 3×3 Laplacian
  of alpha (sharp edges, thin lines);
* ``composition`` — |α̂·F̂ + (1−α̂)·B − (α·F + (1−α)·B)| on the clip's clean plate;
* ``foreground`` — L1 on colour where the truth is (partly) opaque;
* ``temporal`` — L1 between predicted and true frame-to-frame alpha change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

#: default weights of the terms of :func:`layout_losses`
LAYOUT_LOSS_WEIGHTS: dict[str, float] = {"alpha": 1.0, "gradient": 1.0, "laplacian": 0.5, "composition": 0.5,
                                         "foreground": 0.3, "temporal": 1.0}


@dataclass
class LayoutBatch:
    image: torch.Tensor       # [B,3,F,S,S]
    prior: torch.Tensor       # [B,8,F,S,S]
    alpha: torch.Tensor       # [B,1,F,S,S]
    foreground: torch.Tensor  # [B,3,F,S,S]
    plate: torch.Tensor       # [B,3,1,S,S]


@dataclass
class PackedBatch:
    """A batch as the pack stores it (uint8 CPU tensors, channels last): cheap to gather on a
    worker thread, turned into a :class:`LayoutBatch` on the training device (:meth:`to_batch`)."""

    image: torch.Tensor       # [B,F,S,S,3]
    prior: torch.Tensor       # [B,F,S,S,3] packed (distance, key, flood bits)
    alpha: torch.Tensor       # [B,F,S,S]
    foreground: torch.Tensor  # [B,F,S,S,3]
    plate: torch.Tensor       # [B,S,S,3]
    bgcolour: torch.Tensor    # [B,3]

    def to_batch(self, device: torch.device | None = None) -> LayoutBatch:
        """The float batch on ``device`` (the uint8 tensors travel; floats are made there)."""
        dev = torch.device("cpu") if device is None else device

        def put(t: torch.Tensor) -> torch.Tensor:
            return t.to(dev, non_blocking=True)

        def channels_first(t: torch.Tensor) -> torch.Tensor:  # [B,F,S,S,C] -> [B,C,F,S,S] float
            return t.permute(0, 4, 1, 2, 3).float()

        scale = 1 / 255
        return LayoutBatch(channels_first(put(self.image)) * scale,
                           channels_first(unpack_prior_tensor(put(self.prior), put(self.bgcolour))),
                           channels_first(put(self.alpha)[..., None]) * scale,
                           channels_first(put(self.foreground)) * scale,
                           put(self.plate)[:, None].permute(0, 4, 1, 2, 3).float() * scale)


def unpack_prior_tensor(prior: torch.Tensor, bgcolour: torch.Tensor) -> torch.Tensor:
    """float [B,F,S,S,PRIOR_INPUT_CHANNELS] from the packed uint8 prior [B,F,S,S,3] and colours [B,3]
    (:func:`.matting_pack.unpack_prior`, batched, on any device)."""
    bits = prior[..., 2]
    chans = [prior[..., 0].float() / 255.0, (bits & 1).float(), ((bits >> 1) & 1).float(),
             ((bits >> 2) & 1).float(), prior[..., 1].float() / 255.0]
    bg = (bgcolour.float() / 255.0)[:, None, None, None, :].expand(*prior.shape[:-1], 3)
    return torch.cat([torch.stack(chans, dim=-1), bg], dim=-1)


def gather_packed_batch(arrays: dict[str, np.ndarray], indices: list[int], flips: list[bool],
                        pin: bool = False) -> PackedBatch:
    """Packed clips ``indices`` (flipped left-right where asked: prior and truth flip with the image)."""
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("composite", "prior", "alpha", "foreground", "plate")}
    for i, flip in zip(indices, flips, strict=False):
        for name, items in parts.items():
            a = np.asarray(arrays[name][i])
            items.append(a[:, ::-1] if flip and name == "plate" else a[:, :, ::-1] if flip else a)

    def t(items: list[np.ndarray]) -> torch.Tensor:
        out = torch.from_numpy(np.ascontiguousarray(np.stack(items)))
        return out.pin_memory() if pin else out

    bg = torch.from_numpy(np.stack([np.asarray(arrays["bgcolour"][i]) for i in indices]))
    return PackedBatch(t(parts["composite"]), t(parts["prior"]), t(parts["alpha"]), t(parts["foreground"]),
                       t(parts["plate"]), bg)


def make_layout_batch(arrays: dict[str, np.ndarray], indices: list[int], flips: list[bool],
                      device: torch.device | None = None) -> LayoutBatch:
    """A batch of packed clips on ``device`` (default CPU), flipped left-right where asked."""
    return gather_packed_batch(arrays, indices, flips).to_batch(device)


#: prior channels that are masks (tight and loose floods, enclosed candidates): resized by nearest
_MASK_CHANNELS = (1, 2, 3)


def crop_to_holes(batch: LayoutBatch, picks: list[tuple[int, float, float, float]]) -> LayoutBatch:
    """``batch`` with some samples replaced by a zoomed crop centred on one of their enclosed regions.

    ``picks``: (sample, side as a share of the frame, centre-y and centre-x choosers in [0, 1))
    — the centre is the enclosed-candidate pixel (of the first frame) that the choosers pick,
    so the crop holds the hole or white interior the loss weighs most, seen bigger (issue 10's
    "refinement crops centred on them"). Samples without enclosed candidates stay as they are.
    Every frame, the truth and the prior get the same crop; masks are resized nearest, the rest
    bilinearly.
    """
    out = LayoutBatch(batch.image.clone(), batch.prior.clone(), batch.alpha.clone(), batch.foreground.clone(),
                      batch.plate.clone())
    size = batch.image.shape[-1]
    for b, share, u, v in picks:
        ys, xs = torch.nonzero(batch.prior[b, 3, 0] > 0.5, as_tuple=True)
        if ys.numel() == 0:
            continue
        k = min(ys.numel() - 1, int(u * ys.numel()))
        side = max(8, min(size, int(round(share * size))))
        cy = int(ys[k]) + int((v - 0.5) * side * 0.5)  # near the region, not always dead centre
        cx = int(xs[k])
        y0 = max(0, min(size - side, cy - side // 2))
        x0 = max(0, min(size - side, cx - side // 2))
        box = (y0, x0, side)
        out.image[b] = _zoom(batch.image[b], box, size)
        out.alpha[b] = _zoom(batch.alpha[b], box, size)
        out.foreground[b] = _zoom(batch.foreground[b], box, size)
        out.plate[b] = _zoom(batch.plate[b], box, size)
        prior = _zoom(batch.prior[b], box, size)
        prior[list(_MASK_CHANNELS)] = _zoom(batch.prior[b, list(_MASK_CHANNELS)], box, size, "nearest")
        out.prior[b] = prior
    return out


def _zoom(t: torch.Tensor, box: tuple[int, int, int], size: int, mode: str = "bilinear") -> torch.Tensor:
    """[C, F, H, W] cropped to ``box`` (top, left, side) and resized to ``size``²."""
    y0, x0, side = box
    c, f = t.shape[:2]
    flat = t[:, :, y0:y0 + side, x0:x0 + side].reshape(c * f, 1, side, side)
    kw = {"align_corners": False} if mode == "bilinear" else {}
    return F.interpolate(flat, size=(size, size), mode=mode, **kw).reshape(c, f, size, size)


_LAPLACE = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def _laplacian(x: torch.Tensor) -> torch.Tensor:
    b, c, f, h, w = x.shape
    y = x.permute(0, 2, 1, 3, 4).reshape(b * f * c, 1, h, w)
    return F.conv2d(y, _LAPLACE.to(x)[None, None])


def layout_losses(alpha: torch.Tensor, fg: torch.Tensor, batch: LayoutBatch, enclosed_weight: float = 4.0,
                  edge_weight: float = 2.0) -> dict[str, torch.Tensor]:
    a = batch.alpha
    enclosed = batch.prior[:, 3:4]
    edge = ((a > 0.02) & (a < 0.98)).float()
    w = 1.0 + enclosed_weight * enclosed + edge_weight * edge
    gx, gy = alpha[..., :, 1:] - alpha[..., :, :-1], alpha[..., 1:, :] - alpha[..., :-1, :]
    tx, ty = a[..., :, 1:] - a[..., :, :-1], a[..., 1:, :] - a[..., :-1, :]
    clean = a * batch.foreground + (1 - a) * batch.plate
    comp = alpha * fg + (1 - alpha) * batch.plate
    opaque = (a > 0).float()
    out = {
        "alpha": ((alpha - a).abs() * w).sum() / w.sum(),
        "gradient": (gx - tx).abs().mean() + (gy - ty).abs().mean(),
        "laplacian": (_laplacian(alpha) - _laplacian(a)).abs().mean(),
        "composition": (comp - clean).abs().mean(),
        "foreground": ((fg - batch.foreground).abs() * opaque).sum() / (3 * opaque.sum()).clamp_min(1.0),
    }
    if alpha.shape[2] > 1:
        out["temporal"] = ((alpha[:, :, 1:] - alpha[:, :, :-1]) - (a[:, :, 1:] - a[:, :, :-1])).abs().mean()
    return out
