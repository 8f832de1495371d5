"""Batches and losses of the layout-prior matting head (issue 10), drawn from a matting pack.

The pack (:mod:`.matting_pack`) holds composited, animated clips with their layout prior
already computed; :func:`make_layout_batch` turns packed clips into tensors (flipped
left-right where asked — prior and truth flip with the image) and :func:`layout_losses`
are the terms :class:`~sticker_studio.training.train_matting.MattingTask` minimises when
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

from sticker_studio.training.matting_pack import unpack_prior

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


def make_layout_batch(arrays: dict[str, np.ndarray], indices: list[int], flips: list[bool]) -> LayoutBatch:
    """A batch of packed clips (flipped left-right where asked: prior and truth flip with the image)."""
    imgs, priors, alphas, fgs, plates = [], [], [], [], []
    for i, flip in zip(indices, flips, strict=False):
        comp = np.asarray(arrays["composite"][i])
        pr = np.asarray(arrays["prior"][i])
        al = np.asarray(arrays["alpha"][i])
        fg = np.asarray(arrays["foreground"][i])
        pl = np.asarray(arrays["plate"][i])
        if flip:
            comp, pr, al, fg, pl = comp[:, :, ::-1], pr[:, :, ::-1], al[:, :, ::-1], fg[:, :, ::-1], pl[:, ::-1]
        imgs.append(comp)
        priors.append(unpack_prior(pr, np.asarray(arrays["bgcolour"][i])))
        alphas.append(al[..., None])
        fgs.append(fg)
        plates.append(pl[None])

    def t(items: list[np.ndarray], scale: float) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(np.stack(items))).permute(0, 4, 1, 2, 3).float() * scale

    return LayoutBatch(t(imgs, 1 / 255), t(priors, 1.0), t(alphas, 1 / 255), t(fgs, 1 / 255), t(plates, 1 / 255))


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
