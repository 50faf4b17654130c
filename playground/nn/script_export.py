"""``playground export --format script`` (and File > Export > Training script): a folder that trains the
project without Playground, needing only torch, numpy and safetensors.

- ``model.py``: the network (as the Python export), with the pieces the loss reads as methods;
- ``train.py``: train_script.py with the project's settings written in, and its data: a generated 2-D
  set by its own code, an image folder read by ``images.py`` (Playground's own reader, image_reader.py,
  copied whole), anything else (bundled sets, the user's files, text) in ``data.npz``;
- ``model.safetensors``: the trained weights, when the export has them;
- ``README.md``: the two commands that run it.
"""

from __future__ import annotations

import inspect
import json
import pprint
from pathlib import Path

import numpy as np
import torch

from playground.core.files import atomic_write
from playground.core.project_types import Project, settings_where
from playground.host import VERSION
from playground.nn.checkpoint import weights_of, write_safetensors
from playground.nn.compile import CompiledModel
from playground.nn.data import base as data_base
from playground.nn.data import image_reader, toy2d
from playground.nn.data.base import DataError, load_data
from playground.nn.export import ExportError, python_source, write_text
from playground.nn.tasks import make_task
from playground.nn.tasks.base import Task, TaskError
from playground.nn.tasks.language_model import LanguageModelTask
from playground.nn.tasks.supervised import SupervisedTask
from playground.nn.tasks.vae import VAETask

TEMPLATE = Path(__file__).with_name("train_script.py")  # standalone: read as text, never imported here
SUPPORTED = ("classification", "regression", "autoencoder", "vae", "language_model")
SETTINGS_LINE = "SETTINGS: dict = {}\n"
SET_AS_THEY_ARE = settings_where(script="value")  # the others train.py reads are derived below


def _settings(project: Project, task: Task) -> dict:
    config = project.training
    found = {"task": config.task, **{name: getattr(config, name) for name in SET_AS_THEY_ARE}}
    found["epochs"] = config.epochs or 1  # a project that trains until stopped: one epoch, --epochs for more
    if isinstance(task, LanguageModelTask):
        found["context"] = task.context
    elif isinstance(task, VAETask):
        found.update(fields=[task.field], output=task.out, mean=task.mean_block, log_var=task.log_var_block)
        found["kl_weight"] = config.kl_weight
    elif isinstance(task, SupervisedTask):
        found.update(fields=list(task.fields), target=task.target)
        found["loss"] = task.loss_name
    return found


def _generated_data(dataset_id: str, params: dict) -> str:
    """load_data() for a generated 2-D set: Playground's own generator and split, as code."""
    maker = toy2d.MAKERS[dataset_id]
    constants = [f"{k} = {v!r}" for k, v in vars(toy2d).items() if k.isupper() and isinstance(v, int | float)]
    parts = [
        "import math\n",
        *constants,
        "DataError = ValueError\n\n",
        inspect.getsource(data_base.generator),
        inspect.getsource(data_base.split),
        inspect.getsource(maker),
        "def load_data() -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:",
        f'    """The \'{dataset_id}\' dataset, generated as Playground generates it."""',
        f"    x, y = {maker.__name__}({params['points']}, {params['noise']!r}, generator({params['seed']}))",
        f'    return split({{"x": x.float(), "y": y}}, {params["val_fraction"]!r}, {params["seed"]})\n',
    ]
    return "\n".join(parts)


def _image_folder_data(folder: str, params: dict) -> str:
    """load_data() for an image folder: the folder read by images.py as Playground reads it, and the
    augmentation of its training images."""
    gray = params["color"] == "gray"
    arguments = f"{params['size']}, {params['fit']!r}, {gray}, {params['val_fraction']!r}, {params['seed']}"
    return "\n".join(
        [
            "from images import augmenter, load_folder  # Playground's reader of image folders, beside this script",
            "",
            f"FOLDER = Path({folder!r})  # the image folder the project reads (another one: change it here)",
            "",
            "",
            "def load_data() -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:",
            '    """The image folder, read as Playground reads it: the same pixels, split and normalisation."""',
            f"    return load_folder(FOLDER, {arguments})",
            "",
            "",
            f"AUGMENT = augmenter({params['augment']!r})  # varies the training images at each step (None: not)",
        ]
    )


