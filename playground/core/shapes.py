"""Shape inference: every block's output shape, every wire's shape, and every problem, as data.

Runs on any graph state, however broken: problems are collected, never raised, and a
block downstream of a problem is left without a shape rather than blamed for it.
"""

from __future__ import annotations

import difflib
from typing import Any

from playground.core import ties
from playground.core.analysis import Analysis, Problem
from playground.core.graph import GROUP, GROUP_INPUT, GROUP_OUTPUT, Block, Graph, block_ports, port_names
from playground.core.machine import too_large
from playground.core.registry import AUTO, BlockSpec, Shape, ShapeError, all_specs, format_shape, get_spec

DTYPE_WORDS = {"float": "real numbers", "long": "integer token ids"}


def label(spec: BlockSpec | None, block: Block) -> str:
    return f"{spec.title if spec else block.type} '{block.id}'"


def resolve_params(spec: BlockSpec, block: Block) -> tuple[dict[str, Any], list[str]]:
    """The block's parameters with defaults filled in, and what is wrong with them."""
    params = spec.defaults()
    errors = []
    known = {p.name for p in spec.params}
    for name, value in block.params.items():
        if name not in known:
            hint = difflib.get_close_matches(name, known, 1)
            errors.append(f"has no parameter '{name}'" + (f" (did you mean '{hint[0]}'?)" if hint else ""))
            continue
        try:
            params[name] = spec.param(name).validate(value)
        except ValueError as exc:
            errors.append(f"{name} {exc}")
    return params, errors


def _infer_sizes(spec: BlockSpec, params: dict[str, Any], ins: list[Shape]) -> None:
    """Replace every "auto" size in ``params`` by the size of the wire it is read from."""
    for param in spec.params:
        if params.get(param.name) != AUTO or param.infer_from is None:
            continue
        port, axis = param.infer_from
        shape = ins[port]
        if not -len(shape) <= axis < len(shape):
            raise ShapeError(f"cannot infer {param.name} from an input of shape {format_shape(shape)}", port)
        size = shape[axis]
        if not isinstance(size, int) or size < 1:
            raise ShapeError(
                f"cannot infer {param.name}: dimension {axis} of {format_shape(shape)} has no fixed size; set it by hand",
                port,
            )
        params[param.name] = size


def inferred(analysis: Analysis, block: Block) -> dict[str, int]:
    """The sizes a block set to "auto" took from its wires (empty before they could be inferred)."""
    resolved = analysis.params.get(block.id, {})
    return {
        name: resolved[name]
        for name, value in block.params.items()
        if value == AUTO and isinstance(resolved.get(name), int)
    }


Feed = tuple[Shape, str]
"""What enters a group's port: the shape and dtype of the wire outside."""

INSIDE_ONLY = (GROUP_INPUT, GROUP_OUTPUT)
OUTSIDE_ONLY = {"input": "Group Input", "output": "Group Output"}


def analyse(graph: Graph, feeds: dict[str, Feed] | None = None) -> Analysis:
    """Shapes and problems of a graph; ``feeds`` are the ports' shapes when the graph is a group's inside."""
    result = Analysis()
    problems = result.problems
    specs: dict[str, BlockSpec] = {}
    for block in graph.blocks.values():
        spec = get_spec(block.type)
        if spec is None:
            names = [s.type for s in all_specs()]
            hint = difflib.get_close_matches(block.type.lower(), names, 1)
            problems.append(
                Problem(
                    block.id,
                    None,
                    "unknown_type",
                    f"Block '{block.id}' has an unknown type '{block.type}'"
                    + (f" (did you mean '{hint[0]}'?)" if hint else ""),
                )
            )
            continue
        specs[block.id] = spec
        misplaced = _misplaced(block, spec, feeds is not None)
        if misplaced:
            problems.append(Problem(block.id, None, "graph", misplaced))
            continue
        params, errors = resolve_params(spec, block)
        result.params[block.id] = params
        problems.extend(Problem(block.id, None, "param", f"{label(spec, block)} {e}") for e in errors)

    order, looped = graph.order()
    if looped:
        cycle = graph.find_cycle() or sorted(looped)
        problems.append(
            Problem(
                cycle[0],
                None,
                "cycle",
                "These blocks form a loop, which a feed-forward network cannot "
                f"compute: {' -> '.join(cycle + cycle[:1])}. Remove one of the wires.",
            )
        )

    broken = {p.block for p in problems}
    for block_id in order:
        spec = specs.get(block_id)
        if spec is None or block_id in broken:
            continue
        block = graph.blocks[block_id]
        if feeds is not None and block.type == GROUP_INPUT:
            result.shapes[block_id], result.dtypes[block_id] = [feeds[block_id][0]], [feeds[block_id][1]]
            result.param_counts[block_id] = 0
            continue
        _infer_block(graph, block, spec, result)

    if feeds is None:
        _check_size(graph, result)
        wrong, result.shared = ties.check(graph, result)
        problems.extend(Problem(block, None, "tie", message) for block, message in wrong)
    position = {block_id: i for i, block_id in enumerate(graph.blocks)}
    problems.sort(key=lambda p: position.get(p.block, len(position)) if p.block else len(position))
    ends = GROUP_OUTPUT if feeds is not None else "output"
    if graph.blocks and not any(b.type == ends for b in graph.blocks.values()):
        title = "Group Output" if feeds is not None else "Output"
        problems.append(
            Problem(None, None, "graph", f"The network has no {title} block: add one and wire the result into it.")
        )
    return result


