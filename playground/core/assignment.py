"""Assignments: a project with a brief for the student, locks on what the student may not change, and
goals the program can check (a validation metric, a parameter budget, which blocks, how many steps).

``locked_parts`` is what the locks keep as the assignment had it; the app refuses any edit that would
change it, and ``playground grade`` compares a submission's with the assignment's own, so a lock
removed by editing the JSON by hand is still seen."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from playground.core.graph import GROUP, Block, Graph
from playground.core.project_types import STAGE_VIEWS, Project, TrainingConfig
from playground.core.reader import Reader
from playground.core.registry import canonical_type, get_spec
from playground.core.shapes import Analysis

MAX_GOALS = 20
MAX_STEPS = 10_000_000
STRUCTURAL = ("input", "output", GROUP, "group_input", "group_output")
"""Block types an "only these blocks" goal always allows: the data's way in and out, and groups."""
COUNTED = ("params", "blocks", "only", "steps")
"""Goals on the network or the run rather than on a validation metric."""
TOLERANCE = 0.005
"""How far past its threshold a metric may fall and still meet its goal: what differs between machines
(see docs/assignments.md)."""

METRIC_RE = re.compile(r"^val_[a-z0-9_]{1,60}$")


@dataclass(frozen=True)
class Goal:
    """One checkable goal. ``measure``: a validation metric ("val_accuracy", "val_loss"), "params" (the
    network's weights), "blocks" (blocks of ``block_type``), "only" (no block types but ``types``) or
    "steps" (the metric goals all met within that many training steps)."""

    measure: str
    at_least: float | None = None
    at_most: float | None = None
    block_type: str = ""
    types: tuple[str, ...] = ()

    @property
    def is_metric(self) -> bool:
        return self.measure not in COUNTED

    def text(self) -> str:
        """The goal as the student reads it: "val_accuracy ≥ 0.95", "at most 200 parameters"."""
        if self.measure == "only":
            return "only " + ", ".join(_title(t) for t in self.types) + " blocks"
        if self.measure == "params":
            return f"at most {int(self.at_most or 0):,} parameters"
        if self.measure == "blocks":
            bound = (
                f"at least {int(self.at_least):,}"
                if self.at_least is not None
                else f"at most {int(self.at_most or 0):,}"
            )
            return f"{bound} {_title(self.block_type)} blocks"
        if self.measure == "steps":
            return f"metric goals met within {int(self.at_most or 0):,} steps"
        if self.at_least is not None:
            return f"{self.measure} ≥ {self.at_least:g}"
        return f"{self.measure} ≤ {self.at_most:g}"

    def met(self, value: float, tolerance: float = 0.0) -> bool:
        """Whether ``value`` of this goal's measure meets it (a metric within ``tolerance``)."""
        if not math.isfinite(value):
            return False
        slack = tolerance if self.is_metric else 0.0
        if self.at_least is not None and value < self.at_least - slack:
            return False
        return self.at_most is None or value <= self.at_most + slack


@dataclass(frozen=True)
class Locks:
    """``blocks``: top-level blocks (with their insides, and the wires between two of them) the student
    cannot change, move, delete or rewire; ``settings``: "dataset" and training settings the student
    cannot change; ``hidden``: training settings, "dataset" and stage views ("curves", "data", "block")
    not shown to the student. A hidden setting is kept too: what the student cannot see, the student
    cannot have meant to change (a hidden ``compile`` changed by hand in the file changed the grade)."""

    blocks: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()

    @property
    def kept_settings(self) -> tuple[str, ...]:
        """The settings kept as the assignment has them: the locked ones, and the hidden ones."""
        return (
            *self.settings,
            *(name for name in self.hidden if name not in self.settings and name not in STAGE_VIEWS),
        )


@dataclass(frozen=True)
class Assignment:
    """``steps``: how many steps grading trains, with the project's seed; ``source``: the assignment
    file a student's project came from ("" in the assignment itself); ``test``: the share of the training
    examples held out (by the dataset's seed), never trained on nor shown, that grading measures the
    metric goals on (0: none, the goals are measured on the validation split the student watches)."""

    brief: str = ""
    locks: Locks = Locks()
    goals: tuple[Goal, ...] = ()
    steps: int = 1000
    source: str = ""
    test: float = 0.0


def setting_names() -> tuple[str, ...]:
    """What a settings lock or a hidden entry may name besides the stage views."""
    return ("dataset", *(f.name for f in dataclasses.fields(TrainingConfig)))


def _title(type_name: str) -> str:
    spec = get_spec(type_name)
    return spec.title if spec is not None else type_name


# --- what the locks keep -----------------------------------------------------------------


