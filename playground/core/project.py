"""Project files: graph + layout + training configuration + dataset + notes, as strict JSON.

Loading is parse -> migrate -> build. Every defect in a file becomes one
ProjectError naming the place (``graph.blocks[2].params.out_features``, or a
line and column for broken JSON); nothing in a file is ever executed.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from playground.core import blocks as _catalogue  # noqa: F401  (registers the block types)
from playground.core import ties
from playground.core.assignment import build_assignment
from playground.core.drawn import check_points
from playground.core.files import TooLargeError, read_bounded
from playground.core.graph import GROUP, Block, Graph, Link, block_ports, walk
from playground.core.layout import auto_layout
from playground.core.migrations import MIGRATIONS
from playground.core.project_types import STAGE_VIEWS, DatasetRef, Expected, Project, Stage, TrainingConfig
from playground.core.reader import ProjectError, Reader, kind_of
from playground.core.registry import canonical_type, get_spec, is_valid_id
from playground.core.shapes import resolve_params

FORMAT_NAME = "playground-project"
FORMAT_VERSION = 12
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_BLOCKS = 5000
MAX_DEPTH = 16
MAX_TEXT = 100_000

_DATASET_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key '{key}' appears twice in one object")
        out[key] = value
    return out


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid number in a project file")


def parse(text: str, source: str = "") -> Any:
    """JSON text -> a plain JSON value (``migrate`` checks that it is a project's object), refusing
    NaN/Infinity and duplicate keys."""
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise ProjectError(f"is not valid JSON: {exc.msg}", f"line {exc.lineno}, column {exc.colno}", source) from None
    except ValueError as exc:
        raise ProjectError(f"is not a valid project file: {exc}", "", source) from None
    except RecursionError:
        raise ProjectError("is nested too deeply to be a project file", "", source) from None
    return data


def migrate(data: Any, source: str = "") -> dict[str, Any]:
    reader = Reader(source)
    if not isinstance(data, dict):
        raise reader.fail("", f"must hold a JSON object at the top, not {kind_of(data)}")
    document: dict[str, Any] = data
    if document.get("format") != FORMAT_NAME:
        raise reader.fail("format", f'is not a Playground project (expected "format": "{FORMAT_NAME}")')
    version = document.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise reader.fail("format_version", f"must be a whole number, not {kind_of(version)}")
    if version > FORMAT_VERSION:
        raise reader.fail(
            "format_version",
            f"is {version}, made by a newer Playground (this one reads up to {FORMAT_VERSION}): please update",
        )
    if version < 1:
        raise reader.fail("format_version", f"{version} is not a version Playground ever wrote")
    while version < FORMAT_VERSION:
        document = MIGRATIONS[version](document)
        version += 1
        document["format_version"] = version
    return document


def build(data: dict[str, Any], source: str = "") -> Project:
    r = Reader(source)
    r.obj(
        data,
        "",
        ("format", "format_version", "graph", "training", "dataset"),
        ("title", "description", "lecture", "notes", "layout", "expected", "stage", "assignment"),
    )
    graph = placed_graph(data, source)
    return Project(
        graph=graph,
        title=r.str(data.get("title", "Untitled"), "title"),
        description=r.str(data.get("description", ""), "description", 500),
        lecture=r.int(data.get("lecture", 0), "lecture", 0, 99),
        notes=r.str(data.get("notes", ""), "notes", MAX_TEXT),
        dataset=_build_dataset(r, data["dataset"]),
        training=_build_training(r, data["training"]),
        expected=_build_expected(r, data["expected"]) if "expected" in data else None,
        stage=_build_stage(r, data["stage"], graph) if "stage" in data else Stage(),
        assignment=build_assignment(r, data["assignment"], graph, MAX_TEXT) if "assignment" in data else None,
    )


def placed_graph(data: dict[str, Any], source: str = "") -> Graph:
    """A document's ``graph`` with its blocks at their ``layout.positions`` (laid out where a level has
    none), checked like a project file's: a project's, or a My blocks entry's."""
    r = Reader(source)
    graph = _build_graph(r, data["graph"])
    layout = r.obj(data.get("layout", {"positions": {}}), "layout", ("positions",))
    levels = dict(walk(graph))
    paths = tuple(f"{prefix}{block_id}" for prefix, level in levels.items() for block_id in level.blocks)
    positions = r.obj(layout["positions"], "layout.positions", (), paths)
    for prefix, level in levels.items():
        placed = auto_layout(level) if any(f"{prefix}{b}" not in positions for b in level.blocks) else {}
        for block_id, block in level.blocks.items():
            where = f"layout.positions.{prefix}{block_id}"
            if f"{prefix}{block_id}" in positions:
                pair = r.list(positions[f"{prefix}{block_id}"], where, 2)
                if len(pair) != 2:
                    raise r.fail(where, "must be [x, y]")
                block.x, block.y = (r.number(v, where) for v in pair)
            else:
                block.x, block.y = placed[block_id]
    return graph


