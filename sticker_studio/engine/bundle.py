"""How a model folder is laid out on disk, and how its parts are loaded.

A **generator** folder mirrors a diffusers pipeline folder::

    model_index.json          {"_class_name": "StickerPipeline",
                               "unet": ["sticker_studio.engine.models.dfgn", "DFGN"],
                               "scheduler": ["diffusers", "DDIMScheduler"],
                               "text_encoder": ["sticker_studio.engine.models.text_encoder", "MiniLMTextEncoder"],
                               "vae": null | ["diffusers", "AutoencoderKL"],
                               "defaults": {"steps": {"ddim": 25, "dpm": 10}, "guidance": 7.5,
                                            "image_guidance": 7.5, "fps": 10, "scheduler": "ddim"}}
    unet/config.json + diffusion_pytorch_model.safetensors     (DFGN or STIUNet)
    scheduler/scheduler_config.json
    text_encoder/config.json  (+ weights when the encoder is trained with the generator)
    vae/...                   optional: present when the unet works in latent space

A **matting** folder is one ``MattingHead`` saved with ``save_pretrained``
(``config.json`` + ``diffusion_pytorch_model.safetensors``).

Classes named in ``model_index.json`` are imported only from ``diffusers`` and
``sticker_studio.engine.models``: a downloaded folder must never choose what code runs.
Weights load as safetensors only.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from sticker_studio.core.errors import InvalidInputError, ModelError

MODEL_INDEX = "model_index.json"
PIPELINE_CLASS = "StickerPipeline"
WEIGHTS_NAME = "diffusion_pytorch_model.safetensors"
#: Modules a model folder may name classes from.
ALLOWED_MODULE_PREFIXES: tuple[str, ...] = ("diffusers", "sticker_studio.engine.models")
#: unet class name → manifest architecture
UNET_ARCHITECTURES: dict[str, str] = {"DFGN": "dfgn", "STIUNet": "sti-unet"}


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path} is missing; the model folder is incomplete") from None
    except (OSError, json.JSONDecodeError) as error:
        raise ModelError(f"cannot read {path}: {error}") from None
    if not isinstance(data, dict):
        raise ModelError(f"{path} is not a JSON object")
    return data


def read_model_index(folder: Path) -> dict[str, Any]:
    index = read_json(Path(folder) / MODEL_INDEX)
    if "unet" not in index or "scheduler" not in index:
        raise ModelError(f"{folder / MODEL_INDEX} names no unet/scheduler; it is not a generator folder")
    return index


def detect_architecture(folder: Path) -> str:
    """``dfgn`` / ``sti-unet`` for a generator folder, ``matting-head`` for a matting folder."""
    folder = Path(folder)
    if (folder / MODEL_INDEX).is_file():
        index = read_model_index(folder)
        spec = index.get("unet")
        name = spec[1] if isinstance(spec, list) and len(spec) == 2 else None
        if name in UNET_ARCHITECTURES:
            return UNET_ARCHITECTURES[name]
        raise InvalidInputError(f"{folder}: unknown generator class {name!r} in {MODEL_INDEX}")
    if (folder / "config.json").is_file():
        name = read_json(folder / "config.json").get("_class_name")
        if name == "MattingHead":
            return "matting-head"
        raise InvalidInputError(f"{folder}: config.json describes {name!r}, not a MattingHead")
    raise InvalidInputError(
        f"{folder} is neither a generator folder ({MODEL_INDEX}) nor a matting head (config.json)"
    )


def validate_folder(folder: Path, architecture: str) -> None:
    """Raise :class:`InvalidInputError` when ``folder`` lacks what ``architecture`` needs."""
    folder = Path(folder)
    if architecture == "matting-head":
        required = ["config.json"]
        weights_in = [folder]
    else:
        required = [MODEL_INDEX, "unet/config.json", "scheduler/scheduler_config.json"]
        weights_in = [folder / "unet"]
    for rel in required:
        if not (folder / rel).is_file():
            raise InvalidInputError(f"{folder} has no {rel}; it is not a complete {architecture} checkpoint")
    for where in weights_in:
        if not any(where.glob("*.safetensors")):
            pickles = list(where.glob("*.bin")) + list(where.glob("*.pt")) + list(where.glob("*.ckpt"))
            hint = " (only pickle weights found: convert them to safetensors)" if pickles else ""
            raise InvalidInputError(f"{where} holds no .safetensors weights{hint}")


def import_class(spec: Any, what: str) -> type:
    """The class named by a ``[module, ClassName]`` pair from an allowed module."""
    if not (isinstance(spec, (list, tuple)) and len(spec) == 2 and all(isinstance(s, str) for s in spec)):
        raise ModelError(f"{MODEL_INDEX}: {what} must be [module, ClassName], got {spec!r}")
    module_name, class_name = spec
    if not any(module_name == p or module_name.startswith(p + ".") for p in ALLOWED_MODULE_PREFIXES):
        raise ModelError(f"{MODEL_INDEX}: {what} comes from {module_name!r}, which a model folder may not name")
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, class_name)
    except (ImportError, AttributeError) as error:
        raise ModelError(f"{MODEL_INDEX}: cannot load {what} class {module_name}.{class_name}: {error}") from None
    if not isinstance(cls, type):
        raise ModelError(f"{MODEL_INDEX}: {module_name}.{class_name} is not a class")
    return cls


def class_spec(obj: Any) -> list[str]:
    """``[module, ClassName]`` for saving ``obj``'s class into ``model_index.json``."""
    cls = type(obj)
    module = cls.__module__
    if module.startswith("diffusers."):
        module = "diffusers"
    return [module, cls.__name__]


