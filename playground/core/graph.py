"""The network as data: blocks with stable ids, links between ordered ports, change events."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from playground.core.registry import PortSpec, get_spec, is_valid_id

GROUP, GROUP_INPUT, GROUP_OUTPUT = "group", "group_input", "group_output"


def port_names(block: Block) -> tuple[list[str], list[str]]:
    """The names of a block's input and output ports (a group's: the ids of its boundary blocks)."""
    ins, outs = block_ports(block)
    return [p.name for p in ins], [p.name for p in outs]


class GraphError(ValueError):
    """An edit that would break the graph's invariants (unknown id, occupied id, bad port)."""


@dataclass
class Block:
    """One block on the canvas. ``id`` is stable: it names the module, its weights and file keys.
    A group holds the network inside it in ``graph``: its Group Input and Group Output blocks are its ports."""

    id: str
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    x: float = 0.0
    y: float = 0.0
    graph: Graph | None = None

    def copy(self) -> Block:
        inner = self.graph.copy() if self.graph is not None else None
        return Block(self.id, self.type, _copied(self.params), self.x, self.y, inner)

    def renamed(self, new_id: str) -> Block:
        return Block(new_id, self.type, self.params, self.x, self.y, self.graph)


def _copied(value: Any) -> Any:
    """A copy of parameters as a file holds them (numbers, text, lists, objects): what deepcopy does for
    them, without its bookkeeping (a graph of thousands of blocks is copied at every training run)."""
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value


def block_ports(block: Block, params: dict[str, Any] | None = None) -> tuple[list[PortSpec], list[PortSpec]]:
    """A block's input and output ports: its type's, or for a group the boundary blocks inside it, in order."""
    if block.type == GROUP and block.graph is not None:
        inner = block.graph.blocks.values()
        return (
            [PortSpec(b.id, f"into '{b.id}' inside", "any") for b in inner if b.type == GROUP_INPUT],
            [PortSpec(b.id, f"from '{b.id}' inside", "any") for b in inner if b.type == GROUP_OUTPUT],
        )
    spec = get_spec(block.type)
    if spec is None:
        return [], []
    return spec.input_ports(block.params if params is None else params), list(spec.outputs)


@dataclass(frozen=True, order=True)
class Link:
    """A wire from output port ``src_port`` of ``src`` to input port ``dst_port`` of ``dst``."""

    src: str
    src_port: int
    dst: str
    dst_port: int


Listener = Callable[[str, dict[str, Any]], None]


