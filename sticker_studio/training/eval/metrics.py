"""Measures for the eval tables: matting quality, flicker, motion adherence, fidelity,
and a labelled distribution-distance proxy.

All functions take numpy arrays and return floats, so they are easy to check by hand:

* :func:`alpha_psnr`, :func:`alpha_ssim` — ILDiff's matting metrics on alpha in [0, 1]
  (SSIM: Gaussian window 11, σ 1.5, the usual constants).
* :func:`flicker_ratio` — mean |α_{t+1} − α_t| of the prediction over the same for the
  truth: 1.0 means the matte changes exactly as much as the subject does; above 1 is
  flicker. :func:`temporal_alpha_error` — mean |Δα̂ − Δα| (0 is perfect).
* :func:`motion_matches` — does a clip move the way its prompt says? Uses the alpha
  silhouette measures of :mod:`sticker_studio.training.data.clip_motion` (centroid path,
  rotation, scale, aspect) and compares the named motion with a prompt's motion word.
* :func:`frame_psnr` — frame-0 fidelity of image-to-animation.
* :class:`RandomConvFeatures` + :func:`frechet_distance` — **a proxy** for FVD: there is
  no offline I3D/CLIP, so clips are described by a fixed, seeded random-weight conv
  network (random features preserve a surprising amount of image statistics) plus
  colour and edge statistics, and their motion energy; the Fréchet distance between
  the feature distributions of generated and real clips is reported as "FD-proxy".
  It ranks models trained on the same data; it is not comparable to published FVDs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from sticker_studio.training.data.clip_motion import describe_motion, measure_motion


# ----------------------------------------------------------------------------- matting
def alpha_psnr(pred: np.ndarray, true: np.ndarray, max_db: float = 60.0) -> float:
    """PSNR (dB) of alpha in [0, 1] over a whole clip ``[F, H, W]`` (capped at ``max_db``)."""
    mse = float(np.mean((np.asarray(pred, np.float64) - np.asarray(true, np.float64)) ** 2))
    if mse <= 10 ** (-max_db / 10):
        return max_db
    return float(10 * np.log10(1.0 / mse))


def _gaussian_filter(x: np.ndarray, sigma: float = 1.5) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    return gaussian_filter(x, sigma=sigma, truncate=3.5, mode="reflect")


def alpha_ssim(pred: np.ndarray, true: np.ndarray) -> float:
    """Mean SSIM of alpha in [0, 1] over the frames of ``[F, H, W]`` (or one ``[H, W]``)."""
    p = np.asarray(pred, np.float64)
    t = np.asarray(true, np.float64)
    if p.ndim == 2:
        p, t = p[None], t[None]
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    values = []
    for a, b in zip(p, t, strict=False):
        mu_a, mu_b = _gaussian_filter(a), _gaussian_filter(b)
        saa = _gaussian_filter(a * a) - mu_a ** 2
        sbb = _gaussian_filter(b * b) - mu_b ** 2
        sab = _gaussian_filter(a * b) - mu_a * mu_b
        num = (2 * mu_a * mu_b + c1) * (2 * sab + c2)
        den = (mu_a ** 2 + mu_b ** 2 + c1) * (saa + sbb + c2)
        values.append(float(np.mean(num / den)))
    return float(np.mean(values))


def frame_change(alpha: np.ndarray) -> float:
    """Mean |α_{t+1} − α_t| of a clip ``[F, H, W]`` (0 for one frame)."""
    a = np.asarray(alpha, np.float64)
    return float(np.abs(np.diff(a, axis=0)).mean()) if len(a) > 1 else 0.0


def flicker_ratio(pred: np.ndarray, true: np.ndarray) -> float:
    """Frame-to-frame alpha change of the prediction relative to the truth's (1.0 = equal).

    A truth that does not change at all makes the ratio meaningless; then the
    prediction's own change + 1 is returned (1.0 when it is also still).
    """
    t = frame_change(true)
    p = frame_change(pred)
    if t < 1e-6:
        return 1.0 + p
    return p / t


def temporal_alpha_error(pred: np.ndarray, true: np.ndarray) -> float:
    """Mean |Δα̂ − Δα| over consecutive frames (0 = the matte moves exactly like the truth)."""
    p = np.asarray(pred, np.float64)
    t = np.asarray(true, np.float64)
    if len(p) < 2:
        return 0.0
    return float(np.abs(np.diff(p, axis=0) - np.diff(t, axis=0)).mean())


# ----------------------------------------------------------------------------- generation
#: Prompt words → the motion they name (``core/motion/presets.py`` preset names).
MOTION_WORDS: dict[str, str] = {
    "bounce": "bounce", "bouncing": "bounce", "bounces": "bounce", "jump": "bounce", "jumping": "bounce",
    "hop": "bounce", "hopping": "bounce",
    "spin": "spin", "spinning": "spin", "spins": "spin", "rotate": "spin", "rotating": "spin",
    "turning": "spin",
    "shake": "shake", "shaking": "shake", "shakes": "shake", "trembling": "shake", "vibrating": "shake",
    "pulse": "pulse", "pulsing": "pulse", "pulses": "pulse", "beating": "pulse", "throbbing": "pulse",
    "wobble": "wobble", "wobbling": "wobble", "rocking": "wobble", "swinging": "wobble", "tilting": "wobble",
    "float": "float", "floating": "float", "hovering": "float", "bobbing": "float",
    "squash": "squash", "squashing": "squash", "squishing": "squash", "stretching": "squash",
    "wave": "wave", "waving": "wave",
}
#: Motions that count as the same family (a vertical float read as a small bounce is fine).
MOTION_FAMILY: dict[str, str] = {
    "bounce": "vertical", "float": "vertical", "spin": "rotation", "wobble": "rocking", "wave": "rocking",
    "shake": "shake", "pulse": "scale", "squash": "squash",
}
#: ``describe_motion`` words → motion family.
_WORD_FAMILY: dict[str, str] = {
    "bouncing": "vertical", "floating": "vertical", "spinning": "rotation", "rocking": "rocking",
    "waving": "rocking", "shaking": "shake", "swaying": "shake", "pulsing": "scale", "growing": "scale",
    "squashing": "squash",
}


def motion_in_prompt(prompt: str) -> str | None:
    """The motion a prompt names (first motion word found), or ``None``."""
    for word in re.findall(r"[a-z]+", prompt.lower()):
        if word in MOTION_WORDS:
            return MOTION_WORDS[word]
    return None


@dataclass(frozen=True)
class MotionCheck:
    expected: str
    produced: str           # the measured motion phrase, e.g. "bouncing and pulsing"
    matches: bool


def motion_matches(frames_rgba: np.ndarray, expected: str) -> MotionCheck:
    """Measure a generated RGBA clip ``[F, H, W, 4]`` and check it shows ``expected``.

    The clip matches when one of the (up to two) motions read off its silhouette is in
    the expected motion's family (:data:`MOTION_FAMILY`).
    """
    label = describe_motion(measure_motion(np.asarray(frames_rgba)))
    families = {_WORD_FAMILY.get(w) for w in label.words}
    want = MOTION_FAMILY.get(expected, expected)
    return MotionCheck(expected, label.phrase, want in families)


def loop_seam(frames_rgb: np.ndarray) -> float:
    """How visible a clip's loop seam is: mean |last → first| change over the mean
    frame-to-frame change (``[F, H, W, 3]``). 1.0 = the wrap is like any other step;
    well above 1 = a jump every time the sticker loops. A still clip gives 1.0."""
    x = np.asarray(frames_rgb, np.float32) / 255.0
    if len(x) < 2:
        return 1.0
    steps = float(np.abs(np.diff(x, axis=0)).mean())
    seam = float(np.abs(x[0] - x[-1]).mean())
    if steps < 1e-6:
        return 1.0 if seam < 1e-6 else float("inf")
    return seam / steps


def frame_psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR (dB) between two uint8 images (or float images in [0, 255])."""
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    if mse < 1e-10:
        return 99.0
    return float(10 * np.log10(255.0 ** 2 / mse))


