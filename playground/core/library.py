"""My blocks: groups a user keeps to use again in any project, one JSON file each in a folder.

An entry is a one-group document, versioned as project files are and read as strictly (through the same
migrations and checks; nothing in it is ever executed). A damaged entry is listed with its problem and
left as it is: it is the user's file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from playground.core.files import atomic_write, read_bounded
from playground.core.graph import GROUP, Block, Graph
from playground.core.project import FORMAT_NAME, FORMAT_VERSION, MAX_FILE_BYTES, migrate, parse, placed_graph
from playground.core.project_write import graph_document, positions_of
from playground.core.reader import ProjectError
from playground.core.registry import is_valid_id

LIBRARY_FORMAT = "playground-block"
SUFFIX = ".json"
KEYS = {"format", "format_version", "graph", "layout"}


@dataclass(frozen=True)
class Entry:
    """One file of the folder: its group (named after the file), or why it cannot be used."""

    name: str
    path: Path
    block: Block | None
    problem: str = ""


def entry_text(group: Block, name: str) -> str:
    """The group, named ``name``, as an entry file holds it (its inside and its blocks' positions)."""
    graph = Graph()
    graph.add_block(group.renamed(name))
    document = {
        "format": LIBRARY_FORMAT,
        "format_version": FORMAT_VERSION,
        "graph": graph_document(graph),
        "layout": {"positions": positions_of(graph)},
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_entry(text: str, source: str = "") -> Block:
    """The group an entry holds; ProjectError naming the place for anything else."""
    data = parse(text, source)
    if not isinstance(data, dict) or data.get("format") != LIBRARY_FORMAT:
        raise ProjectError(f'is not a block of My blocks (expected "format": "{LIBRARY_FORMAT}")', "format", source)
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise ProjectError(
            f"is not a field of a My blocks entry (allowed: {', '.join(sorted(KEYS))})", unknown[0], source
        )
    if "graph" not in data:
        raise ProjectError("is missing", "graph", source)
    data = migrate({**data, "format": FORMAT_NAME}, source)  # the project files' migrations, one per version
    graph = placed_graph(data, source)
    blocks = list(graph.blocks.values())
    if len(blocks) != 1 or blocks[0].type != GROUP:
        raise ProjectError("must hold one group, and nothing else", "graph.blocks", source)
    return blocks[0]


def entries(folder: Path) -> list[Entry]:
    """Every entry in ``folder``, by name; none when it does not exist yet."""
    found = []
    for path in sorted(folder.glob(f"*{SUFFIX}"), key=lambda p: p.stem.lower()):
        try:
            block = read_entry(read_bounded(path, MAX_FILE_BYTES).decode("utf-8"), str(path))
        except ProjectError as exc:
            found.append(Entry(path.stem, path, None, str(exc)))
        except OSError as exc:
            found.append(Entry(path.stem, path, None, f"{path}: cannot be read ({exc.strerror or exc})"))
        except UnicodeDecodeError as exc:
            found.append(Entry(path.stem, path, None, f"{path}: is not UTF-8 text (byte {exc.start})"))
        else:
            found.append(Entry(path.stem, path, block.renamed(path.stem) if is_valid_id(path.stem) else block))
    return found


def entry_path(folder: Path, name: str) -> Path:
    """Where the entry ``name`` (a block id, which its group takes when dropped) lives."""
    if not is_valid_id(name):
        raise ValueError(f"'{name}' is not a valid block id: use letters, digits and _, starting with a letter or _")
    return folder / f"{name}{SUFFIX}"


def save_entry(folder: Path, group: Block, name: str) -> Path:
    """Write the group as the entry ``name`` (atomically, over an entry of that name: ask first). An entry
    that could not be read back (nested too deeply, too many blocks) raises the ProjectError reading it
    would, and nothing is written."""
    path = entry_path(folder, name)
    text = entry_text(group, name)
    read_entry(text, str(path))
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path
