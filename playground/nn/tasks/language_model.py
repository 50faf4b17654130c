"""Next-token language modelling on a character stream, with sampling."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from playground.core.project_types import TrainingConfig
from playground.core.registry import format_shape
from playground.nn.compile import CompiledModel, evaluating
from playground.nn.data.base import Data
from playground.nn.tasks.base import StepContext, StepResult, Task, TaskError, batched

EVAL_WINDOWS = 256


class LanguageModelTask(Task):
    """Predict every next character of random windows of the text; report bits per character."""

    id = "language_model"
    kinds = ("text",)
    writes_text = True

    def __init__(self, compiled: CompiledModel, data: Data, config: TrainingConfig, device: torch.device) -> None:
        super().__init__(compiled, data, config, device)
        if len(compiled.inputs) != 1 or compiled.inputs[0].dtype != "long" or len(compiled.inputs[0].shape) != 2:
            raise TaskError("a language model takes one Input of integer tokens with shape [context length]")
        self.context = int(compiled.inputs[0].shape[1])
        self.vocab = data.vocab or []
        self.scorer = self.classifier()
        self.trainable = self.scorer  # what training steps run through (wrapped to train in several processes)
        out = tuple(self.output_shape()[1:])
        if out != (self.context, len(self.vocab)):
            raise TaskError(
                f"Output '{self.single_output()}' receives {format_shape(('N', *out))} but predicting the next "
                f"character needs {format_shape(('N', self.context, len(self.vocab)))}: one score per character "
                f"of the {len(self.vocab)}-character vocabulary at every step"
            )
        tokens = data.train["tokens"]
        self.check_tokens(compiled.inputs[0].block, [tokens, data.val["tokens"]])
        if len(tokens) <= self.context + 1:
            raise TaskError(
                f"the training text ({len(tokens)} characters) is shorter than the context ({self.context})"
            )
        self.generator = torch.Generator(device=device).manual_seed(config.seed)
        self.offsets = torch.arange(self.context + 1, device=device)  # (T + 1,)
        self.eval_windows = {"train": self.fixed_windows(tokens), "val": self.fixed_windows(data.val["tokens"])}

    def fixed_windows(self, tokens: torch.Tensor) -> torch.Tensor | None:
        """Evenly spaced windows, the same at every evaluation (so evaluating never disturbs training)."""
        if len(tokens) <= self.context + 1:
            return None
        starts = torch.arange(0, len(tokens) - self.context - 1, self.context, device=self.device)[:EVAL_WINDOWS]
        return tokens[starts[:, None] + self.offsets]  # (windows, T + 1)

    @property
    def examples(self) -> int:
        return len(self.data.train["tokens"]) // self.context

    def windows(self, batch_size: int) -> torch.Tensor:
        tokens = self.data.train["tokens"]
        starts = torch.randint(
            0, len(tokens) - self.context - 1, (batch_size,), generator=self.generator, device=self.device
        )
        return tokens[starts[:, None] + self.offsets]  # (B, T + 1)

    def loss(self, windows: torch.Tensor, model: torch.nn.Module | None = None) -> torch.Tensor:
        logits = (self.scorer if model is None else model)(windows[:, :-1])  # (B, T, V)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].reshape(-1))

    def train_through(self, wrap: Callable[[torch.nn.Module], torch.nn.Module]) -> bool:
        self.trainable = wrap(self.trainable)
        return True

    def train_step(self, ctx: StepContext, batch_size: int) -> StepResult:
        windows = ctx.share(self.windows(batch_size))
        return StepResult(ctx.update("model", self.loss(windows, self.trainable)), batch_size)

    def evaluate(self) -> dict[str, float]:
        with evaluating(self.model):
            results = {}
            for prefix, windows in self.eval_windows.items():
                if windows is None:
                    continue
                total = sum(self.loss(chunk).item() * len(chunk) for (chunk,) in batched([windows], 64))
                loss = total / len(windows)
                results[f"{prefix}_loss"] = loss
                results[f"{prefix}_bpc"] = loss / math.log(2)
            return results

    def sample(self, prompt: str, n: int, temperature: float = 1.0, seed: int | None = None) -> str:
        """Continue ``prompt`` by ``n`` characters; unknown characters in the prompt are skipped."""
        index = {c: i for i, c in enumerate(self.vocab)}
        pad = index.get("\n", 0)
        ids = [index[c] for c in prompt if c in index]
        generator = torch.Generator(device=self.device)
        generator.manual_seed(seed if seed is not None else int(torch.randint(0, 1 << 30, (1,)).item()))
        with evaluating(self.model):
            out = []
            for _ in range(n):
                context = ([pad] * self.context + ids)[-self.context :]
                logits = self.scorer(torch.tensor([context], device=self.device))[0, -1]  # (V,)
                if temperature <= 0:
                    choice = int(logits.argmax())
                else:
                    probs = torch.softmax(logits / temperature, dim=-1)
                    choice = int(torch.multinomial(probs, 1, generator=generator))
                ids.append(choice)
                out.append(self.vocab[choice])
            return "".join(out)

    def probe_inputs(self, count: int) -> tuple[torch.Tensor, ...]:
        windows = next(w for w in (self.eval_windows["val"], self.eval_windows["train"]) if w is not None)
        return (windows[:count, :-1],)

    def state(self) -> dict[str, torch.Tensor]:
        return {"sampler.generator": self.generator.get_state()}

    def load_state(self, state: dict[str, torch.Tensor]) -> None:
        self.generator.set_state(state["sampler.generator"])
