"""The block catalogue: what each block type declares (ports, parameters, shape rule).

A block type is added with one ``register(BlockSpec(...))`` call in a family module
under ``playground.core.blocks``; its torch side lives beside it under
``playground.nn.blocks``. Nothing else (files, inspector, compiler, CLI) lists
block types by name.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from playground.core.param_kinds import KINDS, ParamKind

Dim = int | str
"""One tensor dimension: a size, or a symbol such as ``"N"`` (the batch)."""
Shape = tuple[Dim, ...]

BATCH = "N"
AUTO = "auto"
"""A size parameter set to this takes its value from the incoming wire (like Keras' Dense(H))."""
_ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")  # capitals since format 11: Conv2d_1a_3x3
_INDEX_RE = re.compile(r"^(0|[1-9][0-9]{0,3})$")
_NESTED_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(-[0-9]+)+$")  # since format 11: block1-0, as RegNet's stages


class ShapeError(Exception):
    """Raised by a shape rule: a message a student understands, and the port at fault."""

    def __init__(self, message: str, port: int | None = None, kind: str = "shape") -> None:
        super().__init__(message)
        self.message = message
        self.port = port
        self.kind = kind


# Names every compiled network (a torch.fx.GraphModule) already uses for its own attributes: a block
# registered under one would shadow it. tests/nn/test_compile.py checks this list against torch.
RESERVED_IDS = frozenset(
    [
        "add_module",
        "add_submodule",
        "apply",
        "bfloat16",
        "buffers",
        "call_super_init",
        "children",
        "code",
        "compile",
        "cpu",
        "cuda",
        "delete_all_unused_submodules",
        "delete_submodule",
        "double",
        "dump_patches",
        "eval",
        "extra_repr",
        "float",
        "forward",
        "get_buffer",
        "get_extra_state",
        "get_parameter",
        "get_submodule",
        "graph",
        "half",
        "ipu",
        "load_state_dict",
        "meta",
        "modules",
        "mtia",
        "named_buffers",
        "named_children",
        "named_modules",
        "named_parameters",
        "parameters",
        "print_readable",
        "recompile",
        "register_backward_hook",
        "register_buffer",
        "register_forward_hook",
        "register_forward_pre_hook",
        "register_full_backward_hook",
        "register_full_backward_pre_hook",
        "register_load_state_dict_post_hook",
        "register_load_state_dict_pre_hook",
        "register_module",
        "register_parameter",
        "register_state_dict_post_hook",
        "register_state_dict_pre_hook",
        "requires_grad_",
        "set_extra_state",
        "set_submodule",
        "shape_env",
        "share_memory",
        "state_dict",
        "to",
        "to_empty",
        "to_folder",
        "train",
        "training",
        "type",
        "xpu",
        "zero_grad",
    ]
)


def is_valid_id(block_id: object, nested: bool = False) -> bool:
    """Block ids become Python names in compiled code, module attributes and keys in weight files. Inside a
    group (``nested``) an id may also be a number, as ``nn.Sequential`` names its layers (``layer1.0.conv1``),
    or a name with numbers after hyphens, as torchvision's RegNet names its blocks (``block1-0``)."""
    if (
        nested
        and isinstance(block_id, str)
        and len(block_id) <= 64
        and (_INDEX_RE.match(block_id) or _NESTED_RE.match(block_id))
    ):
        return True
    return (
        isinstance(block_id, str)
        and bool(_ID_RE.match(block_id))
        and not keyword.iskeyword(block_id)
        and block_id not in {"self", "torch", "input", "output"}
        and block_id not in RESERVED_IDS
    )


def format_shape(shape: Shape | None) -> str:
    if shape is None:
        return "?"
    return "(" + ", ".join(str(d) for d in shape) + ")"


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a block: type, default, allowed range or choices, help text."""

    name: str
    kind: str  # a name in param_kinds.KINDS: "int", "float", "bool", "choice", "ints", "dims", ...
    default: Any
    doc: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    symbols: tuple[str, ...] = ()  # for "ints": strings allowed as list items
    infer_from: tuple[int, int] | None = None  # (input port, axis): the size "auto" takes from the wire
    optional: bool = False  # None ("none" in the editor) is allowed: the option is off

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"parameter {self.name}: no kind {self.kind!r} (param_kinds.py has {', '.join(KINDS)})")

    @property
    def handler(self) -> ParamKind:
        """What the parameter's kind does (param_kinds.py)."""
        return KINDS[self.kind]

    def validate(self, value: Any) -> Any:
        """Return ``value`` normalised, or raise ValueError saying what is allowed."""
        if value == AUTO and self.infer_from is not None:
            return AUTO
        if value is None and self.optional:
            return None
        return self.handler.validate(self, value)

    def describe(self) -> str:
        """What the parameter may be set to, in words: the kind's range or choices, and none or auto."""
        allowed = self.handler.allowed(self)
        if self.optional:
            allowed += ", or none"
        if self.infer_from is not None:
            allowed += ', or "auto": the size of the incoming wire'
        return allowed


@dataclass(frozen=True)
class PortSpec:
    name: str
    doc: str = ""
    dtype: str = "float"  # "float", "long" (integer tokens) or "any"
    optional: bool = False  # may stay unconnected (only trailing ports): the block then goes without it


InferFn = Callable[[dict[str, Any], list[Shape]], list[Shape]]
CountFn = Callable[[dict[str, Any], list[Shape]], int]
WeightsFn = Callable[[dict[str, Any]], dict[str, Shape]]


def _no_params(params: dict[str, Any], ins: list[Shape]) -> int:
    return 0


@dataclass(frozen=True)
class BlockSpec:
    """Everything Playground knows about one block type, Qt-free and torch-free.

    ``infer`` maps parameters and input shapes to output shapes, raising
    ShapeError with a plain explanation when they do not fit. ``count`` gives
    the number of learnable parameters; ``weights`` (for the layers whose weights
    can be tied, see ties.py) their tensors' shapes. ``variadic`` names an int parameter
    that sets how many inputs the block has (for merges such as Concat).
    """

    type: str
    title: str
    category: str
    description: str
    infer: InferFn
    params: tuple[ParamSpec, ...] = ()
    inputs: tuple[PortSpec, ...] = ()
    outputs: tuple[PortSpec, ...] = (PortSpec("out"),)
    count: CountFn = _no_params
    variadic: str | None = None
    aliases: tuple[str, ...] = ()
    key_params: tuple[str, ...] = field(default=())
    rule: str = ""  # the shape rule in words, for the block reference (docs/blocks.md)
    weights: WeightsFn | None = None  # its learned tensors' shapes by torch name, where a tie may share one
    example: tuple[Shape, ...] = ()  # inputs of its worked example, where no shapes.EXAMPLE_INPUTS fits all ports

    def param(self, name: str) -> ParamSpec:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        return {p.name: (list(p.default) if isinstance(p.default, list) else p.default) for p in self.params}

    def input_ports(self, params: dict[str, Any]) -> list[PortSpec]:
        if self.variadic is None:
            return list(self.inputs)
        n = params.get(self.variadic, self.param(self.variadic).default)
        if not isinstance(n, int):
            n = self.param(self.variadic).default
        return [PortSpec(f"in_{i + 1}", f"input {i + 1}", self.inputs[0].dtype) for i in range(n)]


_REGISTRY: dict[str, BlockSpec] = {}
_ALIASES: dict[str, str] = {}


def register(spec: BlockSpec) -> BlockSpec:
    if spec.type in _REGISTRY or spec.type in _ALIASES:
        raise ValueError(f"block type {spec.type!r} is registered twice")
    if not is_valid_id(spec.type + "_1"):
        raise ValueError(f"block type {spec.type!r} must be a lower-case identifier")
    _REGISTRY[spec.type] = spec
    for alias in spec.aliases:
        _ALIASES[alias] = spec.type
    return spec


def canonical_type(type_name: str) -> str | None:
    """The registered type for a name or alias (case-insensitive), or None."""
    name = type_name.lower() if isinstance(type_name, str) else ""
    if name in _REGISTRY:
        return name
    return _ALIASES.get(name)


def get_spec(type_name: str) -> BlockSpec | None:
    canon = canonical_type(type_name)
    return _REGISTRY[canon] if canon else None


def type_title(type_name: str) -> str:
    """A block type as a user reads it ("Linear" for "linear"); an unknown type as it is written."""
    spec = get_spec(type_name)
    return spec.title if spec is not None else type_name


def all_specs() -> Sequence[BlockSpec]:
    return list(_REGISTRY.values())


CATEGORY_ORDER = (
    "Input / Output",
    "Dense",
    "Activation",
    "Convolution",
    "Normalisation",
    "Reshape",
    "Sequence",
    "Attention",
    "Graph",
    "Merge",
    "Generative",
    "Math",
    "Groups",
)


def categories() -> dict[str, list[BlockSpec]]:
    """Block specs grouped by category, in teaching order (the palette's order)."""
    out: dict[str, list[BlockSpec]] = {}
    for spec in _REGISTRY.values():
        out.setdefault(spec.category, []).append(spec)
    rank = {name: i for i, name in enumerate(CATEGORY_ORDER)}
    return dict(sorted(out.items(), key=lambda item: rank.get(item[0], len(rank))))
