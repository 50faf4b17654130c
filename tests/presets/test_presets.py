"""Every preset: a fast smoke test in the default suite, and its quality target under ``pytest -m presets``."""

import math
from pathlib import Path

import pytest

from playground.core.project import load
from playground.core.shapes import analyse
from playground.nn.trainer import Trainer

PRESETS = sorted((Path(__file__).resolve().parents[2] / "presets").glob("*.json"))


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_preset_loads_checks_compiles_and_trains_a_few_steps(path: Path) -> None:
    project = load(path)
    assert analyse(project.graph).ok
    assert project.title and project.notes and project.lecture > 0 and project.expected is not None
    assert "\\n" not in project.notes, "paragraphs are real line breaks, not a backslash and an n"
    trainer = Trainer(project, device="cpu", base_dir=path.parent)
    reports = list(trainer.run(steps=3))
    assert [r.step for r in reports] == [1, 2, 3] and all(math.isfinite(r.loss) for r in reports)
    assert project.expected.metric in trainer.evaluate()


@pytest.mark.presets
@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_preset_reaches_its_expected_quality(path: Path) -> None:
    project = load(path)
    expected = project.expected
    trainer = Trainer(project, device="cpu", base_dir=path.parent)
    trainer.horizon = expected.steps
    for _ in trainer.run(steps=expected.steps):
        pass
    value = trainer.evaluate()[expected.metric]
    if expected.goal == "above":
        assert value >= expected.threshold, f"{path.stem}: {expected.metric} {value:.4f} < {expected.threshold}"
    else:
        assert value <= expected.threshold, f"{path.stem}: {expected.metric} {value:.4f} > {expected.threshold}"
