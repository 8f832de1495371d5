"""Running the generator from the GUI: build the request, load the model once, run it.

Everything here runs in a worker thread except :func:`build_request` (pure Python,
cheap). The engine (and torch) are imported on the first generation, not when the
window opens. The loaded pipeline is cached on the :class:`GeneratorHost`, guarded by
a lock, so a second generation does not reload the model.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sticker_studio.core.errors import ModelNotFoundError
from sticker_studio.core.progress import CancelToken, ProgressCallback
from sticker_studio.core.sticker import Sticker
from sticker_studio.engine.generate.request import GenerationRequest
from sticker_studio.engine.generate.tasks import Task
from sticker_studio.ui.state.prompt import PromptSettings

PipelineFactory = Callable[[], Any]

NO_MODEL_HINT = (
    "No generation model is installed yet ({detail}). Open Tools → Models to download one — "
    "meanwhile, drop a drawing in the Reference panel and use “Animate with motion preset”, "
    "which needs no model."
)


def build_request(settings: PromptSettings, reference: Sticker | None) -> GenerationRequest:
    """The engine request for what the prompt panel says (InvalidInputError if incomplete)."""
    task = Task(settings.task)
    return GenerationRequest(
        prompt=settings.prompt,
        image=reference if task is not Task.TEXT_TO_ANIMATION else None,
        task=task,
        frames=settings.frames,
        seed=settings.seed,
        steps=settings.steps or None,
        guidance=settings.guidance or None,
    )


def default_pipeline_factory(device: str = "auto") -> PipelineFactory:
    """Load the manifest's default generator on ``device`` (imports torch when called)."""

    def load() -> Any:
        from sticker_studio.engine.generate.pipeline import StickerPipeline

        return StickerPipeline.from_pretrained(None, device=device)

    return load


class GeneratorHost:
    """Holds the loaded pipeline between generations."""

    def __init__(self, factory: PipelineFactory) -> None:
        self.factory = factory
        self._pipeline: Any = None
        self._lock = threading.Lock()

    def set_factory(self, factory: PipelineFactory) -> None:
        with self._lock:
            self.factory = factory
            self._pipeline = None

    def pipeline(self) -> Any:
        with self._lock:
            if self._pipeline is None:
                self._pipeline = self.factory()
            return self._pipeline

    def run(self, request: GenerationRequest, progress: ProgressCallback,
            cancel: CancelToken) -> Sticker:
        """Generate (in a worker thread). Raises ModelNotFoundError, CancelledError..."""
        pipe = self.pipeline()
        return pipe(request, progress=progress, cancel=cancel)


def no_model_message(error: ModelNotFoundError) -> str:
    return NO_MODEL_HINT.format(detail=str(error).rstrip("."))
