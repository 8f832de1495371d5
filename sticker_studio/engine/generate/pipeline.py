"""``StickerPipeline``: one pipeline for every task, from a request to a Sticker with alpha.

It mirrors a diffusers pipeline (components ``unet``, ``scheduler``, ``text_encoder``,
``vae``, ``matting_head``; ``from_pretrained``/``save_pretrained`` over a
``model_index.json`` folder, see :mod:`sticker_studio.engine.store.folder`) but is a plain
class: diffusers' ``DiffusionPipeline`` loader imports whatever library a folder names
and cannot load our text encoder, and a downloaded folder must not choose what code runs.

Steps of one call (RDTF's dual-mask inference):

1. text: the prompt and the empty prompt (for guidance) → token states;
2. condition: the reference frames composited on white, scaled to fit the model's
   square (aspect kept, padded with white), in [-1, 1], zeroed where the task's
   condition mask says "not given" (loop: frame 0 also given after the last);
3. sampling: DDIM or DPM-Solver++ with text + image classifier-free guidance
   (:mod:`sticker_studio.engine.generate.sampling`), progress after each step, cancel between;
4. decode (VAE when the model is latent), clamp; the given frames are put back exactly;
5. alpha: the matting head at the model's size (or the colour key without one);
6. output size: i2v/loop with a reference larger than the model's size → motion
   transfer onto the full-resolution drawing (crisp); otherwise the frames are
   upscaled. The padding is removed so the output has the reference's aspect.

Output size: ``request.size`` or 512 on the longer side; 10 fps unless the model's
defaults or the request say otherwise.

``output_type`` (as in diffusers) stops early and returns the model's raw samples
instead of a Sticker: ``"latent"`` (the denoised sample), ``"pt"`` (decoded frames,
``[1, 3, F, S, S]`` in [-1, 1]) or ``"np"`` (RGB uint8 ``[frames, S, S, 3]`` on white at
the model's size), all before the given frames are put back — what evaluation measures.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np
import torch
from PIL import Image

from sticker_studio.core.errors import InvalidInputError, ModelNotFoundError
from sticker_studio.core.imageops import resize_rgba
from sticker_studio.core.progress import CancelToken, ProgressCallback
from sticker_studio.core.sticker import Sticker
from sticker_studio.engine.device import (
    DeviceChoice,
    ExecutionPlan,
    pick_device,
    run_with_oom_fallback,
    synchronize,
)
from sticker_studio.engine.generate.request import GenerationRequest, ResolvedSettings
from sticker_studio.engine.generate.sampling import Conditioning, denoise, make_scheduler
from sticker_studio.engine.generate.tasks import Task, condition_mask, frames_in_flight
from sticker_studio.engine.models.protocols import Autoencoder, Denoiser, MattingModel, TextEncoder
from sticker_studio.engine.store import folder as model_folder

WarnCallback = Callable[[str], None]
#: What :meth:`StickerPipeline.__call__` returns: the finished sticker, or raw samples (see the module docs).
OutputType = Literal["sticker", "np", "pt", "latent"]
OUTPUT_TYPES: tuple[str, ...] = ("sticker", "np", "pt", "latent")
#: (prompt states, prompt mask, no-text states, no-text mask), as :meth:`StickerPipeline.encode_prompt` returns
PromptStates = tuple[torch.Tensor, torch.Tensor | None, torch.Tensor, torch.Tensor | None]


def _log_warning(message: str) -> None:
    logging.getLogger(__name__).warning(message)


@dataclass(frozen=True)
class Placement:
    """Where the reference sits inside the model's square: ``(x, y, w, h)`` in model pixels."""

    x: int
    y: int
    w: int
    h: int
    source_width: int
    source_height: int

    @property
    def box(self) -> tuple[int, int, int, int]:
        return self.x, self.y, self.w, self.h

    def output_size(self, long_side: int) -> tuple[int, int]:
        """(width, height) with ``long_side`` on the longer side and the reference's aspect."""
        sw, sh = self.source_width, self.source_height
        scale = long_side / max(sw, sh)
        return max(1, int(round(sw * scale))), max(1, int(round(sh * scale)))


