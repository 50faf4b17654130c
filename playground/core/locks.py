"""What an assignment's locks keep: ``locked_parts`` names each kept part (a locked block, a wire
between two, a setting, the dataset) with its value, the app refuses any edit that would change it, and
``playground grade`` compares a submission's with the assignment's own (a lock removed by editing the
JSON by hand is still seen). ``walked_around`` finds the ways a network leaves a locked block out of
the way from its Inputs to its Outputs; ``matched_ids`` finds locked blocks under other ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import networkx as nx

from playground.core.assignment import STRUCTURAL
from playground.core.graph import Block, Graph
from playground.core.project_types import Locks, Project
from playground.core.registry import get_spec


def locked_parts(
    project: Project,
    locks: Locks,
    positions: bool = False,
    dataset_defaults: Callable[[str], dict[str, Any]] = lambda _id: {},
    ids: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Everything the locks keep as it is, by a name that says what it is (``block 'output_1'``, ``the
    wire input_1 -> linear_1``, ``the setting lr``); ``positions``: the locked blocks' places too. A value
    written out that equals its default is the same as one left out (a block's, from its spec; the
    dataset's, from ``dataset_defaults`` of its id, which only the nn side knows). ``ids``: a locked
    block's id in ``project`` where it is another (see ``matched_ids``)."""
    graph = project.graph
    here = {block_id: (ids or {}).get(block_id, block_id) for block_id in locks.blocks}
    named = {id_here: block_id for block_id, id_here in here.items()}
    parts: dict[str, Any] = {}
    for block_id in locks.blocks:
        block = graph.blocks.get(here[block_id])
        parts[f"block '{block_id}'"] = None if block is None else _kept_form(block) | {"id": block_id}
        if block is not None and positions:
            parts[f"the place of '{block_id}'"] = (block.x, block.y)
    for link in graph.links:
        if link.src in named and link.dst in named:
            parts[f"the wire {named[link.src]} -> {named[link.dst]}"] = (link.src_port, link.dst_port)
    if locks.data:  # the fields read that the locks do not let the network read: none in the assignment
        read = {block.params.get("data", "x") for block in graph.blocks.values() if block.type == "input"}
        parts[f"what the network reads (only {', '.join(locks.data)})"] = sorted(read - set(locks.data))
    for name in locks.kept_settings:
        if name == "dataset":
            params = dataset_defaults(project.dataset.id) | project.dataset.params
            parts["the dataset"] = {"id": project.dataset.id, "params": params}
        else:
            parts[f"the setting {name}"] = getattr(project.training, name)
    return parts


def matched_ids(assigned: Project, project: Project, locks: Locks) -> dict[str, str]:
    """Each locked block's id in ``project`` where it is not the assignment's: a network written in
    PyTorch and brought in with ``playground import`` names its blocks after the module's attributes
    (``x``, not ``input_1``). A locked block whose id is missing is the one block of ``project`` that is
    the same in all but its id (type, parameters, inside)."""
    found: dict[str, str] = {}
    taken = set(locks.blocks)
    for block_id in locks.blocks:
        if block_id in project.graph.blocks or block_id not in assigned.graph.blocks:
            continue
        wanted = _kept_form(assigned.graph.blocks[block_id]) | {"id": ""}
        same = [
            block.id
            for block in project.graph.blocks.values()
            if block.id not in taken and _kept_form(block) | {"id": ""} == wanted
        ]
        if len(same) == 1:
            found[block_id] = same[0]
            taken.add(same[0])
    return found


def _kept_form(block: Block) -> dict[str, Any]:
    """A block as a lock keeps it: its type, every parameter (a default as if written), its inside."""
    spec = get_spec(block.type)
    defaults = spec.defaults() if spec is not None else {}
    item: dict[str, Any] = {"id": block.id, "type": block.type, "params": defaults | block.params}
    if block.graph is not None:
        item["graph"] = {
            "blocks": [_kept_form(inner) for inner in block.graph.blocks.values()],
            "links": [(link.src, link.src_port, link.dst, link.dst_port) for link in block.graph.links],
            "ties": dict(block.graph.ties),
        }
    return item


def walked_around(assigned: Graph, graph: Graph, locks: Locks, ids: dict[str, str] | None = None) -> list[str]:
    """How a submission's network leaves a locked block out of the way from its Inputs to its Outputs,
    one phrase each: a locked block that does not lie on that way (left dangling), or one that no way
    went around in the assignment and a way now goes around (a second path that bypasses it, with the
    locked one multiplied by 0). The blocks themselves are compared by ``locked_parts``."""
    found = []
    for block_id in locks.blocks:
        here = (ids or {}).get(block_id, block_id)
        if here not in graph.blocks or assigned.blocks[block_id].type in STRUCTURAL:
            continue
        if not _on_the_way(graph, here):
            found.append(f"the locked block '{block_id}' does not lie between the Inputs and the Outputs")
        elif not _ends_meet(assigned, avoiding=block_id) and _ends_meet(graph, avoiding=here):
            found.append(f"a way from the Inputs to the Outputs goes around the locked block '{block_id}'")
    return found


def _ends(graph: Graph) -> tuple[set[str], set[str]]:
    blocks = graph.blocks.values()
    return {b.id for b in blocks if b.type == "input"}, {b.id for b in blocks if b.type == "output"}


def _on_the_way(graph: Graph, block_id: str) -> bool:
    """Whether ``block_id`` lies on a way from an Input to an Output."""
    wires = graph.to_networkx()
    inputs, outputs = _ends(graph)
    return bool(nx.ancestors(wires, block_id) & inputs) and bool(nx.descendants(wires, block_id) & outputs)


def _ends_meet(graph: Graph, avoiding: str) -> bool:
    """Whether an Output can be reached from an Input without going through ``avoiding``."""
    wires = graph.to_networkx()
    wires.remove_node(avoiding)
    inputs, outputs = _ends(graph)
    return any(nx.descendants(wires, start) & outputs for start in inputs if start in wires)


def changes(kept: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What differs between two ``locked_parts``, one phrase each ("block 'output_1' was deleted")."""
    found = []
    for name, value in kept.items():
        if name not in now:
            found.append(f"{name} was removed")
        elif now[name] != value:
            found.append(f"{name} was deleted" if now[name] is None else f"{name} was changed")
    found += [f"{name} was added" for name in now if name not in kept]
    return found


def locks_touched(kept: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """The names of the locked parts that differ between two ``locked_parts`` (for a refusal)."""
    return [name for name in kept if name not in now or now[name] != kept[name]] + [n for n in now if n not in kept]
