"""The variational autoencoder: an encoder gives a mean and a log-variance per code number, a Sample
block draws a code around them, a decoder turns it back into the input. The loss is the negative
evidence lower bound: reconstruction (binary cross-entropy, nats per example) plus ``kl_weight``
times the KL divergence of the code distribution from the standard normal prior."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from playground.core.project_types import TrainingConfig
from playground.core.registry import format_shape
from playground.nn.blocks.modules import Reparameterize
from playground.nn.compile import CompiledModel, evaluating
from playground.nn.data.base import Data
from playground.nn.tasks.base import ShuffledTask, StepContext, StepResult, TaskError, batched

EVAL_LIMIT = 2048
LATENT_POINTS = 500
PICTURE_EXAMPLES = 8
GRID = 9  # decoded images per side of the latent-plane grid
GRID_REACH = 2.5  # the grid spans -reach..reach standard deviations of the prior
PRIOR_ROWS = 2
EVAL_SEED = 1234


class VAETask(ShuffledTask):
    id = "vae"
    pictured = ("latent", "reconstructions", "prior", "grid")
    kinds = ("classification", "regression", "table")
    knobs = ("kl_weight",)

    def __init__(self, compiled: CompiledModel, data: Data, config: TrainingConfig, device: torch.device) -> None:
        super().__init__(compiled, data, config, device)
        fields = self.bind_inputs(data.train)
        if len(fields) != 1:
            raise TaskError(f"a VAE has one Input to reproduce, but this network has {len(fields)}")
        self.field = fields[0]
        out = self.single_output()
        shape = tuple(data.train[self.field].shape[1:])
        if tuple(self.output_shape()[1:]) != shape:
            raise TaskError(
                f"Output '{out}' receives {format_shape(('N', *self.output_shape()[1:]))} but a VAE reproduces its "
                f"input, {format_shape(('N', *shape))}: make the decoder end in that shape"
            )
        module = compiled.module
        samplers = [
            n
            for n in module.graph.nodes
            if n.op == "call_module" and isinstance(module.get_submodule(n.target), Reparameterize)
        ]
        if len(samplers) != 1:
            raise TaskError(
                f"a VAE draws its code in one Sample block between encoder and decoder; this network has {len(samplers)}"
            )
        node = samplers[0]
        block_of = {nodes[0]: block for block, nodes in compiled.nodes.items() if nodes}
        self.sample_block = node.target
        if any(arg not in block_of for arg in node.args):
            raise TaskError(
                f"the Sample block '{node.target}' must take its mean and log_var from blocks with one output each"
            )
        self.mean_block, self.log_var_block = (block_of[arg] for arg in node.args)
        self.sampler_module = module.get_submodule(node.target)
        inputs = [compiled.inputs[0].block]
        self.encoder_decoder = compiled.part(inputs, [out, self.mean_block, self.log_var_block])
        self.decoder = compiled.part([self.sample_block], [out])
        self.out = out
        self.shuffle(len(data.train[self.field]))
        with evaluating(self.model):  # no random draws: the Sample block gives its mean
            probe = self.model(data.train[self.field][:64])
        if probe.min() < 0 or probe.max() > 1:
            raise TaskError(
                f"Output '{out}' must give a probability per value, between 0 and 1 (the VAE's reconstruction is "
                "scored by binary cross-entropy): end the decoder in a Sigmoid"
            )
        self.code_size = int(compiled.analysis.shapes[self.mean_block][0][-1])
        g = torch.Generator().manual_seed(EVAL_SEED)
        self.prior_codes = torch.randn(PRIOR_ROWS * PICTURE_EXAMPLES, self.code_size, generator=g).to(device)

    def terms(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Per example: reconstruction loss (nats), KL divergence from the prior (nats), and the output."""
        found = self.encoder_decoder(x)
        out, mean, log_var = found[self.out], found[self.mean_block], found[self.log_var_block]
        probability = out.clamp(1e-6, 1 - 1e-6)
        reconstruction = F.binary_cross_entropy(probability, x.clamp(0, 1), reduction="none").flatten(1).sum(1)
        kl = 0.5 * (mean.pow(2) + log_var.exp() - 1 - log_var).flatten(1).sum(1)
        return reconstruction, kl, out

    def train_step(self, ctx: StepContext, batch_size: int) -> StepResult:
        index = self.batches.next(batch_size)
        reconstruction, kl, _ = self.terms(self.data.train[self.field][index])
        loss = (reconstruction + self.config.kl_weight * kl).mean()
        return StepResult(ctx.update("model", loss), len(index))

    def evaluate(self) -> dict[str, float]:
        results = {}
        with evaluating(self.model), torch.random.fork_rng(devices=self._rng_devices()):
            torch.manual_seed(EVAL_SEED)  # the same draws every time, and the training's own untouched
            self.sampler_module.train()  # the ELBO is an average over drawn codes, not the mean code
            for prefix, split in (("train", self.data.train), ("val", self.data.val)):
                x = split[self.field][:EVAL_LIMIT]
                if len(x) == 0:
                    continue
                totals = torch.zeros(2, device=self.device)
                for (chunk,) in batched([x], 512):
                    reconstruction, kl, _ = self.terms(chunk)
                    totals += torch.stack([reconstruction.sum(), kl.sum()])
                reconstruction, kl = (totals / len(x)).tolist()
                results[f"{prefix}_elbo"] = -(reconstruction + kl)
                results[f"{prefix}_loss"] = reconstruction + self.config.kl_weight * kl
                results[f"{prefix}_kl"] = kl
        return results

    def _rng_devices(self) -> list[torch.device]:
        return [self.device] if self.device.type == "cuda" else []

    def probe_inputs(self, count: int) -> tuple[torch.Tensor, ...]:
        return (self.data.val[self.field][:count],)

    def pictures(self) -> dict[str, Any]:
        x = self.data.val[self.field]
        labels = self.data.val.get("y")
        with evaluating(self.model):
            mean = self.encoder_decoder(x[:LATENT_POINTS])[self.mean_block]
            shown = x[:PICTURE_EXAMPLES]
            rebuilt = self.model(shown)
            found: dict[str, Any] = {
                "latent": (
                    f"Mean codes in {self.mean_block}",
                    mean.flatten(1).float().cpu().numpy(),
                    labels[:LATENT_POINTS].cpu().numpy() if labels is not None and labels.dim() == 1 else None,
                )
            }
            if shown.dim() == 4 and shown.shape[1] == 1:
                found["reconstructions"] = (self._images(shown), self._images(rebuilt))
                found["prior"] = self._rows(self.decoder(self.prior_codes)[self.out], PICTURE_EXAMPLES)
                if self.code_size == 2:
                    axis = torch.linspace(-GRID_REACH, GRID_REACH, GRID, device=self.device)
                    ys, xs = torch.meshgrid(axis.flip(0), axis, indexing="ij")  # the top row is the highest code
                    codes = torch.stack([xs, ys], -1).reshape(-1, 2)
                    found["grid"] = self._rows(self.decoder(codes)[self.out], GRID)
        return found

    @staticmethod
    def _images(batch: torch.Tensor) -> np.ndarray:
        return batch[:, 0].float().cpu().numpy()  # (k, H, W)

    def _rows(self, batch: torch.Tensor, per_row: int) -> tuple[np.ndarray, ...]:
        images = self._images(batch)
        return tuple(images[i : i + per_row] for i in range(0, len(images), per_row))