def frame_consistency(frames_rgb: np.ndarray) -> float:
    """1 − mean |Δ| of consecutive RGB frames in [0, 1] (1 = still; real stickers ≈ 0.95–0.99)."""
    f = np.asarray(frames_rgb, np.float64) / 255.0
    if len(f) < 2:
        return 1.0
    return float(1.0 - np.abs(np.diff(f, axis=0)).mean())


# ----------------------------------------------------------------------------- FD proxy
class RandomConvFeatures:
    """A fixed random-weight conv feature extractor (seeded; no training, no download).

    Three 3×3 conv layers (stride 2, ReLU, channel-normalised) on 64×64 RGB, global
    mean + std pooling, plus a 4×4×4 colour histogram and edge-magnitude statistics.
    Clip feature = mean frame feature ⊕ mean |Δ frame feature| (appearance + motion).
    """

    def __init__(self, seed: int = 1234, widths: tuple[int, ...] = (16, 24, 32)) -> None:
        rng = np.random.default_rng(seed)
        self.weights = []
        cin = 3
        for w in widths:
            k = (rng.standard_normal((w, cin, 3, 3)) / np.sqrt(cin * 9)).astype(np.float32)
            self.weights.append(k)
            cin = w

    def frame_features(self, frames_rgb: np.ndarray) -> np.ndarray:
        """``[F, H, W, 3]`` uint8 → ``[F, D]`` float features."""
        import torch
        import torch.nn.functional as F

        x = torch.from_numpy(np.ascontiguousarray(frames_rgb)).permute(0, 3, 1, 2).float() / 127.5 - 1.0
        if x.shape[-1] != 64 or x.shape[-2] != 64:
            x = F.interpolate(x, size=(64, 64), mode="bilinear", align_corners=False, antialias=True)
        feats = []
        with torch.no_grad():
            h = x
            for k in self.weights:
                h = F.relu(F.conv2d(h, torch.from_numpy(k), stride=2, padding=1))
                h = h / (h.mean(dim=(1, 2, 3), keepdim=True) + 1e-6)
            feats += [h.mean(dim=(2, 3)), h.std(dim=(2, 3))]
            q = ((x + 1) * 0.5 * 3.999).long().clamp(0, 3)
            bins = (q[:, 0] * 16 + q[:, 1] * 4 + q[:, 2]).flatten(1)
            hist = torch.stack([torch.bincount(b, minlength=64).float() / b.numel() for b in bins])
            gray = x.mean(1, keepdim=True)
            gx = (gray[..., :, 1:] - gray[..., :, :-1]).abs().mean(dim=(1, 2, 3))
            gy = (gray[..., 1:, :] - gray[..., :-1, :]).abs().mean(dim=(1, 2, 3))
            feats += [hist, torch.stack([gx, gy], dim=1)]
        return torch.cat(feats, dim=1).numpy().astype(np.float64)

    def clip_features(self, frames_rgb: np.ndarray) -> np.ndarray:
        f = self.frame_features(frames_rgb)
        motion = np.abs(np.diff(f, axis=0)).mean(axis=0) if len(f) > 1 else np.zeros(f.shape[1])
        return np.concatenate([f.mean(axis=0), motion])


def frechet_distance(a: np.ndarray, b: np.ndarray, eps: float = 1e-6) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets ``[N, D]``."""
    from scipy import linalg

    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    mu1, mu2 = a.mean(0), b.mean(0)
    s1 = np.atleast_2d(np.cov(a, rowvar=False)) + eps * np.eye(a.shape[1])
    s2 = np.atleast_2d(np.cov(b, rowvar=False)) + eps * np.eye(b.shape[1])
    covmean, _ = linalg.sqrtm(s1 @ s2, disp=False)
    covmean = np.real(covmean)
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))
