"""A parameter kind is one class (core/param_kinds.py): checking, parsing, describing and drawing a
value all come from it, and a kind nobody wrote is refused where the parameter is declared."""

from __future__ import annotations

import random
from typing import Any

import pytest

from playground.core.param_kinds import KINDS, ParamKind
from playground.core.registry import ParamSpec


@pytest.fixture
def percent():
    """A kind as a contributor would add it: a share written as a percentage ("40%" is 0.4)."""

    class PercentKind(ParamKind):
        name = "percent"

        def validate(self, spec: ParamSpec, value: Any) -> Any:
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ValueError(f"must be a share from 0% to 100%, not {value!r}")
            return float(value)

        def parse(self, spec: ParamSpec, text: str) -> Any:
            return float(text.strip().rstrip("%")) / 100 if text.strip().rstrip("%") else text

        def format(self, value: Any) -> str:
            return f"{value * 100:g}%"

        def allowed(self, spec: ParamSpec) -> str:
            return "a percentage"

        def draw(self, spec: ParamSpec, d) -> Any:
            return d(0, 100) / 100

    yield KINDS["percent"]
    del KINDS["percent"]


def test_a_new_kind_is_one_class(percent) -> None:
    spec = ParamSpec("share", "percent", 0.5, "Share kept", optional=True)
    assert spec.handler is percent
    assert spec.validate(0.25) == 0.25 and spec.validate(None) is None
    with pytest.raises(ValueError, match="from 0% to 100%, not 1.5"):
        spec.validate(1.5)
    assert spec.validate(percent.parse(spec, " 40% ")) == 0.4 and percent.format(0.4) == "40%"
    assert spec.describe() == "a percentage, or none"
    draws = random.Random(0)
    assert all(0 <= spec.validate(percent.draw(spec, draws.randint)) <= 1 for _ in range(20))


def test_a_kind_nobody_wrote_is_refused_where_it_is_declared() -> None:
    with pytest.raises(ValueError, match="parameter share: no kind 'percentage'.*int, float"):
        ParamSpec("share", "percentage", 0.5)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_reads_back_what_it_writes(kind: str) -> None:
    examples = {
        "int": 3,
        "float": 0.25,
        "bool": True,
        "choice": "b",
        "ints": [1, "N", 8],
        "dims": [3, 5],
        "name": "x",
        "text": "a, b",
        "file": "data/table.csv",
        "folder": "../photos",
        "points": [[0.5, -0.5, 1]],
    }
    spec = ParamSpec("p", kind, examples[kind], choices=("a", "b"), symbols=("N",))
    handler = spec.handler
    assert spec.validate(examples[kind]) == examples[kind]
    if handler.editor in ("line", "file", "folder"):  # typed as text: what is shown is read back as the same value
        assert spec.validate(handler.parse(spec, handler.format(examples[kind]))) == examples[kind]
