"""Normalisation and dropout."""

from __future__ import annotations

from typing import Any

from torch import fx, nn

from playground.core.blocks.norm import normalized_shape
from playground.core.graph import Block
from playground.core.registry import Shape
from playground.nn.blocks.base import Call, Emitter, NoBlock, builds, inverts
from playground.nn.blocks.modules import StochasticDepth

RUNNING = {"batch_norm1d": nn.BatchNorm1d, "batch_norm2d": nn.BatchNorm2d, "instance_norm2d": nn.InstanceNorm2d}


@builds(*RUNNING)
def _running(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs: dict[str, Any] = {k: p[k] for k in ("num_features", "eps", "momentum", "affine") if k in p}
    return [e.module(block.id, RUNNING[block.type], kwargs, tuple(ins))]


@builds("group_norm")
def _groupnorm(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {k: p[k] for k in ("num_groups", "num_channels", "eps", "affine")}
    return [e.module(block.id, nn.GroupNorm, kwargs, tuple(ins))]


@builds("layer_norm")
def _layernorm(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    kwargs = {
        "normalized_shape": normalized_shape(p, shapes[0]),
        "eps": p["eps"],
        "elementwise_affine": p["elementwise_affine"],
    }
    if not p["bias"]:
        kwargs["bias"] = False
    return [e.module(block.id, nn.LayerNorm, kwargs, tuple(ins))]


DROPOUTS = {"dropout": nn.Dropout, "dropout2d": nn.Dropout2d}


@builds(*DROPOUTS)
def _dropout(e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]) -> list[fx.Node]:
    return [e.module(block.id, DROPOUTS[block.type], {"p": p["p"]}, tuple(ins))]


@inverts(*RUNNING.values())
def _running_back(call: Call) -> tuple[str, dict[str, Any]]:
    m = call.target
    if m.momentum is None or m.track_running_stats != isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        raise NoBlock("momentum=None and a changed track_running_stats have no block")
    kind = next(name for name, cls in RUNNING.items() if type(m) is cls)
    return kind, {"num_features": m.num_features, "eps": m.eps, "momentum": m.momentum, "affine": m.affine}


@inverts(nn.GroupNorm)
def _groupnorm_back(call: Call) -> tuple[str, dict[str, Any]]:
    m = call.target
    return "group_norm", {"num_groups": m.num_groups, "num_channels": m.num_channels, "eps": m.eps, "affine": m.affine}


@inverts(nn.LayerNorm)
def _layernorm_back(call: Call) -> tuple[str, dict[str, Any]]:
    m = call.target
    shape = m.normalized_shape
    return "layer_norm", {
        "num_features": shape[-1],
        "dims": len(shape),
        "eps": m.eps,
        "elementwise_affine": m.elementwise_affine,
        "bias": m.bias is not None or not m.elementwise_affine,
    }


@builds("stochastic_depth")
def _stochastic_depth(
    e: Emitter, block: Block, p: dict[str, Any], ins: list[fx.Node], shapes: list[Shape]
) -> list[fx.Node]:
    return [e.module(block.id, StochasticDepth, {"p": p["p"], "mode": p["mode"]}, tuple(ins))]


@inverts(StochasticDepth, "torchvision.ops.stochastic_depth.stochastic_depth")
def _stochastic_depth_back(call: Call) -> tuple[str, dict[str, Any]]:
    """Playground's StochasticDepth, or torchvision's function (what its StochasticDepth module calls):
    ``stochastic_depth(input, p, mode, training)``, its training the module's mode."""
    if isinstance(call.target, nn.Module):
        return "stochastic_depth", {"p": call.target.p, "mode": call.target.mode}
    return "stochastic_depth", {"p": call.arg(1, "p"), "mode": call.arg(2, "mode")}


@inverts(*DROPOUTS.values())
def _dropout_back(call: Call) -> tuple[str, dict[str, Any]]:
    return next(kind for kind, cls in DROPOUTS.items() if type(call.target) is cls), {"p": call.target.p}
