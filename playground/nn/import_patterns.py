"""The patterns of torch code whose operations come in as other blocks than one each: a recurrent layer's
final states (``out, (h_n, c_n) = self.lstm(x)``, then ``h_n[-1]``: its state port), ``split`` and
``chunk`` (a Slice per piece), and learned positions (``x + self.wpe(torch.arange(t))``: a learned
Positional Encoding). What such a pattern leaves half-way (``c_n``, the pieces as a whole, the position
ids alone) is reported. Mixed into the importer's Blocks."""

from __future__ import annotations

import operator
from typing import Any

import torch
from torch import fx, nn

from playground.core.graph import Link
from playground.nn.import_fx import argument, tensor_shape, tensors_in
from playground.nn.import_state import Building

SPLITS = (torch.split, torch.chunk, "split", "chunk")
ADDS = (operator.add, torch.add, "add")
HALF_WAY = (
    "of its final states only the top layer's has a block (its state port: h_n[-1], or "
    "cat((h_n[-2], h_n[-1]), 1) when bidirectional)"
)


class Patterns(Building):
    """Needs the Blocks' traced module, graph, ports, failed, ``refuse``, ``_block``, ``_locate``, ``_wire``
    and ``_target``."""

    def _patterns(self) -> None:
        self.layers: dict[fx.Node, str] = {}  # the call of a torch RNN, LSTM or GRU -> its block
        self.states: dict[fx.Node, tuple[str, Any]] = {}  # its final states, on the way to the state port
        self.pieces: dict[fx.Node, tuple[fx.Node, int, list[tuple[int, int]]]] = {}  # a split: source, dim, pieces
        self.positions: dict[fx.Node, int] = {}  # torch.arange(t): position ids, t of them
        self.tables: dict[fx.Node, str] = {}  # an Embedding of position ids: its layer
        self.moved: dict[fx.Node, tuple[fx.Node, list[int]]] = {}  # a permute that moves the batch: source, dims
        self.half_way: dict[fx.Node, str] = {}  # what each of those is, for a use that has no block
        self.named: dict[fx.Node, dict[str, Any]] = {}  # a named tuple made of outputs: field -> value

    def _pattern(self, node: fx.Node) -> bool:
        """Whether ``node`` is part of a pattern (and taken care of: a block, a port, or a problem)."""
        if self._state_pick(node) or self._split(node) or self._piece(node) or self._position_ids(node):
            return True
        if self._batched_position_ids(node) or self._named_outputs(node):
            return True
        if self._table(node) or self._learned_positions(node):
            return True
        if self._batch_moved(node) or self._moved_piece(node):
            return True
        return self._half_way_read(node)

    def _state_pick(self, node: fx.Node) -> bool:
        """``out, (h_n, c_n) = self.lstm(x)`` and then ``h_n[-1]``, or ``cat((h_n[-2], h_n[-1]), 1)`` when
        bidirectional: the top layer's final state, the block's state port. Whether ``node`` is a step
        on that way (``out`` is the block's output port)."""
        args: tuple[Any, ...] = node.args  # fx arguments: values of any type, checked where read
        if node.target is torch.cat and args and isinstance(args[0], (list, tuple)):
            halves = [self.states.get(value) for value in args[0]]
            dim = argument(node, 1, "dim", 0)
            first = halves[0] if halves else None
            if first is not None and dim in (1, -1) and halves == [(first[0], ("half", -2)), (first[0], ("half", -1))]:
                self.ports[node] = (first[0], 1)
                return True
            return False
        if node.target is not operator.getitem or not isinstance(args[1], int):
            return False
        source, index = args
        if source in self.layers:
            block_id = self.layers[source]
            if index == 0:
                self.ports[node] = (block_id, 0)
            elif self.graph.blocks[block_id].type == "multihead_attention":
                self.half_way[node] = f"reads the attention weights of '{block_id}': only its output has a block"
            else:
                what = "both" if self.graph.blocks[block_id].type == "lstm" else "h_n"
                self._state(node, block_id, what)
            return True
        block_id, what = self.states.get(source, ("", None))
        if what == "both":
            self._state(node, block_id, "h_n" if index == 0 else "c_n")
            return True
        if what == "h_n":
            params = self.graph.blocks[block_id].params
            directions = 2 if params["bidirectional"] else 1
            top = index + params["num_layers"] * directions if index >= 0 else index
            if directions == 1 and top == -1:
                self.ports[node] = (block_id, 1)
                return True
            if directions == 2 and top in (-2, -1):
                self._state(node, block_id, ("half", top))
                return True
        return False

    def _state(self, node: fx.Node, block_id: str, what: Any) -> None:
        self.states[node] = (block_id, what)
        read = {"both": "(h_n, c_n)", "h_n": "h_n", "c_n": "c_n"}.get(what, "one direction of h_n")
        self.half_way[node] = f"reads {read} of '{block_id}': {HALF_WAY}"

    def state_only(self) -> None:
        """A recurrent block whose module reads only its final state gives that state on its output
        port (``output: last``), as one would draw it."""
        for block_id in self.layers.values():
            links = [link for link in self.graph.links if link.src == block_id]
            if links and all(link.src_port == 1 for link in links):
                self.graph.blocks[block_id].params["output"] = "last"
                for link in links:
                    self.graph.disconnect(link)
                    self.graph.connect(Link(block_id, 0, link.dst, link.dst_port))

    def _split(self, node: fx.Node) -> bool:
        """``q, k, v = x.split(d, dim=2)``, ``x.chunk(3, -1)``: the pieces, each a Slice when it is taken."""
        args: tuple[Any, ...] = node.args  # fx arguments: values of any type, checked where read
        if node.target not in SPLITS or not args or args[0] not in self.ports:
            if node.target in SPLITS and args and args[0] in self.failed:
                self.failed.add(node)  # what is split has no block: said there
                return True
            return False
        source = args[0]
        dim = argument(node, 2, "dim", 0)
        dim %= len(tensor_shape(source))
        if dim == 0:
            self.refuse(node, ": a split of the batch has no block")
            return True
        starts, pieces = 0, []
        for meta in node.meta["tensor_meta"]:
            pieces.append((starts, meta.shape[dim]))
            starts += meta.shape[dim]
        self.pieces[node] = (source, dim, pieces)
        self.half_way[node] = "reads the pieces of a split together: only each piece on its own has a block (a Slice)"
        return True

    def _piece(self, node: fx.Node) -> bool:
        args: tuple[Any, ...] = node.args  # fx arguments: values of any type, checked where read
        if node.target is not operator.getitem or args[0] not in self.pieces:
            return False
        source, dim, pieces = self.pieces[args[0]]
        start, length = pieces[args[1]]
        block_id = self._block(node, "slice", {"dim": dim, "start": start, "length": length})
        self._locate(node, block_id)
        self._wire([source], block_id)
        return True

    def _position_ids(self, node: fx.Node) -> bool:
        """``torch.arange(t)`` or ``torch.arange(0, t)``: the position ids a learned table is read with."""
        args: tuple[Any, ...] = node.args  # fx arguments: values of any type, checked where read
        if node.target is not torch.arange:
            return False
        start = args[0] if len(args) > 1 else node.kwargs.get("start", 0)
        step = argument(node, 2, "step", 1)
        if start != 0 or step != 1:
            return False  # reported as an operation without a block
        self.positions[node] = tensor_shape(node)[0]
        self.half_way[node] = (
            "reads position ids: they have a block only as x + embedding(arange(steps)), a learned Positional Encoding"
        )
        return True

    def _named_outputs(self, node: fx.Node) -> bool:
        """``GoogLeNetOutputs(logits, aux2, aux1)``: a named tuple returned as the result, its fields naming
        the Output blocks (as a dict's keys do)."""
        kind = node.target
        if node.op != "call_function" or not (isinstance(kind, type) and issubclass(kind, tuple)):
            return False
        fields = getattr(kind, "_fields", None)
        if fields is None or any(user.op != "output" for user in node.users):
            return False
        if any(name not in node.kwargs for name in fields[len(node.args) :]):
            return False  # a field left to its default: no tensor of the network's to name (refused as before)
        values = list(node.args) + [node.kwargs[name] for name in fields[len(node.args) :]]
        self.named[node] = dict(zip(fields, values, strict=True))
        return True

    def _batched_position_ids(self, node: fx.Node) -> bool:
        """minGPT's ``torch.arange(0, t).unsqueeze(0)``: the same position ids as a batch of one, (1, t)."""
        args: tuple[Any, ...] = node.args  # fx arguments: values of any type, checked where read
        if node.target not in ("unsqueeze", torch.unsqueeze) or not args:
            return False
        ids = args[0]
        dim = argument(node, 1, "dim")
        if ids not in self.positions or ids in self.tables or dim not in (0, -2):
            return False
        self.positions[node] = self.positions[ids]
        self.half_way[node] = self.half_way[ids]
        return True

    def _table(self, node: fx.Node) -> bool:
        args: tuple[Any, ...] = node.args  # fx arguments: values of any type, checked where read
        if node.op != "call_module" or not args or args[0] not in self.positions:
            return False
        if not isinstance(self._target(node), nn.Embedding):
            return False
        self.tables[node] = str(node.target)
        self.positions[node] = self.positions[args[0]]
        self.half_way[node] = (
            "reads a table of positions: it has a block only added to the steps, x + embedding(arange(steps))"
        )
        return True

    def _learned_positions(self, node: fx.Node) -> bool:
        """``tok_emb + self.wpe(pos)``: the steps plus a learned vector for each position, as a learned
        Positional Encoding with the Embedding's name and weights."""
        args: tuple[Any, ...] = node.args  # fx arguments: values of any type, checked where read
        if node.target not in ADDS or len(args) != 2:
            return False
        tables = [value for value in args if value in self.tables]
        steps = [value for value in args if value in self.ports]
        if len(tables) != 1 or len(steps) != 1:
            return False
        (table,), (x,) = tables, steps
        embedding = self.traced.get_submodule(self.tables[table])
        shape = tensor_shape(x)
        if len(shape) != 3 or shape[1] != self.positions[table] or shape[2] != embedding.embedding_dim:
            return False
        layer = self.tables[table]
        params = {"kind": "learned", "dim": embedding.embedding_dim, "max_len": embedding.num_embeddings}
        block_id = self._block(node, "positional_encoding", params, layer.split(".")[-1])
        self._locate(node, block_id, layer)
        self._wire([x], block_id)
        return True

    def _batch_moved(self, node: fx.Node) -> bool:
        """``qkv.reshape(B, N, 3, heads, d).permute(2, 0, 3, 1, 4)`` (timm's ViT attention), to be taken
        apart along its new first dimension (``q, k, v = qkv.unbind(0)``, ``qkv[0]``): the batch second."""
        args: tuple[Any, ...] = node.args  # fx arguments: values of any type, checked where read
        if node.target not in ("permute", torch.permute) or not args or args[0] not in self.ports:
            return False
        given: Any = args[1:] if len(args) > 2 else args[1] if len(args) > 1 else node.kwargs["dims"]
        dims = [d % len(tensor_shape(node)) for d in (given if isinstance(given, (list, tuple)) else [given])]
        if dims[0] == 0 or len(dims) < 3 or dims[1] != 0:
            return False
        self.moved[node] = (args[0], dims)
        self.half_way[node] = (
            "reads a permute that moves the batch: only its pieces along its first dimension, each taken on "
            "its own (q, k, v = qkv.unbind(0)), have blocks (a Select and a Permute)"
        )
        return True

    def _moved_piece(self, node: fx.Node) -> bool:
        """``unbind(0)`` of a batch-moving permute, and each piece of it: a Select of the permute's source
        along the dimension it moved first, and a Permute of the rest, the batch first again."""
        args: tuple[Any, ...] = node.args  # fx arguments: values of any type, checked where read
        if node.target in ("unbind", torch.unbind) and args[0] in self.moved:
            if (argument(node, 1, "dim", 0)) != 0:
                return False
            self.moved[node] = self.moved[args[0]]
            self.half_way[node] = self.half_way[args[0]]
            return True
        if node.target is not operator.getitem or args[0] not in self.moved or not isinstance(args[1], int):
            return False
        source, dims = self.moved[args[0]]
        picked = dims[0]
        select = self._block(node, "select", {"dim": picked, "index": args[1]})
        self._locate(node, select)
        self._wire([source], select)
        rest = [d - (d > picked) for d in dims[1:]]
        if rest != sorted(rest):
            permute = self._block(node, "permute", {"dims": rest})
            self._locate(node, permute)
            self.graph.connect(Link(select, 0, permute, 0))
        return True

    def _half_way_read(self, node: fx.Node) -> bool:
        """A use of something a pattern left half-way, which has no block: reported."""
        read = next((value for value in tensors_in((node.args, node.kwargs)) if value in self.half_way), None)
        if read is None:
            return False
        self.refuse(node, f" {self.half_way[read]}", "the output" if node.op == "output" else "")
        return True
