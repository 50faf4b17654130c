"""The Qt-free, torch-free model of a Playground project: graph, catalogue, shapes, files."""

from playground.core import blocks as _catalogue  # noqa: F401  (registers the built-in block types)
from playground.core.analysis import Analysis, Problem
from playground.core.graph import Block, Graph, GraphError, Link
from playground.core.registry import BlockSpec, ParamSpec, PortSpec, all_specs, get_spec, register
from playground.core.shapes import analyse

__all__ = [
    "Analysis",
    "Block",
    "BlockSpec",
    "Graph",
    "GraphError",
    "Link",
    "ParamSpec",
    "PortSpec",
    "Problem",
    "all_specs",
    "analyse",
    "get_spec",
    "register",
]
