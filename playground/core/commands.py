"""Reversible edits. ``do`` then ``undo`` leaves a graph equal to the one before.

The GUI wraps each in a QUndoCommand; the commands themselves know only the Graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from playground.core.graph import Block, Graph, GraphError, Link
from playground.core.registry import get_spec, is_valid_id


class Command:
    """Base class: ``text`` labels the edit in Undo/Redo menus."""

    @property
    def text(self) -> str:
        return "Edit"

    def do(self, graph: Graph) -> None:
        raise NotImplementedError

    def undo(self, graph: Graph) -> None:
        raise NotImplementedError

    def merge(self, other: Command) -> bool:
        """Absorb a following edit into this one (e.g. typing in one field); True if merged."""
        return False


@dataclass
class AddBlock(Command):
    block: Block

    @property
    def text(self) -> str:
        return f"Add {self.block.id}"

    def do(self, graph: Graph) -> None:
        graph.add_block(self.block.copy())

    def undo(self, graph: Graph) -> None:
        graph.remove_block(self.block.id)


@dataclass
class RemoveBlocks(Command):
    """Removes blocks together with every wire touching them."""

    block_ids: list[str]
    _blocks: list[Block] = field(default_factory=list, repr=False)
    _links: list[Link] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        return f"Delete {', '.join(self.block_ids)}"

    def do(self, graph: Graph) -> None:
        if len(set(self.block_ids)) != len(self.block_ids):
            raise GraphError("a block is listed twice for removal")
        self._blocks = [graph.block(b).copy() for b in self.block_ids]
        self._links = graph.links_of(self.block_ids)
        for link in self._links:
            graph.disconnect(link)
        for block_id in self.block_ids:
            graph.remove_block(block_id)

    def undo(self, graph: Graph) -> None:
        for block in self._blocks:
            graph.add_block(block.copy())
        for link in self._links:
            graph.connect(link)


@dataclass
class Connect(Command):
    """Adds a wire; a wire already in that input is replaced (and comes back on undo)."""

    link: Link
    _replaced: Link | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        return f"Connect {self.link.src} to {self.link.dst}"

    def do(self, graph: Graph) -> None:
        if graph.would_cycle(self.link):
            raise GraphError(f"a wire from '{self.link.src}' to '{self.link.dst}' would make a loop")
        self._replaced = graph.link_into(self.link.dst, self.link.dst_port)
        if self._replaced is not None:
            graph.disconnect(self._replaced)
        try:
            graph.connect(self.link)
        except GraphError:
            if self._replaced is not None:
                graph.connect(self._replaced)
            raise

    def undo(self, graph: Graph) -> None:
        graph.disconnect(self.link)
        if self._replaced is not None:
            graph.connect(self._replaced)


@dataclass
class Disconnect(Command):
    link: Link

    @property
    def text(self) -> str:
        return f"Disconnect {self.link.src} from {self.link.dst}"

    def do(self, graph: Graph) -> None:
        graph.disconnect(self.link)

    def undo(self, graph: Graph) -> None:
        graph.connect(self.link)


@dataclass
class SetParam(Command):
    """Sets one parameter. The value is validated against the block's ParamSpec.

    Lowering a merge block's input count drops the wires into the removed ports;
    undo brings them back.
    """

    block_id: str
    name: str
    value: Any
    _old: Any = field(default=None, repr=False)
    _had: bool = field(default=False, repr=False)
    _dropped: list[Link] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        return f"Set {self.block_id}.{self.name}"

    def do(self, graph: Graph) -> None:
        block = graph.block(self.block_id)
        spec = get_spec(block.type)
        if spec is not None:
            try:
                self.value = spec.param(self.name).validate(self.value)
            except KeyError:
                raise GraphError(f"{spec.title} '{block.id}' has no parameter '{self.name}'") from None
            except ValueError as exc:
                raise GraphError(f"{spec.title} '{block.id}': {self.name} {exc}") from None
        self._had = self.name in block.params
        self._old = block.params.get(self.name)
        if spec is not None and spec.variadic == self.name:
            ports = len(spec.input_ports({**block.params, self.name: self.value}))
            self._dropped = [link for link in graph.links if link.dst == block.id and link.dst_port >= ports]
            for link in self._dropped:
                graph.disconnect(link)
        graph.set_param(self.block_id, self.name, self.value)

    def undo(self, graph: Graph) -> None:
        if self._had:
            graph.set_param(self.block_id, self.name, self._old)
        else:
            graph.clear_param(self.block_id, self.name)
        for link in self._dropped:
            graph.connect(link)

    def merge(self, other: Command) -> bool:
        if isinstance(other, SetParam) and (other.block_id, other.name) == (self.block_id, self.name):
            if other._dropped:
                return False
            self.value = other.value
            return True
        return False


@dataclass
class Move(Command):
    """Moves blocks to new positions: one command per mouse drag. Consecutive keyboard
    nudges (``nudge=True``) of the same blocks merge into one undo step."""

    positions: dict[str, tuple[float, float]]
    nudge: bool = False
    _old: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)

    text = "Move"

    def do(self, graph: Graph) -> None:
        self._old = {b: (graph.block(b).x, graph.block(b).y) for b in self.positions}
        for block_id, (x, y) in self.positions.items():
            graph.move(block_id, x, y)

    def undo(self, graph: Graph) -> None:
        for block_id, (x, y) in self._old.items():
            graph.move(block_id, x, y)

    def merge(self, other: Command) -> bool:
        if isinstance(other, Move) and self.nudge and other.nudge and set(other.positions) == set(self.positions):
            self.positions = dict(other.positions)
            return True
        return False


@dataclass
class PasteGroup(Command):
    """Inserts copies of blocks and the wires among them, with fresh ids, shifted by an offset."""

    blocks: list[Block]
    links: list[Link]
    offset: tuple[float, float] = (40.0, 40.0)
    new_ids: dict[str, str] = field(default_factory=dict, repr=False)

    text = "Paste"

    def do(self, graph: Graph) -> None:
        if len({b.id for b in self.blocks}) != len(self.blocks):
            raise GraphError("the pasted group holds a block twice")
        inputs = [(link.dst, link.dst_port) for link in self.links]
        if len(set(inputs)) != len(inputs):
            raise GraphError("the pasted group has two wires into one input")
        if not self.new_ids:
            taken: list[str] = []
            for block in self.blocks:
                new = graph.new_id(block.type, taken)
                taken.append(new)
                self.new_ids[block.id] = new
        for block in self.blocks:
            copy = block.copy()
            copy.id = self.new_ids[block.id]
            copy.x += self.offset[0]
            copy.y += self.offset[1]
            graph.add_block(copy)
        for link in self._internal_links():
            graph.connect(link)

    def undo(self, graph: Graph) -> None:
        for link in self._internal_links():
            graph.disconnect(link)
        for block in self.blocks:
            graph.remove_block(self.new_ids[block.id])

    def _internal_links(self) -> list[Link]:
        ids = self.new_ids
        return [
            Link(ids[link.src], link.src_port, ids[link.dst], link.dst_port)
            for link in self.links
            if link.src in ids and link.dst in ids
        ]


@dataclass
class RenameBlock(Command):
    """Gives a block a new id (its module, weights and file keys are named after it); its wires follow."""

    old: str
    new: str
    _links: list[Link] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        return f"Rename {self.old} to {self.new}"

    def do(self, graph: Graph) -> None:
        self._links = self._swap(graph, self.old, self.new)

    def undo(self, graph: Graph) -> None:
        self._swap(graph, self.new, self.old)

    @staticmethod
    def _swap(graph: Graph, old: str, new: str) -> list[Link]:
        if new == old:
            raise GraphError(f"the block is already called '{old}'")
        if new in graph.blocks:
            raise GraphError(f"there is already a block '{new}'")
        if not is_valid_id(new, graph.nested):
            raise GraphError(f"'{new}' is not a valid block id: use letters, digits and _, starting with a letter or _")
        block = graph.block(old)
        renamed = block.renamed(new)
        links = graph.links_of([old])
        for link in links:
            graph.disconnect(link)
        graph.remove_block(old)
        graph.add_block(renamed)
        for link in links:
            graph.connect(
                Link(
                    new if link.src == old else link.src,
                    link.src_port,
                    new if link.dst == old else link.dst,
                    link.dst_port,
                )
            )
        return links


@dataclass
class Retie(Command):
    """Replaces the top graph's tied weights (see ties.py): ties that follow a renamed block, or untied."""

    before: dict[str, str]
    after: dict[str, str]
    text: str = "Untie"

    def do(self, graph: Graph) -> None:
        graph.ties = dict(self.after)

    def undo(self, graph: Graph) -> None:
        graph.ties = dict(self.before)
