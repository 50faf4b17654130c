"""Training speed: Playground's trainer against the two loops a PyTorch user could write by hand.

* the **user's loop**, the one a tutorial teaches: torch's defaults (Adam or AdamW with default
  flags, torch's default threads, ``loss.item()`` every step);
* the **best hand loop**: the same tricks as the trainer (the optimiser implementation and the
  threads Playground picks, the loss read back without waiting for a GPU).

All three train the same architecture (the hand-written models get Playground's initial weights) on
the same device-resident tensors with the same batch size, sampling and clipping. They run
alternately in one process, many short rounds each (this machine's speed drifts by 20% within
seconds); medians of steps per second. Targets: at least 1.2x
the user's loop and at least 0.97x the best hand loop on every network. Also prints the cost of the
probes on the spiral preset (target: < 5 ms on CPU), and with ``--compile`` what the ``compile``
setting costs and from which run length it pays off.

    python benchmarks/bench_training.py [--device cpu|cuda] [--rounds 11] [--compile]
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playground.core.graph import Block, Graph, Link  # noqa: E402
from playground.core.project import load  # noqa: E402
from playground.core.project_types import DatasetRef, Project, TrainingConfig  # noqa: E402
from playground.nn import threads  # noqa: E402
from playground.nn.optimizers import implementation  # noqa: E402
from playground.nn.probes import Probe  # noqa: E402
from playground.nn.trainer import READ_EVERY, Trainer  # noqa: E402

DEFAULT_THREADS = torch.get_num_threads()  # torch's own choice, before anything sets it
USER_TARGET, BEST_TARGET = 1.2, 0.97


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
    """nanoGPT's shape on torch's encoder layer: token and learned position embeddings, pre-norm layers."""

    def __init__(
        self, vocab: int, length: int, dim: int, layers: int, dropout: float = 0.0, causal: bool = False
    ) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(length, dim)
        activation = "gelu" if causal else "relu"
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(dim, 4, 2 * dim, dropout, activation, batch_first=True, norm_first=True)
            for _ in range(layers)
        )
        self.head = nn.Linear(dim, vocab)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(length) if causal else None)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        h = self.embed(tokens) + self.pos.weight[: tokens.shape[1]]
        for layer in self.layers:
            h = layer(h, src_mask=self.mask, is_causal=self.mask is not None)
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


def epoch_batches(trainer: Trainer) -> Callable[[], tuple[torch.Tensor, torch.Tensor]]:
    """Shuffled batches through the epoch, as a DataLoader with shuffle=True draws them."""
    x, y = trainer.data.train["x"], trainer.data.train["y"]
    state = {"perm": torch.empty(0, dtype=torch.long, device=x.device), "cursor": 0}
    generator = torch.Generator().manual_seed(0)
    size = trainer.config.batch_size

    def next_batch() -> tuple[torch.Tensor, torch.Tensor]:
        if state["cursor"] >= len(state["perm"]):
            state["perm"] = torch.randperm(len(x), generator=generator).to(x.device)
            state["cursor"] = 0
        index = state["perm"][state["cursor"] : state["cursor"] + size]
        state["cursor"] += len(index)
        return x[index], y[index]

    return next_batch


def text_windows(trainer: Trainer) -> Callable[[], tuple[torch.Tensor, torch.Tensor]]:
    """Random windows of the text, each target the next character, as nanoGPT's get_batch draws them."""
    tokens = trainer.data.train["tokens"]
    context = trainer.compiled.inputs[0].shape[1]
    offsets = torch.arange(context + 1, device=tokens.device)
    generator = torch.Generator(device=tokens.device).manual_seed(0)
    size = trainer.config.batch_size

    def next_batch() -> tuple[torch.Tensor, torch.Tensor]:
        starts = torch.randint(0, len(tokens) - context - 1, (size,), generator=generator, device=tokens.device)
        windows = tokens[starts[:, None] + offsets]
        return windows[:, :-1], windows[:, 1:]

    return next_batch


@dataclass
class Case:
    name: str
    trainer: Trainer
    reference: nn.Module
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    batches: Callable[[Trainer], Callable[[], tuple[torch.Tensor, torch.Tensor]]]
    steps: int


