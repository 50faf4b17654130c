"""Group edits, each reversible like the commands in commands.py: gather blocks into a group, take a
group apart, write a repeated group out as its copies, and run any edit inside a group (whose ports then
follow its Group Input/Output blocks)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import networkx as nx

from playground.core.commands import Command, RenameBlock
from playground.core.graph import GROUP, GROUP_INPUT, GROUP_OUTPUT, Block, Graph, GraphError, Link, port_names
from playground.core.layout import COLUMN_WIDTH
from playground.core.registry import is_valid_id

PORT_GAP = 260.0
FIXED = {"input": "an Input", "output": "an Output", GROUP_INPUT: "a Group Input", GROUP_OUTPUT: "a Group Output"}


def level_of(graph: Graph, path: list[str]) -> Graph:
    """The inside of the group at ``path`` (group ids from the top)."""
    for group_id in path:
        block = graph.blocks.get(group_id)
        if block is None or block.graph is None:
            raise GraphError(f"there is no group '{group_id}' here")
        graph = block.graph
    return graph


def _names(stem: str, count: int, taken: set[str]) -> list[str]:
    wanted = [stem] if count == 1 else [f"{stem}_{i + 1}" for i in range(count)]
    found = []
    for name in wanted:
        while name in taken:
            name += "_"
        taken.add(name)
        found.append(name)
    return found


@dataclass
class GroupBlocks(Command):
    """Gathers blocks into a new group ``group_id``: one input port per tensor that flows in, one output
    port per tensor that flows out, so the network computes what it did."""

    block_ids: list[str]
    group_id: str
    _removed: list[Block] = field(default_factory=list, repr=False)
    _cut: list[Link] = field(default_factory=list, repr=False)
    _added: list[Link] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        return f"Group {len(self.block_ids)} blocks as {self.group_id}"

    def do(self, graph: Graph) -> None:
        chosen = set(self.block_ids)
        ids = [b for b in graph.blocks if b in chosen]
        if not ids or len(ids) != len(chosen):
            raise GraphError("select the blocks to group first")
        for block_id in ids:
            kind = FIXED.get(graph.blocks[block_id].type)
            if kind:
                raise GraphError(f"'{block_id}' is {kind}, which stays where it is: group the blocks after it")
        if self.group_id in graph.blocks and self.group_id not in chosen:
            raise GraphError(f"there is already a block '{self.group_id}'")
        into = [k for k in graph.links if k.dst in chosen and k.src not in chosen]
        out_of = [k for k in graph.links if k.src in chosen and k.dst not in chosen]
        sources = list(dict.fromkeys((k.src, k.src_port) for k in into))
        results = list(dict.fromkeys((k.src, k.src_port) for k in out_of))
        self._refuse_loops(graph, chosen)
        inner = Graph(nested=True)
        blocks = [graph.blocks[b] for b in ids]
        taken = set(ids)
        port_ids = _names("x", len(sources), taken)
        end_ids = _names("y", len(results), taken)
        left = min(b.x for b in blocks) - PORT_GAP
        right = max(b.x for b in blocks) + PORT_GAP
        for name, (src, port) in zip(port_ids, sources, strict=True):
            first = next(graph.blocks[k.dst] for k in into if (k.src, k.src_port) == (src, port))
            inner.add_block(Block(name, GROUP_INPUT, {}, left, first.y))
        for block in blocks:
            inner.add_block(block.copy())
        for name, (src, _) in zip(end_ids, results, strict=True):
            inner.add_block(Block(name, GROUP_OUTPUT, {}, right, graph.blocks[src].y))
        for link in graph.links:
            if link.src in chosen and link.dst in chosen:
                inner.connect(link)
        for link in into:
            inner.connect(Link(port_ids[sources.index((link.src, link.src_port))], 0, link.dst, link.dst_port))
        for name, (src, port) in zip(end_ids, results, strict=True):
            inner.connect(Link(src, port, name, 0))
        group = Block(
            self.group_id,
            GROUP,
            {},
            sum(b.x for b in blocks) / len(blocks),
            sum(b.y for b in blocks) / len(blocks),
            inner,
        )
        self._cut = graph.links_of(ids)
        self._removed = [b.copy() for b in blocks]
        for link in self._cut:
            graph.disconnect(link)
        for block_id in ids:
            graph.remove_block(block_id)
        graph.add_block(group)
        self._added = [Link(src, port, self.group_id, i) for i, (src, port) in enumerate(sources)]
        self._added += [Link(self.group_id, results.index((k.src, k.src_port)), k.dst, k.dst_port) for k in out_of]
        for link in self._added:
            graph.connect(link)

    def _refuse_loops(self, graph: Graph, chosen: set[str]) -> None:
        """A block between two chosen ones, left out, would both feed the group and be fed by it."""
        merged = nx.relabel_nodes(nx.DiGraph(graph.to_networkx()), {b: self.group_id for b in chosen})
        merged.remove_edges_from(nx.selfloop_edges(merged))
        try:
            cycle = nx.find_cycle(merged)
        except nx.NetworkXNoCycle:
            return
        between = sorted({edge[0] for edge in cycle} - {self.group_id})
        raise GraphError(f"these blocks run between the ones chosen: include {', '.join(map(repr, between))} too")

    def undo(self, graph: Graph) -> None:
        for link in self._added:
            graph.disconnect(link)
        graph.remove_block(self.group_id)
        for block in self._removed:
            graph.add_block(block.copy())
        for link in self._cut:
            graph.connect(link)


@dataclass
class Ungroup(Command):
    """Puts a group's blocks back in its place, wired as they were through its ports; a block whose
    id is taken here (or is a number, as inside a group only) gets a fresh one."""

    group_id: str
    _group: Block | None = field(default=None, repr=False)
    _cut: list[Link] = field(default_factory=list, repr=False)
    _ids: dict[str, str] = field(default_factory=dict, repr=False)
    _added: list[Link] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        return f"Ungroup {self.group_id}"

    def do(self, graph: Graph) -> None:
        group = graph.block(self.group_id)
        if group.graph is None:
            raise GraphError(f"'{self.group_id}' is not a group")
        if group.params.get("repeat", 1) != 1:
            raise GraphError(f"group '{self.group_id}' repeats: unroll it into its copies first")
        inner = group.graph
        ports, ends = port_names(group)
        feeds = {ports[k.dst_port]: (k.src, k.src_port) for k in graph.links if k.dst == self.group_id}
        uses = {name: [k for k in graph.links if k.src == self.group_id and ends[k.src_port] == name] for name in ends}
        kept = [b for b in inner.blocks.values() if b.type not in (GROUP_INPUT, GROUP_OUTPUT)]
        self._ids = {}
        for block in kept:
            free = block.id not in graph.blocks or block.id == self.group_id
            fresh = free and is_valid_id(block.id, graph.nested) and block.id not in self._ids.values()
            self._ids[block.id] = block.id if fresh else graph.new_id(block.type, self._ids.values())
        links: list[Link] = []
        for link in inner.links:
            start = feeds.get(link.src) if link.src in ports else (self._ids[link.src], link.src_port)
            if start is None:
                continue
            if link.dst in ends:
                links += [Link(*start, k.dst, k.dst_port) for k in uses[link.dst]]
            else:
                links.append(Link(*start, self._ids[link.dst], link.dst_port))
        shift_x = group.x - sum(b.x for b in kept) / len(kept) if kept else 0.0
        shift_y = group.y - sum(b.y for b in kept) / len(kept) if kept else 0.0
        self._group = group.copy()
        self._cut = graph.links_of([self.group_id])
        for link in self._cut:
            graph.disconnect(link)
        graph.remove_block(self.group_id)
        for block in kept:
            copy = block.copy().renamed(self._ids[block.id])
            copy.x, copy.y = block.x + shift_x, block.y + shift_y
            graph.add_block(copy)
        self._added = links
        for link in links:
            graph.connect(link)

    def undo(self, graph: Graph) -> None:
        _put_back(graph, self._group, self._cut, list(self._ids.values()), self._added)

    @property
    def new_ids(self) -> list[str]:
        return list(self._ids.values())


@dataclass
class Unroll(Command):
    """A group repeated N times becomes N groups in a row, each once and with its own copy of the inside
    (its weights): the same network, written out. Ungrouping a repeated group starts here."""

    group_id: str
    _group: Block | None = field(default=None, repr=False)
    _cut: list[Link] = field(default_factory=list, repr=False)
    _ids: list[str] = field(default_factory=list, repr=False)
    _added: list[Link] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        return f"Unroll {self.group_id}"

    def do(self, graph: Graph) -> None:
        group = graph.block(self.group_id)
        repeat = group.params.get("repeat", 1)
        if group.graph is None or repeat == 1:
            raise GraphError(f"'{self.group_id}' is not a repeated group")
        taken = set(graph.blocks) - {self.group_id}
        self._ids = _names(self.group_id, repeat, taken)
        inputs, outputs = (len(names) for names in port_names(group))
        inside = [b.x for b in group.graph.blocks.values() if b.type not in (GROUP_INPUT, GROUP_OUTPUT)]
        step = (max(inside) - min(inside) if inside else 0.0) + COLUMN_WIDTH  # each copy's blocks beside the last's
        self._group = group.copy()
        self._cut = graph.links_of([self.group_id])
        for link in self._cut:
            graph.disconnect(link)
        graph.remove_block(self.group_id)
        for index, block_id in enumerate(self._ids):
            copy = group.copy().renamed(block_id)
            copy.params = {k: v for k, v in group.params.items() if k != "repeat"}
            copy.x += index * step
            graph.add_block(copy)
        first, last = self._ids[0], self._ids[-1]
        self._added = [Link(k.src, k.src_port, first, k.dst_port) for k in self._cut if k.dst == self.group_id]
        for before, after in itertools.pairwise(self._ids):  # output k of a copy feeds input k of the next
            self._added += [Link(before, port, after, port) for port in range(min(inputs, outputs))]
        self._added += [Link(last, k.src_port, k.dst, k.dst_port) for k in self._cut if k.src == self.group_id]
        for link in self._added:
            graph.connect(link)

    def undo(self, graph: Graph) -> None:
        _put_back(graph, self._group, self._cut, self._ids, self._added)

    @property
    def new_ids(self) -> list[str]:
        return list(self._ids)


def _put_back(graph: Graph, group: Block | None, cut: list[Link], made: list[str], added: list[Link]) -> None:
    """Undo of an edit that replaced ``group`` (and its wires ``cut``) by the blocks ``made``, wired by ``added``."""
    for link in added:
        graph.disconnect(link)
    for block_id in made:
        graph.remove_block(block_id)
    assert group is not None
    graph.add_block(group.copy())
    for link in cut:
        graph.connect(link)


@dataclass
class InGroup(Command):
    """Any edit inside the group at ``path``, done on the whole graph: the wires outside follow the
    group's ports by name, so a port that moves keeps its wire and one removed takes its wires along."""

    path: list[str]
    command: Command
    _dropped: list[Link] = field(default_factory=list, repr=False)
    _rewired: list[Link] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        return f"{self.command.text} in {'.'.join(self.path)}"

    def do(self, graph: Graph) -> None:
        parent = level_of(graph, self.path[:-1])
        group = parent.block(self.path[-1])
        before = port_names(group)
        self.command.do(level_of(graph, self.path))
        after = port_names(group)
        if before == after:
            self._dropped, self._rewired = [], []
            return
        renamed = {self.command.old: self.command.new} if isinstance(self.command, RenameBlock) else {}
        self._dropped, self._rewired = [], []
        for link in parent.links_of([group.id]):
            into = link.dst == group.id
            old, new = (before[0], after[0]) if into else (before[1], after[1])
            name = old[link.dst_port if into else link.src_port]
            name = renamed.get(name, name)
            self._dropped.append(link)
            if name in new:
                index = new.index(name)
                moved = (
                    Link(link.src, link.src_port, link.dst, index)
                    if into
                    else Link(group.id, index, link.dst, link.dst_port)
                )
                self._rewired.append(moved)
        for link in self._dropped:
            parent.disconnect(link)
        for link in self._rewired:
            parent.connect(link)

    def undo(self, graph: Graph) -> None:
        self.command.undo(level_of(graph, self.path))
        parent = level_of(graph, self.path[:-1])
        for link in self._rewired:
            parent.disconnect(link)
        for link in self._dropped:
            parent.connect(link)

    def merge(self, other: Command) -> bool:
        if not isinstance(other, InGroup) or other.path != self.path or self._dropped or other._dropped:
            return False
        return self.command.merge(other.command)


