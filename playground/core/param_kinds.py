"""What a parameter may hold, one class per kind: how a value is checked, read from what the user typed,
written back as text, described in the docs and the CLI, and drawn at random for the property tests.

A new kind is one subclass here: ``ParamSpec("size", "<kind>", ...)`` finds it by its ``name``. Its
``editor`` names one of the editor styles the window knows (``playground/ui/forms.py``): a kind that
reads from a line of text takes "line" and its own ``parse``."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, ClassVar, Literal, Protocol

from playground.core.drawn import check_points

MAX_INT = 1 << 31
MAX_FLOAT = 1e12
_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,31}$")

Editor = Literal["whole", "number", "check", "choice", "line", "file", "folder", "drawn"]
Draw = Callable[[int, int], int]
"""A random whole number between its two arguments, both included (hypothesis's ``integers``)."""

KINDS: dict[str, ParamKind] = {}


class Param(Protocol):
    """What a kind reads of a parameter (registry.ParamSpec, which sits above the kinds)."""

    @property
    def default(self) -> Any: ...

    @property
    def min(self) -> float | None: ...

    @property
    def max(self) -> float | None: ...

    @property
    def choices(self) -> tuple[str, ...]: ...

    @property
    def symbols(self) -> tuple[str, ...]: ...

    @property
    def infer_from(self) -> tuple[int, int] | None: ...


def format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def show(value: Any) -> str:
    """A value as a message quotes it: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_ints(text: str) -> list[Any]:
    """``"1, 8, N"`` (brackets allowed) as ``[1, 8, "N"]``."""
    items: list[Any] = []
    for part in text.replace("[", "").replace("]", "").split(","):
        part = part.strip()
        if part:
            items.append(int(part) if part.lstrip("-").isdigit() else part)
    return items


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class ParamKind:
    """The behaviour every parameter of one kind shares; its ParamSpec gives the range and the choices."""

    name: ClassVar[str]
    editor: ClassVar[Editor] = "line"
    limit: ClassVar[float] = MAX_INT  # the range of a parameter that sets no min or max

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        if "name" in cls.__dict__:  # a base of kinds (NumberKind) names none
            KINDS[cls.name] = cls()

    def validate(self, spec: Param, value: Any) -> Any:
        """``value`` normalised, or ValueError saying what is allowed."""
        raise NotImplementedError

    def parse(self, spec: Param, text: str) -> Any:
        """What the user typed into a line, as a value (``validate`` judges it)."""
        return text.strip()

    def format(self, value: Any) -> str:
        """A value as the line editor shows it: what ``parse`` reads back."""
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)

    def allowed(self, spec: Param) -> str:
        """What the parameter may be, for the block reference (``playground blocks``)."""
        return self.name

    def hint(self, spec: Param) -> str:
        """What an empty line editor shows as an example."""
        return ""

    def draw(self, spec: Param, d: Draw) -> Any:
        """A random valid value (the property tests build random networks with it); the default where
        only the block's input shape can make another fit (a list of sizes: the tests draw it from the shape)."""
        return spec.default

    def check_range(self, spec: Param, value: float) -> None:
        low = spec.min if spec.min is not None else -self.limit
        high = spec.max if spec.max is not None else self.limit
        if not low <= value <= high:
            raise ValueError(
                f"must be between {format_number(low)} and {format_number(high)}, not {format_number(value)}"
            )

    @staticmethod
    def small_range(spec: Param) -> tuple[float, float]:
        """A small part of the parameter's range: random draws stay where networks stay small."""
        low = -4 if spec.min is None else max(spec.min, -4)
        high = 4 if spec.max is None else min(spec.max, low + 6)
        return low, high

    @staticmethod
    def ranged(spec: Param) -> str:
        """The range the parameter sets ("1 to 64", "at least 0"), or "" when it sets none."""
        if spec.min is not None and spec.max is not None:
            return f"{format_number(spec.min)} to {format_number(spec.max)}"
        if spec.min is not None:
            return f"at least {format_number(spec.min)}"
        if spec.max is not None:
            return f"at most {format_number(spec.max)}"
        return ""


class BoolKind(ParamKind):
    name = "bool"
    editor = "check"

    def validate(self, spec: Param, value: Any) -> Any:
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false, not {show(value)}")
        return value

    def draw(self, spec: Param, d: Draw) -> Any:
        return bool(d(0, 1))


class ChoiceKind(ParamKind):
    name = "choice"
    editor = "choice"

    def validate(self, spec: Param, value: Any) -> Any:
        if value not in spec.choices:
            raise ValueError(f"must be one of {', '.join(spec.choices)}, not {show(value)}")
        return value

    def allowed(self, spec: Param) -> str:
        return " / ".join(spec.choices)

    def draw(self, spec: Param, d: Draw) -> Any:
        return spec.choices[d(0, len(spec.choices) - 1)]


class NumberKind(ParamKind):
    """A number in the range its ParamSpec sets."""

    def allowed(self, spec: Param) -> str:
        return self.ranged(spec) or self.name


class IntKind(NumberKind):
    name = "int"
    editor = "whole"

    def validate(self, spec: Param, value: Any) -> Any:
        if not _whole(value):
            if isinstance(value, float) and value.is_integer() and abs(value) < MAX_INT:
                value = int(value)
            else:
                auto = " or 'auto' (the size of the incoming wire)" if spec.infer_from else ""
                raise ValueError(f"must be a whole number{auto}, not {show(value)}")
        self.check_range(spec, value)
        return value

    def draw(self, spec: Param, d: Draw) -> Any:
        low, high = self.small_range(spec)
        return d(int(low), int(high))


class FloatKind(NumberKind):
    name = "float"
    editor = "number"
    limit = MAX_FLOAT

    def validate(self, spec: Param, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"must be a number, not {show(value)}")
        value = float(value)
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        self.check_range(spec, value)
        return value

    def draw(self, spec: Param, d: Draw) -> Any:
        low, high = self.small_range(spec)
        return round(low + (min(high, low + 2) - low) * d(0, 20) / 20, 4)


class TextKind(ParamKind):
    name = "text"

    def validate(self, spec: Param, value: Any) -> Any:
        if not isinstance(value, str) or len(value) > 4096 or "\x00" in value:
            raise ValueError(f"must be text of at most 4096 characters, not {show(value)}")
        return value


class FileKind(TextKind):
    """A file of the user's, relative to the project file or absolute: a line with Browse… beside it."""

    name = "file"
    editor = "file"


class FolderKind(TextKind):
    """A folder of the user's (an image folder), relative to the project file or absolute."""

    name = "folder"
    editor = "folder"


class NameKind(ParamKind):
    name = "name"

    def validate(self, spec: Param, value: Any) -> Any:
        if not isinstance(value, str) or not _NAME_RE.match(value):
            raise ValueError(f"must be a short lower-case name such as 'x', not {show(value)}")
        return value


class IntsKind(ParamKind):
    """A list of whole numbers, some of which may be words (``symbols``: the batch "N", say): a shape."""

    name = "ints"

    def validate(self, spec: Param, value: Any) -> Any:
        if not isinstance(value, list | tuple) or len(value) > 8:
            raise ValueError(f"must be a list of at most 8 whole numbers, not {show(value)}")
        items: list[int | str] = []
        for item in value:
            if isinstance(item, str) and item in spec.symbols:
                items.append(item)
            elif _whole(item):
                self.check_range(spec, item)
                items.append(item)
            else:
                allowed = "whole numbers" + (f" or {', '.join(spec.symbols)}" if spec.symbols else "")
                raise ValueError(f"may hold only {allowed}, not {show(item)}")
        return items

    def parse(self, spec: Param, text: str) -> Any:
        return parse_ints(text)

    def hint(self, spec: Param) -> str:
        return "e.g. 1, 8, 8"


class DimsKind(ParamKind):
    """A size for every spatial axis (3), one per axis ([3, 5]), or a word from ``choices`` ("same")."""

    name = "dims"

    def validate(self, spec: Param, value: Any) -> Any:
        if isinstance(value, str) and value in spec.choices:
            return value
        listed = isinstance(value, list | tuple) and 1 <= len(value) <= 3
        if listed and all(_whole(v) for v in value):
            for item in value:
                self.check_range(spec, item)
            return list(value)
        if _whole(value):
            self.check_range(spec, value)
            return value
        words = "".join(f" or '{c}'" for c in spec.choices)
        raise ValueError(f"must be a whole number, one per axis such as [3, 5]{words}, not {show(value)}")

    def parse(self, spec: Param, text: str) -> Any:
        items = parse_ints(text)
        return items[0] if len(items) == 1 else items

    def hint(self, spec: Param) -> str:
        return "e.g. 3 or 3, 5" + "".join(f" or {c}" for c in spec.choices)

    def allowed(self, spec: Param) -> str:
        return f"{self.ranged(spec)}, one number or one per axis" + "".join(f", or '{w}'" for w in spec.choices)

    def draw(self, spec: Param, d: Draw) -> Any:
        low, high = self.small_range(spec)
        words = list(spec.choices)
        pick = d(0, 2 + len(words))
        if pick < len(words):
            return words[pick]
        sizes = [d(int(low), int(min(high, low + 3))) for _ in range(d(1, 2))]
        return sizes[0] if pick == len(words) else sizes


class PointsKind(ParamKind):
    """Points drawn with the mouse on the input plane (the drawn dataset), never typed."""

    name = "points"
    editor = "drawn"

    def validate(self, spec: Param, value: Any) -> Any:
        return check_points(value)

    def format(self, value: Any) -> str:
        return f"{len(value)} point{'s' if len(value) != 1 else ''}: draw on the input plane"
