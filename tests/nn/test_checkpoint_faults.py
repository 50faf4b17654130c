"""Weights and trainer state from anywhere: a pair cut in two, a full disk, a damaged or hostile trainer
file, weights of another number type or not finite. Each is refused in one line naming the file, and
a failed save leaves the pair saved before."""

import errno
import json
import math
import os
import random
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from playground.core.files import weights_files
from playground.nn.checkpoint import CheckpointError, load_checkpoint, load_weights, save_checkpoint
from tests.nn.test_trainer import blobs, losses


def trained(tmp_path: Path, steps: int = 20) -> tuple:
    trainer = blobs()
    losses(trainer, steps)
    trainer.evaluate()
    save_checkpoint(trainer, tmp_path / "run")
    return trainer, weights_files(tmp_path / "run")


def read(path: Path) -> tuple[dict, dict]:
    with safe_open(str(path), framework="pt") as handle:
        return {k: handle.get_tensor(k) for k in handle.keys()}, dict(handle.metadata())  # noqa: SIM118


def test_a_save_killed_between_its_two_renames_resumes_the_pair_saved_before(tmp_path: Path, monkeypatch) -> None:
    trainer, files = trained(tmp_path)
    before = [file.read_bytes() for file in files]
    losses(trainer, 10)
    renamed: list[str] = []
    real = os.replace

    def killed_after_one(source, target) -> None:
        if renamed:
            raise KeyboardInterrupt  # the kill, after the weights were renamed and before the trainer state
        renamed.append(str(target))
        real(source, target)

    monkeypatch.setattr(os, "replace", killed_after_one)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(trainer, tmp_path / "run")
    monkeypatch.undo()
    assert files[0].read_bytes() != before[0] and files[1].read_bytes() == before[1]  # cut in two
    resumed = blobs()
    note = load_checkpoint(resumed, tmp_path / "run")
    assert resumed.step_count == 20 and "the pair saved before it, at step 20, is resumed" in note
    assert resumed.step().step == 21
    save_checkpoint(resumed, tmp_path / "run")  # whole again, the pair before it no longer kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.trainer.safetensors", "run.weights.safetensors"]


def test_a_pair_cut_in_two_is_refused(tmp_path: Path) -> None:
    trainer, (_, state) = trained(tmp_path)
    old_state = state.read_bytes()
    losses(trainer, 10)
    save_checkpoint(trainer, tmp_path / "run")
    state.write_bytes(old_state)  # as a kill between the two renames would leave them
    with pytest.raises(
        CheckpointError, match=r"\(step 30\) and run.trainer.safetensors \(step 20\) were not saved together"
    ):
        load_checkpoint(blobs(), tmp_path / "run")


def test_a_full_disk_during_the_save_keeps_the_pair_saved_before(tmp_path: Path, monkeypatch) -> None:
    trainer, files = trained(tmp_path)
    before = [file.read_bytes() for file in files]
    losses(trainer, 10)
    real = Path.write_bytes
    calls = []

    def second_fails(self: Path, data: bytes) -> int:
        calls.append(self)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", second_fails)
    with pytest.raises(OSError, match="No space left"):
        save_checkpoint(trainer, tmp_path / "run")
    monkeypatch.undo()
    assert [file.read_bytes() for file in files] == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(file.name for file in files)  # no temporaries
    resumed = blobs()
    load_checkpoint(resumed, tmp_path / "run")
    assert resumed.step_count == 20


def _mutate_meta(field: str, value):
    def change(tensors: dict, meta: dict) -> None:
        record = json.loads(meta["trainer"])
        record[field] = value
        meta["trainer"] = json.dumps(record)

    return change


def _mutate_tensor(key_part: str, make):
    def change(tensors: dict, meta: dict) -> None:
        key = next(k for k in tensors if k.endswith(key_part))
        tensors[key] = make(tensors[key])

    return change


def _drop(key_part: str):
    def change(tensors: dict, meta: dict) -> None:
        for key in [k for k in tensors if key_part in k]:
            del tensors[key]

    return change


def _extra(key: str):
    def change(tensors: dict, meta: dict) -> None:
        tensors[key] = torch.zeros(3)

    return change


def _copy(key_part: str, entry: str):
    def change(tensors: dict, meta: dict) -> None:
        key = next(k for k in tensors if k.endswith(key_part))
        tensors[key.rsplit(".", 1)[0] + "." + entry] = tensors[key].clone()

    return change


