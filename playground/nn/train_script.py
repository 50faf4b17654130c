"""Train the network in model.py as its Playground project does: the same data, optimiser, learning-rate
schedule, loss, metrics and seed. Needs only torch, numpy and safetensors.

    python train.py                          # one process: the CPU, or the first GPU
    torchrun --nproc-per-node 2 train.py     # DistributedDataParallel: gloo on the CPU, nccl on GPUs

In one process the batches come in the order Playground draws them, so the losses are Playground's.
Under torchrun every process takes ``batch_size`` examples a step from a DistributedSampler (shuffled
by seed and epoch); rank 0 alone prints, evaluates and writes checkpoints. The run starts from the
trained weights exported with it (model.safetensors) when they are there, unless --fresh.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from model import Model
from safetensors.torch import load_file, save_file
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DistributedSampler

HERE = Path(__file__).resolve().parent
EVAL_CHUNK = 4096
TRAIN_EVAL_LIMIT = 4096
VAE_EVAL_LIMIT, VAE_EVAL_SEED = 2048, 1234  # the ELBO over these examples, with these draws of the codes

# The project's settings (Playground's export writes them here).
SETTINGS: dict = {}
AUGMENT = None  # varies the training images at each step: an image folder's, set beside its load_data()


def load_data() -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """The training and validation splits as Playground read them (data.npz beside this script)."""
    splits: dict[str, dict[str, torch.Tensor]] = {"train": {}, "val": {}}
    with np.load(HERE / "data.npz") as data:
        for key in data.files:
            split, name = key.split(".", 1)
            splits[split][name] = torch.from_numpy(data[key])
    return splits["train"], splits["val"]


class EpochOrder:
    """Playground's batches: a fresh shuffled order each epoch from a seeded generator; the last batch
    of an epoch may be short."""

    def __init__(self, n: int, seed: int) -> None:
        self.n, self.cursor = n, 0
        self.generator = torch.Generator().manual_seed(seed)
        self.order = torch.empty(0, dtype=torch.long)

    def next(self, size: int) -> torch.Tensor:
        if self.cursor >= len(self.order):
            self.order, self.cursor = torch.randperm(self.n, generator=self.generator), 0
        index = self.order[self.cursor : self.cursor + size]
        self.cursor += len(index)
        return index


class ShardOrder:
    """This rank's batches under torchrun: a DistributedSampler's shard, reshuffled each epoch."""

    def __init__(self, n: int, seed: int, ranks: int, rank: int) -> None:
        indices: Any = range(n)  # the sampler's dataset: it reads only its length
        self.sampler: DistributedSampler[int] = DistributedSampler(
            indices, num_replicas=ranks, rank=rank, shuffle=True, seed=seed
        )
        self.epoch, self.pending = 0, torch.empty(0, dtype=torch.long)

    def next(self, size: int) -> torch.Tensor:
        if len(self.pending) == 0:
            self.sampler.set_epoch(self.epoch)
            self.pending, self.epoch = torch.tensor(list(self.sampler)), self.epoch + 1
        index, self.pending = self.pending[:size], self.pending[size:]
        return index


def loss_of(scores: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    name = SETTINGS["loss"]
    if name == "bce":
        return F.binary_cross_entropy_with_logits(scores.squeeze(-1), y.float())
    if name in ("cross_entropy", "nll"):
        flat = scores.reshape(-1, scores.shape[-1])  # (examples * steps, classes)
        return (F.nll_loss if name == "nll" else F.cross_entropy)(flat, y.reshape(-1))
    if name == "gaussian_nll":
        mean, log_var = scores.chunk(2, dim=-1)
        return F.gaussian_nll_loss(mean, y, log_var.exp())
    return (F.huber_loss if name == "huber" else F.mse_loss)(scores, y)


def metrics_of(scores: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    found = {"loss": loss_of(scores, y).item()}
    if SETTINGS["task"] == "classification":
        predicted = (scores.squeeze(-1) > 0).long() if SETTINGS["loss"] == "bce" else scores.argmax(-1)
        found["accuracy"] = (predicted == y).float().mean().item()
    else:
        mean = scores.chunk(2, dim=-1)[0] if SETTINGS["loss"] == "gaussian_nll" else scores
        found["mse"] = F.mse_loss(mean, y).item()
    return found


def vae_loss(parts: dict[str, torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per example: reconstruction (binary cross-entropy, nats) and the KL divergence from the prior."""
    out, mean, log_var = (parts[SETTINGS[key]] for key in ("output", "mean", "log_var"))
    probability = out.clamp(1e-6, 1 - 1e-6)
    reconstruction = F.binary_cross_entropy(probability, x.clamp(0, 1), reduction="none").flatten(1).sum(1)
    kl = 0.5 * (mean.pow(2) + log_var.exp() - 1 - log_var).flatten(1).sum(1)
    return reconstruction, kl


