"""Export a compiled graph: standalone Python source (with its weights as safetensors), TorchScript,
or ONNX, each carrying the weights the compiled module holds (trained ones, once loaded)."""

from __future__ import annotations

import contextlib
import inspect
import io
import logging
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import torch
from torch import fx

from playground.core.files import atomic_write
from playground.host import VERSION
from playground.nn.blocks import modules as custom_modules
from playground.nn.blocks.base import GroupClass
from playground.nn.checkpoint import weights_of, write_safetensors
from playground.nn.compile import CompiledModel, emitted

EXAMPLE_BATCH = 2
_CLEANUP = re.compile(r";\s+[A-Za-z_][\w ,=]*= None$")


class ExportError(Exception):
    """An export that cannot be done here, said plainly (e.g. a missing optional package)."""


def example_inputs(compiled: CompiledModel, batch: int = EXAMPLE_BATCH) -> tuple[torch.Tensor, ...]:
    """One small batch per Input block: random reals, or token id 0 for integer inputs."""
    generator = torch.Generator().manual_seed(0)
    tensors = []
    for info in compiled.inputs:
        size = [batch if isinstance(d, str) else d for d in info.shape]
        if info.dtype == "long":
            tensors.append(torch.zeros(size, dtype=torch.long))
        else:
            tensors.append(torch.randn(size, generator=generator))
    return tuple(tensors)


def _constructor(cls: type, kwargs: dict) -> str:
    if cls is torch.nn.Parameter:  # a Parameter block's own tensor
        return f"torch.nn.Parameter({kwargs['made']})"
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    prefix = "" if cls.__module__ == custom_modules.__name__ else "torch.nn."
    return f"{prefix}{cls.__name__}({args})"


def _attribute(parts: list[str]) -> str:
    """``self.layer1[0].conv1`` for the module path layer1.0.conv1; a numbered child of the class itself
    (a group made from an nn.Sequential's layers) is ``getattr(self, "0")``: a plain Module is not indexable;
    a name no attribute can spell (RegNet's ``block1-0``) is read with getattr too."""
    found = "self"
    for i, part in enumerate(parts):
        if part.isdigit() and i > 0:
            found += f"[{part}]"
        elif part.isidentifier():
            found += f".{part}"
        else:
            found = f'getattr({found}, "{part}")'
    return found


def _assignment(name: str, made: str) -> str:
    """The line that registers ``made`` as the submodule at the path ``name`` (with add_module where its
    name is no attribute name: ``0``, ``block1-0``)."""
    parts = name.split(".")
    if not parts[-1].isidentifier():
        return f'{_attribute(parts[:-1])}.add_module("{parts[-1]}", {made})'
    return f"{_attribute(parts)} = {made}"


def _init_lines(constructors: dict[str, tuple[type | GroupClass, dict]]) -> list[str]:
    """``__init__``'s lines: each layer, and each group as an instance of its class (a repeated group's
    copies a ModuleList, as nn.Sequential's numbered layers are), so the state dict keys read
    layer1.0.conv1.weight."""
    lines = []
    for name, (cls, kwargs) in constructors.items():
        if isinstance(cls, GroupClass):
            repeat = kwargs["repeat"]
            made = f"torch.nn.ModuleList([{cls.name}() for _ in range({repeat})])" if repeat > 1 else f"{cls.name}()"
        else:
            made = _constructor(cls, kwargs)
        lines.append(_assignment(name, made))
    return lines


def _helper_source() -> str:
    """modules.py without its docstring and imports: classes and helpers that need only torch and math."""
    source = inspect.getsource(custom_modules)
    body = source.split("from torch import nn\n", 1)[1]
    return body.strip() + "\n"


def loading_lines(module_name: str, weights_name: str, class_name: str = "Model") -> list[str]:
    """The three lines that rebuild the exported model with its weights."""
    return [
        f"from {module_name} import {class_name}; from safetensors.torch import load_file",
        f"model = {class_name}()",
        f'model.load_state_dict(load_file("{weights_name}")); model.eval()',
    ]


def _method_lines(module: fx.GraphModule, name: str) -> list[str]:
    """A GraphModule's generated forward(), as a method called ``name``, indented for the class body."""
    lines = [_CLEANUP.sub("", line.rstrip()) for line in module.code.strip("\n").splitlines()]
    lines[0] = lines[0].replace("def forward(", f"def {name}(", 1)
    return [""] + [f"    {line}" if line.strip() else "" for line in lines]


def _class_lines(
    name: str, constructors: dict, module: fx.GraphModule, ties: dict[str, str] | None = None
) -> list[str]:
    lines = ["", "", f"class {name}(torch.nn.Module):", "    def __init__(self) -> None:", "        super().__init__()"]
    lines += [f"        {line}" for line in _init_lines(constructors)]
    lines += [
        f"        {_attribute(name.split('.'))} = {_attribute(to.split('.'))}  # tied"
        for name, to in (ties or {}).items()
    ]
    return lines + _method_lines(module, "forward")


