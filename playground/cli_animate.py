"""``playground animate``: a recorded run's steps drawn by the app's own views into an animated GIF (WebP,
PNG) for slides. The arguments and the run's index are checked here, without Qt or torch; the drawing is
ui/animate_command.py's (the app's window, offscreen)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from playground import cli_types
from playground.core.project import build, migrate
from playground.core.reader import ProjectError
from playground.core.run_index import INDEX, RunError, read_index
from playground.runtime.animation import FORMATS, FPS_RANGE, MAX_FRAMES, VIEWS, frames_of

EXIT_OK, EXIT_BAD_ARGUMENTS, EXIT_UNREADABLE = 0, 1, 2


def add_parser(sub: argparse._SubParsersAction) -> None:
    views = "\n".join(f"  {view:<16} {title}" for view, title in VIEWS.items())
    animate = sub.add_parser(
        "animate",
        help="draw a recorded run (train --record) step by step into an animated GIF, WebP or PNG for slides",
        description="Draw the steps a run recorded (playground train --record DIR) one after another with the "
        "app's own views, offscreen, into an animation that loops. A run with more than "
        f"{MAX_FRAMES} keyframes between --from and --to is sampled evenly. Exit 0 written, 1 the run does not "
        "show that view or keeps no step in that range, 2 DIR cannot be read or FILE written (or exists).",
        epilog=f"VIEW is one of:\n{views}\n(a run shows the views its data calls for: 'plane' for a 2-D input, "
        "'predictions' for images, ...)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    animate.add_argument("folder", type=Path, metavar="DIR", help="the run's folder (train --record DIR)")
    animate.add_argument("--view", required=True, choices=tuple(VIEWS), metavar="VIEW", help="what to draw (below)")
    animate.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE", help=f"the animation: {', '.join(FORMATS)}"
    )
    animate.add_argument("--from", dest="first", type=int, metavar="STEP", help="the first step (default: the run's)")
    animate.add_argument("--to", dest="last", type=int, metavar="STEP", help="the last step (default: the run's)")
    animate.add_argument("--fps", type=float, default=10.0, metavar="N", help="frames a second, 1 to 50 (default: 10)")
    animate.add_argument(
        "--size",
        type=cli_types.size,
        default=(1280, 720),
        metavar="WxH",
        help="the window's size in pixels, which the views are laid out in (default: 1280x720, a projector's)",
    )
    animate.add_argument("--force", action="store_true", help="replace FILE if it exists")
    animate.set_defaults(run=cmd_animate)


def cmd_animate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    output: Path = args.output
    if output.suffix.lower() not in FORMATS:
        print(f"{output}: an animation is written as {', '.join(FORMATS)}, not '{output.suffix}'", file=err)
        return EXIT_BAD_ARGUMENTS
    if not FPS_RANGE[0] <= args.fps <= FPS_RANGE[1]:
        print(f"--fps {args.fps:g}: must be from {FPS_RANGE[0]:g} to {FPS_RANGE[1]:g} frames a second", file=err)
        return EXIT_BAD_ARGUMENTS
    if output.exists() and not args.force:
        print(f"{output}: exists; --force replaces it", file=err)
        return EXIT_UNREADABLE
    try:
        index = read_index(args.folder)
        project = build(migrate(index["project"], str(args.folder / INDEX)), str(args.folder / INDEX))
    except RunError as exc:
        print(exc, file=err)
        return EXIT_UNREADABLE
    except ProjectError as exc:
        print(f"{args.folder / INDEX}: its project cannot be read: {exc}", file=err)
        return EXIT_UNREADABLE
    kept = [entry["step"] for entry in index["keyframes"]]
    steps = frames_of(kept, args.first, args.last)
    if not steps:
        print(
            f"{args.folder}: keeps no step from {args.first or 0:,} to {args.last if args.last is not None else 'the end'}"
            f" (its keyframes are at steps {kept[0]:,} to {kept[-1]:,})",
            file=err,
        )
        return EXIT_BAD_ARGUMENTS
    from playground.ui.animate_command import Request, animate

    found = index.get("project_file")
    project_file = Path(found) if isinstance(found, str) and found else None
    request = Request(project, project_file, args.folder, args.view, steps, output, args.fps, args.size)
    return animate(request, out, err)