def nest(graph: Graph, paths: dict[str, list[str]], names: dict[str, str]) -> dict[str, str]:
    """Gather blocks into groups by the path of groups each belongs in (``{"conv1": ["layer1", "0"]}``,
    as a PyTorch module's submodules hold its layers), renaming each to its own name in its group
    (``names``). A group that cannot be made (its name is taken or not a name here, or its blocks are
    not one piece) leaves its blocks where they are. Returns each block's path in the result
    ("layer1.0.conv1")."""
    located: dict[str, str] = {}
    _nest(graph, paths, names, [], located)
    return located


def _nest(
    graph: Graph, paths: dict[str, list[str]], names: dict[str, str], prefix: list[str], found: dict[str, str]
) -> None:
    here = {b: p for b, p in paths.items() if b in graph.blocks}
    for name in dict.fromkeys(p[0] for p in here.values() if p):
        members = [b for b, p in here.items() if p and p[0] == name]
        try:
            if not is_valid_id(name, graph.nested):
                raise GraphError(name)
            GroupBlocks(members, name).do(graph)
        except GraphError:
            continue
        inner = graph.blocks[name].graph
        assert inner is not None
        _nest(inner, {b: here[b][1:] for b in members}, names, [*prefix, name], found)
        _repeats(graph.blocks[name])  # its layers keep their paths: name.0.conv1, name.1.conv1, ...
    for block_id in [b for b in here if b in graph.blocks]:
        home = not here[block_id]  # in the group it belongs in (not left here by one that could not be made)
        numbered = graph.nested and block_id not in names  # an operation: numbered afresh in its group
        wanted = _first_free(graph, block_id) if numbered else names.get(block_id, block_id) if home else block_id
        final = block_id
        if wanted != block_id and wanted not in graph.blocks and is_valid_id(wanted, graph.nested):
            RenameBlock(block_id, wanted).do(graph)
            final = wanted
        found[block_id] = ".".join([*prefix, final])