def square_placement(side: int) -> Placement:
    return Placement(0, 0, side, side, side, side)


def place_reference(width: int, height: int, side: int) -> Placement:
    """Fit ``width`` x ``height`` inside a ``side`` square, keeping the aspect, centred."""
    scale = side / max(width, height)
    w = max(1, min(side, int(round(width * scale))))
    h = max(1, min(side, int(round(height * scale))))
    return Placement((side - w) // 2, (side - h) // 2, w, h, width, height)


def on_white(rgba: np.ndarray) -> np.ndarray:
    """RGBA uint8 → RGB uint8 composited on white (the training data's background)."""
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    return (rgba[..., :3].astype(np.float32) * a + 255.0 * (1.0 - a) + 0.5).astype(np.uint8)


def condition_image(rgba: np.ndarray, placement: Placement, side: int) -> np.ndarray:
    """The model-size RGB condition frame: composited on white, scaled to fit, padded with white."""
    rgb = on_white(rgba)
    if rgb.shape[1] != placement.w or rgb.shape[0] != placement.h:
        rgb = np.asarray(Image.fromarray(rgb).resize((placement.w, placement.h), Image.Resampling.LANCZOS))
    canvas = np.full((side, side, 3), 255, np.uint8)
    canvas[placement.y:placement.y + placement.h, placement.x:placement.x + placement.w] = rgb
    return canvas


@dataclass
class ConditionFrames:
    """The task's condition mask over the frames in flight and the reference frame for each given slot."""

    mask: list[int]
    given: dict[int, np.ndarray]   # slot -> reference RGBA frame (its own resolution)
    placement: Placement


def assign_given_frames(request: GenerationRequest, side: int) -> ConditionFrames:
    """Which reference frame goes into which slot, for the request's task."""
    task = Task.parse(request.task)
    n = request.frames
    if task is Task.TEXT_TO_ANIMATION or request.image is None:
        return ConditionFrames(condition_mask(Task.TEXT_TO_ANIMATION, n), {}, square_placement(side))
    sticker = request.image
    assert isinstance(sticker, Sticker)
    refs = sticker.frames
    placement = place_reference(sticker.width, sticker.height, side)
    given_prefix = None
    if task is Task.CONTINUATION:
        given_prefix = min(request.given_prefix or len(refs), n - 1)
    mask = condition_mask(task, n, given_prefix=given_prefix, interpolation=request.interpolation)
    slots = [i for i, m in enumerate(mask) if m]
    given: dict[int, np.ndarray] = {}
    if task in (Task.IMAGE_TO_ANIMATION, Task.LOOP):
        given = {s: refs[0] for s in slots}
    elif task is Task.INTERPOLATION:
        if len(refs) < 2:
            raise InvalidInputError(
                "interpolation needs a start and an end frame: give an animation or a sticker with 2+ frames"
            )
        if request.interpolation == "ends":
            given = {slots[0]: refs[0], slots[-1]: refs[-1]}
        else:
            if len(refs) < len(slots):
                raise InvalidInputError(
                    f"alternate interpolation of {n} frames needs {len(slots)} given frames, "
                    f"the reference has {len(refs)}"
                )
            picks = np.linspace(0, len(refs) - 1, len(slots)).round().astype(int)
            given = {s: refs[int(p)] for s, p in zip(slots, picks, strict=True)}
    elif task is Task.CONTINUATION:
        given = {s: refs[s] for s in slots}
    return ConditionFrames(mask, given, placement)


class StickerPipeline:
    """Prompt and/or drawing → animated sticker with alpha (see the module docstring)."""

    def __init__(
        self,
        unet: Denoiser,
        scheduler: Any,  # a diffusers scheduler (NoiseScheduler; diffusers hides its config from mypy)
        text_encoder: TextEncoder,
        matting_head: MattingModel | None = None,
        vae: Autoencoder | None = None,
        *,
        defaults: dict[str, Any] | None = None,
        model_id: str | None = None,
    ) -> None:
        self.unet = unet
        self.scheduler = scheduler
        self.text_encoder = text_encoder
        self.matting_head = matting_head
        self.vae = vae
        self.defaults: dict[str, Any] = dict(defaults or {})
        self.model_id = model_id
        self.device_choice: DeviceChoice = DeviceChoice(torch.device("cpu"), torch.float32, "default")
        self.batch_guidance = True
        self.last_timings: dict[str, float] = {}
        self._placed_on: tuple[torch.device, torch.dtype] | None = None
        for module in self._modules():
            if hasattr(module, "eval"):
                module.eval()

    # ------------------------------------------------------------ components
    @property
    def components(self) -> dict[str, Any]:
        return {
            "unet": self.unet, "scheduler": self.scheduler, "text_encoder": self.text_encoder,
            "vae": self.vae, "matting_head": self.matting_head,
        }

    def _modules(self) -> list[Any]:
        parts = (self.unet, self.text_encoder, self.vae, self.matting_head)
        return [m for m in parts if isinstance(m, torch.nn.Module)]

    @property
    def unet_config(self) -> Any:
        return self.unet.config

    @property
    def vae_scale_factor(self) -> int:
        if self.vae is None:
            return 1
        return 2 ** (len(self.vae.config.block_out_channels) - 1)

    @property
    def sample_size(self) -> int:
        """The model's frame side in pixels."""
        size = self.unet_config.sample_size
        size = size[0] if isinstance(size, (list, tuple)) else size
        return int(size) * self.vae_scale_factor

    @property
    def latent_shape(self) -> tuple[int, int]:
        size = self.unet_config.sample_size
        size = size[0] if isinstance(size, (list, tuple)) else size
        return int(self.unet_config.in_channels), int(size)

    def to(self, choice: DeviceChoice | str | torch.device) -> StickerPipeline:
        """Move every component to a device (a :class:`DeviceChoice`, ``"auto"``, ``"cpu"``, …)."""
        if not isinstance(choice, DeviceChoice):
            choice = pick_device(str(choice))
        self.device_choice = choice
        self._place(choice)
        return self

    def _place(self, choice: DeviceChoice) -> None:
        key = (choice.device, choice.dtype)
        if self._placed_on == key:
            return
        for module in self._modules():
            dtype = choice.dtype
            if module is self.matting_head and choice.dtype == torch.float16 and choice.device.type == "cpu":
                dtype = torch.float32
            current = next((p.dtype for p in module.parameters() if p.is_floating_point()), dtype)
            # only cast when needed: ModelMixin.to(dtype) warns even for a no-op cast
            module.to(device=choice.device) if current == dtype else module.to(device=choice.device, dtype=dtype)
        self._placed_on = key

    # -------------------------------------------------------------- loading
    @classmethod
    def from_pretrained(
        cls,
        path_or_id: str | Path | None = None,
        *,
        device: DeviceChoice | str = "auto",
        dtype: torch.dtype | str | None = None,
        matting: str | Path | None = "default",
        warn: WarnCallback | None = None,
    ) -> StickerPipeline:
        """Load a generator folder or a manifest id (``None``: the default generator).

        ``matting``: ``"default"`` (the manifest's default matting head; the colour key
        with a warning when it is not installed), an id or folder, or ``None`` (colour key).
        A missing generator raises :class:`ModelNotFoundError`; random weights are never used.
        """
        from sticker_studio.engine.store.hub import resolve_model
        from sticker_studio.engine.store.manifest import ModelManifest

        manifest = None
        if path_or_id is not None and (Path(path_or_id) / model_folder.MODEL_INDEX).is_file():
            folder, model_id = Path(path_or_id), Path(path_or_id).name
            model_folder.check_unverified_folder(folder)
            notice = model_folder.unverified_notice(folder)
            if notice is not None:
                (warn or _log_warning)(notice)
        else:
            manifest = ModelManifest.load()
            model_id = manifest.choose_id(
                None if path_or_id is None else str(path_or_id), "generator", what="generator model",
                hint="add one with `sticker-studio models add PATH` and pass --model ID",
            )
            entry = manifest.get(model_id)
            if not entry.is_generator:
                raise InvalidInputError(f"model {model_id} is a {entry.architecture}, not a generator")
            folder = resolve_model(model_id, manifest=manifest)
        index = model_folder.read_model_index(folder)
        unet = model_folder.load_model(folder / "unet", index["unet"], "unet")
        scheduler = model_folder.load_model(folder / "scheduler", index["scheduler"], "scheduler")
        text_encoder = model_folder.load_text_encoder_from(folder / "text_encoder", index.get("text_encoder"))
        vae = model_folder.load_model(folder / "vae", index["vae"], "vae") if index.get("vae") else None
        head = None
        if index.get("matting_head") and (folder / "matting_head").is_dir():
            head = model_folder.load_model(folder / "matting_head", index["matting_head"], "matting head")
        elif matting is not None:
            from sticker_studio.engine.matting.matte import load_matting_head

            try:
                head = load_matting_head(None if matting == "default" else matting, trainable=True)  # saved with it
            except ModelNotFoundError as error:
                if matting != "default":
                    raise
                if warn is not None:
                    warn(f"no matting head available ({error}); using the colour key for alpha")
        pipe = cls(unet, scheduler, text_encoder, head, vae, defaults=index.get("defaults"), model_id=model_id)
        choice = device if isinstance(device, DeviceChoice) else pick_device(device, dtype=dtype)
        return pipe.to(choice)

    def save_pretrained(self, folder: str | Path) -> Path:
        """Write the generator folder (safetensors only); the matting head is saved when present."""
        from sticker_studio.core.atomic import atomic_write_text

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        index: dict[str, Any] = {"_class_name": model_folder.PIPELINE_CLASS}
        from sticker_studio import __version__

        index["_sticker_studio_version"] = __version__
        self.unet.save_pretrained(str(folder / "unet"), safe_serialization=True)
        index["unet"] = model_folder.class_spec(self.unet)
        self.scheduler.save_pretrained(str(folder / "scheduler"))
        index["scheduler"] = model_folder.class_spec(self.scheduler)
        model_folder.save_text_encoder(self.text_encoder, folder / "text_encoder")
        index["text_encoder"] = model_folder.class_spec(self.text_encoder)
        if self.vae is not None:
            self.vae.save_pretrained(str(folder / "vae"), safe_serialization=True)
        index["vae"] = model_folder.class_spec(self.vae) if self.vae is not None else None
        if self.matting_head is not None:
            self.matting_head.save_pretrained(str(folder / "matting_head"), safe_serialization=True)
        index["matting_head"] = model_folder.class_spec(self.matting_head) if self.matting_head is not None else None
        index["defaults"] = self.defaults
        import json

        atomic_write_text(folder / model_folder.MODEL_INDEX, json.dumps(index, indent=2, sort_keys=True) + "\n")
        return folder

    # ------------------------------------------------------------ generation
    @overload
    def __call__(self, request: GenerationRequest, progress: ProgressCallback | None = ...,
                 cancel: CancelToken | None = ..., *, warn: WarnCallback | None = ...,
                 output_type: Literal["sticker"] = ...) -> Sticker: ...

    @overload
    def __call__(self, request: GenerationRequest, progress: ProgressCallback | None = ...,
                 cancel: CancelToken | None = ..., *, warn: WarnCallback | None = ...,
                 output_type: Literal["np"]) -> np.ndarray: ...

    @overload
    def __call__(self, request: GenerationRequest, progress: ProgressCallback | None = ...,
                 cancel: CancelToken | None = ..., *, warn: WarnCallback | None = ...,
                 output_type: Literal["pt", "latent"]) -> torch.Tensor: ...

    def __call__(
        self,
        request: GenerationRequest,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        *,
        warn: WarnCallback | None = None,
        output_type: OutputType = "sticker",
    ) -> Sticker | np.ndarray | torch.Tensor:
        """Generate one sticker (or its raw samples, see ``output_type`` in the module docs).
        Out of GPU memory → lighter plan, then CPU (reported via ``warn``)."""
        if output_type not in OUTPUT_TYPES:
            raise InvalidInputError(f"unknown output_type {output_type!r}; choose one of: {', '.join(OUTPUT_TYPES)}")
        settings = request.resolved(self.defaults)
        plan = ExecutionPlan(self.device_choice, batch_guidance=self.batch_guidance)
        before = torch.get_num_threads()
        if self.device_choice.device.type == "cpu":
            from sticker_studio.engine.device import inference_threads

            torch.set_num_threads(inference_threads())
        try:
            return run_with_oom_fallback(
                lambda p: self._generate(request, settings, p, progress, cancel, output_type), plan, warn=warn
            )
        finally:
            torch.set_num_threads(before)

    def _mark(self, name: str, start: float) -> float:
        synchronize(self._placed_on[0] if self._placed_on else torch.device("cpu"))
        now = time.perf_counter()
        self.last_timings[name] = now - start
        return now

    @torch.no_grad()
    def encode_prompt(self, prompt: str, choice: DeviceChoice) -> PromptStates:
        """(prompt states, prompt mask, no-text states, no-text mask), one batch each.

        "No text" is the text encoder's encoding of the empty caption: exactly what
        training fed the model for its caption-dropout rows
        (:data:`sticker_studio.training.data.clips.EMPTY_TEXT` through the same frozen encoder).
        The DFGN's ``null_text_embedding`` (used only for an all-False text mask) is never
        trained, so sampling must not use it. The prompt is normalised the way training
        captions are phrased (:func:`sticker_studio.engine.generate.prompts.normalise_prompt`).
        """
        from sticker_studio.engine.generate.prompts import normalise_prompt

        text = normalise_prompt(prompt)
        states, mask = self.text_encoder.encode([text, ""], choice.device, choice.dtype)
        states = states.to(device=choice.device, dtype=choice.dtype)
        if mask is not None:
            mask = mask.to(choice.device).bool().clone()
            mask[:, 0] = True  # as training's text cache: never an all-masked row
        null_states, null_mask = states[1:], (mask[1:] if mask is not None else None)
        if not text:
            return null_states, null_mask, null_states, null_mask
        return states[:1], (mask[:1] if mask is not None else None), null_states, null_mask

    @torch.no_grad()
    def encode_frames(self, pixels: torch.Tensor) -> torch.Tensor:
        """[1,3,F,S,S] in [-1,1] → what the unet samples (identity in pixel space)."""
        if self.vae is None:
            return pixels
        b, c, f, h, w = pixels.shape
        flat = pixels.permute(0, 2, 1, 3, 4).reshape(b * f, c, h, w)
        latents = self.vae.encode(flat).latent_dist.mode()
        shift = getattr(self.vae.config, "shift_factor", None) or 0.0
        latents = (latents - shift) * self.vae.config.scaling_factor
        return latents.reshape(b, f, *latents.shape[1:]).permute(0, 2, 1, 3, 4)

    @torch.no_grad()
    def decode_frames(self, sample: torch.Tensor) -> torch.Tensor:
        """Inverse of :meth:`encode_frames`, clamped to [-1, 1]."""
        if self.vae is None:
            return sample.clamp(-1.0, 1.0)
        b, c, f, h, w = sample.shape
        flat = sample.permute(0, 2, 1, 3, 4).reshape(b * f, c, h, w)
        shift = getattr(self.vae.config, "shift_factor", None) or 0.0
        images = self.vae.decode(flat / self.vae.config.scaling_factor + shift).sample
        return images.reshape(b, f, *images.shape[1:]).permute(0, 2, 1, 3, 4).clamp(-1.0, 1.0)

    def _generate(
        self,
        request: GenerationRequest,
        settings: ResolvedSettings,
        plan: ExecutionPlan,
        progress: ProgressCallback | None,
        cancel: CancelToken | None,
        output_type: OutputType = "sticker",
    ) -> Sticker | np.ndarray | torch.Tensor:
        choice = plan.choice
        self.last_timings = {}
        t0 = start = time.perf_counter()
        self._place(choice)
        side = self.sample_size
        task = Task.parse(request.task)
        n = request.frames
        cond_frames = assign_given_frames(request, side)
        f = frames_in_flight(task, n) if cond_frames.given else n
        mask = cond_frames.mask
        canvas = np.full((f, side, side, 3), 255, np.uint8)
        for slot, rgba in cond_frames.given.items():
            canvas[slot] = condition_image(rgba, cond_frames.placement, side)
        start = self._mark("prepare", start)

        text, text_mask, null_text, null_mask = self.encode_prompt(request.prompt, choice)
        start = self._mark("text_encode", start)

        mask_t = torch.tensor(mask, dtype=choice.dtype, device=choice.device)[None]
        pixels = torch.from_numpy(canvas).to(choice.device).permute(3, 0, 1, 2)[None].to(choice.dtype) / 127.5 - 1.0
        given_sample = self.encode_frames(pixels) * mask_t.view(1, 1, f, 1, 1)
        cond = Conditioning(text, text_mask, null_text, null_mask, given_sample, mask_t)
        channels, latent_side = self.latent_shape
        scheduler = make_scheduler(self.scheduler.config, settings.scheduler)
        start = self._mark("condition", start)

        sample = denoise(
            self.unet, scheduler, cond,
            shape=(1, channels, f, latent_side, latent_side), steps=settings.steps,
            guidance=settings.guidance if request.prompt or not cond_frames.given else 1.0,
            image_guidance=settings.image_guidance, seed=settings.seed, eta=settings.eta,
            device=choice.device, dtype=choice.dtype, batch_guidance=plan.batch_guidance,
            progress=progress, cancel=cancel,
        )
        start = self._mark("sampling", start)
        self.last_timings["sampling_per_step"] = self.last_timings["sampling"] / max(1, settings.steps)
        if output_type == "latent":
            return sample

        decoded = self.decode_frames(sample)
        if output_type == "pt":
            return decoded
        images = decoded[0].float().permute(1, 2, 3, 0).cpu().numpy()
        rgb = ((images + 1.0) * 127.5 + 0.5).clip(0, 255).astype(np.uint8)
        if output_type == "np":
            return rgb[:n]
        for slot in cond_frames.given:  # given frames come back exactly as given
            rgb[slot] = canvas[slot]
        rgb = rgb[:n]
        start = self._mark("decode", start)

        from sticker_studio.engine.matting.matte import matte_frames

        low_rgba = matte_frames(rgb, self.matting_head, strict=False)
        start = self._mark("matting", start)

        frames = self._assemble(request, task, settings, cond_frames, rgb, low_rgba)
        start = self._mark("output", start)
        self.last_timings["total"] = time.perf_counter() - t0

        sticker = Sticker.from_frames(frames, fps=settings.fps, loop_count=0)
        sticker.metadata.update({
            "generator": self.model_id or type(self.unet).__name__, "prompt": request.prompt,
            "task": task.value, "seed": settings.seed, "steps": settings.steps,
            "scheduler": settings.scheduler, "guidance": settings.guidance,
            "image_guidance": settings.image_guidance, "device": choice.name,
            "matting": type(self.matting_head).__name__ if self.matting_head is not None else "colour key",
        })
        return sticker

    def _assemble(
        self,
        request: GenerationRequest,
        task: Task,
        settings: ResolvedSettings,
        cond_frames: ConditionFrames,
        rgb: np.ndarray,
        low_rgba: np.ndarray,
    ) -> list[np.ndarray]:
        """Output frames at the output size with the reference's aspect (padding removed)."""
        placement = cond_frames.placement
        out_w, out_h = placement.output_size(settings.size)
        n = rgb.shape[0]
        given = {slot: frame for slot, frame in cond_frames.given.items() if slot < n}
        reference = given.get(0)
        use_transfer = (
            task in (Task.IMAGE_TO_ANIMATION, Task.LOOP)
            and reference is not None
            and max(reference.shape[:2]) > self.sample_size
        )
        if use_transfer and reference is not None:
            from sticker_studio.engine.generate.motion_transfer import transfer_motion

            start = time.perf_counter()
            ref_out = resize_rgba(reference, out_w, out_h)
            frames = transfer_motion(
                ref_out, rgb, low_rgba[..., 3].astype(np.float32) / 255.0,
                content_box=placement.box, reference_index=0, keep={0},
            )
            self.last_timings["motion_transfer"] = time.perf_counter() - start
            return frames
        x, y, w, h = placement.box
        out: list[np.ndarray] = []
        for k in range(n):
            if k in given:
                out.append(resize_rgba(given[k], out_w, out_h))
            else:
                out.append(resize_rgba(np.ascontiguousarray(low_rgba[k, y:y + h, x:x + w]), out_w, out_h))
        return out
