"""A small seeded fuzz: presets with one block setting changed at random. Whatever ``check`` accepts
(``build_trainer``, which it runs) must train: a run may stop with a message (TrainingStopped), never with
an exception from torch (an Embedding smaller than the tokens once passed check and raised IndexError)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from playground.core.project import loads
from playground.core.reader import ProjectError
from playground.nn.tasks.base import TrainingStopped
from playground.nn.train_run import build_trainer
from tests.core.test_project import PRESETS

PRESETS_FUZZED = ("mlp-spiral", "transformer-reverse", "embeddings-recsys", "lenet-digits", "rnn-sine")
VALUES = (0, 1, 2, 3, 5, 7, 64, -1, "auto", True, False, 0.5, [2], [1, 8, 8])


def mutants(count: int, seed: int):
    chance = random.Random(seed)
    for _ in range(count):
        name = chance.choice(PRESETS_FUZZED)
        data = json.loads((PRESETS / f"{name}.json").read_text())
        blocks = [b for b in data["graph"]["blocks"] if b.get("params")]
        for other in blocks:  # sizes flow from the change, as the window's "auto" makes them
            other["params"].update({k: "auto" for k in ("in_features", "in_channels") if k in other["params"]})
        blocks = [b for b in blocks if set(b["params"]) - {"in_features", "in_channels"}]
        block = chance.choice(blocks)
        param = chance.choice(sorted(set(block["params"]) - {"in_features", "in_channels"}))
        was = block["params"][param]
        near = (was + 1, was * 2, max(1, was // 2), 1, 3) if isinstance(was, int) and not isinstance(was, bool) else ()
        value = chance.choice(near + VALUES)
        block["params"][param] = value
        yield f"{name}: {block['id']}.{param} = {value!r}", data


@pytest.mark.parametrize("seed", [7, 11])
def test_what_check_accepts_trains(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "mutant.json"
    accepted = 0
    for what, data in mutants(60, seed):
        try:
            project = loads(json.dumps(data), str(path))
        except ProjectError:
            continue
        trainer = build_trainer(project, path)
        if isinstance(trainer, list):
            assert all(line.startswith(f"{path}: ") for line in trainer), (what, trainer)
            continue
        accepted += 1
        try:
            for _ in range(2):
                trainer.step()
            trainer.read()
        except TrainingStopped:
            continue
        except Exception as exc:  # what the fuzz is for: any other exception is a finding
            pytest.fail(f"{what}: check accepts it, and training raised {type(exc).__name__}: {exc}")
    assert accepted >= 10
