"""The command line says only what is so and loses nothing: exports never replace the project or its
weights (and other files only with --force), write atomically, and say what they need; training finds
an unwritable folder before it trains, keeps the saved pair when a save fails, and stops on Ctrl+C or
out of memory in one line."""

import errno
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from playground.core.files import weights_files
from playground.core.project import load
from tests.cli.test_cli import SPIRAL, run
from tests.helpers import HEARS_CTRL_C

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def trained(tmp_path: Path) -> Path:
    """A copy of mlp-spiral with its weights and trainer state saved beside it."""
    path = tmp_path / "p.json"
    shutil.copy(SPIRAL, path)
    code, _, err = run("train", str(path), "--steps", "20", "--save-weights", "--json", "--device", "cpu")
    assert code == 0, err
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_export_never_replaces_the_project_or_the_weights_it_reads(trained: Path) -> None:
    before = snapshot(trained.parent)
    weights, state = weights_files(trained.with_suffix(""))
    for fmt, target in (("python", trained), ("torchscript", weights), ("onnx", state), ("python", state)):
        code, out, err = run("export", str(trained), "--format", fmt, "-o", str(target), "--force")
        assert code == 2 and "is what the export reads" in err and out == "", (fmt, target, err)
    assert snapshot(trained.parent) == before


def test_export_replaces_other_files_only_with_force(trained: Path) -> None:
    folder = trained.parent / "script"
    folder.mkdir()
    (folder / "train.py").write_text("# the user's own\n")
    (folder / "README.md").write_text("mine\n")
    code, _, err = run("export", str(trained), "--format", "script", "-o", str(folder))
    assert code == 2 and "train.py" in err and "README.md" in err and "--force" in err
    assert (folder / "train.py").read_text() == "# the user's own\n"
    module = trained.parent / "model.py"
    module.write_text("mine\n")
    code, _, err = run("export", str(trained), "-o", str(module))
    assert code == 2 and "exists; pass --force" in err and module.read_text() == "mine\n"
    code, _, err = run("export", str(trained), "-o", str(module), "--force")
    assert code == 0 and module.read_text().startswith('"""Model'), err


def test_the_python_export_says_what_it_needs_and_its_files_share_one_mode(trained: Path) -> None:
    old = os.umask(0o022)
    try:
        target = trained.parent / "model.py"
        code, _, err = run("export", str(trained), "-o", str(target))
    finally:
        os.umask(old)
    assert code == 0, err
    source = target.read_text()
    assert "Needs only PyTorch; loading its weights also safetensors (pip install safetensors)" in source
    modes = {stat.S_IMODE(p.stat().st_mode) for p in (target, target.with_suffix(".safetensors"))}
    assert modes == {0o644}
    code, _, _ = run("export", str(trained), "-o", str(trained.parent / "bare.py"), "--untrained")
    assert "Needs only PyTorch. Inputs" in (trained.parent / "bare.py").read_text()


