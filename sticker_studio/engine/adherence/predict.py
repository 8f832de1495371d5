"""Which motion a clip shows: the bundled motion classifier (``motion-classifier`` in the manifest).

:func:`classify_clip` reads a clip's features (:mod:`.features`) and returns the classifier's
probabilities; ``among`` restricts the answer to some classes (the 20 character motions for the
puppet engine, the whole-body presets for the learned generator). The model is loaded once per
source — from the manifest with its files' sha256 checked, or from a folder — and never built
with random weights.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sticker_studio.engine.adherence.features import ClipFeatures, clip_features

CLASSIFIER_CLASS = ["sticker_studio.engine.adherence.net", "MotionClassifier"]
CLASSIFIER_TASK = "motion-classifier"
DEFAULT_CLASSIFIER_ID = "motion-classifier"

_cache: dict[str, Any] = {}
_lock = threading.Lock()


@dataclass
class Classification:
    """The classes considered and their probabilities (renormalised over ``among``)."""

    classes: tuple[str, ...]
    probs: np.ndarray

    @property
    def label(self) -> str:
        return self.classes[int(np.argmax(self.probs))]

    @property
    def confidence(self) -> float:
        return float(np.max(self.probs))

    def top(self, k: int = 3) -> list[tuple[str, float]]:
        order = np.argsort(-self.probs)[:k]
        return [(self.classes[i], float(self.probs[i])) for i in order]


def load_motion_classifier(model: str | Path | None = None) -> Any:
    """The classifier (eval mode, fp32, CPU) from a folder, a manifest id or (None) the default."""
    key = str(model) if model is not None else ""
    with _lock:
        if key in _cache:
            return _cache[key]
        from sticker_studio.engine.store import folder as model_folder
        from sticker_studio.engine.store.hub import resolve_model
        from sticker_studio.engine.store.manifest import ModelManifest

        if model is not None and Path(model).is_dir():
            folder = Path(model)
            model_folder.check_unverified_folder(folder)
        else:
            manifest = ModelManifest.load()
            model_id = manifest.choose_id(None if model is None else str(model), CLASSIFIER_TASK,
                                          what="motion classifier",
                                          hint="adherence cannot be measured (eval motion --no-adherence skips it)")
            folder = resolve_model(model_id, manifest=manifest)
        net = model_folder.load_model(folder, CLASSIFIER_CLASS, "motion classifier")
        net = net.float().eval()
        _cache[key] = net
        return net


def classify_features(net: Any, feats: Sequence[ClipFeatures], among: Iterable[str] | None = None
                      ) -> list[Classification]:
    """Probabilities for several clips' features at once."""
    classes = tuple(net.config.classes)
    keep = [i for i, c in enumerate(classes) if among is None or c in set(among)]
    if not keep:
        raise ValueError("none of the asked classes is known to the classifier")
    maps = torch.from_numpy(np.stack([f.maps for f in feats]).astype(np.float32))
    vecs = torch.from_numpy(np.stack([f.vector() for f in feats]).astype(np.float32))
    with torch.inference_mode():
        logits = net(maps, vecs)[:, keep]
        probs = torch.softmax(logits, dim=1).numpy()
    sub = tuple(classes[i] for i in keep)
    return [Classification(sub, p) for p in probs]


def classify_clip(frames: Sequence[np.ndarray], among: Iterable[str] | None = None,
                  model: str | Path | None = None) -> Classification:
    """Which motion the RGBA clip ``frames`` shows (see the module docs)."""
    net = load_motion_classifier(model)
    return classify_features(net, [clip_features(frames)], among)[0]
