"""Where data enters and leaves a network."""

from __future__ import annotations

from typing import Any

from playground.core.blocks.rules import bad_param
from playground.core.registry import BATCH, BlockSpec, ParamSpec, PortSpec, Shape, register


def _input(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    dims = params["shape"]
    if any(d == 0 or (isinstance(d, int) and d < 0) for d in dims):
        raise bad_param("shape sizes must be positive")
    return [(BATCH, *dims)]


def _output(params: dict[str, Any], ins: list[Shape]) -> list[Shape]:
    return []


INPUT_DATA = ParamSpec(
    "data",
    "name",
    "x",
    "Which dataset field feeds this input (x, adjacency, user, ...); some recipes feed their own: "
    "noise (a GAN's generator), t (a diffusion model's noise level); a policy's one Input gets the observation",
)

register(
    BlockSpec(
        type="input",
        title="Input",
        category="Input / Output",
        description="Feeds one field of the dataset into the network, one batch at a time.",
        infer=_input,
        params=(
            ParamSpec(
                "shape",
                "ints",
                [2],
                "Size of one example, without the batch (N means: as many as the batch)",
                min=1,
                max=1 << 20,
                symbols=(BATCH,),
            ),
            ParamSpec("dtype", "choice", "float", "Real numbers, or integer token ids", choices=("float", "long")),
            INPUT_DATA,
        ),
        inputs=(),
        outputs=(PortSpec("out", "one batch of data", dtype="any"),),
        key_params=("shape",),
    )
)

register(
    BlockSpec(
        type="output",
        title="Output",
        category="Input / Output",
        description="Marks a result of the network: what the loss and the plots look at.",
        infer=_output,
        inputs=(PortSpec("in", "the network's result", dtype="any"),),
        outputs=(),
    )
)
