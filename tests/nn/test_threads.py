"""The thread policy: one thread for a network of small operations, the cores for one of large ones;
--threads, OMP_NUM_THREADS and the window's spare core respected."""

import json
import os
import subprocess
import sys

import pytest
import torch

from playground.core.project import load
from playground.core.shapes import analyse
from playground.nn import threads
from tests.core.test_project import PRESETS


@pytest.fixture(autouse=True)
def keep_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def chosen(preset: str, spare: int = 0) -> int:
    project = load(PRESETS / f"{preset}.json")
    return threads.choose(project.graph, analyse(project.graph), project.training.batch_size, spare)


def test_small_operations_get_one_thread_and_large_ones_the_cores(monkeypatch) -> None:
    monkeypatch.setattr(threads, "cores", lambda: 8)
    assert chosen("mlp-spiral") == chosen("rnn-sine") == chosen("batchnorm-dropout") == 1
    assert chosen("lenet-mnist") == chosen("unet-shapes") == chosen("char-gpt") == 8
    assert chosen("lenet-mnist", spare=1) == 7  # the app's worker leaves the window a core
    project = load(PRESETS / "rnn-sine.json")
    analysis = analyse(project.graph)
    recurrent = next(b for b in project.graph.blocks.values() if b.type in ("rnn", "lstm", "gru"))
    assert threads.largest_operation(project.graph, analysis, 1) >= analysis.param_counts[recurrent.id]


def test_asked_and_environment_counts_win(monkeypatch) -> None:
    project = load(PRESETS / "mlp-spiral.json")
    analysis = analyse(project.graph)
    assert threads.apply(project.graph, analysis, 64, asked=2) == (2, "as asked") and torch.get_num_threads() == 2
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert threads.apply(project.graph, analysis, 64) == (3, "from OMP_NUM_THREADS")
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert threads.apply(project.graph, analysis, 64)[0] == torch.get_num_threads() == 1


def test_train_says_how_many_threads_and_takes_threads() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    command = [sys.executable, "-m", "playground", "train", "mlp-spiral", "--steps", "3", "--device", "cpu"]
    plain = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    assert "on the CPU with 1 thread (chosen for a network of small operations; --threads N to choose)" in plain
    out = subprocess.run([*command, "--json", "--threads", "2"], capture_output=True, text=True, env=env, check=True)
    assert json.loads(out.stdout.splitlines()[-1])["threads"] == 2