def _check_size(graph: Graph, result: Analysis) -> None:
    """A network too large for this machine's memory, said on its largest block before anything is built."""
    why = too_large(result.total_params)
    if not why:
        return
    largest = max(result.param_counts, key=lambda block_id: result.param_counts[block_id])
    block = graph.blocks[largest]
    result.problems.append(
        Problem(
            largest,
            None,
            "size",
            f"{label(get_spec(block.type), block)} has {result.param_counts[largest]:,} weights and the network "
            f"{result.total_params:,}: {why}. Make its sizes smaller.",
        )
    )


def _misplaced(block: Block, spec: BlockSpec, nested: bool) -> str:
    """Why a block cannot be where it is: a group's port outside a group, a dataset's Input inside one."""
    if not nested and block.type in INSIDE_ONLY:
        return f"{label(spec, block)} belongs inside a group, where it is one of the group's ports"
    if nested and block.type in OUTSIDE_ONLY:
        return f"{label(spec, block)} cannot be inside a group: use a {OUTSIDE_ONLY[block.type]} for the group's port"
    if block.type == GROUP and block.graph is None:
        return f"{label(spec, block)} has nothing inside"
    return ""


def _infer_block(graph: Graph, block: Block, spec: BlockSpec, result: Analysis) -> None:
    params = result.params[block.id]
    ports, out_ports = block_ports(block, params)
    ins: list[Shape] = []
    in_dtypes: list[str] = []
    for index, port in enumerate(ports):
        link = graph.link_into(block.id, index)
        if link is None and port.optional:
            continue
        if link is None:
            result.problems.append(
                Problem(
                    block.id,
                    port.name,
                    "unconnected",
                    f"{label(spec, block)} has nothing connected to its input '{port.name}': drag a wire into it",
                )
            )
            return
        shape = result.wire_shape(link)
        if shape is None:
            return  # upstream problem, reported there
        dtype = result.dtypes[link.src][link.src_port]
        if port.dtype != "any" and dtype != port.dtype:
            hint = ": add an Embedding first" if dtype == "long" else ""
            result.problems.append(
                Problem(
                    block.id,
                    port.name,
                    "dtype",
                    f"{label(spec, block)} expects {DTYPE_WORDS[port.dtype]} on input '{port.name}' "
                    f"but receives {DTYPE_WORDS[dtype]}{hint}",
                )
            )
            return
        ins.append(shape)
        in_dtypes.append(dtype)
    if block.type == GROUP:
        _infer_group(block, params, ins, in_dtypes, result)
        return
    try:
        _infer_sizes(spec, params, ins)
        outs = spec.infer(params, ins)
    except ShapeError as exc:
        port_name = ports[exc.port].name if exc.port is not None and exc.port < len(ports) else None
        result.problems.append(Problem(block.id, port_name, exc.kind, f"{label(spec, block)} {exc.message}"))
        return
    result.shapes[block.id] = outs
    result.dtypes[block.id] = [
        (params.get("dtype", "float") if not in_dtypes else in_dtypes[0]) if port.dtype == "any" else port.dtype
        for port in out_ports
    ]
    result.param_counts[block.id] = spec.count(params, ins)


def _infer_group(block: Block, params: dict[str, Any], ins: list[Shape], dtypes: list[str], result: Analysis) -> None:
    """A group's outputs: its inside analysed with the shapes entering its ports; a repeated group's
    copies each take what the one before gives, so its outputs must fit its inputs."""
    inner = block.graph
    assert inner is not None
    ports, ends = port_names(block)
    inside = analyse(inner, dict(zip(ports, zip(ins, dtypes, strict=True), strict=True)))
    result.inner[block.id] = inside
    title = f"Group '{block.id}'"
    if inside.problems:
        more = len(inside.problems) - 1
        extra = f" (and {more} more inside: double-click it to see them)" if more else ""
        result.problems.append(Problem(block.id, None, "group", f"{title}: {inside.problems[0].message}{extra}"))
        return
    links = [link for end in ends if (link := inner.link_into(end, 0)) is not None]
    outs = [shape for link in links if (shape := inside.wire_shape(link)) is not None]
    if len(outs) != len(ends):  # an end left unwired or unshaped inside: a problem of the inside, said there
        return
    out_dtypes = [inside.dtypes[link.src][link.src_port] for link in links]
    repeat = params["repeat"]
    if repeat > 1 and (outs != ins or out_dtypes != dtypes):
        given, taken = (", ".join(format_shape(s) for s in shapes) for shapes in (outs, ins))
        result.problems.append(
            Problem(
                block.id,
                None,
                "shape",
                f"{title} repeats {repeat} times, so what it gives must fit what it takes: "
                f"it takes {taken} and gives {given}",
            )
        )
        return
    result.shapes[block.id] = outs
    result.dtypes[block.id] = out_dtypes
    result.param_counts[block.id] = inside.total_params * repeat


EXAMPLE_INPUTS: tuple[Shape, ...] = (
    ("N", 2),
    ("N", 4, 6),
    ("N", 3, 8, 8),
    ("N", 6),
    ("N", 8, 12),
    ("N", 64),
    ("N", 8, 6, 6),
)


def example_shapes(spec: BlockSpec) -> tuple[list[Shape], list[Shape]] | None:
    """A worked example of the block's shape rule: input shapes it accepts with its defaults (sizes
    that may be "auto" taken from the wires) and the output shapes it gives; None if none fits."""
    ports = spec.input_ports(spec.defaults())
    required = [p for p in ports if not p.optional]
    for ins in ([list(spec.example)] if spec.example else []) + [[shape] * len(required) for shape in EXAMPLE_INPUTS]:
        params = {**spec.defaults(), **{p.name: AUTO for p in spec.params if p.infer_from is not None}}
        try:
            _infer_sizes(spec, params, ins)
            return ins, spec.infer(params, ins)
        except (ShapeError, KeyError, TypeError, IndexError):
            continue
    return None
