"""Training speed: Playground's trainer vs. a hand-written PyTorch loop on the same network and data.

Both train the same architecture (weights copied from Playground's model) on the same
device-resident tensors with the same optimiser and batch size, and both read the loss
back every step. They run alternately in one process, several rounds each; the ratio of
median steps per second is printed (target: >= 0.95). Also prints the cost of the
probes on the spiral preset (target: < 5 ms on CPU).

    python benchmarks/bench_training.py [--device cpu|cuda] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playground.core.graph import Block, Graph, Link  # noqa: E402
from playground.core.project import DatasetRef, Project, TrainingConfig, load  # noqa: E402
from playground.nn.probes import Probe  # noqa: E402
from playground.nn.trainer import Trainer  # noqa: E402


class LeNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3, padding=1)
        self.conv2 = nn.Conv2d(6, 16, 3, padding=1)
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = F.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc2(torch.relu(self.fc1(x.flatten(1))))


class TinyTransformer(nn.Module):
    def __init__(self, vocab: int, length: int, dim: int, layers: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(length, dim)
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(dim, 4, 2 * dim, 0.0, batch_first=True, norm_first=True) for _ in range(layers)
        )
        self.head = nn.Linear(dim, vocab)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        h = self.embed(tokens) + self.pos.weight[: tokens.shape[1]]
        for layer in self.layers:
            h = layer(h)
        return self.head(h)


def transformer_project(layers: int = 2, dim: int = 32) -> Project:
    graph = Graph()
    chain = [
        ("tokens", "input", {"shape": [8], "dtype": "long"}),
        ("embed", "embedding", {"num_embeddings": 10, "embedding_dim": dim}),
        ("pos", "positional_encoding", {"dim": dim, "max_len": 8, "kind": "learned"}),
        *(
            (
                f"block_{i}",
                "transformer_block",
                {"d_model": dim, "num_heads": 4, "dim_feedforward": 2 * dim, "dropout": 0.0},
            )
            for i in range(1, layers + 1)
        ),
        ("head", "linear", {"in_features": dim, "out_features": 10}),
        ("output_1", "output", {}),
    ]
    for i, (block_id, type_name, params) in enumerate(chain):
        graph.add_block(Block(block_id, type_name, params))
        if i:
            graph.connect(Link(chain[i - 1][0], 0, block_id, 0))
    training = TrainingConfig(task="classification", optimizer="adam", lr=0.001, batch_size=64, seed=0)
    return Project(
        graph=graph, title="transformer-reverse (benchmark)", dataset=DatasetRef("token-reverse", {}), training=training
    )


def copy_into(reference: nn.Module, trainer: Trainer) -> None:
    """Give the hand-written model Playground's initial weights (parameter order matches)."""
    with torch.no_grad():
        for mine, theirs in zip(reference.parameters(), trainer.model.parameters(), strict=True):
            mine.copy_(theirs.reshape(mine.shape))


def hand_loop(model: nn.Module, trainer: Trainer, loss_fn: Callable) -> Callable[[int], None]:
    """The loop a PyTorch user writes by hand, on the very same device-resident tensors."""
    x, y = trainer.data.train["x"], trainer.data.train["y"]
    config = trainer.config
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    state = {"perm": torch.empty(0, dtype=torch.long, device=x.device), "cursor": 0}
    generator = torch.Generator().manual_seed(0)

    def run(steps: int) -> None:
        for _ in range(steps):
            if state["cursor"] >= len(state["perm"]):
                state["perm"] = torch.randperm(len(x), generator=generator).to(x.device)
                state["cursor"] = 0
            index = state["perm"][state["cursor"] : state["cursor"] + config.batch_size]
            state["cursor"] += len(index)
            loss = loss_fn(model(x[index]), y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss.item()

    return run


def timed(fn: Callable[[int], None], steps: int, device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn(steps)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps / (time.perf_counter() - start)


def compare(name: str, trainer: Trainer, reference: nn.Module, loss_fn: Callable, steps: int, rounds: int) -> float:
    reference = reference.to(trainer.device)
    copy_into(reference, trainer)
    hand = hand_loop(reference, trainer, loss_fn)

    def playground(n: int) -> None:
        for _ in trainer.run(steps=n):
            pass

    playground(steps // 5)
    hand(steps // 5)  # warm-up
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(timed(playground, steps, trainer.device))
        theirs.append(timed(hand, steps, trainer.device))
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(
        f"{name:<22} playground {statistics.median(ours):9.0f} steps/s   hand-written "
        f"{statistics.median(theirs):9.0f} steps/s   ratio {ratio:.3f}"
    )
    return ratio


def probe_cost(device: str) -> None:
    trainer = Trainer(load(ROOT / "presets" / "mlp-spiral.json"), device=device)
    probe = Probe(trainer.compiled)
    batch = trainer.task.probe_inputs(64)
    for _ in range(10):
        probe.plane()
        probe.activations(*batch)
    start = time.perf_counter()
    for _ in range(100):
        probe.plane(resolution=40)
        probe.activations(*batch)
    cost = (time.perf_counter() - start) / 100 * 1000
    print(f"probe (40x40 input plane + activations of 64 examples) on mlp-spiral: {cost:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, device {args.device}, {torch.get_num_threads()} CPU threads")
    bce = lambda out, y: F.binary_cross_entropy_with_logits(out.squeeze(-1), y.float())  # noqa: E731
    ce = lambda out, y: F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))  # noqa: E731
    spiral = Trainer(load(ROOT / "presets" / "mlp-spiral.json"), device=args.device)
    mlp = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1))
    lenet = Trainer(load(ROOT / "presets" / "lenet-digits.json"), device=args.device)
    transformer = Trainer(transformer_project(), device=args.device)
    ratios = [
        compare("mlp-spiral", spiral, mlp, bce, 2000, args.rounds),
        compare("lenet-digits", lenet, LeNet(), ce, 500, args.rounds),
        compare("transformer (2 blocks)", transformer, TinyTransformer(10, 8, 32, 2), ce, 200, args.rounds),
    ]
    print(f"lowest ratio {min(ratios):.3f} (target >= 0.95)")
    probe_cost(args.device)


if __name__ == "__main__":
    main()
