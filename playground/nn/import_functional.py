"""Layers written as function calls on a submodule's own weights: ``F.layer_norm(x, self.weight.shape,
self.weight, self.bias, 1e-5)`` in nanoGPT's LayerNorm, ``F.linear(x, self.weight, self.bias)``,
``F.conv2d(x, self.weight, ...)``. Such a call computes what the torch.nn layer of that name computes
with those weights, so it comes in as that layer's block, named after the submodule and carrying its
weights under their names (``ln_1.weight``). Mixed into the importer's Blocks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import fx, nn

from playground.nn.blocks.base import INVERSES, Call, NoBlock


def _linear(call: Call, w: torch.Tensor | None, b: torch.Tensor | None) -> nn.Module:
    return nn.Linear(w.shape[1], w.shape[0], bias=b is not None)


def _conv(dims: int) -> Callable[[Call, Any, Any], nn.Module]:
    def make(call: Call, w: torch.Tensor | None, b: torch.Tensor | None) -> nn.Module:
        stride, padding, dilation, groups = (call.arg(i, n, d) for i, n, d in CONV_ARGS)
        cls = nn.Conv1d if dims == 1 else nn.Conv2d
        shape = (w.shape[1] * groups, w.shape[0], tuple(w.shape[2:]))
        return cls(*shape, stride=stride, padding=padding, dilation=dilation, groups=groups, bias=b is not None)

    return make


def _layer_norm(call: Call, w: torch.Tensor | None, b: torch.Tensor | None) -> nn.Module:
    if w is None and b is not None:
        raise NoBlock("a LayerNorm with a shift but no scale has no block")
    shape = call.arg(1, "normalized_shape")
    return nn.LayerNorm(shape, eps=call.arg(4, "eps", 1e-5), elementwise_affine=w is not None, bias=b is not None)


CONV_ARGS = ((3, "stride", 1), (4, "padding", 0), (5, "dilation", 1), (6, "groups", 1))
# a function -> (its weight's and bias's argument positions and names, the torch.nn layer it computes)
LAYERS = {
    F.linear: ((1, "weight"), (2, "bias"), _linear),
    F.conv1d: ((1, "weight"), (2, "bias"), _conv(1)),
    F.conv2d: ((1, "weight"), (2, "bias"), _conv(2)),
    F.layer_norm: ((2, "weight"), (3, "bias"), _layer_norm),
}


class FunctionalLayers:
    """Needs the Blocks' traced module, graph, modules, failed, ``refuse``, ``_block``, ``_locate`` and
    ``_wire``."""

    def weight_read(self, node: fx.Node) -> bool:
        """A ``get_attr`` that only such calls read as their weight or bias (and sizes, ``self.weight.shape``
        as the normalised shape): taken by their block."""
        layers = [user for user in node.users if "tensor_meta" in user.meta]
        return bool(layers) and all(
            user.op == "call_function" and user.target in LAYERS and user.args[0] is not node for user in layers
        )

    def functional_layer(self, node: fx.Node, call: Call, inputs: list[fx.Node]) -> bool:
        """``node`` as the block of the torch.nn layer it computes with its submodule's weights; whether it
        was (a block, or a problem said)."""
        if node.op != "call_function" or node.target not in LAYERS:
            return False
        weight, bias, make = LAYERS[node.target]
        reads = [call.arg(index, name) for index, name in (weight, bias)]
        attrs = [value for value in reads if isinstance(value, fx.Node) and value.op == "get_attr"]
        if not attrs:
            return False  # weights computed in forward(): the function's own inverse, if any, says
        if any(value in self.failed for value in inputs):
            self.failed.add(node)  # what feeds it was reported already
            return True
        owners = {str(value.target).rpartition(".")[0] for value in attrs}
        owner = owners.pop() if len(owners) == 1 else None
        problem = self._owner_problem(owner, reads, attrs)
        if problem:
            self.refuse(node, f": {problem}")
            return True
        tensors = [self.traced.get_submodule(owner).get_parameter(str(v.target).rpartition(".")[2]) for v in attrs]
        found = dict(zip(attrs, tensors, strict=True))
        try:
            layer = make(call, *(found.get(value) for value in reads))
            kind, params = INVERSES[type(layer)](Call(layer, (inputs[0],), {}, call.shapes[:1], call.out))
        except NoBlock as exc:
            self.refuse(node, f": {exc}")
            return True
        block_id = self._block(node, kind, params, owner.split(".")[-1])
        self._locate(node, block_id, owner)
        self._wire(inputs[:1], block_id)
        return True

    def _owner_problem(self, owner: str | None, reads: list[Any], attrs: list[fx.Node]) -> str:
        if owner is None or len(attrs) != len([value for value in reads if value is not None]):
            return "its weights are not one submodule's own weight and bias: no block carries them"
        module = self.traced.get_submodule(owner) if owner else self.traced
        names = [str(value.target).rpartition(".")[2] for value in attrs]
        theirs = list(module.state_dict())
        if not owner or theirs != names:
            held = ", ".join(theirs) or "nothing"
            return f"its weights ({', '.join(names)}) are not all of what {owner or 'the module'} holds ({held})"
        if owner in self.modules.values():
            return f"{owner} is called twice (shared weights): a block has its own weights"
        return ""