def locked_parts(
    project: Project,
    locks: Locks,
    positions: bool = False,
    dataset_defaults: Callable[[str], dict[str, Any]] = lambda _id: {},
) -> dict[str, Any]:
    """Everything the locks keep as it is, by a name that says what it is (``block 'output_1'``, ``the
    wire input_1 -> linear_1``, ``the setting lr``); ``positions``: the locked blocks' places too. A value
    written out that equals its default is the same as one left out (a block's, from its spec; the
    dataset's, from ``dataset_defaults`` of its id, which only the nn side knows)."""
    graph = project.graph
    parts: dict[str, Any] = {}
    locked = set(locks.blocks)
    for block_id in locks.blocks:
        block = graph.blocks.get(block_id)
        parts[f"block '{block_id}'"] = None if block is None else _kept_form(block)
        if block is not None and positions:
            parts[f"the place of '{block_id}'"] = (block.x, block.y)
    for link in graph.links:
        if link.src in locked and link.dst in locked:
            parts[f"the wire {link.src} -> {link.dst}"] = (link.src_port, link.dst_port)
    for name in locks.kept_settings:
        if name == "dataset":
            params = dataset_defaults(project.dataset.id) | project.dataset.params
            parts["the dataset"] = {"id": project.dataset.id, "params": params}
        else:
            parts[f"the setting {name}"] = getattr(project.training, name)
    return parts


def _kept_form(block: Block) -> dict[str, Any]:
    """A block as a lock keeps it: its type, every parameter (a default as if written), its inside."""
    spec = get_spec(block.type)
    defaults = {param.name: param.default for param in spec.params} if spec is not None else {}
    item: dict[str, Any] = {"id": block.id, "type": block.type, "params": defaults | block.params}
    if block.graph is not None:
        item["graph"] = {
            "blocks": [_kept_form(inner) for inner in block.graph.blocks.values()],
            "links": [(link.src, link.src_port, link.dst, link.dst_port) for link in block.graph.links],
            "ties": dict(block.graph.ties),
        }
    return item


def walked_around(assigned: Graph, graph: Graph, locks: Locks) -> list[str]:
    """How a submission's network leaves a locked block out of the way from its Inputs to its Outputs,
    one phrase each: a locked block that does not lie on that way (left dangling), or one that no way
    went around in the assignment and a way now goes around (a second path that bypasses it, with the
    locked one multiplied by 0). The blocks themselves are compared by ``locked_parts``."""
    found = []
    for block_id in locks.blocks:
        if block_id not in graph.blocks or assigned.blocks[block_id].type in STRUCTURAL:
            continue
        if not _on_the_way(graph, block_id):
            found.append(f"the locked block '{block_id}' does not lie between the Inputs and the Outputs")
        elif not _ends_meet(assigned, avoiding=block_id) and _ends_meet(graph, avoiding=block_id):
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


# --- goals measured on the network -------------------------------------------------------------


def block_counts(graph: Graph) -> dict[str, int]:
    """How many blocks of each type the network holds, inside groups too, each copy of a repeated group
    counted."""
    counts: dict[str, int] = {}

    def count(level: Graph, copies: int) -> None:
        for block in level.blocks.values():
            counts[block.type] = counts.get(block.type, 0) + copies
            if block.graph is not None:
                count(block.graph, copies * int(block.params.get("repeat", 1)))

    count(graph, 1)
    return counts


def measure_network(goal: Goal, graph: Graph, analysis: Analysis) -> tuple[float | None, str]:
    """A goal on the network itself: its measured value and how to show it ("185"; for an "only" goal
    the types it does not allow, "Conv2d, Dropout", and how many such blocks there are). A network with
    problems has no parameter count (None): an empty or broken one does not meet "at most 200" with 0."""
    if goal.measure == "params":
        if analysis.problems:
            return None, NOT_COUNTED
        return float(analysis.total_params), f"{analysis.total_params:,}"
    counts = block_counts(graph)
    if goal.measure == "blocks":
        return float(counts.get(goal.block_type, 0)), str(counts.get(goal.block_type, 0))
    allowed = set(goal.types) | set(STRUCTURAL)
    others = sorted(t for t in counts if t not in allowed)
    return float(sum(counts[t] for t in others)), ", ".join(_title(t) for t in others) or "none other"


NOT_COUNTED = "not counted until the network has no problems"


def steps_to_goals(goals: tuple[Goal, ...], history: list[dict[str, float]], tolerance: float) -> float:
    """The first evaluated step at which every metric goal held (inf: never), from ``history`` (each
    evaluation's metrics with its "step")."""
    metric_goals = [g for g in goals if g.is_metric]
    for record in history:
        if all(g.measure in record and g.met(record[g.measure], tolerance) for g in metric_goals):
            return float(record["step"])
    return math.inf


# --- the file's form --------------------------------------------------------------------------------


