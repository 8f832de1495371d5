"""The denoising loop: diffusers schedulers + classifier-free guidance for text and image.

Guidance follows RDTF (text CFG and image CFG, both 7.5 in the paper) in the
InstructPix2Pix form, with the three passes batched into one forward::

    eps = eps_uncond + g_img * (eps_image - eps_uncond) + g_txt * (eps_full - eps_image)

where *uncond* has neither text nor given frames, *image* has the given frames but the
empty prompt, *full* has both. Text-to-animation has no given frames, so it needs only
*uncond* and *full*. With both scales at 1 only *full* runs.

Noise comes from a CPU ``torch.Generator`` so a seed gives the same start on every
device; with the same device and dtype the whole result is bit-identical.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from sticker_studio.core.errors import CancelledError, InvalidInputError
from sticker_studio.core.progress import CancelToken, ProgressCallback, is_cancelled
from sticker_studio.engine.models.protocols import Denoiser


@dataclass
class Conditioning:
    """Everything the denoiser is conditioned on, for one sticker (batch 1)."""

    text: torch.Tensor                 # [1, L, D] prompt token states
    text_mask: torch.Tensor | None     # [1, L] bool
    null_text: torch.Tensor            # [1, L, D] the empty prompt's states
    null_text_mask: torch.Tensor | None
    frames: torch.Tensor               # [1, C, F, h, w] given frames, zeros elsewhere
    mask: torch.Tensor                 # [1, F] float, 1 = given

    @property
    def has_frames(self) -> bool:
        return bool(self.mask.sum().item() > 0)


def make_scheduler(base_config: Any, name: str) -> Any:
    """A fresh scheduler of kind ``name`` (``ddim`` | ``dpm``) sharing the model's noise schedule.

    DPM-Solver++ (2nd order, multistep) gives usable samples in ~10 steps; DDIM is the
    papers' sampler. A fresh instance per call keeps concurrent generations independent.
    """
    from diffusers import DDIMScheduler, DPMSolverMultistepScheduler

    config = dict(base_config)
    if name == "ddim":
        return DDIMScheduler.from_config(config)
    if name == "dpm":
        return DPMSolverMultistepScheduler.from_config(
            config, algorithm_type="dpmsolver++", solver_order=2, lower_order_final=True
        )
    raise InvalidInputError(f"unknown scheduler {name!r}; choose ddim or dpm")


def guidance_passes(has_frames: bool, guidance: float, image_guidance: float) -> tuple[str, ...]:
    """Which denoiser passes a step needs (see the module docstring)."""
    if has_frames:
        if guidance == 1.0 and image_guidance == 1.0:
            return ("full",)
        return ("uncond", "image", "full")
    if guidance == 1.0:
        return ("full",)
    return ("uncond", "full")


def combine_guidance(eps: dict[str, torch.Tensor], guidance: float, image_guidance: float) -> torch.Tensor:
    if set(eps) == {"full"}:
        return eps["full"]
    if "image" in eps:
        u, i, f = eps["uncond"], eps["image"], eps["full"]
        return u + image_guidance * (i - u) + guidance * (f - i)
    u, f = eps["uncond"], eps["full"]
    return u + guidance * (f - u)


def _pass_inputs(name: str, cond: Conditioning) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor, torch.Tensor]:
    if name == "uncond":
        return cond.null_text, cond.null_text_mask, torch.zeros_like(cond.frames), torch.zeros_like(cond.mask)
    if name == "image":
        return cond.null_text, cond.null_text_mask, cond.frames, cond.mask
    return cond.text, cond.text_mask, cond.frames, cond.mask


def predict_noise(
    denoiser: Callable[..., Any],
    sample: torch.Tensor,
    timestep: torch.Tensor,
    cond: Conditioning,
    passes: tuple[str, ...],
    *,
    batch: bool = True,
) -> dict[str, torch.Tensor]:
    """Run the denoiser for each pass, batched into one forward or one after another."""
    groups = [list(passes)] if batch else [[p] for p in passes]
    out: dict[str, torch.Tensor] = {}
    for group in groups:
        parts = [_pass_inputs(p, cond) for p in group]
        k = len(group)
        text = torch.cat([p[0] for p in parts])
        masks = [p[1] for p in parts]
        text_mask = None if any(m is None for m in masks) else torch.cat(masks)  # type: ignore[arg-type]
        frames = torch.cat([p[2] for p in parts])
        frame_mask = torch.cat([p[3] for p in parts])
        x = sample.repeat(k, *([1] * (sample.dim() - 1))) if k > 1 else sample
        t = timestep.reshape(1).repeat(k)
        result = denoiser(
            x, t, encoder_hidden_states=text, condition=frames, condition_mask=frame_mask,
            encoder_attention_mask=text_mask, return_dict=True,
        )
        pred = result.sample if hasattr(result, "sample") else result[0]
        for name, chunk in zip(group, pred.chunk(k), strict=False):
            out[name] = chunk
    return out


def _step_kwargs(scheduler: Any, generator: torch.Generator, eta: float) -> dict[str, Any]:
    params = inspect.signature(scheduler.step).parameters
    kwargs: dict[str, Any] = {}
    if "generator" in params:
        kwargs["generator"] = generator
    if "eta" in params:
        kwargs["eta"] = eta
    return kwargs


def initial_noise(
    shape: tuple[int, ...], seed: int, device: torch.device, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Generator]:
    """Seeded start noise drawn on the CPU (same on every device), and the generator for later draws."""
    generator = torch.Generator("cpu").manual_seed(int(seed))
    noise = torch.randn(shape, generator=generator, dtype=torch.float32)
    return noise.to(device=device, dtype=dtype), generator


@torch.no_grad()
def denoise(
    denoiser: Denoiser | Callable[..., Any],
    scheduler: Any,  # the sampling scheduler (diffusers SchedulerMixin; make_scheduler builds it)
    cond: Conditioning,
    *,
    shape: tuple[int, ...],
    steps: int,
    guidance: float,
    image_guidance: float,
    seed: int,
    eta: float = 0.0,
    device: torch.device,
    dtype: torch.dtype,
    batch_guidance: bool = True,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> torch.Tensor:
    """Sample ``shape`` from noise with ``steps`` scheduler steps; returns the clean sample.

    ``cancel`` is checked before every step, so a cancel set during step k stops before
    step k+1 runs (:class:`CancelledError`). ``progress(k, steps)`` is called after step k.
    """
    scheduler.set_timesteps(steps, device=device)
    latents, generator = initial_noise(shape, seed, device, dtype)
    latents = latents * scheduler.init_noise_sigma
    passes = guidance_passes(cond.has_frames, guidance, image_guidance)
    kwargs = _step_kwargs(scheduler, generator, eta)
    timesteps = scheduler.timesteps
    total = len(timesteps)
    for i, t in enumerate(timesteps):
        if is_cancelled(cancel):
            raise CancelledError("generation cancelled")
        model_input = scheduler.scale_model_input(latents, t)
        eps = predict_noise(denoiser, model_input, t.to(device), cond, passes, batch=batch_guidance)
        noise_pred = combine_guidance(eps, guidance, image_guidance)
        latents = scheduler.step(noise_pred.float(), t, latents.float(), **kwargs).prev_sample.to(dtype)
        if progress is not None:
            progress(i + 1, total)
    return latents