def _group(key: str, value):
    def change(tensors: dict, meta: dict) -> None:
        record = json.loads(meta["trainer"])
        record["optimizers"]["model"]["param_groups"][0][key] = value
        meta["trainer"] = json.dumps(record)

    return change


def _plain(value):
    def change(tensors: dict, meta: dict) -> None:
        record = json.loads(meta["trainer"])
        record["optimizers"]["model"]["plain"] = value
        meta["trainer"] = json.dumps(record)

    return change


DAMAGE = {
    "negative step": (_mutate_meta("step", -100), "'step' must be a whole number"),
    "learning rate NaN": (_mutate_meta("lr", math.nan), "'lr' must be a number"),
    "huge batch": (_mutate_meta("batch_size", 400_000_000_000), "'batch_size' must be a whole number"),
    "history not a list": (_mutate_meta("history", "x"), "'history' must be a list"),
    "optimiser state resized": (
        _mutate_tensor("model.0.exp_avg_sq", lambda t: torch.zeros(7, 7)),
        "has the shape \\[7, 7\\]",
    ),
    "optimiser state NaN": (_mutate_tensor("model.0.exp_avg", lambda t: t.fill_(math.nan)), "NaN or infinite"),
    "order of another dataset": (_mutate_tensor("sampler.perm", lambda t: t.flip(0) + 5), "not an order of this"),
    "cursor past the epoch": (_mutate_tensor("sampler.cursor", lambda t: t + 10_000), "outside it"),
    "random state missing": (_drop("rng.torch"), "random state is not this training's"),
    "random state of another type": (_mutate_tensor("rng.torch", lambda t: t.float()), "holds float32 numbers"),
    "optimiser settings NaN": (_group("lr", math.nan), "'lr' must be a finite number, not nan"),
    "optimiser state of no weight": (_extra("optimizer.model.99.exp_avg"), "a weight this network does not have"),
    # The ways of the 82 damaged files that loaded and crashed at the first step:
    "a state entry missing": (_drop("model.0.exp_avg_sq"), "weight 0 holds exp_avg, step, not exp_avg, exp_avg_sq"),
    "a state entry too many": (_copy("model.1.exp_avg", "extra"), "weight 1 holds exp_avg, exp_avg_sq, extra, step"),
    "amsgrad without its state": (_group("amsgrad", True), "not exp_avg, exp_avg_sq, max_exp_avg_sq, step"),
    "beta2 a list": (_group("betas", [0.9, [0.999]]), "'betas' must be a finite number, not \\[0.999\\]"),
    "betas of three": (_group("betas", [0.9, 0.99, 0.9]), "'betas' must be 2 values"),
    "a setting of another type": (_group("amsgrad", 1), "'amsgrad' must be bool, not 1"),
    "a setting missing": (_group("eps", None), "'eps' must be a finite number, not None"),
    "weights named twice": (_group("params", [0, 0, 1, 2]), "names the weights \\[0, 0, 1, 2\\]"),
    "step of whole numbers": (_mutate_tensor("model.0.step", lambda t: t.long()), "holds whole numbers"),
    "step of many numbers": (_mutate_tensor("model.0.step", lambda t: torch.zeros(3)), "not a single number"),
    "plain state for no weight": (_plain({"77": {"momentum_buffer": None}}), "a weight this network does not have"),
    "plain state not an object": (_plain({"0": 5}), "a weight this network does not have"),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_trainer_file_is_refused_in_a_line_and_the_run_starts_clean(tmp_path: Path, damage: str) -> None:
    change, message = DAMAGE[damage]
    _, (_, state) = trained(tmp_path)
    tensors, meta = read(state)
    change(tensors, meta)
    save_file(tensors, str(state), metadata=meta)
    trainer = blobs()
    with pytest.raises(CheckpointError, match=message) as caught:
        load_checkpoint(trainer, tmp_path / "run")
    assert str(state) in str(caught.value) and "\n" not in str(caught.value)
    trainer.reset()
    assert trainer.step().step == 1 and math.isfinite(trainer.history[-1]["val_loss"] if trainer.history else 0.0)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda t: t.fill_(math.nan), "holds NaN or infinite values"),
        (lambda t: t.fill_(math.inf), "holds NaN or infinite values"),
        (lambda t: t.double(), "holds float64 numbers, the network float32"),
        (lambda t: t.to(torch.int8), "holds int8 numbers"),
        (lambda t: t > 0, "holds bool numbers"),
    ],
)
def test_weights_not_finite_or_of_another_type_are_refused(tmp_path: Path, make, message: str) -> None:
    _, (weights, _) = trained(tmp_path)
    tensors, meta = read(weights)
    tensors["linear_1.weight"] = make(tensors["linear_1.weight"])
    save_file(tensors, str(weights), metadata=meta)
    trainer = blobs()
    start = trainer.model.state_dict()["linear_1.weight"].clone()
    with pytest.raises(CheckpointError, match=message):
        load_weights(trainer, weights)
    assert torch.equal(trainer.model.state_dict()["linear_1.weight"], start)  # left as it was