def assignment_document(assignment: Assignment) -> dict[str, Any]:
    goals = []
    for goal in assignment.goals:
        item: dict[str, Any] = {"measure": goal.measure}
        for name in ("at_least", "at_most"):
            value = getattr(goal, name)
            if value is not None and goal.measure != "only":
                item[name] = int(value) if goal.measure in COUNTED else value
        if goal.block_type:
            item["type"] = goal.block_type
        if goal.types:
            item["types"] = list(goal.types)
        goals.append(item)
    locks = assignment.locks
    doc = {
        "brief": assignment.brief,
        "steps": assignment.steps,
        "locks": {"blocks": list(locks.blocks), "settings": list(locks.settings), "hidden": list(locks.hidden)},
        "goals": goals,
    }
    if assignment.test:
        doc["test"] = assignment.test
    return doc | ({"from": assignment.source} if assignment.source else {})


def build_assignment(r: Reader, data: Any, graph: Graph, max_text: int) -> Assignment:
    r.obj(data, "assignment", ("goals", "steps"), ("brief", "locks", "from", "test"))
    locks = r.obj(data.get("locks", {}), "assignment.locks", (), ("blocks", "settings", "hidden"))
    blocks = _names(r, locks.get("blocks", []), "assignment.locks.blocks", tuple(graph.blocks), "a block")
    settings = _names(r, locks.get("settings", []), "assignment.locks.settings", setting_names(), "a setting")
    shown = (*setting_names(), *STAGE_VIEWS)
    hidden = _names(r, locks.get("hidden", []), "assignment.locks.hidden", shown, "a setting or a view")
    goals = tuple(
        _build_goal(r, item, f"assignment.goals[{i}]")
        for i, item in enumerate(r.list(data["goals"], "assignment.goals", MAX_GOALS))
    )
    return Assignment(
        brief=r.str(data.get("brief", ""), "assignment.brief", max_text),
        locks=Locks(blocks, settings, hidden),
        goals=goals,
        steps=r.int(data["steps"], "assignment.steps", 1, MAX_STEPS),
        source=r.str(data.get("from", ""), "assignment.from", 255),
        test=_test_share(r, data.get("test", 0.0)),
    )


MAX_TEST = 0.5  # of the training examples: the rest must still teach the network


def _test_share(r: Reader, data: Any) -> float:
    share = r.number(data, "assignment.test")
    if not 0.0 <= share <= MAX_TEST:
        raise r.fail("assignment.test", f"must be a share from 0 to {MAX_TEST} of the training examples, not {share}")
    return share


def _names(r: Reader, data: Any, where: str, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    found: list[str] = []
    for i, name in enumerate(r.list(data, where, 1000)):
        r.str(name, f"{where}[{i}]", 64)
        if name not in allowed:
            raise r.fail(f"{where}[{i}]", f"'{name}' is not {what} of this project")
        if name in found:
            raise r.fail(f"{where}[{i}]", f"'{name}' is named twice")
        found.append(name)
    return tuple(found)


def _build_goal(r: Reader, data: Any, where: str) -> Goal:
    r.obj(data, where, ("measure",), ("at_least", "at_most", "type", "types"))
    measure = r.str(data["measure"], f"{where}.measure", 64)
    if measure not in COUNTED and not METRIC_RE.match(measure):
        raise r.fail(
            f"{where}.measure",
            f"'{measure}' is not a goal: a validation metric (val_accuracy, val_loss, ...), params, blocks, only or steps",
        )
    if measure == "only":
        r.obj(data, where, ("measure", "types"))
        types = tuple(
            _type(r, t, f"{where}.types[{i}]") for i, t in enumerate(r.list(data["types"], f"{where}.types", 200))
        )
        if not types:
            raise r.fail(f"{where}.types", "must name at least one block type")
        return Goal(measure, at_most=0.0, types=types)  # none of another type
    if measure == "blocks":
        r.obj(data, where, ("measure", "type"), ("at_least", "at_most"))
        block_type = _type(r, data["type"], f"{where}.type")
        bound = _one_bound(r, data, where)
        return Goal(
            measure, block_type=block_type, **{bound: float(r.int(data[bound], f"{where}.{bound}", 0, 1 << 40))}
        )
    if measure in COUNTED:
        r.obj(data, where, ("measure", "at_most"))
        return Goal(measure, at_most=float(r.int(data["at_most"], f"{where}.at_most", 0, 1 << 40)))
    r.obj(data, where, ("measure",), ("at_least", "at_most"))
    bound = _one_bound(r, data, where)
    return Goal(measure, **{bound: r.number(data[bound], f"{where}.{bound}")})


def _one_bound(r: Reader, data: dict, where: str) -> str:
    bounds = [name for name in ("at_least", "at_most") if name in data]
    if len(bounds) != 1:
        raise r.fail(where, "needs one of 'at_least' or 'at_most' (a goal is one bound)")
    return bounds[0]


def _type(r: Reader, data: Any, where: str) -> str:
    name = canonical_type(r.str(data, where, 64))
    if not name or get_spec(name) is None:
        raise r.fail(where, f"'{data}' is not a block type this Playground knows")
    return name
