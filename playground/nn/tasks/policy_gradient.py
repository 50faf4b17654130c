"""Policy gradient (REINFORCE with a baseline, Williams 1992) on a control task simulated in the
project. The network reads the observation (one Input) and gives one score per action (its Output);
each step plays ``batch_size`` episodes with actions drawn from the softmax of the scores, then
raises the log-probability of every action in proportion to how much better than usual the return
after it was (the baseline: the mean discounted return of the batch at that time step)."""

from __future__ import annotations

from collections import deque
from typing import Any

import torch

from playground.core.project_types import TrainingConfig
from playground.core.registry import format_shape
from playground.nn.compile import CompiledModel, evaluating
from playground.nn.data.base import Data
from playground.nn.data.control import FALL, SECONDS_PER_STEP, TRACK, CartPole
from playground.nn.tasks.base import Diverged, StepContext, StepResult, Task, TaskError

EVAL_EPISODES = 16
EVAL_SEED = 97531
EPOCH_EPISODES = 256  # an "epoch" of a control task: this many episodes played
RECENT = 10  # training batches averaged for the training return
PROBE_STATES = 256


class PolicyGradientTask(Task):
    id = "policy_gradient"
    kinds = ("control",)
    knobs = ("discount",)
    picture_period = 2.0  # an episode plays at real speed, up to four seconds
    pictured = ("episode",)

    def __init__(self, compiled: CompiledModel, data: Data, config: TrainingConfig, device: torch.device) -> None:
        super().__init__(compiled, data, config, device)
        self.env: CartPole = data.info["env"]
        if len(compiled.inputs) != 1:
            raise TaskError(f"a policy reads one Input, the observation; this network has {len(compiled.inputs)}")
        observed = compiled.inputs[0]
        if tuple(observed.shape[1:]) != (self.env.observation,) or observed.dtype != "float":
            raise TaskError(
                f"Input '{observed.block}' must take the {self.env.observation} numbers the {data.id} task observes "
                f"(cart position and velocity, pole angle and angular velocity): give it shape [{self.env.observation}]"
            )
        out = tuple(self.output_shape()[1:])
        if out != (self.env.actions,):
            raise TaskError(
                f"Output '{self.single_output()}' receives {format_shape(('N', *out))} but a policy gives one score "
                f"per action, {format_shape(('N', self.env.actions))}: push left or push right"
            )
        self.generator = torch.Generator().manual_seed(config.seed)  # start states of training episodes
        self.returns: deque[float] = deque(maxlen=RECENT)
        self.recent_states: torch.Tensor | None = None  # states of the last training episodes, for probes

    @property
    def examples(self) -> int:
        return EPOCH_EPISODES

    def play(
        self, episodes: int, generator: torch.Generator, greedy: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Run ``episodes`` episodes side by side until all have ended (``generator`` draws their start
        states): the states seen (steps, episodes, 4), the actions taken (steps, episodes) and which
        episodes were still running (steps, episodes)."""
        state = self.env.start(episodes, generator, self.device)
        running = torch.ones(episodes, dtype=torch.bool, device=self.device)
        states, actions, alive = [], [], []
        with torch.no_grad():
            for _ in range(self.env.max_steps):
                scores = self.model(state)
                if not bool(torch.isfinite(scores).all()):  # torch.multinomial would raise on them
                    raise Diverged(
                        "the policy's action scores became NaN or infinite (a Log or Sqrt of a negative number, "
                        "or too high a learning rate): no action can be drawn from them"
                    )
                # Drawn from the training's own random state, so Reset replays the same episodes.
                action = scores.argmax(-1) if greedy else torch.multinomial(torch.softmax(scores, -1), 1).squeeze(-1)
                states.append(state)
                actions.append(action)
                alive.append(running)
                state, failed = self.env.step(state, action)
                running = running & ~failed
                if not running.any():
                    break
        return torch.stack(states), torch.stack(actions), torch.stack(alive)

    def train_step(self, ctx: StepContext, batch_size: int) -> StepResult:
        states, actions, alive = self.play(batch_size, self.generator)
        rewards = alive.float()  # +1 for every step an episode is still running (the failing step included)
        returns = torch.zeros_like(rewards)
        later = torch.zeros(batch_size, device=self.device)
        for t in range(len(rewards) - 1, -1, -1):
            later = rewards[t] + self.config.discount * later
            returns[t] = later
        counts = alive.sum(1, keepdim=True).clamp(min=1)
        baseline = (returns * alive).sum(1, keepdim=True) / counts  # mean return at each time step
        advantage = (returns - baseline)[alive]
        advantage = advantage / (advantage.std() + 1e-8) if len(advantage) > 1 else advantage
        seen = states[alive]  # (alive steps, 4)
        self.recent_states = seen[:PROBE_STATES]
        log_probs = torch.log_softmax(self.model(seen), -1)  # (alive steps, actions)
        chosen = log_probs.gather(1, actions[alive][:, None]).squeeze(1)
        loss = -(chosen * advantage).mean()
        episode_return = rewards.sum(0).mean().item()
        self.returns.append(episode_return)
        return StepResult(ctx.update("model", loss), batch_size, {"return": episode_return})

    def evaluate(self) -> dict[str, float]:
        with evaluating(self.model):
            generator = torch.Generator().manual_seed(EVAL_SEED)
            _, _, alive = self.play(EVAL_EPISODES, generator, greedy=True)
        results = {"val_return": alive.float().sum(0).mean().item()}
        if self.returns:
            results["train_return"] = sum(self.returns) / len(self.returns)
        return results

    def probe_inputs(self, count: int) -> tuple[torch.Tensor, ...]:
        if self.recent_states is None:  # before the first step: states of one episode
            with evaluating(self.model):
                states, _, alive = self.play(1, torch.Generator().manual_seed(EVAL_SEED), greedy=True)
            self.recent_states = states[alive][:PROBE_STATES]
        return (self.recent_states[:count],)

    def pictures(self) -> dict[str, Any]:
        with evaluating(self.model):
            generator = torch.Generator().manual_seed(EVAL_SEED + len(self.returns))
            states, _, alive = self.play(1, generator, greedy=True)
        played = states[alive[:, 0], 0].float().cpu().numpy()  # (steps, 4)
        return {
            "episode": {
                "positions": played[:, 0],
                "angles": played[:, 2],
                "track": TRACK,
                "fall": FALL,
                "seconds_per_step": SECONDS_PER_STEP,
                "total": float(len(played)),
            }
        }

    def state(self) -> dict[str, torch.Tensor]:
        return {"sampler.generator": self.generator.get_state()}

    def load_state(self, state: dict[str, torch.Tensor]) -> None:
        self.generator.set_state(state["sampler.generator"])
        self.returns.clear()
        self.recent_states = None
