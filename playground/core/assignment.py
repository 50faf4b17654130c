"""Assignments: a project with a brief for the student, locks on what the student may not change, and
goals the program can check (a validation metric, a parameter budget, which blocks, how many steps).

What the locks keep, and how a network may not walk around them, is locks.py."""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

from playground.core.analysis import Analysis
from playground.core.graph import GROUP, Graph
from playground.core.project_types import COUNTED, STAGE_VIEWS, Assignment, Goal, Locks, TrainingConfig
from playground.core.reader import Reader
from playground.core.registry import canonical_type, get_spec, type_title

MAX_GOALS = 20
MAX_STEPS = 10_000_000
STRUCTURAL = ("input", "output", GROUP, "group_input", "group_output")
"""Block types an "only these blocks" goal always allows: the data's way in and out, and groups."""
TOLERANCE = 0.005
"""How far past its threshold a metric may fall and still meet its goal: what differs between machines
(see docs/assignments.md)."""

METRIC_RE = re.compile(r"^val_[a-z0-9_]{1,60}$")


def setting_names() -> tuple[str, ...]:
    """What a settings lock or a hidden entry may name besides the stage views."""
    return ("dataset", *(f.name for f in dataclasses.fields(TrainingConfig)))


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
    return float(sum(counts[t] for t in others)), ", ".join(type_title(t) for t in others) or "none other"


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
        "locks": {"blocks": list(locks.blocks), "settings": list(locks.settings), "hidden": list(locks.hidden)}
        | ({"data": list(locks.data)} if locks.data else {}),
        "goals": goals,
    }
    if assignment.test:
        doc["test"] = assignment.test
    return doc | ({"from": assignment.source} if assignment.source else {})


def build_assignment(r: Reader, data: Any, graph: Graph, max_text: int) -> Assignment:
    r.obj(data, "assignment", ("goals", "steps"), ("brief", "locks", "from", "test"))
    locks = r.obj(data.get("locks", {}), "assignment.locks", (), ("blocks", "settings", "hidden", "data"))
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
        locks=Locks(blocks, settings, hidden, _fields(r, locks.get("data", []))),
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


FIELD_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def _fields(r: Reader, data: Any) -> tuple[str, ...]:
    found: list[str] = []
    for i, name in enumerate(r.list(data, "assignment.locks.data", 100)):
        if not isinstance(name, str) or not FIELD_RE.match(name):
            raise r.fail(f"assignment.locks.data[{i}]", "must be the name of a dataset field (x, tokens, ...)")
        if name not in found:
            found.append(name)
    return tuple(found)


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
        return Goal.bounded(measure, bound, float(r.int(data[bound], f"{where}.{bound}", 0, 1 << 40)), block_type)
    if measure in COUNTED:
        r.obj(data, where, ("measure", "at_most"))
        return Goal(measure, at_most=float(r.int(data["at_most"], f"{where}.at_most", 0, 1 << 40)))
    r.obj(data, where, ("measure",), ("at_least", "at_most"))
    bound = _one_bound(r, data, where)
    return Goal.bounded(measure, bound, r.number(data[bound], f"{where}.{bound}"))


def _one_bound(r: Reader, data: dict[str, Any], where: str) -> str:
    bounds = [name for name in ("at_least", "at_most") if name in data]
    if len(bounds) != 1:
        raise r.fail(where, "needs one of 'at_least' or 'at_most' (a goal is one bound)")
    return bounds[0]


def _type(r: Reader, data: Any, where: str) -> str:
    name = canonical_type(r.str(data, where, 64))
    if not name or get_spec(name) is None:
        raise r.fail(where, f"'{data}' is not a block type this Playground knows")
    return name