class Recipe:
    """What one step trains on and how it is scored, by the project's task."""

    def __init__(self, model: Model, train: dict, val: dict, device: torch.device, ranks: int, rank: int) -> None:
        self.model, self.train, self.val, self.device = model, train, val, device
        self.task = SETTINGS["task"]
        seed = SETTINGS["seed"]
        self.scores = model.logits if hasattr(model, "logits") else model  # the loss reads the logits
        if self.task == "language_model":
            self.tokens = train["tokens"]
            self.context = SETTINGS["context"]
            self.offsets = torch.arange(self.context + 1, device=device)
            self.generator = torch.Generator(device=device).manual_seed(seed + rank)
            self.examples = len(self.tokens) // self.context
        else:
            self.inputs = SETTINGS["fields"]
            self.examples = len(train[self.inputs[0]])
            self.order = EpochOrder(self.examples, seed) if ranks == 1 else ShardOrder(self.examples, seed, ranks, rank)
        self.trainable = self.scores if self.task != "vae" else model.vae_parts

    def distribute(self, device: torch.device) -> None:
        ids = [device.index] if device.type == "cuda" else None
        self.trainable = DistributedDataParallel(_Bound(self.trainable, self.model), device_ids=ids)

    def loss(self, batch_size: int) -> tuple[torch.Tensor, int]:
        if self.task == "language_model":
            high = len(self.tokens) - self.context - 1
            starts = torch.randint(0, high, (batch_size,), generator=self.generator, device=self.device)
            windows = self.tokens[starts[:, None] + self.offsets]
            logits = self.trainable(windows[:, :-1])
            return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1)), batch_size
        index = self.order.next(batch_size).to(self.device)
        inputs = [self.train[f][index] for f in self.inputs]
        if AUGMENT is not None:
            inputs = [AUGMENT(x) if f == "x" else x for f, x in zip(self.inputs, inputs, strict=True)]
        if self.task == "vae":
            reconstruction, kl = vae_loss(self.trainable(*inputs), inputs[0])
            return (reconstruction + SETTINGS["kl_weight"] * kl).mean(), len(index)
        return loss_of(self.trainable(*inputs), self.train[SETTINGS["target"]][index]), len(index)

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        self.model.eval()
        found: dict[str, float] = {}
        for prefix, split in (("train", self.train), ("val", self.val)):
            if self.task == "language_model":
                tokens = split["tokens"]
                starts = torch.arange(0, max(0, len(tokens) - self.context - 1), self.context, device=self.device)
                if len(starts) == 0:
                    continue
                windows = tokens[starts[:256, None] + self.offsets]
                logits = self.scores(windows[:, :-1])
                loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1)).item()
                found.update({f"{prefix}_loss": loss, f"{prefix}_bpc": loss / math.log(2)})
                continue
            rows = {k: v[:TRAIN_EVAL_LIMIT] if prefix == "train" else v for k, v in split.items()}
            if len(rows[self.inputs[0]]) == 0:
                continue
            if self.task == "vae":
                x = rows[self.inputs[0]][:VAE_EVAL_LIMIT]
                devices = [self.device] if self.device.type == "cuda" else []
                with torch.random.fork_rng(devices=devices):  # the training's own draws stay untouched
                    torch.manual_seed(VAE_EVAL_SEED)
                    self.model.train()  # the ELBO averages over drawn codes
                    reconstruction, kl = vae_loss(self.model.vae_parts(x), x)
                    self.model.eval()
                rec, div = reconstruction.mean().item(), kl.mean().item()
                found.update({f"{prefix}_loss": rec + SETTINGS["kl_weight"] * div, f"{prefix}_elbo": -(rec + div)})
                continue
            totals: dict[str, float] = {}
            count = len(rows[self.inputs[0]])
            for start in range(0, count, EVAL_CHUNK):
                inputs = [rows[f][start : start + EVAL_CHUNK] for f in self.inputs]
                y = rows[SETTINGS["target"]][start : start + EVAL_CHUNK]
                for name, value in metrics_of(self.scores(*inputs), y).items():
                    totals[name] = totals.get(name, 0.0) + value * len(y)
            found.update({f"{prefix}_{name}": value / count for name, value in totals.items()})
        self.model.train()
        return found