def load_model(folder: Path, spec: Any, what: str) -> Any:
    """``from_pretrained`` of a ModelMixin/scheduler class from ``folder`` (safetensors only)."""
    cls = import_class(spec, what)
    loader = getattr(cls, "from_pretrained", None)
    if loader is None:
        raise ModelError(f"{what} class {cls.__name__} cannot be loaded from a folder")
    kwargs: dict[str, Any] = {}
    if what != "scheduler":
        from sticker_studio.engine.models.blocks import low_cpu_mem_usage_default

        kwargs["use_safetensors"] = True
        kwargs["low_cpu_mem_usage"] = low_cpu_mem_usage_default()
    try:
        return loader(str(folder), **kwargs)
    except (OSError, ValueError, EnvironmentError) as error:
        raise ModelError(f"cannot load the {what} from {folder}: {error}") from None


def load_text_encoder_from(folder: Path, spec: Any) -> Any:
    """The text encoder saved in ``folder`` (``config.json``; weights when it has its own)."""
    config = read_json(folder / "config.json")
    cls = import_class(spec, "text_encoder") if spec is not None else None
    has_weights = any(folder.glob("*.safetensors"))
    if cls is not None and has_weights and hasattr(cls, "from_pretrained"):
        return cls.from_pretrained(str(folder), use_safetensors=True)  # AlignedLoadMixin sets low_cpu_mem_usage
    from sticker_studio.engine.models.text_encoder import load_text_encoder

    return load_text_encoder(config)


def save_text_encoder(text_encoder: Any, folder: Path) -> None:
    """Write the encoder's config (and weights, if it is a trainable ModelMixin)."""
    folder.mkdir(parents=True, exist_ok=True)
    saver = getattr(text_encoder, "save_pretrained", None)
    if callable(saver):
        try:
            saver(str(folder), safe_serialization=True)
        except TypeError:
            saver(str(folder))
        if (folder / "config.json").is_file():
            return
    config = text_encoder_config(text_encoder)
    from sticker_studio.core.atomic import atomic_write_text

    atomic_write_text(folder / "config.json", json.dumps(config, indent=2, sort_keys=True) + "\n")


def text_encoder_config(text_encoder: Any) -> dict[str, Any]:
    """The dict ``load_text_encoder`` rebuilds ``text_encoder`` from."""
    for attr in ("to_config", "config_dict", "get_config"):
        fn = getattr(text_encoder, attr, None)
        if callable(fn):
            return dict(fn())
    config = getattr(text_encoder, "config", None)
    if isinstance(config, dict):
        return dict(config)
    if config is not None and hasattr(config, "items"):
        return dict(config.items())
    raise ModelError(f"cannot save text encoder {type(text_encoder).__name__}: it exposes no config")