def _first_free(graph: Graph, block_id: str) -> str:
    """The first ``<type>_<n>`` not taken by another block (its own id, when that comes first)."""
    kind = graph.blocks[block_id].type
    n = 1
    while f"{kind}_{n}" in graph.blocks and f"{kind}_{n}" != block_id:
        n += 1
    return f"{kind}_{n}"


def _repeats(group: Block) -> bool:
    """A group whose inside is the groups 0, 1, ..., N-1 in a row, each the same (an nn.Sequential or a
    ModuleList of identical layers), becomes the first of them repeated N times: the same network,
    its copies named name.0 ... name.N-1 as before."""
    inner = group.graph
    if inner is None:
        return False
    copies = [b for b in inner.blocks.values() if b.type not in (GROUP_INPUT, GROUP_OUTPUT)]
    ports, ends = port_names(group)
    if len(copies) < 2 or len(ports) != 1 or len(ends) != 1:
        return False
    if [b.id for b in copies] != [str(i) for i in range(len(copies))]:
        return False
    if any(b.graph is None or port_names(b) != port_names(copies[0]) or len(port_names(b)[0]) != 1 for b in copies):
        return False
    chain = [ports[0], *(b.id for b in copies), ends[0]]
    if sorted(inner.links) != sorted(Link(a, 0, b, 0) for a, b in itertools.pairwise(chain)):
        return False
    if any(b.graph != copies[0].graph or b.params != copies[0].params for b in copies[1:]):
        return False
    group.graph = copies[0].graph
    group.params["repeat"] = len(copies)
    return True