class _Bound(torch.nn.Module):
    """A bound method of the model (its logits, its VAE parts) as a module, for DistributedDataParallel."""

    def __init__(self, method, model: Model) -> None:
        super().__init__()
        self.model = model
        self.method = method

    def forward(self, *args: torch.Tensor):
        return self.method(*args)


def make_optimizer(params: list[torch.nn.Parameter]) -> torch.optim.Optimizer:
    s = SETTINGS
    lr, wd = s["lr"], s["weight_decay"]
    if s["optimizer"] == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=s["momentum"], nesterov=s["nesterov"], weight_decay=wd)
    if s["optimizer"] == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=wd)
    if s["optimizer"] == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=wd)
    return torch.optim.RMSprop(params, lr=lr, momentum=s["momentum"], weight_decay=wd)


def lr_at(step: int, horizon: int) -> float:
    s = SETTINGS
    if s["schedule"] == "step":
        return s["lr"] * s["gamma"] ** (step // s["step_size"])
    if s["schedule"] == "cosine":
        return s["lr"] * 0.5 * (1 + math.cos(math.pi * min(step, horizon) / horizon))
    return s["lr"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=SETTINGS["epochs"], help="epochs to train (per process)")
    parser.add_argument("--steps", type=int, help="train this many steps instead")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--log-every", type=int, help="steps between two lines (default: 20 lines a run)")
    parser.add_argument("--save-every", type=int, default=1000, help="steps between two checkpoints")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--fresh", action="store_true", help="start from fresh weights, not model.safetensors")
    args = parser.parse_args()

    ranks, rank = int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("RANK", "0"))
    cuda = torch.cuda.is_available() and args.device in ("auto", "cuda")
    device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}" if cuda else "cpu")
    if ranks > 1:
        if cuda:
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if cuda else "gloo")
    train, val = load_data()
    train = {k: v.to(device) for k, v in train.items()}
    val = {k: v.to(device) for k, v in val.items()}
    torch.manual_seed(SETTINGS["seed"])  # the initial weights, then the dropout masks
    model = Model().to(device).train()
    weights = HERE / "model.safetensors"
    if weights.is_file() and not args.fresh:
        model.load_state_dict(load_file(str(weights), device=str(device)))
    recipe = Recipe(model, train, val, device, ranks, rank)
    if ranks > 1:
        recipe.distribute(device)
    optimizer = make_optimizer(list(model.parameters()))
    batch = SETTINGS["batch_size"]
    per_epoch = math.ceil(recipe.examples / (batch * ranks))
    total = args.steps or args.epochs * per_epoch
    log_every = args.log_every or max(1, total // 20)
    main_rank = rank == 0
    say = (lambda record: print(json.dumps(record), flush=True)) if args.json else None
    start, running, count, seen = time.perf_counter(), torch.zeros((), device=device), 0, 0
    for step in range(1, total + 1):
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step - 1, total)
        loss, examples = recipe.loss(batch)
        seen += examples * ranks
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if SETTINGS["grad_clip"] > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), SETTINGS["grad_clip"])
        optimizer.step()
        running += loss.detach()
        count += 1
        if step % log_every == 0 or step == total:
            mean = running / count
            if ranks > 1:
                dist.all_reduce(mean)
                mean /= ranks
            running, count = torch.zeros((), device=device), 0
            if main_rank:
                metrics = recipe.evaluate()
                epoch = round(seen / recipe.examples, 4)
                record = {"step": step, "epoch": epoch, "loss": mean.item(), "metrics": metrics}
                if say:
                    say(record)
                else:
                    shown = "  ".join(f"{k} {v:.4f}" for k, v in metrics.items())
                    print(
                        f"step {step:>7}  epoch {record['epoch']:8.2f}  loss {record['loss']:.4f}  {shown}", flush=True
                    )
        if main_rank and (step % args.save_every == 0 or step == total):
            state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}  # tied weights: two copies
            partial = HERE / ".trained.safetensors.tmp"  # whole, then renamed: a kill never leaves half a file
            save_file(state, str(partial), metadata={"step": str(step)})
            os.replace(partial, HERE / "trained.safetensors")
    if main_rank and not args.json:
        print(f"done: {total} steps in {time.perf_counter() - start:.1f} s; weights in trained.safetensors")
    if ranks > 1:
        del recipe, model, optimizer  # DDP's reducer holds the group: gone before it
        dist.barrier()  # no rank closes its connections while another still uses them
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
