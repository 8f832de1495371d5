"""DDP helpers: one code path for a single process, torchrun on GPUs, or gloo on CPUs.

``torchrun --nproc_per_node N -m sticker_studio train ...`` sets ``RANK``,
``WORLD_SIZE`` and ``LOCAL_RANK``; :func:`init_distributed` reads them, picks nccl on
CUDA and gloo on the CPU, and pins each rank to its GPU. Without them everything runs as
rank 0 of 1 and no process group is created, so the training code never branches on
"distributed or not" beyond calling these helpers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class DistInfo:
    """This process's place in the job."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device
    backend: str | None

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def init_distributed(device_preference: str = "auto") -> DistInfo:
    """Join the torchrun process group if the environment says so; else a 1-process job."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = torch.cuda.is_available() and device_preference in ("auto", "cuda")
    if use_cuda:
        device = torch.device("cuda", local % torch.cuda.device_count())
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    backend = None
    if world > 1:
        backend = "nccl" if device.type == "cuda" else "gloo"
        if not dist.is_initialized():
            dist.init_process_group(backend=backend, rank=rank, world_size=world)
    return DistInfo(rank=rank, world_size=world, local_rank=local, device=device, backend=backend)


def wrap_model(model: nn.Module, info: DistInfo) -> nn.Module:
    """The model wrapped in DDP when the job has several processes (else unchanged)."""
    if not info.enabled:
        return model
    ids = [info.device.index] if info.device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(model, device_ids=ids)


def all_reduce_mean(value: torch.Tensor, info: DistInfo) -> torch.Tensor:
    """The mean of ``value`` over all ranks (a copy; unchanged in a 1-process job)."""
    if not info.enabled:
        return value
    out = value.detach().clone()
    dist.all_reduce(out, op=dist.ReduceOp.SUM)
    return out / info.world_size


def broadcast_int(value: int, info: DistInfo) -> int:
    """Rank 0's ``value`` on every rank (the wall-clock stop signal must be agreed on,
    or one rank would wait forever in an all-reduce the others never join)."""
    if not info.enabled:
        return int(value)
    box = torch.tensor([int(value)], dtype=torch.int64, device=info.device)
    dist.broadcast(box, src=0)
    return int(box.item())


def barrier(info: DistInfo) -> None:
    if info.enabled:
        dist.barrier()


def cleanup(info: DistInfo) -> None:
    if info.enabled and dist.is_initialized():
        dist.destroy_process_group()
