"""The views of the recipes beyond supervised learning, driven like a user would: open the preset,
press Play, turn the recipe's knob."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from tests.ui.test_training import FIRST, LATER, click, pause, play_until, train_preset


def legend(plot) -> list[str]:
    return [label.text for _, label in plot.getPlotItem().legend.items]


def knob_rows(panel) -> set[str]:
    return {
        name
        for name in ("kl_weight", "critic_steps", "noise_steps", "noise_schedule", "discount")
        if panel.controls.settings.training_editors[name].isVisibleTo(panel)
    }


def test_a_vae_shows_its_code_plane_and_prior_samples_and_turns_its_kl_knob_live(qtbot, window) -> None:
    panel = train_preset(qtbot, window, "vae-digits", 100)
    views = panel.views
    qtbot.waitUntil(lambda: views.grid_view.isVisible() and views.prior_view.isVisible(), timeout=LATER)
    assert np.asarray(views.grid_view.image.image).shape[:2] == (9 * 8 + 8 * 2, 9 * 8 + 8 * 2)
    assert np.asarray(views.prior_view.image.image).shape[:2] == (2 * 8 + 2, 8 * 8 + 7 * 2)
    assert views.latent_view.isVisible() and views.recon_view.isVisible()
    assert knob_rows(panel) == {"kl_weight"}, "only the VAE's own knob is offered"

    editor = panel.controls.settings.training_editors["kl_weight"]
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClicks(editor, "0")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert window.document.project.training.kl_weight == 0.0
    assert not panel.transport.banner.isVisible(), "a knob of the recipe needs no restart"
    seen = len(panel.curves.val["val_loss"].y)
    play_until(qtbot, window, 1500)
    pause(qtbot, window)
    qtbot.waitUntil(lambda: len(panel.curves.val["val_loss"].y) > seen, timeout=LATER)
    loss, elbo, kl = (panel.curves.val[name].y[-1] for name in ("val_loss", "val_elbo", "val_kl"))
    assert abs(loss - (-elbo - kl)) < 1e-3 * abs(loss), "with no KL weight the loss is the reconstruction alone"


def test_generated_points_and_the_reverse_diffusion_animation(qtbot, window) -> None:
    panel = train_preset(qtbot, window, "diffusion-2d", 100)
    view = panel.views.samples_view
    qtbot.waitUntil(lambda: view.isVisible() and view.last is not None, timeout=LATER)
    assert len(view.samples.data) == 500 and knob_rows(panel) == {"noise_steps", "noise_schedule"}
    click(qtbot, panel.transport.step_button)  # a fresh picture starts the animation again
    qtbot.waitUntil(lambda: view.timer.isActive(), timeout=LATER)
    first = np.array(view.heads.getData()).copy()
    qtbot.waitUntil(lambda: not np.array_equal(first, np.array(view.heads.getData())), timeout=3000)  # they travel
    qtbot.waitUntil(lambda: not view.timer.isActive(), timeout=LATER)
    heads = np.column_stack(view.heads.getData())
    assert np.allclose(heads, view.last.trajectories[:, -1]), "and stop where the chains end"

    panel = train_preset(qtbot, window, "gan-2d", 50)
    qtbot.waitUntil(lambda: view.last is not None and view.last.trajectories is None, timeout=LATER)
    assert len(view.samples.data) == 600 and len(view.heads.data) == 0
    assert "discriminator" in view.plot.getPlotItem().titleLabel.text and len(view.data_points.data) > 0
    assert np.asarray(view.density.image).shape[:2] == view.last.belief.shape, "the belief is the background"
    assert knob_rows(panel) == {"critic_steps"}
    assert legend(panel.curves.metric_plot) == ["validation"], "a GAN reports no training metric"


def test_the_cart_pole_plays_the_policy_and_the_return_is_plotted(qtbot, window) -> None:
    panel = train_preset(qtbot, window, "policy-gradient", 10)
    view = panel.views.cartpole_view
    qtbot.waitUntil(lambda: view.isVisible() and view.episode is not None, timeout=FIRST)  # an episode played
    frames = {view.frame}  # an episode replays from its first frame after its last: count frames seen

    def playing() -> bool:
        frames.add(view.frame)
        return len(frames) > 4

    qtbot.waitUntil(playing, timeout=LATER)
    picture = view.grab().toImage()
    colours = {picture.pixel(x, y) for x in range(0, picture.width(), 7) for y in range(0, picture.height(), 7)}
    assert len(colours) > 3, "the cart, the pole and the track are drawn"
    assert panel.curves.metric_plot.getPlotItem().titleLabel.text == "Return"
    assert knob_rows(panel) == {"discount"} and not panel.views.text_view.isVisible()
    assert legend(panel.curves.loss_plot) == ["training"], "a policy has no validation loss"
    assert sorted(legend(panel.curves.metric_plot)) == ["training", "validation"]


def test_an_embedding_table_is_drawn_by_genre(qtbot, window) -> None:
    panel = train_preset(qtbot, window, "embeddings-recsys", 300)
    view = panel.views.latent_view
    qtbot.waitUntil(lambda: view.last is not None, timeout=FIRST)
    title, rows, genres = view.last.title, view.last.codes, view.last.labels
    assert title == "Rows of item_vectors (one per item)" and len(view.points.data) == len(rows) == 200
    assert set(genres) == {0, 1, 2, 3}
    assert knob_rows(panel) == set()
