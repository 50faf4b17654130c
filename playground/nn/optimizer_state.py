"""A saved optimiser state checked against the optimiser it is to be loaded into, entry by entry, before
torch sees it: torch's ``load_state_dict`` takes whatever it is given, and the damage shows only at the
next step (``KeyError: 'exp_avg_sq'``, ``_fused_adam_() … beta2=list``, a device or dtype mismatch), in
the middle of a run. What each weight's state must hold is learned from the optimiser itself: a twin of
it with the same settings takes one step on a tiny weight of the same dtype and device."""

from __future__ import annotations

import inspect
import math
from typing import Any

import torch

IMPLEMENTATION = ("fused", "foreach", "capturable", "differentiable")  # chosen for the machine (optimizers.py)


class StateError(ValueError):
    """The saved state does not fit the optimiser; the message says which part, without the file."""


def checked_groups(saved: Any, optimizer: torch.optim.Optimizer) -> list[dict[str, Any]]:
    """The saved param groups, each setting of the type and form the optimiser's own has (a tuple stays a
    tuple of as many numbers, a number a finite number), ready for ``load_state_dict``."""
    groups = optimizer.param_groups
    if not isinstance(saved, list) or len(saved) != len(groups):
        raise StateError(f"has {_count(saved)} groups of settings where the optimiser has {len(groups)}")
    checked = [_group(entry, group, index) for index, (entry, group) in enumerate(zip(saved, groups, strict=True))]
    start = 0
    for index, group in enumerate(groups):
        wanted = list(range(start, start + len(group["params"])))
        if checked[index]["params"] != wanted:
            raise StateError(f"settings group {index} names the weights {checked[index]['params']!r}, not {wanted}")
        start += len(wanted)
    return checked


def _count(value: Any) -> str:
    return str(len(value)) if isinstance(value, list) else "no list of"


def _group(saved: Any, group: dict[str, Any], index: int) -> dict[str, Any]:
    if not isinstance(saved, dict) or set(saved) != set(group):
        found = ", ".join(sorted(saved)) if isinstance(saved, dict) else type(saved).__name__
        raise StateError(f"settings group {index} holds {found}, not {', '.join(sorted(group))}")
    checked = {}
    for key, own in group.items():
        if key in IMPLEMENTATION:  # how this machine's torch computes the update, not the file's business
            checked[key] = own
        elif key == "params":
            checked[key] = saved[key]
        else:
            checked[key] = _setting(saved[key], own, f"settings group {index}: '{key}'")
    return checked


def _setting(value: Any, own: Any, where: str) -> Any:
    if isinstance(own, tuple):
        if not isinstance(value, list | tuple) or len(value) != len(own):
            raise StateError(f"{where} must be {len(own)} values, not {value!r}")
        return tuple(_setting(v, o, where) for v, o in zip(value, own, strict=True))
    if isinstance(own, bool) or own is None or isinstance(own, str):
        if type(value) is not type(own):
            raise StateError(f"{where} must be {type(own).__name__}, not {value!r}")
        return value
    if isinstance(own, int | float):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise StateError(f"{where} must be a finite number, not {value!r}")
        return type(own)(value)
    if isinstance(own, torch.Tensor):  # a learning rate held as a tensor (capturable optimisers)
        if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
            raise StateError(f"{where} must be a finite number, not {value!r}")
        return value
    raise StateError(f"{where} is a setting Playground does not restore")


def check_state(
    state: dict[int, dict[str, Any]], optimizer: torch.optim.Optimizer, groups: list[dict[str, Any]]
) -> None:
    """Each weight's saved state holds exactly the entries the optimiser keeps for it with the saved
    settings ``groups`` (``amsgrad`` adds one), each a tensor of the weight's shape or a single number
    as the optimiser's is, or the plain value it has."""
    params = [(p, saved) for group, saved in zip(optimizer.param_groups, groups, strict=True) for p in group["params"]]
    forms: dict[tuple[Any, ...], dict[str, Any]] = {}
    for index, entries in state.items():
        param, group = params[index]
        key = (param.dtype, param.device, id(group))
        if key not in forms:
            forms[key] = _form(optimizer, param, group)
        form = forms[key]
        if set(entries) != set(form):
            raise StateError(
                f"the state of weight {index} holds {', '.join(sorted(entries)) or 'nothing'}, "
                f"not {', '.join(sorted(form))}"
            )
        for name, value in entries.items():
            _entry(value, form[name], param, f"the state '{name}' of weight {index}")


def _form(optimizer: torch.optim.Optimizer, param: torch.Tensor, group: dict[str, Any]) -> dict[str, Any]:
    """What one step of this optimiser leaves in a weight's state: for each entry, a tensor's (shaped like
    the weight?, floating point?) or a plain value's type."""
    probe = torch.nn.Parameter(torch.zeros(2, dtype=param.dtype, device=param.device))
    probe.grad = torch.zeros_like(probe)
    accepted = inspect.signature(type(optimizer)).parameters
    try:
        twin = type(optimizer)([probe], **{k: v for k, v in group.items() if k in accepted and k != "params"})
        twin.step()
    except (RuntimeError, ValueError, TypeError) as exc:  # fused and foreach both on, capturable on a CPU ...
        raise StateError(f"its settings cannot be used together ({str(exc).splitlines()[0]})") from None
    return {
        name: (value.shape == probe.shape, value.is_floating_point())
        if isinstance(value, torch.Tensor)
        else type(value)
        for name, value in twin.state[probe].items()
    }


def _entry(value: Any, form: Any, param: torch.Tensor, where: str) -> None:
    if isinstance(form, tuple):
        shaped, floating = form
        if not isinstance(value, torch.Tensor):
            raise StateError(f"{where} must be a tensor, not {type(value).__name__}")
        if (value.shape == param.shape) != shaped or (not shaped and value.numel() != 1):
            wanted = list(param.shape) if shaped else "a single number"
            raise StateError(f"{where} has the shape {list(value.shape)}, not {wanted}")
        if value.is_floating_point() != floating:
            raise StateError(f"{where} holds {'whole' if floating else 'real'} numbers")
        return
    if type(value) is not form:
        raise StateError(f"{where} must be {form.__name__}, not {type(value).__name__}")
