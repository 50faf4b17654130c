"""Attention written out by hand masks its scores: ``att.masked_fill(self.bias[:, :, :T, :T] == 0,
float('-inf'))`` (nanoGPT without flash attention, minGPT), or a mask made in forward()
(``torch.tril(torch.ones(T, T)) == 0``). What computes the mask, from a buffer or from sizes alone, is
run for the traced shapes; a mask that hides each step's later steps makes the ``masked_fill`` a Causal
mask block (its fill value kept); any other mask is refused. Mixed into the importer's Blocks."""

from __future__ import annotations

import functools
from typing import Any

import torch
from torch import fx, nn

from playground.nn.import_fx import argument, shape_of, tensors_in
from playground.nn.import_state import Building

FILLS = ("masked_fill", torch.masked_fill)


def ends_as_mask(node: fx.Node) -> bool:
    """Whether every use of ``node`` leads, through operations, to the mask argument of a ``masked_fill``."""
    todo, seen, filled = [node], set(), False
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        if not current.users:
            return False
        for user in current.users:
            if user.target in FILLS:
                if len(user.args) < 2 or user.args[1] is not current or user.args[0] is current:
                    return False
                filled = True
            elif user.op not in ("call_function", "call_method"):
                return False
            else:
                todo.append(user)
    return filled


class CausalMasks(Building):
    """Needs the Blocks' traced module, ports, failed, ``refuse``, ``_block``, ``_locate`` and ``_wire``."""

    def _causal_masks(self) -> None:
        self.masks: dict[fx.Node, Any] = {}  # what makes a mask -> its value for the traced shapes

    def masking(self, node: fx.Node) -> bool:
        """Whether ``node`` makes a mask, or fills scores with one (a Causal mask block, or refused)."""
        if node.target in FILLS and len(node.args) > 1 and node.args[1] in self.masks:
            self._fill(node)
            return True
        if not self._makes_mask(node):
            return False
        value = self._value(node)
        if value is None:
            return False
        self.masks[node] = value
        return True

    def _makes_mask(self, node: fx.Node) -> bool:
        """A constant tensor (a buffer), or an operation on constants and sizes alone, whose uses end in
        the mask of a ``masked_fill``."""
        if "tensor_meta" not in node.meta:
            return False  # a size, a device: read where it is used
        if node.op == "get_attr":
            if isinstance(self._fetch(node), nn.Parameter):
                return False
        elif node.op not in ("call_function", "call_method") or any(
            value not in self.masks and "tensor_meta" in value.meta for value in tensors_in((node.args, node.kwargs))
        ):
            return False
        return ends_as_mask(node)

    def _fetch(self, node: fx.Node) -> Any:
        return functools.reduce(getattr, str(node.target).split("."), self.traced)

    def _value(self, node: fx.Node) -> Any:
        """What ``node`` computes for the traced shapes (None where it cannot be run here)."""
        args: tuple[Any, ...] = node.args  # fx arguments: values of any type, checked where read
        if node.op == "get_attr":
            return self._fetch(node)

        def known(value: fx.Node) -> Any:
            if value in self.masks:
                return self.masks[value]
            if value.op == "call_function" and value.target is getattr and value.args[1] == "device":
                return torch.device("cpu")  # the mask is made where the scores are: here, the CPU
            return value.meta.get("value", value)

        args, kwargs = fx.node.map_arg((args, node.kwargs), known)
        if any(isinstance(v, fx.Node) for v in tensors_in((args, kwargs))):
            return None
        try:
            if node.op == "call_method":
                return getattr(args[0], str(node.target))(*args[1:], **kwargs)
            function: Any = node.target
            return function(*args, **kwargs)
        except Exception:  # not something a mask is made of: refused where it is used
            return None

    def _fill(self, node: fx.Node) -> None:
        args: tuple[Any, ...] = node.args  # fx arguments: values of any type, checked where read
        scores, mask = args[0], self.masks[args[1]]
        fill = argument(node, 2, "value")
        shape = shape_of(scores)
        if scores in self.failed:
            self.failed.add(node)
            return
        if scores not in self.ports or shape is None or not isinstance(fill, (int, float)) or isinstance(fill, bool):
            self.refuse(node, ": only scores filled with a number where a mask says have a block")
            return
        steps, keys = shape[-2:]
        later = torch.ones(steps, keys, dtype=torch.bool).triu(1)
        causal = (
            isinstance(mask, torch.Tensor)
            and mask.dim() <= len(shape)
            and all(size == 1 for size in mask.shape[:-2])
            and tuple(mask.shape[-2:]) == (steps, keys)
            and torch.equal(mask.reshape(steps, keys).bool(), later)
        )
        if not causal:
            self.refuse(node, ": only a causal mask (each step's later steps hidden) has a block")
            return
        params = {"fill": None if fill == float("-inf") else float(fill)}
        block_id = self._block(node, "causal_mask", params)
        self._locate(node, block_id)
        self._wire([scores], block_id)