def test_truncated_weights_are_refused_by_name(tmp_path: Path) -> None:
    _, (weights, _) = trained(tmp_path)
    data = weights.read_bytes()
    for size in (len(data) // 2, 7, 0):
        weights.write_bytes(data[:size])
        with pytest.raises(CheckpointError, match="run.weights.safetensors: cannot be read as safetensors"):
            load_checkpoint(blobs(), tmp_path / "run")


def _fuzzed(tensors: dict, meta: dict, rng: random.Random) -> None:
    """One random damage: a setting, counter or state entry replaced by a value of another kind, or a
    tensor of another type or shape, or one taken away."""
    values = [None, True, -1, 0, 2**40, 1e308, math.nan, "x", [], [0.9], [[0.9, 0.99]], {}, {"a": 1}]
    record = json.loads(meta["trainer"])
    target = rng.choice(["meta", "group", "plain", "tensor", "tensor", "drop"])
    if target == "meta":
        record[rng.choice(sorted(record))] = rng.choice(values)
    elif target == "group":
        group = record["optimizers"]["model"]["param_groups"][0]
        group[rng.choice(sorted(group))] = rng.choice(values)
    elif target == "plain":
        record["optimizers"]["model"]["plain"] = {str(rng.randrange(-1, 6)): {"step": rng.choice(values)}}
    else:
        key = rng.choice(sorted(tensors))
        if target == "drop":
            del tensors[key]
        else:
            tensor = tensors[key]
            tensors[key] = rng.choice(
                [
                    tensor.double(),
                    tensor.long(),
                    tensor.half(),
                    tensor.flatten()[:1].clone(),
                    torch.zeros(2, 3),
                    tensor.bool(),
                ]
            )
    meta["trainer"] = json.dumps(record)


def test_fuzzed_trainer_files_are_refused_in_a_line_or_train(tmp_path: Path) -> None:
    """A small seeded fuzz: every mutant of a real trainer file (Adam, fused) either is refused with one
    line naming the file, or loads and trains on."""
    _, (_, state) = trained(tmp_path, steps=5)
    tensors, meta = read(state)
    rng = random.Random(20261207)
    refused = 0
    for _ in range(60):
        mutant_tensors, mutant_meta = dict(tensors), dict(meta)
        _fuzzed(mutant_tensors, mutant_meta, rng)
        save_file(mutant_tensors, str(state), metadata=mutant_meta)
        trainer = blobs()
        try:
            load_checkpoint(trainer, tmp_path / "run")
        except CheckpointError as exc:
            assert str(state) in str(exc) and "\n" not in str(exc)
            refused += 1
            continue
        for _ in range(3):
            trainer.step()
        assert math.isfinite(trainer.evaluate()["val_loss"])
    assert refused >= 30  # most damage is damage


def test_a_file_saved_with_another_implementation_of_the_optimiser_resumes(tmp_path: Path) -> None:
    """A file saved where torch had no fused kernel (foreach) resumes on a machine that has one: how the
    update is computed is this machine's choice, not the file's."""
    _, (_, state) = trained(tmp_path)
    tensors, meta = read(state)
    _group("foreach", True)(tensors, meta)
    _group("fused", None)(tensors, meta)
    save_file(tensors, str(state), metadata=meta)
    trainer = blobs()
    load_checkpoint(trainer, tmp_path / "run")
    assert trainer.optimizers["model"].param_groups[0]["fused"] is True and trainer.step().step == 21
