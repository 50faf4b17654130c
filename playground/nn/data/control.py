"""Control tasks simulated here, in torch, many episodes at once: the cart-pole of Barto, Sutton and
Anderson (1983), with the constants of Gym's CartPole. A control dataset holds no examples; it
describes the world a policy acts in (``Data.info["env"]``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from playground.core.registry import ParamSpec
from playground.nn.data.base import Data, DatasetSpec, register_dataset

GRAVITY = 9.8
CART_MASS = 1.0
POLE_MASS = 0.1
FORCE = 10.0
SECONDS_PER_STEP = 0.02
TRACK = 2.4  # the cart may move this far from the centre either way
FALL = 12 * math.pi / 180  # the pole counts as fallen past this angle


@dataclass(frozen=True)
class CartPole:
    """Push the cart left or right (action 0 or 1) to keep the pole upright; +1 for every step it stays."""

    max_steps: int = 200
    pole_length: float = 0.5  # half the pole's length, in metres
    observation: int = 4  # cart position, cart velocity, pole angle, pole angular velocity
    actions: int = 2

    def start(self, episodes: int, generator: torch.Generator, device: torch.device) -> torch.Tensor:
        """Start states, each number uniform in [-0.05, 0.05]: (episodes, 4)."""
        return (torch.rand(episodes, 4, generator=generator) * 0.1 - 0.05).to(device)

    def step(self, state: torch.Tensor, action: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One step of the physics (explicit Euler) for every episode: the next states and whether each
        has failed (the cart left the track or the pole fell)."""
        x, speed, angle, spin = state.unbind(1)
        force = torch.where(action == 1, FORCE, -FORCE)
        cos, sin = torch.cos(angle), torch.sin(angle)
        total = CART_MASS + POLE_MASS
        moment = POLE_MASS * self.pole_length
        push = (force + moment * spin**2 * sin) / total
        spin_rate = (GRAVITY * sin - cos * push) / (self.pole_length * (4 / 3 - POLE_MASS * cos**2 / total))
        speed_rate = push - moment * spin_rate * cos / total
        dt = SECONDS_PER_STEP
        state = torch.stack([x + dt * speed, speed + dt * speed_rate, angle + dt * spin, spin + dt * spin_rate], 1)
        failed = (state[:, 0].abs() > TRACK) | (state[:, 2].abs() > FALL)
        return state, failed


def _cartpole(params: dict[str, Any], base_dir: Path | None) -> Data:
    env = CartPole(max_steps=params["max_steps"], pole_length=params["pole_length"])
    return Data("cartpole", "control", {}, {}, info={"env": env})


register_dataset(
    DatasetSpec(
        id="cartpole",
        title="Cart-pole",
        description="Balance a pole on a cart by pushing it left or right; +1 for every step the pole stays up.",
        kind="control",
        build=_cartpole,
        params=(
            ParamSpec("max_steps", "int", 200, "Longest episode (the best possible return)", min=10, max=2000),
            ParamSpec("pole_length", "float", 0.5, "Half the pole's length in metres", min=0.1, max=5.0),
        ),
    )
)