def _train_source(project: Project, settings: dict, generated: str | None, origin: str) -> str:
    source = TEMPLATE.read_text(encoding="utf-8")
    header = f"# Exported by Playground {VERSION} from {origin}: {project.title or 'a project'}.\n"
    source = source.replace(SETTINGS_LINE, f"SETTINGS = {pprint.pformat(settings, sort_dicts=False, width=100)}\n")
    if generated is not None:
        start = source.index("def load_data(")
        end = source.index("\n\n\nclass EpochOrder")
        source = source[:start] + generated.rstrip() + source[end:]
    return header + source


README = """# {title}: the training script

Exported by Playground {version} from `{origin}` (task `{task}`, dataset `{dataset}`). It needs only
PyTorch, NumPy and safetensors (`pip install torch numpy safetensors`):

    python train.py                          # trains as Playground does: the same first losses on the CPU
    torchrun --nproc-per-node 2 train.py     # DistributedDataParallel over 2 processes (or GPUs)

`python train.py --help` lists the options (--epochs, --steps, --device, --json, --fresh, ...).

- `model.py`: the network, a `torch.nn.Module` named `Model`.
- `train.py`: the data, optimiser, learning-rate schedule, loss, metrics and seed of the project.
{data}{weights}- Training writes its weights to `trained.safetensors` (rank 0, every 1,000 steps and at the end):
  `model.load_state_dict(safetensors.torch.load_file("trained.safetensors"))`.
"""


def export_script(
    project: Project, base_dir: Path | None, compiled: CompiledModel, target: Path, trained: bool, origin: str = ""
) -> list[Path]:
    """Write the training script's folder; the files written. Raises ExportError or OSError."""
    config = project.training
    if config.task not in SUPPORTED:
        raise ExportError(
            f"a training script covers the {', '.join(SUPPORTED[:-1])} and {SUPPORTED[-1]} tasks, not yet "
            f"'{config.task}': export the model (python) and train it in Playground"
        )
    try:
        data = load_data(project.dataset, base_dir)
        task = make_task(compiled, data, config, torch.device("cpu"))
    except (DataError, TaskError) as exc:
        raise ExportError(str(exc)) from None
    generated = project.dataset.id in toy2d.MAKERS
    target.mkdir(parents=True, exist_ok=True)
    written = []
    methods = {"logits": compiled.logits_module()} if compiled.final is not None and config.task != "vae" else {}
    if isinstance(task, VAETask):
        methods["vae_parts"] = task.encoder_decoder
    model = target / "model.py"
    write_text(model, python_source(compiled, origin=origin, methods=methods))
    script = target / "train.py"
    settings = _settings(project, task)
    params = data_base.resolve(project.dataset)[1]
    folder = project.dataset.id == "images"
    if generated:
        code = _generated_data(project.dataset.id, params)
    elif folder:
        code = _image_folder_data(data.info["folder"], params)
        write_text(target / "images.py", inspect.getsource(image_reader))
        written.append(target / "images.py")
    else:
        code = None
    write_text(script, _train_source(project, settings, code, origin or "a project"))
    written += [model, script]
    if not generated and not folder:
        arrays = {
            f"{name}.{field}": t.cpu().numpy()
            for name, split in (("train", data.train), ("val", data.val))
            for field, t in split.items()
        }
        atomic_write(target / "data.npz", lambda tmp: _savez(tmp, arrays))
        written.append(target / "data.npz")
    if data.vocab:
        write_text(target / "vocab.json", json.dumps(data.vocab, ensure_ascii=False))
        written.append(target / "vocab.json")
    if trained:
        write_safetensors(weights_of(compiled.module), target / "model.safetensors")
        written.append(target / "model.safetensors")
    readme = README.format(
        title=project.title or "Project",
        version=VERSION,
        origin=origin or "a project",
        task=config.task,
        dataset=project.dataset.id,
        data="- the data: generated by `load_data()` in train.py, as Playground generates it.\n"
        if generated
        else f"- `images.py`: reads the image folder `{data.info['folder']}` (FOLDER in train.py) as Playground "
        "reads it (it also needs Pillow: `pip install pillow`); `vocab.json`: the class names.\n"
        if folder
        else "- `data.npz`: the training and validation splits as Playground read them"
        + (" (`vocab.json`: the characters the token ids stand for).\n" if data.vocab else ".\n"),
        weights="- `model.safetensors`: the trained weights; train.py starts from them (`--fresh`: from the seed).\n"
        if trained
        else "",
    )
    write_text(target / "README.md", readme)
    written.append(target / "README.md")
    return written


def _savez(path: Path, arrays: dict[str, np.ndarray]) -> None:
    with open(path, "wb") as handle:  # an open file: numpy would add .npz to a name without it
        np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]  # its stub takes **arrays for allow_pickle
