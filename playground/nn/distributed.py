"""Training in several processes with torch.distributed, as ``torchrun`` starts them.

Every rank builds the same network from the same seed and draws the same shuffled order; each global
batch is ``batch_size`` examples per rank, and each rank trains on its own share of it. The network is
wrapped in DistributedDataParallel, which averages the gradients, so the weights stay equal on every
rank and equal those of one process training on the whole batch. gloo on the CPU, nccl on CUDA (each
rank on its LOCAL_RANK's GPU); several machines join through torchrun's rendezvous.
"""

from __future__ import annotations

import gc
import inspect
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel


@dataclass(frozen=True)
class World:
    """This process's place among the ranks torchrun started."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0

    def share(self, batch: torch.Tensor) -> torch.Tensor:
        """This rank's part of a global batch (the parts differ in size by at most one example)."""
        return batch if self.size == 1 else batch.tensor_split(self.size)[self.rank]


ALONE = World()


def world_from_env() -> World:
    """The ranks torchrun describes in the environment (WORLD_SIZE, RANK, LOCAL_RANK); one process otherwise."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size <= 1:
        return ALONE
    return World(int(os.environ["RANK"]), size, int(os.environ.get("LOCAL_RANK", "0")))


def join(world: World, device: str) -> str:
    """Join the process group; the device this rank trains on (``auto``/``cuda``: its LOCAL_RANK's GPU)."""
    cuda = device.startswith("cuda") or (device == "auto" and torch.cuda.is_available())
    if cuda and ":" not in device:
        device = f"cuda:{world.local_rank}"
    if cuda:
        torch.cuda.set_device(torch.device(device))
    elif device == "auto":
        device = "cpu"
    dist.init_process_group("nccl" if cuda else "gloo")
    return device


def leave() -> None:
    """Leave the process group once every rank has finished. The network, and DDP's reducer that holds the
    group, is collected first, and no rank closes its connections while another still writes through them:
    a rank that tore the group down early could abort in gloo's threads ("terminate called without an
    active exception"). Only for a rank that finished; one that failed exits and torchrun stops the rest."""
    gc.collect()
    dist.barrier()
    dist.destroy_process_group()


def wrapper(device: torch.device):
    """Wraps a module so that its backward pass averages the gradients over the ranks."""

    def wrap(module: torch.nn.Module) -> torch.nn.Module:
        ids = (
            [device.index if device.index is not None else torch.cuda.current_device()]
            if device.type == "cuda"
            else None
        )
        # Buffers (batch-norm statistics) stay each rank's own after the start: rank 0's are evaluated and saved.
        if "forward_sync_buffers" in inspect.signature(DistributedDataParallel).parameters:
            return DistributedDataParallel(module, device_ids=ids, forward_sync_buffers=False)
        return DistributedDataParallel(module, device_ids=ids, broadcast_buffers=False)  # torch before 2.12

    return wrap


def mean(value: float, world: World, device: torch.device) -> float:
    """The mean of ``value`` over the ranks (every rank must call it at the same point)."""
    if world.size == 1:
        return value
    tensor = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return float(tensor.item()) / world.size
