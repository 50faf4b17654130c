"""Score-based diffusion (DDPM, Ho et al. 2020): data are blurred into noise over ``noise_steps``
levels; the network sees a noisy point and its noise level (an Input reading ``t``, from 0 for data
to 1 for pure noise) and predicts the noise that was added: denoising score matching. Sampling runs
the chain backwards from pure noise."""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from playground.core.project_types import TrainingConfig
from playground.core.registry import format_shape
from playground.nn.compile import CompiledModel, evaluating
from playground.nn.data.base import Data
from playground.nn.tasks.base import ShuffledTask, StepContext, StepResult, TaskError

TIME = "t"  # the field an Input reads to get the noise level
EVAL_SAMPLES = 500
EVAL_LIMIT = 2048
PICTURE_SAMPLES = 500
TRAJECTORIES = 16
DATA_POINTS = 1500
EVAL_SEED = 2468


def noise_schedule(kind: str, steps: int) -> torch.Tensor:
    """The share of signal kept after each level, alpha-bar_t for t = 1..steps (falling from near 1)."""
    t = torch.arange(1, steps + 1, dtype=torch.float64)
    if kind == "linear":  # Ho et al.'s betas from 1e-4 to 0.02 over 1000 levels, stretched to ``steps``
        scale = 1000 / steps
        betas = torch.linspace(1e-4 * scale, min(0.02 * scale, 0.999), steps, dtype=torch.float64)
        return torch.cumprod(1 - betas, 0)
    offset = 0.008  # Nichol and Dhariwal's cosine schedule
    kept = torch.cos((t / steps + offset) / (1 + offset) * math.pi / 2) ** 2
    kept = kept / math.cos(offset / (1 + offset) * math.pi / 2) ** 2
    previous = torch.cat([torch.ones(1, dtype=torch.float64), kept[:-1]])
    betas = (1 - kept / previous).clamp(max=0.999)
    return torch.cumprod(1 - betas, 0)


