"""The training worker's loop, driven through its command pipe in this process (no Qt, no GUI)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from playground.core.graph import Link
from playground.core.groups import GroupBlocks
from playground.core.project import load
from playground.runtime import protocol as p
from playground.runtime.messages import Catalogue, Loaded, Progress, Snapshot, Stopped, Withdrawn
from tests.core.test_project import PRESETS
from tests.runtime.conftest import Worker

LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def test_steps_are_reported_once_each_in_order_with_evaluations_and_snapshots(worker: Worker) -> None:
    worker.send(p.Load(1, load(PRESETS / "mlp-spiral.json"), None, "cpu"))
    worker.send(p.Focus("linear_1", 0))
    worker.send(p.Steps(300))
    (stopped,) = worker.wait_for(Stopped, 1)
    assert stopped.kind == "finished"
    assert isinstance(worker.messages[0], Catalogue) and "cpu" in worker.messages[0].devices
    (loaded,) = worker.of(Loaded, 1)
    assert loaded.points is not None and loaded.points.train_x.shape[1] == 2 and loaded.classes == 2
    assert np.array_equal(worker.steps(1), np.arange(1, 301))
    evaluations = [e for p in worker.of(Progress, 1) for e in p.evaluations]
    assert evaluations[0]["step"] == 0 and evaluations[-1]["step"] == 300
    assert {1, 2, 5, 10, 20, 50, 100, 200} <= {e["step"] for e in evaluations}, "the first stretch is evaluated"
    assert evaluations[-1]["val_loss"] < evaluations[0]["val_loss"]
    snapshot = worker.of(Snapshot, 1)[-1]
    plane = snapshot.plane
    assert snapshot.step == 300 and plane.output == "output_1"
    assert plane.units["linear_1"].shape == (8, 34, 34) and set(snapshot.wire_gradients) >= {"linear_1", "tanh_2"}
    assert plane.fine.shape == (1, 102, 102)  # the output, drawn large
    assert plane.weights["linear_2"].shape == (8, 8) and plane.weights["linear_3"].shape == (1, 8)
    pooled = plane.fine.reshape(1, 34, 3, 34, 3).mean(axis=(2, 4))
    assert np.allclose(pooled, plane.units["linear_3"], atol=1e-5)
    assert worker.of(Loaded, 1)[0].views == (), "the input plane and the neurons (weights as lines) show it all"
    detail = snapshot.detail
    assert detail.block == "linear_1" and set(detail.weights) == {"weight", "bias"}
    assert detail.activation.counts.sum() == 64 * 8


def test_the_default_preset_grouped_trains_with_every_live_view(worker: Worker) -> None:
    """Edit > Group on mlp-spiral's hidden blocks: the group's wire goes straight into the Output, whose
    tensor is then a node inside the group (the live gradients once raised KeyError 'group_1_linear_3'
    and killed the training process at every Play)."""
    project = load(PRESETS / "mlp-spiral.json")
    GroupBlocks(["linear_1", "tanh_1", "linear_2", "tanh_2", "linear_3"], "group_1").do(project.graph)
    worker.send(p.Load(1, project, None, "cpu"))
    worker.send(p.Focus("group_1", 0))
    worker.send(p.Steps(60))
    (stopped,) = worker.wait_for(Stopped, 1)
    assert stopped.kind == "finished", stopped.message
    snapshot = worker.of(Snapshot, 1)[-1]
    assert snapshot.step == 60
    gradients = snapshot.wire_gradients
    assert gradients["group_1"] == gradients["output_1"] > 0  # the group's wire into the Output
    assert snapshot.plane.fine.shape == (1, 102, 102)


def test_reset_replays_the_same_losses_and_old_run_ids_stop(worker: Worker) -> None:
    worker.send(p.Load(1, load(PRESETS / "mlp-spiral.json"), None, "cpu"))
    worker.send(p.Steps(25))
    worker.wait_for(Stopped, 1)
    worker.send(p.Reset(2, False))
    worker.send(p.Steps(25))
    worker.wait_for(Stopped, 2)
    assert np.array_equal(worker.losses(1), worker.losses(2))
    worker.send(p.Reset(3, True))
    worker.send(p.Steps(25))
    worker.wait_for(Stopped, 3)
    assert not np.array_equal(worker.losses(1), worker.losses(3))
    assert all(m.run == 3 for m in worker.messages[-3:] if hasattr(m, "run"))


def test_live_settings_and_the_speed_cap_reach_the_running_trainer(worker: Worker) -> None:
    project = load(PRESETS / "mlp-spiral.json")
    worker.send(p.Load(1, project, None, "cpu"))
    worker.send(p.Speed(50.0))
    worker.send(p.Play())
    worker.wait_for(Progress, 1, count=5)
    started = time.monotonic()
    time.sleep(1.0)
    worker.send(p.Configure(project.training.__class__(**{**project.training.__dict__, "lr": 0.002})))
    time.sleep(0.5)
    worker.send(p.Pause())
    worker.wait_for(Stopped, 1)
    steps = worker.of(Progress, 1)[-1].step
    assert steps <= 50 * (time.monotonic() - started + 1.0) + 5  # capped at 50 steps a second
    assert worker.of(Progress, 1)[-1].lr == 0.002


def test_a_project_that_cannot_train_is_reported_not_raised(worker: Worker) -> None:
    project = load(PRESETS / "mlp-spiral.json")
    project.graph.disconnect(Link("linear_3", 0, "output_1", 0))
    project.graph.remove_block("output_1")
    worker.send(p.Load(4, project, None, "cpu"))
    (stopped,) = worker.wait_for(Stopped, 4)
    assert stopped.kind == "failed" and "Output" in stopped.message
    worker.send(p.Play())  # nothing loaded: ignored
    worker.send(p.Load(5, load(PRESETS / "mlp-spiral.json"), None, "cpu"))
    worker.send(p.Steps(3))
    assert worker.wait_for(Stopped, 5)[0].kind == "finished"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_a_gpu_run_reports_like_a_cpu_run(worker: Worker) -> None:
    worker.send(p.Load(1, load(PRESETS / "lenet-digits.json"), None, "cuda"))
    worker.send(p.Focus("conv2d_1", 3))
    worker.send(p.Steps(120))
    assert worker.wait_for(Stopped, 1)[0].kind == "finished"
    assert any(d.startswith("cuda") for d in worker.messages[0].devices)
    assert worker.of(Loaded, 1)[0].device.startswith("cuda")
    assert np.array_equal(worker.steps(1), np.arange(1, 121))
    detail = worker.of(Snapshot, 1)[-1].detail
    assert detail.feature_maps.shape == (6, 8, 8) and detail.filters.shape == (6, 3, 3)


def test_the_focused_linear_block_sends_its_weight_matrix(worker: Worker) -> None:
    worker.send(p.Load(1, load(PRESETS / "lenet-digits.json"), None, "cpu"))
    worker.send(p.Focus("linear_2", 0))
    worker.send(p.Steps(3))
    worker.wait_for(Stopped, 1)
    assert "weights" in worker.of(Loaded, 1)[0].views
    snapshot = worker.of(Snapshot, 1)[-1]
    matrix, stats = snapshot.views["weights"], snapshot.detail.weights["weight"]
    assert matrix.title == "linear_2 weights" and matrix.size == (10, 32) and matrix.values.shape == (10, 32)
    assert np.isclose(matrix.values.mean(), stats.mean, atol=1e-6) and np.isclose(
        matrix.values.std(ddof=1), stats.std, rtol=1e-4
    )
    worker.send(p.Focus("conv2d_1", 0))  # not a Linear: the view withdraws the matrix it showed
    worker.wait_for(Snapshot, 1, count=len(worker.of(Snapshot, 1)) + 1)
    assert isinstance(worker.of(Snapshot, 1)[-1].views["weights"], Withdrawn)


def test_a_network_with_a_1d_input_gets_the_function_view(worker: Worker) -> None:
    worker.send(p.Load(1, load(PRESETS / "uncertainty-regression.json"), None, "cpu"))
    worker.send(p.Steps(30))
    worker.wait_for(Stopped, 1)
    points = worker.of(Loaded, 1)[0].points
    assert points.train_x.shape[1] == 1 and points.bounds[0] < -1 < 1 < points.bounds[1]
    curve = worker.of(Snapshot, 1)[-1].views["curve"]
    xs, mean, std, noise = curve.xs, curve.mean, curve.epistemic, curve.noise
    assert xs.shape == mean.shape == std.shape == noise.shape == (200,) and (std > 0).all() and (noise > 0).all()
    assert worker.of(Snapshot, 1)[-1].plane.units == {}


def test_a_graph_dataset_is_drawn_with_predictions_and_embeddings(worker: Worker) -> None:
    worker.send(p.Load(1, load(PRESETS / "gcn-karate.json"), None, "cpu"))
    worker.send(p.Steps(150))
    worker.wait_for(Stopped, 1)
    graph = worker.of(Loaded, 1)[0].graph
    assert graph.positions.shape == (34, 2) and graph.edges.shape == (78, 2) and graph.labelled.sum() == 8
    nodes = worker.of(Snapshot, 1)[-1].views["nodes"]
    predicted, embedding = nodes.predicted, nodes.embedding
    assert predicted.shape == (34,) and embedding.shape == (34, 2)
    accuracy = (predicted == graph.labels)[~graph.labelled].mean()
    assert accuracy == pytest.approx(worker.of(Progress, 1)[-1].evaluations[-1]["val_accuracy"])


def test_a_sequence_forecaster_reports_windows_truth_and_forecasts(worker: Worker) -> None:
    project = load(PRESETS / "rnn-sine.json")
    worker.send(p.Load(1, project, None, "cpu"))
    worker.send(p.Steps(400))
    worker.wait_for(Stopped, 1)
    forecast = worker.of(Snapshot, 1)[-1].views["forecast"]
    windows, truth, predicted = forecast.windows, forecast.truth, forecast.predicted
    assert windows.shape == (4, 20) and truth.shape == predicted.shape == (4,)
    assert np.abs(predicted - truth).max() < 0.3, "after 400 steps the LSTM forecasts the next value"
    naive = np.abs(windows[:, -1] - truth).mean()
    assert np.abs(predicted - truth).mean() < naive


def test_a_segmentation_network_reports_images_masks_and_predictions(worker: Worker) -> None:
    worker.send(p.Load(1, load(PRESETS / "unet-shapes.json"), None, "cpu"))
    worker.send(p.Steps(150))
    worker.wait_for(Stopped, 1)
    images, truth, predicted = worker.of(Snapshot, 1)[-1].views["masks"].rows
    assert images.shape == truth.shape == predicted.shape == (4, 16, 16)
    assert set(np.unique(truth)) == {0.0, 1.0} and predicted.min() >= 0 and predicted.max() <= 1
    assert ((predicted > 0.5) == (truth > 0.5)).mean() > 0.9
    assert "val_iou" in worker.of(Progress, 1)[-1].evaluations[-1]


def test_a_language_model_writes_while_it_trains_without_changing_the_run(worker: Worker) -> None:
    from playground.runtime.messages import Sampled

    project = load(PRESETS / "char-gpt.json")
    worker.send(p.Load(1, project, None, "cpu"))
    worker.send(p.Sampling("ROMEO:", 0.5))
    worker.send(p.Steps(20))
    worker.wait_for(Stopped, 1)
    assert worker.of(Loaded, 1)[0].samples
    (first, *_), last = worker.of(Sampled, 1), worker.of(Sampled, 1)[-1]
    assert first.step == 0 and first.prompt == "ROMEO:" and len(first.text) == 120
    assert last.step == 20
    worker.send(p.Reset(2, False))
    worker.send(p.Steps(20))
    worker.wait_for(Stopped, 2)
    assert np.array_equal(worker.losses(1), worker.losses(2)), "sampling does not disturb the training"
    assert worker.of(Sampled, 2)[-1].text == last.text, "the same step writes the same text"


def test_an_autoencoder_reports_its_codes_and_reconstructions(worker: Worker) -> None:
    worker.send(p.Load(1, load(PRESETS / "autoencoder-digits.json"), None, "cpu"))
    worker.send(p.Steps(300))
    worker.wait_for(Stopped, 1)
    snapshot = worker.of(Snapshot, 1)[-1]
    latent = snapshot.views["latent"]
    title, codes, labels = latent.title, latent.codes, latent.labels
    assert title == "Codes in bottleneck_1" and codes.shape == (len(labels), 2) and set(labels) == set(range(10))
    inputs, outputs = snapshot.views["reconstructions"].rows
    assert inputs.shape == outputs.shape == (4, 8, 8)
    assert np.abs(inputs - outputs).mean() < np.abs(inputs - inputs.mean()).mean(), "better than a flat guess"


def last_with(worker: Worker, part: str, run: int) -> object:
    found = [s.views[part] for s in worker.of(Snapshot, run) if part in s.views]
    assert found, f"no snapshot of run {run} carries {part}"
    return found[-1]


def test_generative_recipes_report_what_they_make(worker: Worker) -> None:
    worker.send(p.Load(1, load(PRESETS / "vae-digits.json"), None, "cpu"))
    worker.send(p.Steps(100))
    worker.wait_for(Stopped, 1)
    assert [row.shape for row in last_with(worker, "grid", 1).rows] == [(9, 8, 8)] * 9
    assert [row.shape for row in last_with(worker, "prior", 1).rows] == [(8, 8, 8)] * 2
    assert last_with(worker, "latent", 1).title == "Mean codes in mean_1"
    assert set(worker.of(Loaded, 1)[0].views) == {"latent", "reconstructions", "prior", "grid", "weights"}

    worker.send(p.Load(2, load(PRESETS / "gan-2d.json"), None, "cpu"))
    worker.send(p.Steps(30))
    worker.wait_for(Stopped, 2)
    generated = last_with(worker, "generated", 2)
    assert generated.samples.shape == (600, 2) and generated.data.shape[1] == 2 and generated.trajectories is None
    assert generated.belief.shape == (48, 48) and 0 <= generated.belief.min() <= generated.belief.max() <= 1
    x0, y0, x1, y1 = generated.bounds
    low, high = generated.data.min(axis=0), generated.data.max(axis=0)
    assert x0 < low[0] and y0 < low[1] and high[0] < x1 and high[1] < y1, "the belief covers the data"

    worker.send(p.Load(3, load(PRESETS / "diffusion-2d.json"), None, "cpu"))
    worker.send(p.Steps(30))
    worker.wait_for(Stopped, 3)
    paths = last_with(worker, "generated", 3).trajectories
    assert paths.shape == (16, 101, 2)
    assert np.allclose(paths[:, -1], last_with(worker, "generated", 3).samples[:16]), "the paths end at samples"


def test_a_policy_reports_episodes_and_an_embedding_table_its_rows(worker: Worker) -> None:
    worker.send(p.Load(1, load(PRESETS / "policy-gradient.json"), None, "cpu"))
    worker.send(p.Steps(5))
    worker.wait_for(Stopped, 1)
    episode = last_with(worker, "episode", 1)
    assert len(episode.positions) == len(episode.angles) == episode.total and episode.track == 2.4
    returns = [e["val_return"] for progress in worker.of(Progress, 1) for e in progress.evaluations]
    assert returns and all(1 <= r <= 200 for r in returns)

    worker.send(p.Load(2, load(PRESETS / "embeddings-recsys.json"), None, "cpu"))
    worker.send(p.Steps(5))
    worker.wait_for(Stopped, 2)
    latent = last_with(worker, "latent", 2)
    title, rows, genres = latent.title, latent.codes, latent.labels
    assert title == "Rows of item_vectors (one per item)" and rows.shape == (200, 2) and set(genres) == {0, 1, 2, 3}


def test_pictures_come_as_often_as_the_recipe_asks(worker: Worker) -> None:
    counts = {}
    for run, name in enumerate(("diffusion-2d", "gan-2d"), start=1):
        worker.send(p.Load(run, load(PRESETS / f"{name}.json"), None, "cpu"))
        worker.send(p.Play())
        time.sleep(3.0)
        worker.send(p.Pause())
        worker.wait_for(Stopped, run)
        snapshots = worker.of(Snapshot, run)
        counts[name] = (len(snapshots), len([s for s in snapshots if "generated" in s.views]))
    (snapshots, pictured) = counts["diffusion-2d"]
    assert 2 <= pictured <= 4 and pictured < snapshots / 2, counts  # every 2 s: the reverse chain plays that long
    (snapshots, pictured) = counts["gan-2d"]
    assert pictured >= 0.8 * snapshots, counts  # with every snapshot


def test_play_stops_at_the_projects_epochs_and_a_late_pause_is_answered(worker: Worker) -> None:
    import dataclasses

    project = load(PRESETS / "mlp-spiral.json")
    project.training = dataclasses.replace(project.training, epochs=2, batch_size=100)
    worker.send(p.Load(1, project, None, "cpu"))
    (loaded,) = worker.wait_for(Loaded, 1)
    worker.send(p.Play())
    (done,) = worker.wait_for(Stopped, 1)
    assert done.kind == "done" and worker.steps(1)[-1] == 2 * loaded.steps_per_epoch
    worker.send(p.Pause())  # pressed as the run ended: answered, so the window does not stay "running"
    late = worker.wait_for(Stopped, 1, count=2)[-1]
    assert late.kind == "paused" and late.extra["command"] == worker.sent
    worker.send(p.Play())  # past the end, on purpose: trains until paused
    time.sleep(0.3)
    worker.send(p.Pause())
    stopped = worker.wait_for(Stopped, 1, count=3)[-1]
    assert stopped.kind == "paused" and worker.steps(1)[-1] > 2 * loaded.steps_per_epoch


def test_a_change_of_epochs_moves_the_end_of_a_playing_run(worker: Worker) -> None:
    import dataclasses

    project = load(PRESETS / "mlp-spiral.json")
    project.training = dataclasses.replace(project.training, epochs=50, batch_size=100, lr=0.001)
    worker.send(p.Load(1, project, None, "cpu"))
    (loaded,) = worker.wait_for(Loaded, 1)
    worker.send(p.Speed(200.0))  # slow enough to change the epochs before the end
    worker.send(p.Play())
    worker.send(p.Configure(dataclasses.replace(project.training, epochs=3)))
    (done,) = worker.wait_for(Stopped, 1)
    assert done.kind == "done" and worker.steps(1)[-1] == 3 * loaded.steps_per_epoch


@LINUX
def test_the_worker_ends_when_the_window_process_is_killed(tmp_path) -> None:
    """The app killed (SIGTERM, SIGKILL: no chance to send "quit") must not leave its worker running."""
    import os
    import signal
    import subprocess
    import sys

    root = PRESETS.parent
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PLAYGROUND_DATA_DIR": str(tmp_path)}
    (tmp_path / "settings.json").write_text('{"recent": ["x"]}')  # not a first start: no gallery
    app = subprocess.Popen([sys.executable, "-m", "playground", "mlp-spiral"], cwd=root, env=env)
    children = Path(f"/proc/{app.pid}/task/{app.pid}/children")
    try:
        end = time.monotonic() + 60
        workers: list[int] = []
        while not workers and time.monotonic() < end:
            time.sleep(0.5)
            pids = [int(p) for p in children.read_text().split()]
            workers = [p for p in pids if "spawn_main" in Path(f"/proc/{p}/cmdline").read_text(errors="replace")]
        assert workers, "the app started no worker"
        time.sleep(1)  # killed while the worker starts (the app may die before the worker's loop begins)
    finally:
        app.send_signal(signal.SIGTERM)
        app.wait(30)
    (worker,) = workers
    end = time.monotonic() + 60  # it may still be starting (importing torch on a busy machine)
    while time.monotonic() < end:
        if not Path(f"/proc/{worker}").exists() or "Z" in Path(f"/proc/{worker}/stat").read_text().split()[2]:
            return
        time.sleep(0.1)
    os.kill(worker, signal.SIGKILL)
    pytest.fail("the worker outlived the app by 60 s")


def test_the_chosen_thread_count_applies_at_once_and_to_the_next_run(worker: Worker) -> None:
    worker.send(p.Load(1, load(PRESETS / "mlp-spiral.json"), None, "cpu"))
    (loaded,) = worker.wait_for(Loaded, 1)
    assert loaded.threads == 1, "auto: one thread for a network of small operations"
    worker.send(p.Threads(2))
    worker.send(p.Steps(5))
    worker.wait_for(Stopped, 1)
    assert worker.of(Progress, 1)[-1].threads == 2
    worker.send(p.Load(2, load(PRESETS / "mlp-spiral.json"), None, "cpu"))
    assert worker.wait_for(Loaded, 2)[0].threads == 2, "kept for the next run"
    worker.send(p.Threads(None))
    worker.send(p.Steps(1))
    worker.wait_for(Stopped, 2)
    assert worker.of(Progress, 2)[-1].threads == 1, "back to the policy"


def test_a_compiled_run_says_what_compiling_took(worker: Worker, monkeypatch: pytest.MonkeyPatch) -> None:
    real = torch.compile
    monkeypatch.setattr(torch, "compile", lambda module: real(module, backend="eager"))  # no code generation
    project = load(PRESETS / "mlp-spiral.json")
    project.training = type(project.training)(**{**project.training.__dict__, "compile": True})
    worker.send(p.Load(1, project, None, "cpu"))
    (loaded,) = worker.wait_for(Loaded, 1)
    assert "The first step compiles the network with torch.compile." in loaded.note
    worker.send(p.Steps(20))
    worker.wait_for(Stopped, 1)
    assert worker.of(Progress, 1)[-1].compiled.startswith("torch.compile compiled the network in ")
    assert np.array_equal(worker.steps(1), np.arange(1, 21))


def test_out_of_memory_in_a_step_and_in_the_evaluation_after_it_stops_the_run_not_the_worker(
    worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The step stopped cleanly, then the pause's evaluation (and look inside) ran out of memory again,
    uncaught, and the training process died."""
    from playground.nn.probes import Probe
    from playground.nn.trainer import Trainer

    def no_memory(self, *args, **kwargs):
        raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 4398046511104 bytes.")

    worker.send(p.Load(1, load(PRESETS / "mlp-spiral.json"), None, "cpu"))
    worker.wait_for(Snapshot, 1)  # the run is built and its first look inside taken, before memory runs out
    monkeypatch.setattr(Trainer, "_train_step", no_memory)
    monkeypatch.setattr(Probe, "inspect", no_memory)  # the look inside after the pause: a forward pass
    worker.send(p.Play())
    stopped = worker.wait_for(Stopped, 1)[-1]
    assert [s.kind for s in worker.of(Stopped, 1)] == ["diverged"], worker.of(Stopped, 1)
    assert "the CPU ran out of memory at step 1" in stopped.message
    assert "evaluating the network ran out of memory too" in stopped.message
    assert worker.thread.is_alive()
    monkeypatch.undo()
    worker.send(p.Load(2, load(PRESETS / "mlp-spiral.json"), None, "cpu"))
    worker.send(p.Steps(5))
    assert worker.wait_for(Stopped, 2)[0].kind == "finished"  # the same process trains on