def python_source(
    compiled: CompiledModel,
    class_name: str = "Model",
    origin: str = "",
    loading: list[str] | None = None,
    methods: dict[str, fx.GraphModule] | None = None,
) -> str:
    """The module as source that needs only PyTorch (loading its weights file also safetensors); ``methods`` adds pieces of the network (sharing its
    submodules) as further methods, as a training script needs them (the logits a loss reads)."""
    classes: dict[str, GroupClass] = {}
    emitter, _ = emitted(compiled.graph, compiled.analysis, classes)
    module = fx.GraphModule(emitter.root, emitter.graph, class_name=class_name)
    made = [emitter.constructors, *(group.constructors for group in classes.values())]
    layers = [cls for constructors in made for cls, _ in constructors.values()]
    uses_custom = any(getattr(cls, "__module__", "") == custom_modules.__name__ for cls in layers)
    lines = [
        f'"""{class_name}: generated by Playground {VERSION}' + (f" from {origin}" if origin else "") + ".",
        "",
        "Needs only PyTorch"
        + ("; loading its weights also safetensors (pip install safetensors)" if loading else "")
        + ". Inputs of forward(), batch first:",
    ]
    for info in compiled.inputs:
        dims = ", ".join(str(d) for d in info.shape)
        lines.append(f"    {info.block}: ({dims}) {info.dtype}")
    if loading:
        lines += ["", "With its weights (safetensors, beside this file):", ""] + [f"    {line}" for line in loading]
    lines += ['"""', "", "import math  # noqa: F401", "", "import torch", "from torch import nn  # noqa: F401", ""]
    if uses_custom:
        lines += ["", _helper_source()]
    for group in classes.values():  # inner groups first: a class is defined before it is used
        lines += _class_lines(group.name, group.constructors, group.module)
    lines += _class_lines(class_name, emitter.constructors, module, compiled.graph.ties)
    for name, piece in (methods or {}).items():
        lines += _method_lines(piece, name)
    return "\n".join(lines).rstrip() + "\n"


def export_python(compiled: CompiledModel, path: Path, origin: str = "", with_weights: bool = False) -> list[Path]:
    """The module as source; ``with_weights`` also writes its weights beside it (``<stem>.safetensors``),
    and the docstring says how to load them. Returns the files written."""
    weights = path.with_suffix(".safetensors")
    loading = loading_lines(path.stem, weights.name) if with_weights else None
    write_text(path, python_source(compiled, origin=origin, loading=loading))
    if not with_weights:
        return [path]
    write_safetensors(weights_of(compiled.module), weights)
    return [path, weights]


def write_text(path: Path, text: str) -> None:
    """An export's text file, atomically: a failed write leaves the file that was there."""
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def export_torchscript(compiled: CompiledModel, path: Path) -> None:
    module = compiled.module.eval()
    try:
        with warnings.catch_warnings():  # TorchScript is deprecated upstream but still the format asked for
            warnings.simplefilter("ignore")
            scripted = torch.jit.script(module)
    except Exception as exc:
        raise ExportError(f"TorchScript could not compile this network: {str(exc).splitlines()[0]}") from exc
    atomic_write(path, lambda tmp: _save_scripted(scripted, tmp))


def _save_scripted(scripted: torch.jit.ScriptModule, path: Path) -> None:
    """TorchScript's own file writer cannot fail cleanly: on a full disk it throws from a destructor and
    the process aborts (``terminate called …``, the window's training process with it). So it writes
    into memory, and Python writes the file, which a full disk fails with an OSError."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():  # deprecated upstream, as above
        warnings.simplefilter("ignore")
        torch.jit.save(scripted, buffer)
    path.write_bytes(buffer.getvalue())


def dynamic_dims(compiled: CompiledModel) -> dict[str, dict[int, str]]:
    """For each input, the dimensions the network accepts at another size: the batch always, and each
    other one (a sequence's length, an image's height) where the module still runs when it is shorter."""
    module = compiled.module.eval()
    examples = example_inputs(compiled)
    axes: dict[str, dict[int, str]] = {}
    for index, info in enumerate(compiled.inputs):
        axes[info.block] = {0: "batch"}
        for dim in range(1, examples[index].dim()):
            size = examples[index].shape[dim]
            if size < 2:
                continue
            shorter = list(examples)
            shorter[index] = examples[index].narrow(dim, 0, size // 2)
            try:
                with torch.no_grad(), contextlib.redirect_stderr(io.StringIO()):  # fx prints the failing line
                    module(*shorter)
            except Exception:  # any failure: the graph fixes this size
                continue
            axes[info.block][dim] = f"{info.block}_{'length' if dim == 1 else f'dim{dim}'}"
    return axes


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """No warnings or log lines from torch's exporters (about torch and optional packages, not the network)."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def export_onnx(compiled: CompiledModel, path: Path) -> None:
    """ONNX through torch.export (the dynamo exporter): the batch, and each dimension ``dynamic_dims``
    finds, stay free, so a token model takes a shorter sequence."""
    try:
        import onnx  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError:
        raise ExportError(
            "ONNX export needs the 'onnx' and 'onnxscript' packages: pip install onnx onnxscript"
        ) from None
    module = compiled.module.eval()
    dynamic = dynamic_dims(compiled)
    shapes = tuple({dim: torch.export.Dim.AUTO for dim in dynamic[info.block]} for info in compiled.inputs)
    atomic_write(path, lambda tmp: _write_onnx(compiled, module, shapes, tmp))


def _write_onnx(compiled: CompiledModel, module: torch.nn.Module, shapes: tuple, path: Path) -> None:
    """The network exported in memory (what fails there is the network's), then written as one file with
    the weights inside (what fails there, a full disk, is the disk's: an OSError, not the network's)."""
    try:
        with _quiet():
            program = torch.onnx.export(
                module,
                example_inputs(compiled),
                input_names=[info.block for info in compiled.inputs],
                output_names=compiled.outputs,
                dynamic_shapes=shapes,
                dynamo=True,
                verbose=False,
            )
            if program is None:
                raise ExportError("ONNX made no program of this network")
            data = program.model_proto.SerializeToString()
    except Exception as exc:
        raise ExportError(f"ONNX could not export this network: {str(exc).strip().splitlines()[0]}") from exc
    path.write_bytes(data)
