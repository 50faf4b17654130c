"""What a class hands in, as ``playground grade`` finds it: project files named one by one, a folder of
them, a folder of per-student folders (the usual download from a learning platform), or a zip of either.
Every entry becomes a ``Submission`` (its student: the per-student folder's name, else the file's
name) or a ``Skipped`` entry with the reason: nothing is left out without a word. Submissions that are
the same file, or hold the same network, are marked. No torch here."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from playground.core.files import TRAINER_SUFFIX, WEIGHTS_SUFFIX, read_bounded
from playground.core.project import MAX_FILE_BYTES, loads
from playground.core.project_write import graph_document
from playground.core.reader import ProjectError

MAX_DEPTH = 4  # folders and zips below the one named (a student's folder, and what a zip or an editor adds)
MAX_ENTRIES = 20_000  # of one zip
MAX_UNPACKED = 2 * 1024**3  # bytes one zip may unpack to (a zip bomb is refused, not unpacked)
PLATFORM_SUFFIX = re.compile(
    r"_(assignsubmission|onlinetext|file)_\w*$"
)  # Moodle: "Ana Diaz_1234_assignsubmission_file_"


@dataclass(frozen=True)
class Submission:
    """One project file to grade: whose, where it lies, and how the table names it (a zip's entries by
    the zip's name and the path inside it)."""

    student: str
    path: Path
    shown: str


@dataclass(frozen=True)
class Skipped:
    entry: str
    reason: str


@dataclass
class HandIn:
    submissions: list[Submission] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def collect(names: list[str], assignment: Path, unpack: Path) -> HandIn:
    """The submissions in ``names`` (files, folders, zips), zips unpacked under ``unpack``."""
    found = HandIn()
    for name in names:
        path = Path(name)
        if path.is_dir():
            _folder(found, path, str(path), assignment, unpack, student="", depth=0)
        elif path.suffix.lower() == ".zip" and path.is_file():
            _zip(found, path, str(path), assignment, unpack, student="", depth=0)
        else:  # named one by one: graded even when it cannot be read (its row says why)
            found.submissions.append(Submission(student_of(path.stem), path, str(path)))
    return found


def student_of(name: str) -> str:
    """The student a per-student folder (or a file's stem) names, a platform's suffix left out."""
    return PLATFORM_SUFFIX.sub("", name).strip() or name


def _folder(found: HandIn, folder: Path, shown: str, assignment: Path, unpack: Path, student: str, depth: int) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as exc:
        found.skipped.append(Skipped(shown, f"cannot be listed ({exc.strerror or exc})"))
        return
    for entry in entries:
        path, where = Path(entry.path), f"{shown}/{entry.name}"
        why = _not_a_submission(path, assignment)
        if why:
            found.skipped.append(Skipped(where, why))
        elif (path.is_dir() or path.suffix.lower() == ".zip") and depth >= MAX_DEPTH:
            found.skipped.append(Skipped(where, f"more than {MAX_DEPTH} folders or zips down"))
        elif path.is_dir():
            _folder(found, path, where, assignment, unpack, student or student_of(entry.name), depth + 1)
        elif path.suffix.lower() == ".zip":
            _zip(found, path, where, assignment, unpack, student or student_of(path.stem), depth + 1)
        elif path.suffix.lower() == ".json":
            found.submissions.append(Submission(student or student_of(path.stem), path, where))
        else:
            found.skipped.append(Skipped(where, _other_file(path)))


def _not_a_submission(path: Path, assignment: Path) -> str:
    """Why an entry of a folder is not graded ("" when it may be)."""
    try:
        info = path.lstat()
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISLNK(info.st_mode):
        return f"a link (to {os.readlink(path)}): a student hands in a file, not a link to one"
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        return "not a regular file (a pipe, a socket or a device)"
    if stat.S_ISREG(info.st_mode) and assignment.exists() and path.samefile(assignment):
        return "the assignment itself"
    return ""


def _other_file(path: Path) -> str:
    if path.name.endswith((WEIGHTS_SUFFIX, TRAINER_SUFFIX)):
        return "trained weights: grading trains every network itself, from the assignment's seed"
    return "not a project file (.json) or a zip of them"


def _zip(found: HandIn, path: Path, shown: str, assignment: Path, unpack: Path, student: str, depth: int) -> None:
    """A zip's entries unpacked into a folder of their own under ``unpack``, then read as a folder (the
    zip's one folder is looked into when it holds the per-student folders)."""
    target = unpack / str(len(list(unpack.iterdir())))
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            refused = _unsafe_zip(members)
            if refused:
                found.skipped.append(Skipped(shown, refused))
                return
            for member in members:
                inner = PurePosixPath(member.filename)
                if inner.is_absolute() or ".." in inner.parts:
                    found.skipped.append(Skipped(f"{shown}/{member.filename}", "a path outside the zip's folder"))
                elif stat.S_ISLNK(member.external_attr >> 16):
                    found.skipped.append(Skipped(f"{shown}/{member.filename}", "a link, not a file"))
                else:
                    archive.extract(member, target)
    except (OSError, zipfile.BadZipFile, ValueError, NotImplementedError) as exc:
        found.skipped.append(Skipped(shown, f"cannot be unpacked ({getattr(exc, 'strerror', None) or exc})"))
        return
    root, inside = target, shown
    while not student and (only := _only_folder(root)) is not None and any(p.is_dir() for p in only.iterdir()):
        root, inside = only, f"{inside}/{only.name}"
    if root.is_dir():
        _folder(found, root, inside, assignment, unpack, student, depth)


def _only_folder(folder: Path) -> Path | None:
    """The one entry of ``folder`` when it is a folder (a zip made of a course's folder of folders)."""
    children = list(folder.iterdir()) if folder.is_dir() else []
    return children[0] if len(children) == 1 and children[0].is_dir() else None


def _unsafe_zip(members: list[zipfile.ZipInfo]) -> str:
    if len(members) > MAX_ENTRIES:
        return f"holds more than {MAX_ENTRIES:,} entries: not unpacked"
    if sum(member.file_size for member in members) > MAX_UNPACKED:
        return f"would unpack to more than {MAX_UNPACKED // 1024**3} GB: not unpacked"
    return ""


# --- the same work handed in twice ---------------------------------------------------------------


def duplicates(submissions: list[Submission]) -> list[str]:
    """Per submission, which earlier one it repeats: "same file as …" (the same bytes) or "same network
    as …" (the same blocks, parameters and wires, wherever they were placed); "" when none."""
    seen_bytes: dict[str, str] = {}
    seen_networks: dict[str, str] = {}
    said = []
    for submission in submissions:
        try:
            raw = read_bounded(submission.path, MAX_FILE_BYTES)
        except OSError:
            said.append("")
            continue
        digest = hashlib.sha256(raw).hexdigest()
        network = _network_key(raw, submission.path)
        if digest in seen_bytes:
            said.append(f"same file as {seen_bytes[digest]}")
        elif network and network in seen_networks:
            said.append(f"same network as {seen_networks[network]}")
        else:
            said.append("")
        seen_bytes.setdefault(digest, submission.shown)
        if network:
            seen_networks.setdefault(network, submission.shown)
    return said


def _network_key(raw: bytes, path: Path) -> str:
    """The network's blocks, parameters and wires, hashed, from the bytes already read ("" for a file
    that is no project)."""
    try:
        project = loads(raw.decode("utf-8"), str(path))
    except (ProjectError, UnicodeDecodeError):
        return ""
    return hashlib.sha256(json.dumps(graph_document(project.graph), sort_keys=True).encode()).hexdigest()
