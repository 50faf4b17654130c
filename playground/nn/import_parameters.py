"""Learned tensors used outside a layer, as torch code uses them: a ViT's class token
(``self.class_token.expand(n, -1, -1)``, then joined to the patches), its position table
(``x + self.pos_embedding``), a ConvNeXt's layer scale (``self.layer_scale * x``). Each comes in as a
Parameter block named and keyed as the tensor is (``class_token``), whose input gives it the batch and
whose output is the tensor as each example sees it. Mixed into the importer's Blocks."""

from __future__ import annotations

import math
import operator
from typing import Any

from torch import fx, nn

from playground.nn.blocks.elementwise import DIVIDED, MERGED
from playground.nn.import_fx import shape_of, tensor_shape, tensors_in
from playground.nn.import_state import Building

RESHAPES = {"reshape", "view", "unsqueeze"}  # what keeps a tensor's values in their order
EXPANDS = {"expand", "expand_as"}
MERGES = {*MERGED, *DIVIDED}  # what a merge or an Arithmetic block computes with a learned tensor
PATTERN_METHODS = {"size", "expand"}  # what a Parameter block compiles to that only this pattern reads back


class LearnedTensors(Building):
    """Needs the Blocks' traced module, ports, batch, ``refuse``, ``_block``, ``_locate`` and ``_wire``."""

    def _learned_tensors(self) -> None:
        self.absorbed: set[fx.Node] = set()  # the reshapes and expand a Parameter block does itself
        self.batched: dict[fx.Node, tuple[int, ...]] = {}  # a Parameter block's output: its shape, batch first

    def learned(self, node: fx.Node) -> bool:
        """``node`` (a get_attr) as a Parameter block; whether it became one."""
        tensor = self._parameter(str(node.target))
        if tensor is None:
            return False
        chain = [node]
        while len(chain[-1].users) == 1:
            user = next(iter(chain[-1].users))
            if user.op != "call_method" or user.target not in RESHAPES | EXPANDS or user.args[0] is not chain[-1]:
                break
            chain.append(user)
            if user.target in EXPANDS:
                break
        cut = self._cut(chain[-1])
        found = self._view([*chain, cut[0]] if cut else chain)
        if found is None:
            return False
        view, batch = found
        if cut:  # the block holds the whole tensor; a Slice after it takes the part used
            axis = len(view) + 1 - len(tensor_shape(cut[0])) + cut[1]  # the cut dimension, batch first
            sliced, view = view, (*view[: axis - 1], tensor_shape(chain[-1])[cut[1]], *view[axis:])
        if math.prod(view) != tensor.numel() or batch not in self.ports:
            return False
        name = str(node.target).split(".")[-1]
        params = {"shape": list(tensor.shape), "view": list(view), "init": "normal", "init_scale": 0.02}
        block_id = self._block(chain[-1], "parameter", params, name)
        self._locate(node, block_id, str(node.target))
        self._wire([batch], block_id)
        self.absorbed.update(chain[1:])
        self.batched[chain[-1]] = (tensor_shape(batch)[0], *view)
        if cut:
            piece = self._block(cut[0], "slice", {"dim": axis, "start": cut[2], "length": sliced[axis - 1]})
            self._locate(cut[0], piece)
            self._wire([chain[-1]], piece)
            self.absorbed.add(cut[0])
            self.batched[cut[0]] = (tensor_shape(batch)[0], *sliced)
        return True

    def _cut(self, node: fx.Node) -> tuple[fx.Node, int, int] | None:
        """``self.pos_emb[:, :t, :]``: the one use of ``node``, narrowing one dimension after the first to a
        run of positions; that use, the dimension and where the run starts."""
        if len(node.users) != 1:
            return None
        user = next(iter(node.users))
        if user.target is not operator.getitem or user.args[0] is not node:
            return None
        index = fx.node.map_arg(user.args[1], lambda n: n.meta.get("value", n))
        index = index if isinstance(index, tuple) else (index,)
        narrowed = [i for i, part in enumerate(index) if part != slice(None)]
        if len(narrowed) != 1 or narrowed[0] == 0 or not isinstance(index[narrowed[0]], slice):
            return None
        part = index[narrowed[0]]
        if part.step not in (None, 1) or not all(isinstance(v, int) or v is None for v in (part.start, part.stop)):
            return None
        return user, narrowed[0], part.start or 0

    def _parameter(self, target: str) -> nn.Parameter | None:
        try:
            return self.traced.get_parameter(target)
        except AttributeError:  # a buffer, or a constant fx made: no learned tensor
            return None

    def _view(self, chain: list[fx.Node]) -> tuple[tuple[int, ...], fx.Node] | None:
        """The tensor's shape for each example, and a tensor of the batch to wire in; None when it is used
        otherwise than expanded to the batch or merged with a batch of tensors."""
        last, shape = chain[-1], tensor_shape(chain[-1])
        if last.target in EXPANDS:
            before = tensor_shape(chain[-2])
            if shape[0] != self.batch or len(before) != len(shape) or before[0] != 1 or before[1:] != shape[1:]:
                return None
            sources = [value for value in tensors_in(last.args[1:]) if value is not chain[-2]]
            return shape[1:], self._tensor_behind(sources)
        views, partners = set(), []
        for user in last.users:
            tensors = [value for value in tensors_in((user.args, user.kwargs)) if shape_of(value) is not None]
            if user.target not in MERGES or len(tensors) != 2:
                return None
            partner = tensors[0] if tensors[1] is last else tensors[1]
            rank = len(tensor_shape(partner))
            padded = (1,) * (rank - len(shape)) + shape
            if rank < len(shape) or padded[0] != 1:
                return None
            views.add(padded[1:])
            partners.append(partner)
        return (views.pop(), partners[0]) if len(views) == 1 else None

    def _tensor_behind(self, sources: list[fx.Node]) -> Any:
        """The tensor whose size an expand reads (``x.shape[0]``), walking back from the sizes."""
        frontier = list(sources)
        while frontier:
            value = frontier.pop()
            if value in self.ports and shape_of(value) is not None:
                return value
            frontier += value.all_input_nodes
        return None
