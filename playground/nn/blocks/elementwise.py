"""Activations, merges and the primitive maths of the autodiff lecture."""

from __future__ import annotations

import functools
import operator
from typing import Any

import torch
from torch import fx, nn
from torch.nn import functional as F

from playground.core.graph import Block
from playground.core.registry import Shape, get_spec
from playground.nn.blocks.base import Call, Emitter, NoBlock, builds, inverts
from playground.nn.blocks.modules import Reparameterize, Scale

FUNCTIONS = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "sin": torch.sin,
    "cos": torch.cos,
    "exp": torch.exp,
    "log": torch.log,
}
MODULES: dict[str, tuple[type, tuple[str, ...]]] = {
    "gelu": (nn.GELU, ()),
    "silu": (nn.SiLU, ()),
    "relu6": (nn.ReLU6, ()),
    "hardswish": (nn.Hardswish, ()),
    "hardsigmoid": (nn.Hardsigmoid, ()),
    "leaky_relu": (nn.LeakyReLU, ("negative_slope",)),
    "elu": (nn.ELU, ("alpha",)),
    "softmax": (nn.Softmax, ("dim",)),
    "log_softmax": (nn.LogSoftmax, ("dim",)),
    "scale": (Scale, ("init",)),
    "reparameterize": (Reparameterize, ()),
}
MERGES = {"add": operator.add, "multiply": operator.mul, "subtract": operator.sub}


