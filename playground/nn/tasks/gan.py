"""The generative adversarial network: two sub-networks on one canvas. The generator turns random
noise (an Input reading the field ``noise``) into a fake example at its Output; the discriminator
(an Input reading the data, an Output with one logit) tells real from fake. Each step trains the
discriminator ``critic_steps`` times, then the generator once (the non-saturating loss of Goodfellow
et al., 2014), each with its own optimiser."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import fx

from playground.core.project_types import TrainingConfig
from playground.core.registry import format_shape
from playground.nn.compile import CompiledModel, evaluating
from playground.nn.data.base import Data
from playground.nn.tasks.base import ShuffledTask, StepContext, StepResult, TaskError

NOISE = "noise"  # the field an Input reads to become the generator's
EVAL_SAMPLES = 2000
PICTURE_SAMPLES = 600
DATA_POINTS = 1500
MODE_SHARE = 0.2  # a class counts as covered when it gets this share of its fair part of the samples
MODE_RADIUS = 3.0  # a sample lies on a class's mode within this many of the class's spreads
EVAL_SEED = 4321
BELIEF_RESOLUTION = 48  # the discriminator's belief is drawn on a grid this fine
BELIEF_PAD = 0.2  # ... over the data's extent and this share of it around


def ancestors(node: fx.Node) -> set[fx.Node]:
    seen: set[fx.Node] = set()
    pending = [node]
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            pending.extend(current.all_input_nodes)
    return seen


class GANTask(ShuffledTask):
    id = "gan"
    kinds = ("classification", "regression", "table")
    knobs = ("critic_steps",)
    picture_period = 0.2  # with every snapshot: cheap, and the points move fast
    pictured = ("generated",)

    def __init__(self, compiled: CompiledModel, data: Data, config: TrainingConfig, device: torch.device) -> None:
        super().__init__(compiled, data, config, device)
        noises = [i for i in compiled.inputs if i.data == NOISE]
        reals = [i for i in compiled.inputs if i.data != NOISE]
        if len(noises) != 1 or len(reals) != 1 or len(compiled.outputs) != 2:
            raise TaskError(
                "a GAN is two networks side by side: a generator from an Input reading 'noise' to an Output, and a "
                "discriminator from an Input reading the data to an Output with one logit"
            )
        (noise,), (real,) = noises, reals
        if real.data not in data.train:
            raise TaskError(
                f"Input '{real.block}' reads the field '{real.data}', but dataset '{data.id}' has "
                f"{', '.join(sorted(data.train))}: set its data parameter to one of them (or to 'noise' for the generator)"
            )
        self._check_input(real, data.train[real.data])
        self.field, self.noise_size = real.data, tuple(int(size) for size in noise.shape[1:])
        placeholder = {block: compiled.nodes[block][0] for block in (noise.block, real.block)}
        fed_by = {out: ancestors(compiled.nodes[out][0]) for out in compiled.outputs}
        generated = [o for o in compiled.outputs if placeholder[noise.block] in fed_by[o]]
        judged = [o for o in compiled.outputs if placeholder[real.block] in fed_by[o]]
        if len(generated) != 1 or len(judged) != 1 or generated == judged:
            raise TaskError(
                "the generator (from the 'noise' Input) and the discriminator (from the data Input) must each end in "
                "their own Output, and not be wired to each other: the task feeds the generated points to the "
                "discriminator itself"
            )
        self.generated, self.judged = generated[0], judged[0]
        shape = tuple(data.train[self.field].shape[1:])
        if tuple(compiled.output_shapes[self.generated][1:]) != shape:
            raise TaskError(
                f"the generator's Output '{self.generated}' receives "
                f"{format_shape(('N', *compiled.output_shapes[self.generated][1:]))} but the data are "
                f"{format_shape(('N', *shape))}: make it produce that shape"
            )
        if tuple(compiled.output_shapes[self.judged][1:]) != (1,):
            raise TaskError(
                f"the discriminator's Output '{self.judged}' receives "
                f"{format_shape(('N', *compiled.output_shapes[self.judged][1:]))}; it must give one logit per example, "
                "(N, 1): end it in a Linear with out_features 1"
            )
        self.generator = compiled.part([noise.block], [self.generated])
        self.discriminator = compiled.part([real.block], [self.judged])
        self.shuffle(len(data.train[self.field]))
        g = torch.Generator().manual_seed(EVAL_SEED)
        self.eval_noise = torch.randn(EVAL_SAMPLES, *self.noise_size, generator=g).to(device)
        self.modes = self._modes()

    def _modes(self) -> tuple[torch.Tensor, torch.Tensor] | None:
        """Centre and spread of every class of the training data: the modes a generator should cover."""
        labels = self.data.train.get("y")
        x = self.data.train[self.field]
        if labels is None or labels.dim() != 1 or labels.is_floating_point() or x.dim() != 2:
            return None
        classes = labels.unique()
        centres = torch.stack([x[labels == c].mean(0) for c in classes])
        spreads = torch.stack(
            [(x[labels == c] - centres[i]).norm(dim=1).pow(2).mean().sqrt() for i, c in enumerate(classes)]
        )
        return centres, spreads

    def groups(self) -> dict[str, list[torch.nn.Parameter]]:
        return {"discriminator": list(self.discriminator.parameters()), "generator": list(self.generator.parameters())}

    def fake(self, count: int) -> torch.Tensor:
        noise = torch.randn(count, *self.noise_size, device=self.device)
        return self.generator(noise)[self.generated]

    def critic(self, x: torch.Tensor) -> torch.Tensor:
        return self.discriminator(x)[self.judged].squeeze(-1)  # (N,) logits: real > 0

    def discriminator_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        real_logits, fake_logits = self.critic(real), self.critic(fake)
        return F.binary_cross_entropy_with_logits(
            real_logits, torch.ones_like(real_logits)
        ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))

    def train_step(self, ctx: StepContext, batch_size: int) -> StepResult:
        seen = 0
        for _ in range(self.config.critic_steps):
            index = self.batches.next(batch_size)
            real = self.data.train[self.field][index]
            d_loss = ctx.update("discriminator", self.discriminator_loss(real, self.fake(len(index)).detach()))
            seen += len(index)
        logits = self.critic(self.fake(batch_size))
        g_loss = ctx.update("generator", F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits)))
        return StepResult(d_loss, seen, {"generator_loss": g_loss})

    def evaluate(self) -> dict[str, float]:
        results: dict[str, float] = {}
        with evaluating(self.model):
            samples = self.generator(self.eval_noise)[self.generated]
            if self.modes is not None:
                covered, on_mode = self.coverage(samples, self.modes)
                results["val_modes"] = covered
                results["val_on_modes"] = on_mode
            for prefix, split in (("train", self.data.train), ("val", self.data.val)):
                real = split[self.field][:EVAL_SAMPLES]
                if len(real):
                    results[f"{prefix}_loss"] = self.discriminator_loss(real, samples[: len(real)]).item()
        return results

    @staticmethod
    def coverage(samples: torch.Tensor, modes: tuple[torch.Tensor, torch.Tensor]) -> tuple[float, float]:
        """How many ``modes`` (centres and spreads of the data's classes) the samples cover, and the share of
        samples on a mode."""
        centres, spreads = modes
        distance = torch.cdist(samples.flatten(1), centres) / spreads  # (samples, modes), in spreads
        nearest, mode = distance.min(dim=1)
        on = nearest <= MODE_RADIUS
        counts = torch.bincount(mode[on], minlength=len(centres))
        fair = len(samples) / len(centres)
        return float((counts >= MODE_SHARE * fair).sum()), float(on.float().mean())

    def probe_inputs(self, count: int) -> tuple[torch.Tensor, ...]:
        real = self.data.val[self.field][:count]
        return tuple(self.eval_noise[: len(real)] if i.data == NOISE else real for i in self.compiled.inputs)

    def pictures(self) -> dict[str, Any]:
        data = self.data.train[self.field]
        if data.dim() != 2 or data.shape[1] != 2:
            return {}
        low, high = data.min(0).values, data.max(0).values
        pad = BELIEF_PAD * (high - low).max()
        low, high = low - pad, high + pad
        xs = torch.linspace(float(low[0]), float(high[0]), BELIEF_RESOLUTION, device=self.device)
        ys = torch.linspace(float(low[1]), float(high[1]), BELIEF_RESOLUTION, device=self.device)
        grid = torch.stack(torch.meshgrid(ys, xs, indexing="ij")[::-1], -1).reshape(-1, 2)  # rows: y rising
        with evaluating(self.model):
            samples = self.generator(self.eval_noise[:PICTURE_SAMPLES])[self.generated]
            belief = torch.sigmoid(self.critic(grid)).reshape(BELIEF_RESOLUTION, BELIEF_RESOLUTION)
        return {
            "generated": {
                "data": data[:DATA_POINTS].float().cpu().numpy(),
                "samples": samples.float().cpu().numpy(),
                "belief": belief.float().cpu().numpy(),
                "bounds": (float(low[0]), float(low[1]), float(high[0]), float(high[1])),
            }
        }
