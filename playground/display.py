"""Before the window opens on Linux: does Qt's xcb platform plugin find every library it needs?

Qt itself aborts with "could not load the Qt platform plugin xcb" and names libxcb-cursor0 whatever is
missing. Here ``ldd`` lists the plugin's unresolved libraries (and the one Qt loads at run time), and the
user gets one line naming them and the command that installs them. No Qt is imported here.
"""

from __future__ import annotations

import ctypes.util
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

LOADED_AT_RUN_TIME = ("xcb-cursor",)  # Qt 6.5+ opens libxcb-cursor itself and refuses to start without it
PACKAGES = {"libglib-2.0.so.0": "libglib2.0-0"}  # Debian package names that the rule below gets wrong
_MISSING = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


def xcb_plugin() -> Path | None:
    spec = importlib.util.find_spec("PySide6")
    if spec is None or spec.origin is None:
        return None
    plugin = Path(spec.origin).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.exists() else None


def uses_xcb(environ: os._Environ[str] | dict[str, str]) -> bool:
    """Whether Qt will pick the xcb (X11) platform plugin in this environment."""
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":")[0].split(";")[0] == "xcb"
    return not (environ.get("WAYLAND_DISPLAY") and environ.get("XDG_SESSION_TYPE") == "wayland")


def missing_libraries(plugin: Path) -> list[str]:
    """The shared libraries ``plugin`` (and what it links) needs and the dynamic loader cannot find."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    try:
        listing = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    missing = list(dict.fromkeys(_MISSING.findall(listing)))
    for name in LOADED_AT_RUN_TIME:
        if ctypes.util.find_library(name) is None:
            missing.append(f"lib{name}.so.0")
    return missing


def debian_package(soname: str) -> str:
    """libxcb-icccm.so.4 -> libxcb-icccm4, libxkbcommon-x11.so.0 -> libxkbcommon-x11-0 (Debian's rule)."""
    if soname in PACKAGES:
        return PACKAGES[soname]
    base, _, version = soname.partition(".so.")
    version = version.split(".")[0]
    return (base + ("-" if base[-1:].isdigit() else "") + version).lower()


def display_problem(environ: os._Environ[str] | dict[str, str] | None = None, plugin: Path | None = None) -> str:
    """One message saying why the window cannot open on this Linux desktop, or "" when it can."""
    environ = os.environ if environ is None else environ
    if not sys.platform.startswith("linux") or not uses_xcb(environ):
        return ""
    plugin = plugin or xcb_plugin()
    if plugin is None:
        return ""
    missing = missing_libraries(plugin)
    if missing:
        packages = " ".join(dict.fromkeys(debian_package(name) for name in missing))
        return (
            f"Playground cannot open its window: Qt's X11 (xcb) plugin needs libraries this system lacks: "
            f"{', '.join(missing)}. On Debian or Ubuntu install them with: sudo apt-get install {packages}"
        )
    if not environ.get("DISPLAY"):
        return (
            "Playground cannot open its window: there is no display (DISPLAY is not set). Start it from a "
            "desktop session, or use the commands that need none: playground --help"
        )
    return ""
