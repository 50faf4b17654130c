"""Reading a JSON document with every defect named by its place: ``ProjectError`` and ``Reader``, whose
typed accessors raise one naming the path (``graph.blocks[2].params.out_features``)."""

from __future__ import annotations

import builtins
import math
from typing import Any

from playground.core.param_kinds import MAX_FLOAT
from playground.core.registry import ParamSpec


class ProjectError(Exception):
    """A project file that cannot be used, with the place at fault."""

    def __init__(self, message: str, where: str = "", source: str = "") -> None:
        self.message = message
        self.where = where
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        prefix = ": ".join(part for part in (self.source, self.where) if part)
        return f"{prefix}: {self.message}" if prefix else self.message


class Reader:
    """Typed access to a JSON document that raises ProjectError naming the path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> ProjectError:
        return ProjectError(message, where, self.source)

    def obj(self, data: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(where, f"must be an object {{...}}, not {kind_of(data)}")
        for key in required:
            if key not in data:
                raise self.fail(where, f"is missing the field '{key}'")
        for key in data:
            if key not in required and key not in optional:
                raise self.fail(
                    where, f"has an unknown field '{key}' (allowed: {', '.join(required + optional) or 'none'})"
                )
        return data

    def mapping(self, data: Any, where: str, limit: int) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(where, f"must be an object {{...}}, not {kind_of(data)}")
        if len(data) > limit:
            raise self.fail(where, f"has too many entries ({len(data)}, at most {limit})")
        return data

    def str(self, data: Any, where: builtins.str, limit: builtins.int = 200) -> builtins.str:
        if not isinstance(data, str):
            raise self.fail(where, f"must be text, not {kind_of(data)}")
        if len(data) > limit:
            raise self.fail(where, f"is too long ({len(data)} characters, at most {limit})")
        return data

    def int(self, data: Any, where: builtins.str, low: builtins.int, high: builtins.int) -> builtins.int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise self.fail(where, f"must be a whole number, not {kind_of(data)}")
        if not low <= data <= high:
            raise self.fail(where, f"must be between {low} and {high}, not {data}")
        return data

    def number(self, data: Any, where: builtins.str) -> float:
        if isinstance(data, bool) or not isinstance(data, int | float) or not math.isfinite(data):
            raise self.fail(where, f"must be a number, not {kind_of(data)}")
        if abs(data) > MAX_FLOAT:
            raise self.fail(where, f"is too large ({data:g})")
        return float(data)

    def list(self, data: Any, where: builtins.str, limit: builtins.int) -> builtins.list[Any]:
        if not isinstance(data, list):
            raise self.fail(where, f"must be a list [...], not {kind_of(data)}")
        if len(data) > limit:
            raise self.fail(where, f"has too many entries ({len(data)}, at most {limit})")
        return data

    def setting(self, spec: ParamSpec, value: Any, where: builtins.str) -> Any:
        try:
            return spec.validate(value)
        except ValueError as exc:
            raise self.fail(where, builtins.str(exc)) from None


def kind_of(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "text",
        bool: "true/false",
        type(None): "null",
        int: "a whole number",
        float: "a number",
    }.get(type(value), type(value).__name__)