def build_graph(data: Any, source: str = "") -> Graph:
    """A graph from its JSON form (``{"blocks": [...], "links": [...]}``), checked like a project file's."""
    return _build_graph(Reader(source), data)


def _build_graph(
    r: Reader, data: Any, where: str = "graph", counted: list[int] | None = None, copies: int = 1
) -> Graph:
    """``counted`` adds up the blocks so far, each as many times as the repeats around it make copies of it
    (``copies``): three groups of repeat 64 in one another are 262,144 blocks to build, not 3."""
    nested = where != "graph"
    r.obj(data, where, ("blocks", "links"), () if nested else ("ties",))
    depth = where.count(".graph")
    if depth > MAX_DEPTH:
        top = where.split(".graph", 1)[0]
        raise r.fail(
            f"{top}.graph (and {depth - 1} groups inside it)",
            f"is nested too deeply (groups in groups, at most {MAX_DEPTH} levels)",
        )
    counted = counted if counted is not None else [0]
    graph = Graph(nested)
    top = where
    for i, item in enumerate(r.list(data["blocks"], f"{top}.blocks", MAX_BLOCKS)):
        where = f"{top}.blocks[{i}]"
        counted[0] += copies
        if counted[0] > MAX_BLOCKS:
            raise r.fail(
                where,
                f"is one block too many (at most {MAX_BLOCKS:,} in all, groups' insides included, each "
                "copy of a repeated group counted)",
            )
        r.obj(item, where, ("id", "type"), ("params", "graph"))
        block_id = r.str(item["id"], f"{where}.id", 64)
        if not is_valid_id(block_id, nested):
            raise r.fail(
                f"{where}.id",
                f"'{block_id}' is not a valid block id (letters, digits, _; not a name PyTorch modules"
                " use themselves, like 'code' or 'forward')",
            )
        if block_id in graph.blocks:
            raise r.fail(f"{where}.id", f"'{block_id}' is used by two blocks")
        type_name = canonical_type(r.str(item["type"], f"{where}.type", 64))
        spec = get_spec(type_name) if type_name else None
        if spec is None:
            raise r.fail(f"{where}.type", f"'{item['type']}' is not a block type this Playground knows")
        raw = r.obj(item.get("params", {}), f"{where}.params", (), tuple(p.name for p in spec.params))
        block = Block(block_id, spec.type, dict(raw))
        params, errors = resolve_params(spec, block)
        if errors:
            raise r.fail(f"{where}.params", f"{spec.title} '{block_id}' {errors[0]}")
        block.params = {name: params[name] for name in raw}
        if spec.type == GROUP:
            if "graph" not in item:
                raise r.fail(where, "is a group without the field 'graph' (what is inside it)")
            repeat = params.get("repeat", 1)
            block.graph = _build_graph(r, item["graph"], f"{where}.graph", counted, copies * repeat)
        elif "graph" in item:
            raise r.fail(f"{where}.graph", f"only a group holds a graph, not a {spec.title} block")
        graph.add_block(block)
    seen: set[tuple[str, int]] = set()
    for i, item in enumerate(r.list(data["links"], f"{top}.links", MAX_BLOCKS * 16)):
        where = f"{top}.links[{i}]"
        r.obj(item, where, ("src", "src_port", "dst", "dst_port"))
        link = Link(
            r.str(item["src"], f"{where}.src", 64),
            r.int(item["src_port"], f"{where}.src_port", 0, 255),
            r.str(item["dst"], f"{where}.dst", 64),
            r.int(item["dst_port"], f"{where}.dst_port", 0, 255),
        )
        for end, port, kind in ((link.src, link.src_port, "src"), (link.dst, link.dst_port, "dst")):
            if end not in graph.blocks:
                raise r.fail(f"{where}.{kind}", f"names a block '{end}' that does not exist")
            block = graph.blocks[end]
            spec = get_spec(block.type)
            assert spec is not None
            ins, outs = block_ports(block, resolve_params(spec, block)[0])
            ports = outs if kind == "src" else ins
            if port >= len(ports):
                raise r.fail(
                    f"{where}.{kind}_port",
                    f"block '{end}' has {len(ports)} {'output' if kind == 'src' else 'input'} port(s), not port {port}",
                )
        if (link.dst, link.dst_port) in seen:
            raise r.fail(where, f"a second wire into input {link.dst_port} of '{link.dst}'")
        seen.add((link.dst, link.dst_port))
        graph.connect(link)
    if not nested:
        graph.ties = _build_ties(r, data.get("ties", {}), graph)
    return graph


