import json
import shutil
from pathlib import Path

import pytest

from playground.core.project_write import save
from tests.cli.test_cli import LENET, SPIRAL, run
from tests.core.test_project import PRESETS
from tests.helpers import classifier, project


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_spiral_reaches_ninety_percent_in_3000_steps_with_parseable_json() -> None:
    code, out, err = run("train", SPIRAL, "--steps", "3000", "--json", "--device", "cpu")
    assert code == 0, err
    records = json_lines(out)
    progress = [r for r in records if r["event"] == "progress"]
    assert len(progress) == 20 and progress[-1]["step"] == 3000
    assert set(progress[0]) == {"event", "step", "epoch", "loss", "lr", "metrics", "seconds", "steps_per_second"}
    assert records[-1]["event"] == "done" and records[-1]["metrics"]["val_accuracy"] >= 0.90
    assert all(r["steps_per_second"] > 0 for r in progress) and records[-1]["compile_seconds"] is None
    steps = [r["step"] for r in progress]
    assert steps == sorted(steps)


def test_lenet_reaches_ninety_five_percent_within_ten_epochs() -> None:
    code, out, _ = run("train", LENET, "--epochs", "10", "--json", "--device", "cpu")
    assert code == 0
    done = json_lines(out)[-1]
    assert done["epoch"] == 10 and done["metrics"]["val_accuracy"] >= 0.95


def test_plain_output_ends_with_a_summary() -> None:
    code, out, _ = run("train", SPIRAL, "--steps", "40", "--eval-every", "20", "--device", "cpu")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("on the CPU with 1 thread")
    assert lines[1].startswith("step      20  epoch") and "val_accuracy" in lines[1] and " steps/s " in lines[1]
    assert lines[-1].startswith("done: 40 steps") and "on cpu" in lines[-1]


def copy_preset(tmp_path: Path, source: str = SPIRAL) -> Path:
    target = tmp_path / "lesson.json"
    shutil.copy(source, target)
    return target


def test_a_diverging_run_exits_3_with_the_step(tmp_path: Path) -> None:
    path = tmp_path / "wild.json"
    graph = classifier(inputs=1, classes=1)
    save(project(graph, "polynomial", task="regression", optimizer="sgd", lr=10.0), path)
    code, out, err = run("train", str(path), "--steps", "500", "--json")
    assert code == 3
    assert json_lines(out)[-1]["event"] == "diverged"
    assert "training stopped: loss became" in err and "try a lower learning rate" in err


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["dataset"].update(id="spirl"), "there is no dataset 'spirl'"),
        (lambda d: d["training"].update(task="painting"), "there is no task 'painting'"),
        (
            lambda d: d["graph"]["blocks"][0]["params"].update(shape=[3]),
            "Linear 'linear_1' expects 2 input features but receives 3",
        ),
        (
            lambda d: [
                b.update(type="slice", params={"dim": 1, "start": 0, "length": 1})  # (N, 1), as the task needs
                for b in d["graph"]["blocks"]
                if b["type"] == "linear"
            ],
            "The network has no weights to learn: add a block that has some (Linear",
        ),
    ],
)
def test_projects_that_cannot_train_exit_1(tmp_path: Path, edit, message) -> None:
    path = copy_preset(tmp_path)
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))
    code, _, err = run("train", str(path), "--steps", "5")
    assert code == 1 and message in err


def test_check_also_validates_the_dataset_and_task(tmp_path: Path) -> None:
    path = copy_preset(tmp_path)
    doc = json.loads(path.read_text())
    doc["dataset"]["params"]["noize"] = 0.2
    path.write_text(json.dumps(doc))
    code, _, err = run("check", str(path))
    assert code == 1 and "dataset: dataset 'spiral' has no parameter 'noize'" in err


def test_unavailable_device_is_refused_plainly() -> None:
    code, _, err = run("train", SPIRAL, "--steps", "5", "--device", "tpu")
    assert code == 1 and "'tpu' is not a device" in err


def test_save_weights_then_resume_continues_the_curve(tmp_path: Path) -> None:
    path = copy_preset(tmp_path)
    _, straight, _ = run("train", str(path), "--steps", "60", "--eval-every", "30", "--json")
    code, _, _ = run("train", str(path), "--steps", "30", "--eval-every", "30", "--json", "--save-weights")
    assert code == 0
    assert (tmp_path / "lesson.weights.safetensors").exists() and (tmp_path / "lesson.trainer.safetensors").exists()
    code, resumed, _ = run("train", str(path), "--steps", "30", "--eval-every", "30", "--json", "--resume")
    assert code == 0
    expected = [r for r in json_lines(straight) if r["event"] == "progress"][1]
    got = next(r for r in json_lines(resumed) if r["event"] == "progress")
    assert got["step"] == 60 and got["loss"] == expected["loss"] and got["metrics"] == expected["metrics"]


def test_resume_without_a_checkpoint_says_so(tmp_path: Path) -> None:
    path = copy_preset(tmp_path)
    code, _, err = run("train", str(path), "--steps", "5", "--resume")
    assert code == 1 and "lesson.weights.safetensors: cannot be read" in err


def test_bad_step_counts_are_refused_by_the_parser() -> None:
    with pytest.raises(SystemExit) as info:
        run("train", SPIRAL, "--steps", "0")
    assert info.value.code == 2


@pytest.mark.parametrize(
    ("preset", "embedding", "needed"),
    [
        ("transformer-reverse", "embedding_1", 10),
        ("embeddings-recsys", "user_vectors", 300),
        ("char-gpt", "embedding_1", 58),
    ],
)
def test_check_finds_an_embedding_smaller_than_the_datas_tokens(
    tmp_path: Path, preset: str, embedding: str, needed: int
):
    """check said ok and train raised IndexError: index out of range in self."""
    data = json.loads((PRESETS / f"{preset}.json").read_text())
    next(b for b in data["graph"]["blocks"] if b["id"] == embedding)["params"]["num_embeddings"] = 3
    path = tmp_path / "small.json"
    path.write_text(json.dumps(data))
    for command in ("check", "train"):
        code, _, err = run(command, str(path), *(["--steps", "2"] if command == "train" else []))
        assert code == 1, err
        assert f"Embedding '{embedding}' has 3 rows (num_embeddings)" in err
        assert f"set num_embeddings to at least {needed:,}" in err and "Traceback" not in err


def test_a_policy_whose_scores_are_not_numbers_stops_in_a_line(tmp_path: Path) -> None:
    """policy-gradient with a Log before its Output: the scores are NaN from the first episode."""
    data = json.loads((PRESETS / "policy-gradient.json").read_text())
    graph = data["graph"]
    graph["blocks"].append({"id": "log_1", "type": "log", "params": {}})
    graph["links"] = [link for link in graph["links"] if link["dst"] != "push_1"] + [
        {"src": "linear_2", "src_port": 0, "dst": "log_1", "dst_port": 0},
        {"src": "log_1", "src_port": 0, "dst": "push_1", "dst_port": 0},
    ]
    path = tmp_path / "log.json"
    path.write_text(json.dumps(data))
    code, _, err = run("train", str(path), "--steps", "3")
    assert code == 3 and "Traceback" not in err
    assert "training stopped: the policy's action scores became NaN or infinite" in err
