"""Which device and dtype the engine runs on, and how it falls back when memory runs out.

The order is CUDA (bf16 where the card supports it, else fp16) → Apple MPS (fp16) →
CPU (fp32). Half precision on the CPU is slower than fp32 in PyTorch and loses
accuracy, so the CPU always runs fp32.

A CUDA out-of-memory during generation is not a user error: :func:`run_with_oom_fallback`
retries the same work with a lighter plan (the classifier-free-guidance passes run one
after another instead of batched, so a third of the frames are in flight), then on the
CPU, and reports each step through a warning callback so the CLI/GUI can say so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import torch

from sticker_studio.core.cpu_share import idle_threads
from sticker_studio.core.errors import InvalidInputError

T = TypeVar("T")

#: Values accepted by ``--device``.
DEVICE_CHOICES: tuple[str, ...] = ("auto", "cuda", "mps", "cpu")


@dataclass(frozen=True)
class DeviceChoice:
    """A device, the dtype the models run in there, and why it was picked (shown in bench/logs)."""

    device: torch.device
    dtype: torch.dtype
    reason: str

    @property
    def name(self) -> str:
        if self.device.type == "cuda" and torch.cuda.is_available():
            index = self.device.index if self.device.index is not None else torch.cuda.current_device()
            return f"cuda:{index} ({torch.cuda.get_device_name(index)}, {dtype_name(self.dtype)})"
        return f"{self.device.type} ({dtype_name(self.dtype)})"


@dataclass(frozen=True)
class ExecutionPlan:
    """How heavy one generation may be on its device.

    ``batch_guidance``: run the 2–3 classifier-free-guidance passes as one batched
    forward (fast) or one after another (a third of the activation memory).
    """

    choice: DeviceChoice
    batch_guidance: bool = True

    def describe(self) -> str:
        mode = "batched guidance" if self.batch_guidance else "sequential guidance"
        return f"{self.choice.name}, {mode}"


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def cuda_dtype(index: int | None = None) -> torch.dtype:
    """bf16 where the card computes it natively (Ampere and later), else fp16."""
    try:
        if torch.cuda.is_bf16_supported(including_emulation=False):
            return torch.bfloat16
    except TypeError:  # older torch without the keyword
        if torch.cuda.is_bf16_supported():
            return torch.bfloat16
    return torch.float16


def cpu_choice(reason: str = "no GPU found") -> DeviceChoice:
    return DeviceChoice(torch.device("cpu"), torch.float32, reason)


def pick_device(preference: str = "auto", *, dtype: torch.dtype | str | None = None) -> DeviceChoice:
    """The device to run on: ``auto`` (CUDA → MPS → CPU), ``cuda[:N]``, ``mps`` or ``cpu``.

    ``dtype`` overrides the dtype (``"float32"`` is useful for exact comparisons on a GPU).
    An explicit device that is not present is a user error, not a silent fallback.
    """
    pref = (preference or "auto").strip().lower()
    if pref == "auto":
        if torch.cuda.is_available():
            choice = DeviceChoice(torch.device("cuda"), cuda_dtype(), "CUDA GPU found")
        elif mps_available():
            choice = DeviceChoice(torch.device("mps"), torch.float16, "Apple GPU (MPS) found")
        else:
            choice = cpu_choice()
    elif pref.startswith("cuda"):
        if not torch.cuda.is_available():
            raise InvalidInputError("--device cuda was asked for but no CUDA GPU is available; use --device cpu")
        try:
            device = torch.device(pref)
        except RuntimeError:
            raise InvalidInputError(f"unknown device {preference!r}; use cuda, cuda:N, mps or cpu") from None
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise InvalidInputError(
                f"{preference} was asked for but only {torch.cuda.device_count()} CUDA device(s) exist"
            )
        choice = DeviceChoice(device, cuda_dtype(device.index), "asked for")
    elif pref == "mps":
        if not mps_available():
            raise InvalidInputError("--device mps was asked for but Apple's MPS backend is not available")
        choice = DeviceChoice(torch.device("mps"), torch.float16, "asked for")
    elif pref == "cpu":
        choice = cpu_choice("asked for")
    else:
        raise InvalidInputError(f"unknown device {preference!r}; choose one of: {', '.join(DEVICE_CHOICES)}")
    if dtype is not None:
        resolved = getattr(torch, dtype) if isinstance(dtype, str) else dtype
        if not isinstance(resolved, torch.dtype):
            raise InvalidInputError(f"unknown dtype {dtype!r}")
        choice = DeviceChoice(choice.device, resolved, choice.reason)
    return choice


def is_out_of_memory(error: BaseException) -> bool:
    """True for a CUDA (or MPS) out-of-memory error, whatever class this torch raises."""
    oom_type = getattr(torch.cuda, "OutOfMemoryError", None)
    if oom_type is not None and isinstance(error, oom_type):
        return True
    return isinstance(error, RuntimeError) and "out of memory" in str(error).lower()


def fallback_plans(plan: ExecutionPlan) -> list[ExecutionPlan]:
    """The plans to try in order, starting with ``plan``: lighter on the same device, then the CPU."""
    plans = [plan]
    if plan.batch_guidance:
        plans.append(ExecutionPlan(plan.choice, batch_guidance=False))
    if plan.choice.device.type != "cpu":
        plans.append(ExecutionPlan(cpu_choice("fell back after running out of GPU memory"), batch_guidance=True))
    return plans


def run_with_oom_fallback(
    work: Callable[[ExecutionPlan], T],
    plan: ExecutionPlan,
    *,
    warn: Callable[[str], None] | None = None,
) -> T:
    """Run ``work(plan)``; on out-of-memory retry it with each lighter plan of :func:`fallback_plans`.

    ``work`` must be restartable (generation is: it starts from the seed). Each retry is
    reported through ``warn``. Errors that are not out-of-memory propagate unchanged;
    an OOM on the last plan propagates too.
    """
    plans = fallback_plans(plan)
    for i, current in enumerate(plans):
        try:
            return work(current)
        except Exception as error:
            if not is_out_of_memory(error) or i == len(plans) - 1:
                raise
            release_cached_memory(current.choice.device)
            nxt = plans[i + 1]
            if warn is not None:
                warn(f"out of memory on {current.describe()}; retrying with {nxt.describe()}")
    raise AssertionError("unreachable")  # pragma: no cover


def release_cached_memory(device: torch.device) -> None:
    """Give cached allocator blocks back after an OOM so the retry has room."""
    if device.type == "cuda" and torch.cuda.is_available():
        torch.cuda.empty_cache()
    elif device.type == "mps" and mps_available():
        torch.mps.empty_cache()


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work (for honest timings)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def inference_threads(cores: int | None = None, load: float | None = None) -> int:
    """Torch CPU threads for one generation.

    On a busy machine extra threads only wait for each other (measured: the conditioned
    generator's i2v took 2.4 s on 1 thread and 18.7 s on 2 with a load average of ~6 on
    2 cores), so: 1 thread when the 1-minute load leaves less than one core idle, else up to
    4 of the idle cores. ``STICKER_STUDIO_THREADS`` overrides.
    """
    import os

    forced = os.environ.get("STICKER_STUDIO_THREADS", "").strip()
    if forced.isdigit() and int(forced) > 0:
        return int(forced)
    return idle_threads(cores, load)
