"""The training settings' table (``TrainingConfig``'s fields and their ``SettingUse``) walked entry by entry:
each setting reaches the training panel, the running trainer and an exported train.py as it declares,
and can be locked by an assignment."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QWidget

from playground.core.assignment import setting_names
from playground.core.project import load
from playground.core.project_types import TrainingConfig
from playground.core.registry import ParamSpec
from playground.nn.compile import compile_graph
from playground.nn.script_export import export_script
from playground.nn.trainer import Trainer
from playground.runtime.messages import Catalogue
from playground.ui.document import Document
from playground.ui.settings_form import SettingsForm
from tests.core.test_project import PRESETS

USES = TrainingConfig.uses()
SPECS = TrainingConfig.specs()
OWN_CONTROLS = {"task": "param_task", "lr": "lrSpin"}  # the panel's own controls, by object name


def another_value(spec: ParamSpec) -> Any:
    """A valid value of ``spec`` other than its default."""
    if spec.kind == "choice":
        return next(choice for choice in spec.choices if choice != spec.default)
    if spec.kind == "bool":
        return not spec.default
    if spec.kind == "int":
        return spec.default + 1
    if spec.kind == "float":
        return spec.default / 2 if spec.default else min(1.0, spec.max)
    return "regression"  # the recipe ("name")


def test_the_table_declares_every_use_from_its_known_values() -> None:
    for name, use in USES.items():
        assert use.panel in ("own", "form", "recipe"), name
        assert use.script in ("value", "derived", ""), name
        assert (use.panel == "own") == (name in OWN_CONTROLS), name
    assert set(setting_names()) == {"dataset", *USES}  # an assignment can lock or hide each


def test_every_setting_reaches_the_panel_as_declared(qtbot) -> None:
    form = SettingsForm(Document())
    qtbot.addWidget(form)
    knobs = {"vae": ("kl_weight",), "gan": ("critic_steps",)}
    form.catalogued(Catalogue(devices=["cpu"], datasets=[], tasks={"classification": (), **knobs}))
    form.document.settings_changed.connect(lambda _name: form.show_settings())  # as the training panel does
    form.show()
    for name, use in USES.items():
        editor = form.findChild(QWidget, OWN_CONTROLS.get(name, f"param_{name}"))
        assert editor is not None and editor.isVisible() == (use.panel != "recipe"), name
    qtbot.keyClicks(form.findChild(QWidget, "param_task"), "v")  # the recipe list, typed into
    assert form.findChild(QWidget, "param_kl_weight").isVisible()
    assert not form.findChild(QWidget, "param_critic_steps").isVisible()
    form.set_presenting(True)  # on the stage: only what a running trainer takes
    for name, use in USES.items():
        if use.panel == "form":
            assert form.findChild(QWidget, f"param_{name}").isVisible() == use.live, name


@pytest.mark.parametrize("name", list(USES))
def test_every_setting_reaches_the_running_trainer_or_asks_for_a_restart(name: str) -> None:
    trainer = Trainer(load(PRESETS / "mlp-xor.json"), device="cpu")
    trainer.run(steps=2)
    before = getattr(trainer.config, name)
    value = another_value(dataclasses.replace(SPECS[name], default=before))
    restart = trainer.apply_config(dataclasses.replace(trainer.config, **{name: value}))
    assert getattr(trainer.config, name) == (value if USES[name].live else before)
    assert restart == ([] if USES[name].live else [name])


def exported_settings(preset: str, tmp_path: Path, **changed: Any) -> dict[str, Any]:
    project = load(PRESETS / f"{preset}.json")
    project.training = dataclasses.replace(project.training, **changed)
    target = tmp_path / preset
    export_script(project, PRESETS, compile_graph(project.graph), target, trained=False)
    tree = ast.parse((target / "train.py").read_text())
    assigned = (node for node in tree.body if isinstance(node, ast.Assign) and len(node.targets) == 1)
    return ast.literal_eval(next(node.value for node in assigned if ast.unparse(node.targets[0]) == "SETTINGS"))


def test_every_setting_reaches_train_py_as_declared(tmp_path: Path) -> None:
    changed = {name: another_value(SPECS[name]) for name, use in USES.items() if use.script == "value"}
    found = exported_settings("mlp-spiral", tmp_path, **changed)
    assert {name: found[name] for name in changed} == changed
    written = found.keys() | exported_settings("vae-digits", tmp_path).keys()
    for name, use in USES.items():
        assert (name in written) == (use.script != ""), name