class DiffusionTask(ShuffledTask):
    id = "diffusion"
    kinds = ("classification", "regression", "table")
    knobs = ("noise_steps", "noise_schedule")
    picture_period = 2.0  # an animation of the reverse chain plays for two seconds
    pictured = ("generated",)

    def __init__(self, compiled: CompiledModel, data: Data, config: TrainingConfig, device: torch.device) -> None:
        super().__init__(compiled, data, config, device)
        times = [i for i in compiled.inputs if i.data == TIME]
        points = [i for i in compiled.inputs if i.data != TIME]
        if len(times) != 1 or len(points) != 1:
            raise TaskError(
                "a diffusion model takes two Inputs: the noisy example (reading the data, e.g. 'x') and its noise "
                "level (reading 't', shape [1])"
            )
        (time,), (point,) = times, points
        if tuple(time.shape[1:]) != (1,) or time.dtype != "float":
            raise TaskError(f"Input '{time.block}' reads the noise level 't': give it shape [1] and dtype float")
        self.bind_inputs({**data.train, TIME: torch.zeros(1, 1)})
        self.field = point.data
        shape = tuple(data.train[self.field].shape[1:])
        out = self.single_output()
        if tuple(self.output_shape()[1:]) != shape:
            raise TaskError(
                f"Output '{out}' receives {format_shape(('N', *self.output_shape()[1:]))} but the network predicts the "
                f"noise added to an example, {format_shape(('N', *shape))}: make it produce that shape"
            )
        self.time_first = compiled.inputs[0].data == TIME
        # Examples are scaled to a spread of 1, the noise's own, so no level drowns them early or late.
        self.spread = data.train[self.field].std().item() or 1.0
        self.reach = 1.5 * data.train[self.field].abs().max().item() / self.spread  # scaled examples lie within
        self.shuffle(len(data.train[self.field]))
        self.schedule_key: tuple[str, int] | None = None

    def kept(self) -> torch.Tensor:
        """alpha-bar for the current knobs, (steps,) on the device; worked out again when a knob turns."""
        key = (self.config.noise_schedule, self.config.noise_steps)
        if key != self.schedule_key:
            self.schedule_key = key
            self._kept = noise_schedule(*key).float().to(self.device)
        return self._kept

    def predict(self, noisy: torch.Tensor, level: torch.Tensor) -> torch.Tensor:
        """The network's guess of the noise in ``noisy`` at levels ``level`` (0..1), (N, 1)."""
        return self.model(level, noisy) if self.time_first else self.model(noisy, level)

    def loss(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        x = x / self.spread
        kept = self.kept()
        steps = len(kept)
        t = torch.randint(0, steps, (len(x),), device=self.device, generator=generator)
        noise = torch.randn(x.shape, device=self.device, generator=generator)
        share = kept[t].view(-1, *([1] * (x.dim() - 1)))
        noisy = share.sqrt() * x + (1 - share).sqrt() * noise
        return F.mse_loss(self.predict(noisy, ((t + 1).float() / steps)[:, None]), noise)

    def train_step(self, ctx: StepContext, batch_size: int) -> StepResult:
        index = self.batches.next(batch_size)
        return StepResult(ctx.update("model", self.loss(self.data.train[self.field][index])), len(index))

    @torch.no_grad()
    def generate(
        self, count: int, generator: torch.Generator, keep: int = 0
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``count`` examples drawn by running the chain from pure noise to data, and the path of the
        first ``keep`` of them, (keep, steps + 1, ...). Each level steps to the mean of
        q(x_{t-1} | x_t, x_0) around the clean example the network's guess implies, clipped to the
        data's range (as DDPM's image samplers do), plus that distribution's noise."""
        kept = self.kept()
        steps = len(kept)
        x = torch.randn(count, *self.data.train[self.field].shape[1:], device=self.device, generator=generator)
        path = [x[:keep].clone()] if keep else []  # scaled back at the end
        for t in range(steps - 1, -1, -1):
            before = kept[t - 1] if t > 0 else torch.ones((), device=self.device)
            beta = 1 - kept[t] / before
            guess = self.predict(x, torch.full((count, 1), (t + 1) / steps, device=self.device))
            clean = ((x - (1 - kept[t]).sqrt() * guess) / kept[t].sqrt()).clamp(-self.reach, self.reach)
            x = (before.sqrt() * beta * clean + (1 - beta).sqrt() * (1 - before) * x) / (1 - kept[t])
            if t > 0:
                spread = (beta * (1 - before) / (1 - kept[t])).sqrt()
                x = x + spread * torch.randn(x.shape, device=self.device, generator=generator)
            if keep:
                path.append(x[:keep].clone())
        scale = self.spread
        return x * scale, torch.stack(path, 1) * scale if keep else None

    def evaluate(self) -> dict[str, float]:
        results: dict[str, float] = {}
        with evaluating(self.model):
            generator = torch.Generator(device=self.device).manual_seed(EVAL_SEED)
            samples, _ = self.generate(EVAL_SAMPLES, generator)
            reference = self.data.val[self.field][:EVAL_SAMPLES]
            if len(reference):
                results["val_distance"] = self.distance(samples, reference)
            for prefix, split in (("train", self.data.train), ("val", self.data.val)):
                x = split[self.field][:EVAL_LIMIT]
                if len(x):
                    results[f"{prefix}_loss"] = self.loss(x, generator).item()
        return results

    @staticmethod
    def distance(samples: torch.Tensor, data: torch.Tensor) -> float:
        """Mean distance from each sample to the nearest data point and from each data point to the
        nearest sample (a symmetric Chamfer distance): small only when the samples lie on the data
        and cover all of it."""
        pairwise = torch.cdist(samples.flatten(1), data.flatten(1))
        return 0.5 * (pairwise.min(1).values.mean() + pairwise.min(0).values.mean()).item()

    def probe_inputs(self, count: int) -> tuple[torch.Tensor, ...]:
        x = self.data.val[self.field][:count]
        level = torch.full((len(x), 1), 0.5, device=self.device)
        return (level, x) if self.time_first else (x, level)

    def pictures(self) -> dict[str, Any]:
        data = self.data.train[self.field]
        if data.dim() != 2 or data.shape[1] != 2:
            return {}
        with evaluating(self.model):
            generator = torch.Generator(device=self.device).manual_seed(EVAL_SEED + 1)
            samples, paths = self.generate(PICTURE_SAMPLES, generator, TRAJECTORIES)
        assert paths is not None  # TRAJECTORIES of them were asked for
        return {
            "generated": {
                "data": data[:DATA_POINTS].float().cpu().numpy(),
                "samples": samples.float().cpu().numpy(),
                "trajectories": paths.float().cpu().numpy(),
            }
        }
