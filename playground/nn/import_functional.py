"""Layers written as function calls on a submodule's own weights: ``F.layer_norm(x, self.weight.shape,
self.weight, self.bias, 1e-5)`` in nanoGPT's LayerNorm, ``F.linear(x, self.weight, self.bias)``,
``F.conv2d(x, self.weight, ...)``, timm's ``F.batch_norm(x, self.running_mean, ...)``. Such a call computes what the torch.nn layer of that name computes
with those weights, so it comes in as that layer's block, named after the submodule and carrying its
weights under their names (``ln_1.weight``). Mixed into the importer's Blocks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import fx, nn

from playground.nn.blocks.base import INVERSES, Call, NoBlock
from playground.nn.import_state import Building

Tensors = dict[str, torch.Tensor | None]


def _weight(t: Tensors) -> torch.Tensor:
    """The weight a functional layer is called with (its call names one: how it was found)."""
    weight = t["weight"]
    assert weight is not None
    return weight


def _linear(call: Call, t: Tensors) -> nn.Module:
    weight = _weight(t)
    return nn.Linear(weight.shape[1], weight.shape[0], bias=t["bias"] is not None)


def _conv(dims: int) -> Callable[[Call, Tensors], nn.Module]:
    def make(call: Call, t: Tensors) -> nn.Module:
        stride, padding, dilation, groups = (call.arg(i, n, d) for i, n, d in CONV_ARGS)
        cls, w = (nn.Conv1d if dims == 1 else nn.Conv2d), _weight(t)
        kernel: Any = tuple(w.shape[2:])
        return cls(
            w.shape[1] * groups,
            w.shape[0],
            kernel,
            stride=stride,
            padding=padding,
            dilation=dilation,
            groups=groups,
            bias=t["bias"] is not None,
        )

    return make


def _layer_norm(call: Call, t: Tensors) -> nn.Module:
    if t["weight"] is None and t["bias"] is not None:
        raise NoBlock("a LayerNorm with a shift but no scale has no block")
    shape, affine = call.arg(1, "normalized_shape"), t["weight"] is not None
    return nn.LayerNorm(shape, eps=call.arg(4, "eps", 1e-5), elementwise_affine=affine, bias=t["bias"] is not None)


def _batch_norm(call: Call, t: Tensors) -> nn.Module:
    """timm's BatchNormAct2d: ``F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
    training, momentum, eps)``, its training the module's own mode, as the block's is."""
    if t["running_mean"] is None or t["running_var"] is None or (t["weight"] is None) != (t["bias"] is None):
        raise NoBlock("a batch norm without running statistics, or with a scale but no shift, has no block")
    cls = nn.BatchNorm2d if len(call.shapes[0]) == 4 else nn.BatchNorm1d
    momentum, eps = call.arg(6, "momentum", 0.1), call.arg(7, "eps", 1e-5)
    return cls(t["running_mean"].shape[0], eps=eps, momentum=momentum, affine=t["weight"] is not None)


CONV_ARGS = ((3, "stride", 1), (4, "padding", 0), (5, "dilation", 1), (6, "groups", 1))
WEIGHTS = ((1, "weight"), (2, "bias"))
# a function -> (the positions and names of the tensors it reads, the torch.nn layer it computes)
LAYERS = {
    F.linear: (WEIGHTS, _linear),
    F.conv1d: (WEIGHTS, _conv(1)),
    F.conv2d: (WEIGHTS, _conv(2)),
    F.layer_norm: (((2, "weight"), (3, "bias")), _layer_norm),
    F.batch_norm: (((1, "running_mean"), (2, "running_var"), (3, "weight"), (4, "bias")), _batch_norm),
}


class FunctionalLayers(Building):
    """Needs the Blocks' module (``root``, as the user made it), graph, modules, failed, ``refuse``,
    ``_block``, ``_locate`` and ``_wire``."""

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
        wanted, make = LAYERS[node.target]
        reads = {name: call.arg(index, name) for index, name in wanted}
        attrs = [value for value in reads.values() if isinstance(value, fx.Node) and value.op == "get_attr"]
        if not attrs:
            return False  # weights computed in forward(): the function's own inverse, if any, says
        if any(value in self.failed for value in inputs):
            self.failed.add(node)  # what feeds it was reported already
            return True
        owners = {str(value.target).rpartition(".")[0] for value in attrs}
        owner = owners.pop() if len(owners) == 1 and "" not in owners else ""
        try:
            if not owner or any(isinstance(v, fx.Node) and v not in attrs for v in reads.values()):
                raise NoBlock("its weights are not one submodule's own tensors: no block carries them")
            if any(str(v.target).rpartition(".")[2] != name for name, v in reads.items() if v in attrs):
                raise NoBlock("its weights are not named as torch's layer names them (weight, bias)")
            held = self.root.get_submodule(owner)
            layer = make(call, {name: getattr(held, name) if v in attrs else None for name, v in reads.items()})
            theirs, ours = list(held.state_dict()), list(layer.state_dict())
            if theirs != ours:
                raise NoBlock(f"{owner} holds {', '.join(theirs) or 'nothing'}; the layer {', '.join(ours)}")
            if owner in self.modules.values():
                raise NoBlock(f"{owner} is called twice (shared weights): a block has its own weights")
            kind, params = INVERSES[type(layer)](Call(layer, (inputs[0],), {}, call.shapes[:1], call.out))
        except NoBlock as exc:
            self.refuse(node, f": {exc}")
            return True
        block_id = self._block(node, kind, params, owner.split(".")[-1])
        self._locate(node, block_id, owner)
        self._wire(inputs[:1], block_id)
        self.owners.append(owner.split("."))
        return True

    def beside_owners(self) -> None:
        """What else a layer's module calls (timm's BatchNormAct2d: its act and drop) goes beside the
        layer's block, named after both (``bn1_act``): the module is that block, not a group."""
        for owner in self.owners:
            for block_id, path in self.paths.items():
                if path[: len(owner)] == owner and self.modules.get(block_id) != ".".join(owner):
                    self.paths[block_id] = owner[:-1] + path[len(owner) + 1 :]
                    if block_id in self.names:
                        self.names[block_id] = "_".join([owner[-1], *path[len(owner) :], self.names[block_id]])
