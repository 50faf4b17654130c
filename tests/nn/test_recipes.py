"""The recipes beyond supervised learning (VAE, GAN, diffusion, policy gradient), each against a
hand-written oracle where there is one, and the pieces they stand on (compiled parts, the
cart-pole physics, the noise schedules)."""

import dataclasses
import math

import pytest
import torch
import torch.nn.functional as F

from playground.core.project import load
from playground.core.project_types import DatasetRef
from playground.nn.checkpoint import load_checkpoint, save_checkpoint
from playground.nn.compile import compile_graph
from playground.nn.data.base import load_data
from playground.nn.data.control import CartPole
from playground.nn.optimizers import make_optimizer
from playground.nn.tasks.base import StepContext, TaskError
from playground.nn.tasks.diffusion import noise_schedule
from playground.nn.trainer import Trainer
from tests.core.test_project import PRESETS


def trainer_for(preset: str, **training) -> Trainer:
    project = load(PRESETS / f"{preset}.json")
    project.training = dataclasses.replace(project.training, **training)
    return Trainer(project, device="cpu")


def test_a_part_of_a_network_shares_its_weights_and_computes_the_same() -> None:
    compiled = compile_graph(load(PRESETS / "autoencoder-digits.json").graph)
    encoder = compiled.part(["input_1"], ["bottleneck_1"])
    decoder = compiled.part(["bottleneck_1"], ["output_1"])
    x = torch.rand(5, 1, 8, 8)
    assert torch.equal(decoder(encoder(x)["bottleneck_1"])["output_1"], compiled.module(x))
    whole = dict(compiled.module.named_parameters())
    assert all(p is whole[name] for name, p in decoder.named_parameters())
    assert {n.split(".")[0] for n, _ in decoder.named_parameters()} == {"linear_2", "linear_3"}
    with pytest.raises(ValueError, match="need 'input_1', which is not fed"):
        compiled.part(["linear_2"], ["bottleneck_1"])


def test_the_vae_loss_is_the_negative_elbo_written_by_hand() -> None:
    trainer = trainer_for("vae-digits", kl_weight=0.5)
    batches = trainer.task.batches
    state = batches.state()
    x = trainer.data.train["x"][batches.next(trainer.batch_size)]  # the batch the next step will take
    batches.load_state(state)
    model = trainer.model
    torch.manual_seed(7)
    reconstruction, kl, _ = trainer.task.terms(x)
    torch.manual_seed(7)
    hidden = torch.relu(model.linear_1(x.flatten(1)))
    mean, log_var = model.mean_1(hidden), model.log_var_1(hidden)
    code = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
    out = torch.sigmoid(model.linear_3(torch.relu(model.linear_2(code)))).reshape(-1, 1, 8, 8)
    expected_rec = F.binary_cross_entropy(out.clamp(1e-6, 1 - 1e-6), x, reduction="none").flatten(1).sum(1)
    expected_kl = -0.5 * (1 + log_var - mean**2 - log_var.exp()).sum(1)
    assert torch.allclose(reconstruction, expected_rec, atol=1e-5) and torch.allclose(kl, expected_kl, atol=1e-6)
    torch.manual_seed(7)
    step = trainer.step()  # the training loss weighs the KL term by the knob
    assert step.loss == pytest.approx((expected_rec + 0.5 * expected_kl).mean().item(), rel=1e-4)


def test_a_vae_whose_decoder_gives_no_probabilities_is_refused_plainly() -> None:
    project = load(PRESETS / "vae-digits.json")
    project.graph.blocks["sigmoid_1"].type = "tanh"  # values from -1 to 1
    with pytest.raises(
        TaskError, match="Output 'output_1' must give a probability per value.*end the decoder in a Sigmoid"
    ):
        Trainer(project, device="cpu")


def test_the_vae_kl_weight_turns_live_and_its_pictures_leave_training_alone() -> None:
    trainer = trainer_for("vae-digits")
    for _ in trainer.run(steps=50):
        pass
    state = torch.get_rng_state()
    pictures = trainer.task.pictures()
    assert torch.equal(state, torch.get_rng_state())
    assert len(pictures["grid"]) == 9 and all(row.shape == (9, 8, 8) for row in pictures["grid"])
    assert [row.shape for row in pictures["prior"]] == [(8, 8, 8), (8, 8, 8)]
    title, codes, labels = pictures["latent"]
    assert title == "Mean codes in mean_1" and codes.shape == (len(labels), 2)
    assert pictures["grid"][0].min() >= 0 and pictures["grid"][0].max() <= 1
    config = dataclasses.replace(trainer.config, kl_weight=0.0)
    assert trainer.apply_config(config) == []
    assert trainer.task.config.kl_weight == 0.0
    metrics = trainer.evaluate()  # with no weight on the KL term the loss is the reconstruction alone
    assert metrics["val_loss"] == pytest.approx(-metrics["val_elbo"] - metrics["val_kl"], rel=1e-5)


