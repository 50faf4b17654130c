"""Writing a project file: the document a Project becomes (format and version, the graph with its
groups' insides, positions by block path, dataset, training, stage), checked by reading it back as
``project.load`` would before anything is written, and written atomically."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from playground.core.assignment import assignment_document
from playground.core.files import atomic_write
from playground.core.graph import Block, Graph, walk
from playground.core.project import FORMAT_NAME, FORMAT_VERSION, MAX_FILE_BYTES, loads
from playground.core.project_types import Project, Stage
from playground.core.reader import ProjectError


def block_document(block: Block) -> dict[str, Any]:
    """A block as a file holds it (a group with its inside)."""
    item: dict[str, Any] = {"id": block.id, "type": block.type, "params": block.params}
    if block.graph is not None:
        item["graph"] = graph_document(block.graph)
    return item


def graph_document(graph: Graph, only: list[str] | None = None) -> dict[str, Any]:
    """Blocks and links as a file holds them; ``only``: these blocks and the wires among them."""
    ids = set(graph.blocks if only is None else only)
    return {
        "blocks": [block_document(b) for b in graph.blocks.values() if b.id in ids],
        "links": [
            {"src": link.src, "src_port": link.src_port, "dst": link.dst, "dst_port": link.dst_port}
            for link in graph.links
            if link.src in ids and link.dst in ids
        ],
    } | ({"ties": dict(graph.ties)} if graph.ties and only is None else {})


def positions_of(graph: Graph, only: list[str] | None = None) -> dict[str, list[float]]:
    """Every block's position by path, the blocks inside groups included; ``only``: these blocks'."""
    tops = set(graph.blocks if only is None else only)
    found = {}
    for prefix, level in walk(graph):
        if prefix and prefix.split(".")[0] not in tops:
            continue
        for block in level.blocks.values():
            if prefix or block.id in tops:
                found[f"{prefix}{block.id}"] = [block.x, block.y]
    return found


def to_document(project: Project) -> dict[str, Any]:
    graph = project.graph
    doc: dict[str, Any] = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "title": project.title,
        "description": project.description,
        "lecture": project.lecture,
        "notes": project.notes,
        "graph": graph_document(graph),
        "layout": {"positions": positions_of(graph)},
        "dataset": {"id": project.dataset.id, "params": project.dataset.params},
        "training": dataclasses.asdict(project.training),
    }
    if project.expected is not None:
        doc["expected"] = dataclasses.asdict(project.expected)
    follow = project.stage.follow if project.stage.follow in graph.blocks else ""  # a block deleted since
    stage = dataclasses.replace(project.stage, follow=follow)
    if stage != Stage():
        doc["stage"] = {"views": list(stage.views), "follow": stage.follow}
    if project.assignment is not None:
        doc["assignment"] = assignment_document(project.assignment)
    return doc


def dumps(project: Project) -> str:
    return json.dumps(to_document(project), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def checked_dumps(project: Project, source: str = "") -> str:
    """The project's file text, read back as ``load`` would read it first: a project that Playground
    could not open again (notes or a description too long, groups nested too deeply, too many blocks)
    raises the ProjectError that opening it would, and nothing is written."""
    text = dumps(project)
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise ProjectError(f"would be larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", "", source)
    loads(text, source)
    return text


def save(project: Project, path: str | os.PathLike[str]) -> None:
    """Write atomically (see files.atomic_write): a new file gets the umask's mode, an existing one keeps
    its own. A project that could not be opened again is refused first (see ``checked_dumps``)."""
    text = checked_dumps(project, str(path))
    atomic_write(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))