def hand_loop(case: Case, model: nn.Module, best: bool) -> Callable[[int], None]:
    """A loop written by hand on the very same tensors: torch's defaults, or (best) Playground's tricks."""
    config = case.trainer.config
    params = list(model.parameters())
    flags = implementation(config, params) if best else {}
    kind = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[config.optimizer]
    optimizer = kind(params, lr=config.lr, weight_decay=config.weight_decay, **flags)
    next_batch = case.batches(case.trainer)
    on_gpu = case.trainer.device.type == "cuda"

    def run(steps: int) -> None:
        unread = []
        for _ in range(steps):
            x, y = next_batch()
            loss = case.loss_fn(model(x), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.grad_clip:
                nn.utils.clip_grad_norm_(params, config.grad_clip)
            optimizer.step()
            if best and on_gpu:
                unread.append(loss.detach())
                if len(unread) == READ_EVERY:
                    torch.stack(unread).tolist()
                    unread = []
            else:
                loss.item()

    return run


def steps_of(trainer: Trainer) -> Callable[[int], None]:
    """Playground's trainer, ``n`` steps at a time."""

    def run(n: int) -> None:
        for _ in trainer.run(steps=n):
            pass

    return run


def timed(fn: Callable[[int], None], steps: int, device: torch.device, count: int) -> float:
    torch.set_num_threads(count)
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn(steps)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps / (time.perf_counter() - start)


def compare(case: Case, rounds: int) -> tuple[float, float]:
    trainer = case.trainer
    chosen, _ = threads.apply(trainer.project.graph, trainer.compiled.analysis, trainer.batch_size)
    loops = {}
    for label, best in (("user", False), ("best", True)):
        model = (case.reference if best else copy.deepcopy(case.reference)).to(trainer.device)
        copy_into(model, trainer)
        loops[label] = hand_loop(case, model.train(), best)
    counts = {"playground": chosen, "best": chosen, "user": DEFAULT_THREADS}

    loops["playground"] = steps_of(trainer)
    rates: dict[str, list[float]] = {label: [] for label in loops}
    for label, loop in loops.items():  # warm-up
        timed(loop, case.steps // 5, trainer.device, counts[label])
    for _ in range(rounds):
        for label, loop in loops.items():
            rates[label].append(timed(loop, case.steps, trainer.device, counts[label]))
    ours, user, best = (statistics.median(rates[k]) for k in ("playground", "user", "best"))
    print(
        f"{case.name:<22} {ours:9.0f} {user:9.0f} {best:9.0f}   {ours / user:5.2f}x {ours / best:5.3f}x"
        f"   (threads: {chosen}, user {DEFAULT_THREADS})"
    )
    return ours / user, ours / best


def compile_payoff(case: Case, rounds: int) -> None:
    """The same network with the ``compile`` setting: what compiling costs, how fast it then steps, and
    from which run length the compiled run finishes first."""
    trainer = case.trainer
    project = dataclasses.replace(trainer.project, training=dataclasses.replace(trainer.config, compile=True))
    compiled = Trainer(project, device=str(trainer.device))
    threads.apply(project.graph, compiled.compiled.analysis, compiled.batch_size)
    compiled.step()
    note = compiled.compile_note.rstrip(".") or f"compiled in {compiled.compile_seconds:.1f} s"

    count = torch.get_num_threads()
    timed(steps_of(compiled), case.steps // 5, trainer.device, count)  # the shapes' recompilations, if any
    eager_rates, compiled_rates = [], []
    for _ in range(rounds):
        eager_rates.append(timed(steps_of(trainer), case.steps, trainer.device, count))
        compiled_rates.append(timed(steps_of(compiled), case.steps, trainer.device, count))
    eager, fast = statistics.median(eager_rates), statistics.median(compiled_rates)
    gain = 1 / eager - 1 / fast
    pays = (
        f"pays off after {compiled.compile_seconds / gain:,.0f} steps"
        if gain > 0 and compiled.compile_seconds
        else ("never pays off")
    )
    print(
        f"{case.name:<22} eager {eager:8.1f} steps/s, compiled {fast:8.1f} steps/s ({fast / eager:.2f}x); {note}; {pays}"
    )


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
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--compile", action="store_true", help="also measure the compile setting's pay-off")
    parser.add_argument("--networks", nargs="*", help="only these (mlp-spiral, lenet-digits, transformer, char-gpt)")
    args = parser.parse_args()
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, device {args.device}, torch's default {DEFAULT_THREADS} CPU threads")
    bce = lambda out, y: F.binary_cross_entropy_with_logits(out.squeeze(-1), y.float())  # noqa: E731
    ce = lambda out, y: F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))  # noqa: E731
    preset = lambda name: Trainer(load(ROOT / "presets" / f"{name}.json"), device=args.device)  # noqa: E731
    mlp = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1))
    cases = [
        Case("mlp-spiral", preset("mlp-spiral"), mlp, bce, epoch_batches, 1000),
        Case("lenet-digits", preset("lenet-digits"), LeNet(), ce, epoch_batches, 200),
        Case(
            "transformer (2 blocks)",
            Trainer(transformer_project(), device=args.device),
            TinyTransformer(10, 8, 32, 2),
            ce,
            epoch_batches,
            100,
        ),
        Case("char-gpt", preset("char-gpt"), TinyTransformer(58, 64, 64, 2, 0.2, True), ce, text_windows, 30),
    ]
    cases = [c for c in cases if not args.networks or c.name.split()[0] in args.networks]
    print(f"{'steps/s':<22} {'ours':>9} {'user':>9} {'best':>9}   vs user vs best")
    ratios = [compare(case, args.rounds) for case in cases]
    worst_user, worst_best = min(r[0] for r in ratios), min(r[1] for r in ratios)
    for what, worst, target in (
        ("the user's loop", worst_user, USER_TARGET),
        ("the best loop", worst_best, BEST_TARGET),
    ):
        verdict = "met" if worst >= target else "MISSED"
        print(f"lowest ratio against {what}: {worst:.3f} (target >= {target}): {verdict}")
    probe_cost(args.device)
    if args.compile:
        print("torch.compile (the compile setting), against the same trainer without it:")
        for case in cases:
            compile_payoff(case, args.rounds)


if __name__ == "__main__":
    main()