class Graph:
    """Blocks and links. Every change notifies listeners with a past-tense event name:
    ``block_added``, ``block_removed``, ``link_added``, ``link_removed``,
    ``param_changed``, ``block_moved``.
    """

    def __init__(self, nested: bool = False) -> None:
        self.nested = nested  # the inside of a group, where ids may be numbers ("0", "1"), as in nn.Sequential
        self.blocks: dict[str, Block] = {}
        self.links: list[Link] = []
        self._into: dict[tuple[str, int], Link] = {}  # (block, input port) -> its wire: a lookup, not a scan
        self.ties: dict[str, str] = {}  # the top graph's tied weights (see ties.py): "lm_head.weight" -> "wte.weight"
        self._listeners: list[Listener] = []

    # --- events -------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    def _emit(self, event: str, **payload: Any) -> None:
        for listener in list(self._listeners):
            listener(event, payload)

    # --- queries ------------------------------------------------------------
    def block(self, block_id: str) -> Block:
        try:
            return self.blocks[block_id]
        except KeyError:
            raise GraphError(f"there is no block '{block_id}'") from None

    def new_id(self, type_name: str, taken: Iterable[str] = ()) -> str:
        """The first free id ``<type>_<n>`` (``linear_1``, ``linear_2``, ...)."""
        used = set(self.blocks) | set(taken)
        n = 1
        while f"{type_name}_{n}" in used:
            n += 1
        return f"{type_name}_{n}"

    def link_into(self, block_id: str, port: int) -> Link | None:
        return self._into.get((block_id, port))

    def links_of(self, block_ids: Iterable[str]) -> list[Link]:
        ids = set(block_ids)
        return [link for link in self.links if link.src in ids or link.dst in ids]

    def to_networkx(self) -> nx.MultiDiGraph:
        g = nx.MultiDiGraph()
        g.add_nodes_from(self.blocks)
        for link in self.links:
            g.add_edge(link.src, link.dst, src_port=link.src_port, dst_port=link.dst_port)
        return g

    def order(self) -> tuple[list[str], set[str]]:
        """Kahn's algorithm, the earliest-added ready block first: the blocks in an order where each comes
        after its inputs, and the blocks caught in (or after) a loop. Plain adjacency lists: it runs on
        every analysis and layout, where building a networkx graph each time cost more than the sort."""
        rank = {block_id: i for i, block_id in enumerate(self.blocks)}
        names = list(self.blocks)
        waiting = dict.fromkeys(self.blocks, 0)
        after: dict[str, list[str]] = {block_id: [] for block_id in self.blocks}
        for link in self.links:
            waiting[link.dst] += 1
            after[link.src].append(link.dst)
        ready = [rank[b] for b in self.blocks if waiting[b] == 0]
        order: list[str] = []
        while ready:
            current = names[heapq.heappop(ready)]
            order.append(current)
            for block_id in after[current]:
                waiting[block_id] -= 1
                if waiting[block_id] == 0:
                    heapq.heappush(ready, rank[block_id])
        return order, set(self.blocks) - set(order)

    def find_cycle(self) -> list[str]:
        """Block ids on one cycle, along its wires, or an empty list if the graph is acyclic. Every block
        left over by ``order`` has an input from another one left over: following those back must come
        round to a block already passed."""
        _, looped = self.order()
        if not looped:
            return []
        before: dict[str, str] = {}
        for link in self.links:
            if link.src in looped and link.dst in looped:
                before.setdefault(link.dst, link.src)
        block_id = next(b for b in self.blocks if b in looped)
        passed: dict[str, int] = {}
        while block_id not in passed:
            passed[block_id] = len(passed)
            block_id = before[block_id]
        return list(reversed(list(passed)[passed[block_id] :]))

    def topological_order(self) -> list[str]:
        """Blocks in an order where every block comes after its inputs; ties keep insertion order."""
        order, looped = self.order()
        if looped:
            raise GraphError(f"the blocks {', '.join(sorted(looped))} are in a loop: they have no order")
        return order

    def would_cycle(self, link: Link) -> bool:
        """Whether ``link`` would close a loop: its source is reached from its destination."""
        after: dict[str, list[str]] = {}
        for existing in self.links:
            after.setdefault(existing.src, []).append(existing.dst)
        seen, todo = {link.dst}, [link.dst]
        while todo:
            current = todo.pop()
            if current == link.src:
                return True
            for block_id in after.get(current, ()):
                if block_id not in seen:
                    seen.add(block_id)
                    todo.append(block_id)
        return False

    # --- edits --------------------------------------------------------------
    def add_block(self, block: Block) -> None:
        if not is_valid_id(block.id, self.nested):
            raise GraphError(
                f"'{block.id}' is not a valid block id: use lower-case letters, digits and _, starting with a letter,"
                " and not a name PyTorch modules use themselves (like 'code' or 'forward')"
            )
        if block.id in self.blocks:
            raise GraphError(f"there is already a block '{block.id}'")
        self.blocks[block.id] = block
        self._emit("block_added", block=block)

    def remove_block(self, block_id: str) -> Block:
        block = self.block(block_id)
        if self.links_of([block_id]):
            raise GraphError(f"block '{block_id}' still has wires: remove them first")
        del self.blocks[block_id]
        self._emit("block_removed", block=block)
        return block

    def connect(self, link: Link) -> None:
        for end, port, kind in ((link.src, link.src_port, "outputs"), (link.dst, link.dst_port, "inputs")):
            block = self.block(end)
            if get_spec(block.type) is not None:
                ins, outs = block_ports(block)
                count = len(outs) if kind == "outputs" else len(ins)
                if not 0 <= port < count:
                    raise GraphError(f"block '{end}' has no port {port} among its {count} {kind}")
        if self.link_into(link.dst, link.dst_port) is not None:
            raise GraphError(f"input {link.dst_port} of block '{link.dst}' already has a wire")
        self.links.append(link)
        self._into[(link.dst, link.dst_port)] = link
        self._emit("link_added", link=link)

    def disconnect(self, link: Link) -> None:
        try:
            self.links.remove(link)
            del self._into[(link.dst, link.dst_port)]
        except ValueError:
            raise GraphError(f"there is no wire {link.src} -> {link.dst}") from None
        self._emit("link_removed", link=link)

    def set_param(self, block_id: str, name: str, value: Any) -> None:
        block = self.block(block_id)
        block.params[name] = value
        self._emit("param_changed", block=block, name=name, value=value)

    def clear_param(self, block_id: str, name: str) -> None:
        """Forget a parameter so the block falls back to its default."""
        block = self.block(block_id)
        del block.params[name]
        self._emit("param_changed", block=block, name=name, value=None)

    def move(self, block_id: str, x: float, y: float) -> None:
        block = self.block(block_id)
        block.x, block.y = float(x), float(y)
        self._emit("block_moved", block=block)

    # --- comparison ---------------------------------------------------------
    def copy(self) -> Graph:
        other = Graph(self.nested)
        other.blocks = {k: b.copy() for k, b in self.blocks.items()}
        other.links = list(self.links)
        other._into = dict(self._into)
        other.ties = dict(self.ties)
        return other

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Graph):
            return NotImplemented
        return self.blocks == other.blocks and sorted(self.links) == sorted(other.links) and self.ties == other.ties

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Graph({len(self.blocks)} blocks, {len(self.links)} links)"


def walk(graph: Graph, prefix: str = "") -> list[tuple[str, Graph]]:
    """The graph and every group's inside, each with the path prefix of its blocks ("", "layer1.", ...)."""
    found = [(prefix, graph)]
    for block in graph.blocks.values():
        if block.graph is not None:
            found += walk(block.graph, f"{prefix}{block.id}.")
    return found