def _build_ties(r: Reader, data: Any, graph: Graph) -> dict[str, str]:
    """``graph.ties``: each name a block's path and one of its weights' torch names, the block there."""
    found = {}
    for name, to in r.mapping(data, "graph.ties", MAX_BLOCKS).items():
        where = f"graph.ties.{name[:200]}"
        for end in (r.str(name, where, 1000), r.str(to, where, 1000)):
            path, weight = ties.split(end)
            if not path or not weight.isidentifier() or ties.find(graph, path)[0] is None:
                raise r.fail(where, f'{json.dumps(end)} names no weight of a block (like "lm_head.weight")')
        found[name] = to
    return found


def _build_dataset(r: Reader, data: Any) -> DatasetRef:
    r.obj(data, "dataset", ("id",), ("params",))
    dataset_id = r.str(data["id"], "dataset.id", 64)
    if not _DATASET_RE.match(dataset_id):
        raise r.fail("dataset.id", f"'{dataset_id}' is not a dataset id (lower-case letters, digits, - and _)")
    params = r.mapping(data.get("params", {}), "dataset.params", 64)
    clean: dict[str, Any] = {}
    for key, value in params.items():
        where = f"dataset.params.{key}"
        if len(key) > 64:
            raise r.fail("dataset.params", "has a parameter name longer than 64 characters")
        if isinstance(value, str):
            clean[key] = r.str(value, where, 4096)
        elif isinstance(value, bool):
            clean[key] = value
        elif isinstance(value, int):
            clean[key] = r.int(value, where, -(1 << 31), 1 << 31)
        elif isinstance(value, float):
            clean[key] = r.number(value, where)
        elif isinstance(value, list):
            try:
                clean[key] = check_points(value)
            except ValueError as exc:
                raise r.fail(where, str(exc)) from None
        else:
            raise r.fail(where, f"must be text, a number, true/false or a list of points, not {kind_of(value)}")
    return DatasetRef(dataset_id, clean)


def _build_training(r: Reader, data: Any) -> TrainingConfig:
    specs = TrainingConfig.specs()
    r.obj(data, "training", (), tuple(specs))
    values = {name: r.setting(specs[name], value, f"training.{name}") for name, value in data.items()}
    return TrainingConfig(**values)


def _build_expected(r: Reader, data: Any) -> Expected:
    r.obj(data, "expected", ("metric", "threshold", "steps"), ("goal",))
    goal = data.get("goal", "above")
    if goal not in ("above", "below"):
        raise r.fail("expected.goal", "must be 'above' or 'below'")
    return Expected(
        metric=r.str(data["metric"], "expected.metric", 64),
        threshold=r.number(data["threshold"], "expected.threshold"),
        steps=r.int(data["steps"], "expected.steps", 1, 10_000_000),
        goal=goal,
    )


def _build_stage(r: Reader, data: Any, graph: Graph) -> Stage:
    r.obj(data, "stage", (), ("views", "follow"))
    views = r.list(data.get("views", list(STAGE_VIEWS)), "stage.views", len(STAGE_VIEWS))
    for i, view in enumerate(views):
        if view not in STAGE_VIEWS or views.index(view) != i:
            shown = ", ".join(f'"{v}"' for v in STAGE_VIEWS)
            raise r.fail(f"stage.views[{i}]", f"must be one of {shown}, each once, not {json.dumps(view)}")
    if not views:
        raise r.fail("stage.views", "must name at least one view")
    follow = r.str(data.get("follow", ""), "stage.follow", 64)
    if follow and follow not in graph.blocks:
        raise r.fail("stage.follow", f"names no block of the network (at its top level): {json.dumps(follow)}")
    return Stage(tuple(v for v in STAGE_VIEWS if v in views), follow)


def loads(text: str, source: str = "") -> Project:
    return build(migrate(parse(text, source), source), source)


def load(path: str | os.PathLike[str]) -> Project:
    """Read a project file; every problem becomes a ProjectError (OSError for unreadable files)."""
    path = Path(path)
    try:
        raw = read_bounded(path, MAX_FILE_BYTES)
    except TooLargeError:
        raise ProjectError(
            f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: not a project file", "", str(path)
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProjectError(f"is not UTF-8 text (byte {exc.start})", "", str(path)) from None
    return loads(text, str(path))
