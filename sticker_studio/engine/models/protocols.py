"""The seams between the pipeline and its parts, typed: what each component must offer.

``StickerPipeline`` holds a denoiser, a noise scheduler, a text encoder and optionally a VAE and a
matting head; the sampler and the matte functions call them. (The scheduler stays ``Any``:
diffusers' scheduler classes do not show their ``config`` to mypy.) Any object with these members plugs
in (DFGN or STIUNet, a diffusers scheduler, MiniLM or the tiny encoder, our ``MattingHead``, a
diffusers ``AutoencoderKL``) — the shapes diffusers' own pipelines declare as concrete classes.
Only what this package calls is listed.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import torch

__all__ = ["Autoencoder", "Denoiser", "MattingModel", "TextEncoder"]


@runtime_checkable
class TextEncoder(Protocol):
    """A prompt encoder (MiniLM or the tiny encoder, :mod:`~sticker_studio.engine.models.text_encoder`):
    prompts → (hidden states ``[B, T, hidden_size]``, attention mask ``[B, T]``). Defined here, not beside the
    encoders, so that code typed against it (matting, the store) does not import diffusers."""

    hidden_size: int

    def encode(self, prompts: list[str], device: torch.device | str,
               dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]: ...


class Denoiser(Protocol):
    """A video denoiser (:class:`~sticker_studio.engine.models.dfgn.DFGN`, ``STIUNet``):
    ``[B, C, F, h, w]`` noisy sample → prediction, with DFGN's ``forward`` signature."""

    @property
    def config(self) -> Any: ...  # a diffusers FrozenDict: sample_size, in_channels, …

    def __call__(self, sample: torch.Tensor, timestep: Any, encoder_hidden_states: torch.Tensor,
                 *args: Any, **kwargs: Any) -> Any: ...

    def save_pretrained(self, save_directory: str, *, safe_serialization: bool = ...) -> Any: ...


class Autoencoder(Protocol):
    """A diffusers ``AutoencoderKL`` for latent-space denoisers (``encode`` / ``decode`` /
    ``config.scaling_factor``)."""

    @property
    def config(self) -> Any: ...

    def encode(self, x: torch.Tensor, *args: Any, **kwargs: Any) -> Any: ...

    def decode(self, z: torch.Tensor, *args: Any, **kwargs: Any) -> Any: ...

    def save_pretrained(self, save_directory: str, *, safe_serialization: bool = ...) -> Any: ...


class MattingModel(Protocol):
    """A matting head: frames ``[B, 3, F, H, W]`` in [0, 1] (and the layout prior when its config
    has ``prior_channels``) → an output whose ``alpha`` (or first item) is ``[B, 1, F, H, W]``."""

    def __call__(self, frames: torch.Tensor, *args: Any, **kwargs: Any) -> Any: ...

    def save_pretrained(self, save_directory: str, *, safe_serialization: bool = ...) -> Any: ...
