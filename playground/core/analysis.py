"""What shape inference finds (shapes.py's ``analyse``): every block's output shapes, parameter counts and
problems, per level of groups. Plain data, below both shape inference and the weight ties it checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from playground.core.graph import Link
from playground.core.registry import Shape


@dataclass(frozen=True)
class Problem:
    """One thing wrong, named by block and port, said in plain words."""

    block: str | None
    port: str | None
    kind: str  # "unknown_type", "param", "cycle", "unconnected", "dtype", "shape", "graph", "size", "tie"
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class Analysis:
    """The result of ``analyse``: shapes per block output port, parameter counts, problems."""

    shapes: dict[str, list[Shape]] = field(default_factory=dict)
    dtypes: dict[str, list[str]] = field(default_factory=dict)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    param_counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    inner: dict[str, Analysis] = field(default_factory=dict)  # a group's id -> the analysis of its inside
    shared: int = 0  # values tied weights hold twice in the blocks' counts, once in the network
    tied: set[str] = field(default_factory=set)  # this level's blocks that share a weight with another (ties.py)

    def level(self, path: list[str]) -> Analysis:
        """The analysis of the group at ``path`` (group ids from the top); an empty one if it was not reached."""
        found: Analysis = self
        for group_id in path:
            found = found.inner.get(group_id) or Analysis()
        return found

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def total_params(self) -> int:
        return sum(self.param_counts.values()) - self.shared

    def shape_on(self, link: Link) -> Shape:
        """The shape on a wire of a network without problems, where every wire has one."""
        shape = self.wire_shape(link)
        if shape is None:
            raise KeyError(f"the wire {link} has no shape")
        return shape

    def wire_shape(self, link: Link) -> Shape | None:
        outs = self.shapes.get(link.src)
        return outs[link.src_port] if outs and link.src_port < len(outs) else None

    def problems_of(self, block_id: str) -> list[Problem]:
        return [p for p in self.problems if p.block == block_id]
