"""Device choice and the out-of-memory fallback (with a fake OOM)."""

from __future__ import annotations

import pytest
import torch

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.engine import device as dev


def test_cpu_is_fp32_and_auto_falls_back_to_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    assert dev.pick_device("cpu").dtype == torch.float32
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(dev, "mps_available", lambda: False)
    choice = dev.pick_device("auto")
    assert choice.device.type == "cpu" and choice.dtype == torch.float32


def test_auto_prefers_cuda_with_bf16_when_supported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(dev, "cuda_dtype", lambda index=None: torch.bfloat16)
    choice = dev.pick_device("auto")
    assert choice.device.type == "cuda" and choice.dtype == torch.bfloat16


def test_missing_or_unknown_device_is_a_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(InvalidInputError, match="no CUDA"):
        dev.pick_device("cuda")
    with pytest.raises(InvalidInputError):
        dev.pick_device("tpu")
    assert dev.pick_device("cpu", dtype="float64").dtype == torch.float64


def fake_cuda_plan() -> dev.ExecutionPlan:
    return dev.ExecutionPlan(dev.DeviceChoice(torch.device("cuda"), torch.float16, "test"), batch_guidance=True)


def test_oom_retries_lighter_then_on_cpu_and_says_so() -> None:
    tried: list[tuple[str, bool]] = []
    warnings: list[str] = []

    def work(plan: dev.ExecutionPlan) -> str:
        tried.append((plan.choice.device.type, plan.batch_guidance))
        if plan.choice.device.type == "cuda":
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return "done"

    assert dev.run_with_oom_fallback(work, fake_cuda_plan(), warn=warnings.append) == "done"
    assert tried == [("cuda", True), ("cuda", False), ("cpu", True)]
    assert len(warnings) == 2 and "sequential guidance" in warnings[0] and "cpu" in warnings[1]


def test_oom_fallback_stops_at_the_first_plan_that_fits() -> None:
    tried = []

    def work(plan: dev.ExecutionPlan) -> int:
        tried.append(plan.batch_guidance)
        if plan.batch_guidance:
            raise RuntimeError("CUDA error: out of memory")
        return 1

    assert dev.run_with_oom_fallback(work, fake_cuda_plan()) == 1
    assert tried == [True, False]


def test_other_errors_are_not_swallowed() -> None:
    def work(plan: dev.ExecutionPlan) -> None:
        raise ValueError("a bug")

    with pytest.raises(ValueError):
        dev.run_with_oom_fallback(work, fake_cuda_plan())


def test_pipeline_reports_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine_fixtures import tiny_pipeline
    from sticker_studio.engine.generate.request import GenerationRequest

    pipe = tiny_pipeline(with_head=False)
    real = pipe._generate
    plans = []

    def flaky(request, settings, plan, *rest):
        plans.append(plan.batch_guidance)
        if plan.batch_guidance:
            raise torch.cuda.OutOfMemoryError("out of memory")
        return real(request, settings, plan, *rest)

    monkeypatch.setattr(pipe, "_generate", flaky)
    warnings: list[str] = []
    out = pipe(GenerationRequest("x", frames=4, steps=1, size=16, seed=0), warn=warnings.append)
    assert out.frame_count == 4 and plans == [True, False]
    assert warnings and "out of memory" in warnings[0]


def test_inference_threads_follow_the_idle_cores(monkeypatch) -> None:
    from sticker_studio.engine.device import inference_threads

    monkeypatch.delenv("STICKER_STUDIO_THREADS", raising=False)
    assert inference_threads(cores=2, load=1.5) == 1   # another process keeps a core busy
    assert inference_threads(cores=2, load=6.0) == 1
    assert inference_threads(cores=2, load=0.1) == 2   # an idle 2-core machine uses both
    assert inference_threads(cores=8, load=0.0) == 4
    monkeypatch.setenv("STICKER_STUDIO_THREADS", "3")
    assert inference_threads(cores=2, load=6.0) == 3
