"""Packaging that pyproject.toml cannot say: the lecture presets and the bundled datasets live at the
top of the repository, and an installed Playground carries them inside its package
(playground/presets, playground/assets/datasets)."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["playground*"]), "playground.presets", "playground.assets.datasets"],
    package_dir={"playground.presets": "presets", "playground.assets.datasets": "assets/datasets"},
    package_data={"playground.presets": ["*.json", "assignments/*.json"], "playground.assets.datasets": ["*", "*/*/*"]},
)