@builds(*FUNCTIONS)
def _function(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    return [e.function(block.id, FUNCTIONS[block.type], tuple(ins))]


@builds(*MODULES)
def _module(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    cls, keys = MODULES[block.type]
    return [e.module(block.id, cls, {k: p[k] for k in keys}, tuple(ins))]


@builds("pow")
def _pow(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    exponent = p["exponent"]
    return [e.function(block.id, torch.pow, (ins[0], int(exponent) if exponent.is_integer() else exponent))]


@builds(*MERGES)
def _merge(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    fn = MERGES[block.type]
    partial = functools.reduce(lambda a, b: e.function(f"{block.id}_part", fn, (a, b)), ins[1:-1], ins[0])
    return [e.function(block.id, fn, (partial, ins[-1]))]


ARITHMETIC = {
    "x * c": (operator.mul, False),
    "x + c": (operator.add, False),
    "x - c": (operator.sub, False),
    "c - x": (operator.sub, True),
    "x / c": (operator.truediv, False),
    "c / x": (operator.truediv, True),
}


@builds("arithmetic")
def _arithmetic(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    fn, reversed_ = ARITHMETIC[p["op"]]
    c = int(p["c"]) if p["c"].is_integer() else p["c"]  # 1 - x reads as written, and computes the same
    return [e.function(block.id, fn, (c, ins[0]) if reversed_ else (ins[0], c))]


NOISE = {"normal": torch.randn_like, "uniform": torch.rand_like}


@builds("noise")
def _noise(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    return [e.function(block.id, NOISE[p["distribution"]], (ins[0],))]


@builds("concat")
def _concat(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    return [e.function(block.id, torch.cat, (list(ins),), {"dim": p["dim"]})]


_SAME = {
    "relu": (torch.relu, F.relu, nn.ReLU),
    "tanh": (torch.tanh, F.tanh, nn.Tanh),
    "sigmoid": (torch.sigmoid, F.sigmoid, nn.Sigmoid),
    "gelu": (F.gelu, nn.GELU),
    "silu": (F.silu, nn.SiLU),
    "relu6": (F.relu6, nn.ReLU6),
    "hardswish": (F.hardswish, nn.Hardswish),
    "hardsigmoid": (F.hardsigmoid, nn.Hardsigmoid),
    "sin": (torch.sin,),
    "cos": (torch.cos,),
    "exp": (torch.exp,),
    "log": (torch.log,),
}
_AS = {target: kind for kind, targets in _SAME.items() for target in (*targets, kind)}


@inverts(*_AS)
def _same_back(call: Call) -> tuple[str, dict[str, Any]]:
    kind = _AS[type(call.target) if isinstance(call.target, nn.Module) else call.target]
    approximate = getattr(call.target, "approximate", call.kwargs.get("approximate", "none"))
    if kind == "gelu" and approximate != "none":
        raise NoBlock("GELU's tanh approximation has no block")
    return kind, {}


@inverts(nn.LeakyReLU, F.leaky_relu, nn.ELU, F.elu)
def _sloped_back(call: Call) -> tuple[str, dict[str, Any]]:
    if isinstance(call.target, nn.LeakyReLU):
        return "leaky_relu", {"negative_slope": call.target.negative_slope}
    if isinstance(call.target, nn.ELU):
        return "elu", {"alpha": call.target.alpha}
    if call.target is F.leaky_relu:
        return "leaky_relu", {"negative_slope": call.arg(1, "negative_slope", 0.01)}
    return "elu", {"alpha": call.arg(1, "alpha", 1.0)}


_NORMALISERS = {nn.Softmax: "softmax", nn.LogSoftmax: "log_softmax", F.softmax: "softmax", torch.softmax: "softmax"}
_NORMALISERS |= {F.log_softmax: "log_softmax", torch.log_softmax: "log_softmax"}
_NORMALISERS |= {"softmax": "softmax", "log_softmax": "log_softmax"}


@inverts(*_NORMALISERS)
def _softmax_back(call: Call) -> tuple[str, dict[str, Any]]:
    module = isinstance(call.target, nn.Module)
    dim = call.target.dim if module else call.arg(1, "dim")
    if dim is None or (not module and call.arg(2, "_stacklevel", 3) != 3) or call.kwargs.get("dtype") is not None:
        raise NoBlock("a softmax needs its dim (and no dtype)")
    return _NORMALISERS[type(call.target) if module else call.target], {"dim": dim}


MERGED = {operator.add: "add", torch.add: "add", "add": "add", operator.mul: "multiply", torch.mul: "multiply"}
MERGED |= {"mul": "multiply", operator.sub: "subtract", torch.sub: "subtract", "sub": "subtract"}
DIVIDED = {operator.truediv: "divide", torch.div: "divide", "div": "divide", torch.true_divide: "divide"}
_SIGN = {"add": "+", "multiply": "*", "subtract": "-", "divide": "/"}


@inverts(*MERGED, *DIVIDED)
def _merge_back(call: Call) -> tuple[str, dict[str, Any]]:
    """Two tensors: Add, Multiply or Subtract (broadcasting as torch does, both batch first); a tensor
    and a number: Arithmetic."""
    kind = {**MERGED, **DIVIDED}[call.target]
    if len(call.args) != 2 or call.kwargs:
        raise NoBlock("only two operands (no alpha, no rounding mode) have a block")
    if len(call.shapes) == 2:
        if kind == "divide":
            raise NoBlock("a tensor divided by a tensor has no block (multiply by a reciprocal you learn instead)")
        if len(call.shapes[0]) != len(call.shapes[1]):
            raise NoBlock(
                f"combines tensors of {len(call.shapes[0])} and {len(call.shapes[1])} dimensions: a block "
                "broadcasts tensors that both have the batch first"
            )
        return kind, {}
    number = next((a for a in call.args if not isinstance(a, fx.Node)), None)
    if len(call.shapes) != 1 or isinstance(number, bool) or not isinstance(number, (int, float)):
        raise NoBlock("only two tensors, or a tensor and a number, have a block")
    first = "c" if isinstance(call.args[1], fx.Node) else "x"
    op = f"{first} {_SIGN[kind]} {'x' if first == 'c' else 'c'}"
    if kind in ("add", "multiply") and first == "c":
        op = f"x {_SIGN[kind]} c"  # 2 * x is x * 2
    return "arithmetic", {"op": op, "c": float(number)}


@inverts(*NOISE.values())
def _noise_back(call: Call) -> tuple[str, dict[str, Any]]:
    if len(call.args) != 1 or any(value is not None for value in call.kwargs.values()):
        raise NoBlock("noise of another dtype, layout or device than its input's has no block")
    return "noise", {"distribution": next(name for name, fn in NOISE.items() if fn is call.target)}


@inverts(torch.cat, torch.concat)
def _concat_back(call: Call) -> tuple[str, dict[str, Any]]:
    count = len(call.shapes)
    concat = get_spec("concat")
    most = concat.param("inputs").max if concat else None
    if most is None or not 1 <= count <= most:
        raise NoBlock(f"joins {count} tensors; a Concat block joins 1 to {most}")
    return "concat", {"dim": call.arg(1, "dim", 0), "inputs": count}


@inverts(torch.pow, operator.pow, "pow")
def _pow_back(call: Call) -> tuple[str, dict[str, Any]]:
    exponent = call.arg(1, "exponent")
    if len(call.shapes) != 1 or not isinstance(exponent, (int, float)):
        raise NoBlock("only a tensor to a constant power has a block")
    return "pow", {"exponent": float(exponent)}


@inverts(Scale)
def _scale_back(call: Call) -> tuple[str, dict[str, Any]]:
    weight = call.target.weight.detach().cpu().numpy()  # a float32: its shortest decimal, 0.4 not 0.40000000596
    return "scale", {"init": float(str(weight))}


@inverts(Reparameterize)
def _reparameterize_back(call: Call) -> tuple[str, dict[str, Any]]:
    return "reparameterize", {}
