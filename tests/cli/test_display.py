"""On a Linux desktop without the libraries Qt's xcb plugin needs, one clear line instead of Qt's abort."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from playground import display


@pytest.fixture(scope="module")
def plugin_with_a_missing_library(tmp_path_factory) -> Path:
    """A shared library linked against libplaygroundfake.so.3, which is then deleted: what ldd sees in a
    plugin whose dependency is not installed."""
    folder = tmp_path_factory.mktemp("fake")
    gcc = shutil.which("gcc") or shutil.which("cc")
    assert gcc, "the test needs a C compiler (a fresh machine has gcc)"
    (folder / "dep.c").write_text("int fake_dependency(void) { return 1; }\n")
    (folder / "plugin.c").write_text("int fake_dependency(void);\nint plugin(void) { return fake_dependency(); }\n")
    dep = folder / "libplaygroundfake.so.3"
    subprocess.run(
        [gcc, "-shared", "-fPIC", "-Wl,-soname,libplaygroundfake.so.3", "-o", dep, folder / "dep.c"], check=True
    )
    (folder / "libplaygroundfake.so").symlink_to(dep.name)
    plugin = folder / "libqxcb.so"
    subprocess.run(
        [gcc, "-shared", "-fPIC", "-o", plugin, folder / "plugin.c", f"-L{folder}", "-lplaygroundfake"], check=True
    )
    dep.unlink()
    return plugin


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plugin exists on Linux only")
def test_missing_libraries_are_named_with_the_command_that_installs_them(plugin_with_a_missing_library) -> None:
    message = display.display_problem({"DISPLAY": ":0"}, plugin_with_a_missing_library)
    assert "libplaygroundfake.so.3" in message
    assert "sudo apt-get install libplaygroundfake3" in message
    assert "\n" not in message


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plugin exists on Linux only")
def test_the_window_is_not_opened_and_the_exit_code_is_1(plugin_with_a_missing_library, monkeypatch, capsys) -> None:
    from playground import app

    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.setattr(display, "xcb_plugin", lambda: plugin_with_a_missing_library)
    assert app.main([]) == 1
    assert "libplaygroundfake.so.3" in capsys.readouterr().err


def test_debian_package_names_follow_debians_rule() -> None:
    assert display.debian_package("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert display.debian_package("libxcb-keysyms.so.1") == "libxcb-keysyms1"
    assert display.debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert display.debian_package("libX11-xcb.so.1") == "libx11-xcb1"


def test_offscreen_and_wayland_need_no_xcb_check() -> None:
    assert not display.uses_xcb({"QT_QPA_PLATFORM": "offscreen"})
    assert not display.uses_xcb({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"})
    assert display.uses_xcb({"DISPLAY": ":0"}) and display.uses_xcb({"QT_QPA_PLATFORM": "xcb"})


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plugin exists on Linux only")
def test_without_a_display_the_message_says_so(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(display, "LOADED_AT_RUN_TIME", ())
    gcc = shutil.which("gcc") or shutil.which("cc")
    (tmp_path / "ok.c").write_text("int ok(void) { return 0; }\n")
    plugin = tmp_path / "libqxcb.so"
    subprocess.run([gcc, "-shared", "-fPIC", "-o", plugin, tmp_path / "ok.c"], check=True)
    message = display.display_problem({}, plugin)
    assert "there is no display (DISPLAY is not set)" in message
    assert display.display_problem({"DISPLAY": ":0"}, plugin) == ""
