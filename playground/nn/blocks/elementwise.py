"""Activations, merges and the primitive maths of the autodiff lecture."""

from __future__ import annotations

import functools
import operator
from typing import Any

import torch
from torch import fx, nn

from playground.core.graph import Block
from playground.core.registry import Shape
from playground.nn.blocks.base import Emitter, builds
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


@builds("concat")
def _concat(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    return [e.function(block.id, torch.cat, (list(ins),), {"dim": p["dim"]})]