def test_a_torchscript_export_onto_a_full_disk_keeps_the_file_there(trained: Path, monkeypatch) -> None:
    target = trained.parent / "model.pt"
    code, _, err = run("export", str(trained), "--format", "torchscript", "-o", str(target))
    assert code == 0, err
    good = target.read_bytes()

    real = Path.write_bytes

    def full(self: Path, data: bytes) -> int:
        real(self, data[:8192])  # as far as it got
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_bytes", full)
    code, _, err = run("export", str(trained), "--format", "torchscript", "-o", str(target), "--force")
    assert code == 2 and "cannot be written (No space left on device)" in err
    assert target.read_bytes() == good
    assert [p.name for p in trained.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_export_refuses_nan_weights(trained: Path) -> None:
    from safetensors.torch import load_file, save_file

    weights = weights_files(trained.with_suffix(""))[0]
    tensors = load_file(str(weights))
    tensors[next(iter(tensors))].fill_(float("nan"))
    save_file(tensors, str(weights), metadata={"format": "playground-weights", "step": "20"})
    code, _, err = run("export", str(trained), "-o", str(trained.parent / "model.py"))
    assert code == 1 and "holds NaN or infinite values" in err and "--untrained" in err
    assert not (trained.parent / "model.py").exists()


def test_an_unwritable_folder_is_found_before_training(trained: Path, monkeypatch) -> None:
    import tempfile

    def read_only(*args, **kwargs):
        raise PermissionError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    code, out, err = run("train", str(trained), "--steps", "50", "--save-weights", "--json", "--device", "cpu")
    assert code == 2 and "cannot be written there (Read-only file system): nothing was trained" in err
    assert out == ""


def test_a_full_disk_at_the_end_keeps_the_pair_saved_before(trained: Path, monkeypatch) -> None:
    files = weights_files(trained.with_suffix(""))
    before = [file.read_bytes() for file in files]
    real = Path.write_bytes

    def full(self: Path, data: bytes) -> int:
        if self.name.endswith(".tmp"):
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    code, _, err = run("train", str(trained), "--resume", "--steps", "30", "--save-weights", "--device", "cpu")
    assert code == 2 and "the weights were not saved (No space left on device)" in err
    assert "p.weights.safetensors and p.trainer.safetensors, saved before, are kept" in err and "Traceback" not in err
    assert [file.read_bytes() for file in files] == before
    monkeypatch.undo()
    code, out, err = run("train", str(trained), "--resume", "--steps", "1", "--json", "--device", "cpu")
    assert code == 0 and json.loads(out.splitlines()[-1])["step"] == 21, err


def test_out_of_memory_on_the_cpu_stops_in_one_line(tmp_path: Path, monkeypatch) -> None:
    from playground.nn.trainer import Trainer

    def no_memory(self):
        raise RuntimeError(
            "[enforce fail at alloc_cpu.cpp:127] DefaultCPUAllocator: can't allocate memory: you tried to allocate "
            "4398046511104 bytes. Error code 12 (Cannot allocate memory)"
        )

    monkeypatch.setattr(Trainer, "_train_step", no_memory)
    code, _, err = run("train", SPIRAL, "--steps", "5", "--device", "cpu")
    assert code == 4 and "the CPU ran out of memory at step 1" in err and "smaller batch size" in err
    assert len(err.strip().splitlines()) == 1


def test_check_does_not_build_a_network_too_large_to_try(tmp_path: Path) -> None:
    doc = json.loads(Path(SPIRAL).read_text())
    linear = [b for b in doc["graph"]["blocks"] if b["type"] == "linear"]
    for block in linear[:-1]:
        block["params"]["out_features"] = 20_000
    for block in linear[1:]:
        block["params"]["in_features"] = "auto"
    path = tmp_path / "wide.json"
    path.write_text(json.dumps(doc))
    code, out, err = run("check", str(path))
    assert code == 0 and "ok, but the data was not tried with the network" in out and "GiB" in out, err
    linear[-2]["params"]["out_features"] = 1 << 20
    path.write_text(json.dumps(doc))
    code, out, err = run("check", str(path))
    assert code == 1 and "more than this machine's" in err


def test_ctrl_c_stops_a_run_with_an_end_in_a_line_and_keeps_its_weights(trained: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            HEARS_CTRL_C,
            "train",
            str(trained),
            "--epochs",
            "100000",
            "--json",
            "--save-weights",
            "--eval-every",
            "20",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,
    )
    try:
        assert json.loads(process.stdout.readline())["event"] == "progress"
        time.sleep(0.3)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, err
    assert "stopped by Ctrl+C at step" in err and "Traceback" not in err
    last = json.loads(out.splitlines()[-1])
    assert last["event"] == "interrupted"
    assert load(trained) is not None
    code, out, err = run("train", str(trained), "--resume", "--steps", "1", "--json", "--device", "cpu")
    assert code == 0 and json.loads(out.splitlines()[-1])["step"] == last["step"] + 1, err


@pytest.fixture
def full_disk(tmp_path: Path):
    """A real disk of 256 KiB (a tmpfs), for what only a real full disk shows: TorchScript's writer aborted
    the process there (``terminate called …``), which no simulated error reproduces."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"this machine lets the tests mount no small disk ({mounted.stderr.decode().strip()})")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path, leave: int) -> None:
    """Fill ``disk`` until at most ``leave`` bytes are free."""
    with open(disk / "filler", "wb") as handle:
        while shutil.disk_usage(disk).free > leave:
            try:
                handle.write(b"\0" * 4096)
                handle.flush()
            except OSError:
                break


def playground(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "playground", *argv], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("fmt", ["torchscript", "onnx"])
def test_an_export_onto_a_real_full_disk_says_so_and_lives(trained: Path, full_disk: Path, fmt: str) -> None:
    fill(full_disk, leave=0)
    target = full_disk / f"model.{'pt' if fmt == 'torchscript' else 'onnx'}"
    done = playground("export", str(trained), "--format", fmt, "-o", str(target))
    assert done.returncode == 2, done.stderr  # not 134 (aborted), not 1 (the network blamed)
    assert f"{target}: cannot be written (No space left on device)" in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]  # no half file, no temporary


def test_train_finds_a_full_disk_before_training(trained: Path, full_disk: Path) -> None:
    project = full_disk / "p.json"
    shutil.copy(trained, project)
    fill(full_disk, leave=0)
    done = playground("train", str(project), "--steps", "50", "--save-weights", "--json", "--device", "cpu")
    assert done.returncode == 2, done.stderr
    assert "the weights and trainer state need about" in done.stderr and "nothing was trained" in done.stderr
    assert done.stdout == ""


SIGINT_IN_TORCHS_LOADING = """
import os, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)

class Interrupt:  # Ctrl+C the moment torch's C++ library starts to load
    def find_spec(self, name, path=None, target=None):
        if name == "torch._C":
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, Interrupt())
from playground.loading import load_torch
try:
    load_torch()
except KeyboardInterrupt:
    print("interrupted", "torch.nn" in sys.modules)
"""


def test_ctrl_c_while_torch_loads_is_held_until_it_has_loaded() -> None:
    """A SIGINT while torch's C++ library loaded was lost (train went on as if never interrupted, and
    the Ctrl+C test above hung one run in three at 0.8 s); held, it comes once torch is whole."""
    done = subprocess.run([sys.executable, "-c", SIGINT_IN_TORCHS_LOADING], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["interrupted", "True"], done.stderr


@pytest.mark.parametrize("delay", [0.2, 0.8, 1.6])
def test_ctrl_c_while_a_command_starts_is_a_line(delay: float) -> None:
    """SIGINT in the first moments of ``train`` (Playground or torch still being imported, the data being
    read) gave a traceback."""
    process = subprocess.Popen(
        [sys.executable, "-c", HEARS_CTRL_C, "train", str(SPIRAL), "--steps", "100000"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, err
    assert "Traceback" not in err and "stopped by Ctrl+C" in err