def test_gan_players_have_their_own_parameters_and_optimisers() -> None:
    trainer = trainer_for("gan-2d", critic_steps=3)
    task = trainer.task
    generator = {id(p) for p in task.generator.parameters()}
    discriminator = {id(p) for p in task.discriminator.parameters()}
    assert not generator & discriminator
    assert generator | discriminator == {id(p) for p in trainer.model.parameters()}
    frozen = {
        "discriminator": make_optimizer(
            dataclasses.replace(trainer.config, lr=1e-12), list(task.discriminator.parameters())
        ),
        "generator": trainer.optimizers["generator"],
    }
    before = {name: p.detach().clone() for name, p in trainer.model.named_parameters()}
    result = task.train_step(StepContext(frozen, 0.0, 1), 32)
    assert result.examples == 3 * 32, "three discriminator batches per generator step"
    for name, p in trainer.model.named_parameters():
        moved = not torch.allclose(p, before[name], atol=1e-9)
        assert moved == name.startswith("g_"), name


def test_mode_coverage_counts_the_clouds_the_samples_reach() -> None:
    task = trainer_for("gan-2d").task
    centres, _ = modes = task.modes
    assert task.coverage(centres.repeat(50, 1), modes) == (8.0, 1.0)
    assert task.coverage(centres[:1].repeat(400, 1), modes) == (1.0, 1.0)
    assert task.coverage(torch.full((100, 2), 5.0), modes) == (0.0, 0.0)


@pytest.mark.parametrize("kind", ["cosine", "linear"])
def test_noise_schedules_fall_from_data_to_noise(kind: str) -> None:
    kept = noise_schedule(kind, 100)
    assert kept[0] > 0.99 and kept[-1] < 0.01 and bool((kept[1:] < kept[:-1]).all())


def test_reverse_diffusion_with_a_perfect_denoiser_lands_on_the_data() -> None:
    """For data that is one point c, the noise in x_t is exactly (x_t - sqrt(abar) c) / sqrt(1 - abar):
    with that as the network's guess, every sampled chain must end at c."""
    task = trainer_for("diffusion-2d").task
    centre = torch.tensor([0.3, -0.2]) / task.spread
    steps = task.config.noise_steps
    kept = task.kept()

    def oracle(noisy: torch.Tensor, level: torch.Tensor) -> torch.Tensor:
        abar = kept[(level[:, 0] * steps).round().long() - 1][:, None]
        return (noisy - abar.sqrt() * centre) / (1 - abar).sqrt()

    task.predict = oracle
    samples, paths = task.generate(200, torch.Generator().manual_seed(0), keep=5)
    assert torch.allclose(samples, centre * task.spread, atol=1e-3)
    assert paths.shape == (5, steps + 1, 2) and paths[:, 0].std() > 0.5 * task.spread


def test_the_cart_pole_follows_the_classic_equations() -> None:
    env = CartPole()
    x, speed, angle, spin = 0.01, -0.02, 0.03, 0.04
    state = torch.tensor([[x, speed, angle, spin]], dtype=torch.float64)
    stepped, failed = env.step(state, torch.tensor([1]))
    # Barto, Sutton and Anderson (1983) as in Gym's CartPole-v1, one Euler step, pushing right.
    total, moment = 1.1, 0.05
    temp = (10.0 + moment * spin**2 * math.sin(angle)) / total
    spin_rate = (9.8 * math.sin(angle) - math.cos(angle) * temp) / (0.5 * (4 / 3 - 0.1 * math.cos(angle) ** 2 / total))
    speed_rate = temp - moment * spin_rate * math.cos(angle) / total
    expected = [x + 0.02 * speed, speed + 0.02 * speed_rate, angle + 0.02 * spin, spin + 0.02 * spin_rate]
    assert torch.allclose(stepped[0], torch.tensor(expected, dtype=torch.float64)) and not failed[0]
    pushed, failed, steps = torch.zeros(1, 4), torch.tensor([False]), 0
    while not failed[0] and steps < 200:
        pushed, failed = env.step(pushed, torch.tensor([1]))
        steps += 1
    assert 5 < steps < 20, "pushing one way only topples the pole within a few dozen steps"


def test_policy_gradient_replays_after_reset_and_learns() -> None:
    trainer = trainer_for("policy-gradient", lr=0.01)
    before = trainer.evaluate()["val_return"]
    first = [r.loss for r in trainer.run(steps=60)]
    after = trainer.evaluate()
    assert after["val_return"] > max(2 * before, 100), (before, after)
    trainer.reset()
    assert [r.loss for r in trainer.run(steps=5)] == first[:5]
    episode = trainer.task.pictures()["episode"]
    assert len(episode["positions"]) == len(episode["angles"]) == episode["total"] >= 1


def test_ratings_come_from_genres_the_embeddings_find() -> None:
    data = load_data(DatasetRef("ratings", {"users": 50, "items": 40}))
    assert data.train["user"].max() < 50 and data.train["item"].max() < 40
    assert data.info["groups"]["item"][:5] == [0, 1, 2, 3, 0]
    assert data.train["y"].min() >= 1 and data.train["y"].max() <= 5


@pytest.mark.parametrize("preset", ["vae-digits", "gan-2d", "diffusion-2d", "policy-gradient"])
def test_a_checkpoint_resumes_every_recipe_on_the_same_curve(preset: str, tmp_path) -> None:
    straight = [r.loss for r in trainer_for(preset).run(steps=16)]
    first = trainer_for(preset)
    losses = [r.loss for r in first.run(steps=8)]
    save_checkpoint(first, tmp_path / "run")
    resumed = trainer_for(preset)
    load_checkpoint(resumed, tmp_path / "run")
    assert losses + [r.loss for r in resumed.run(steps=8)] == straight
