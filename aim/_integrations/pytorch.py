"""track_params_dists / track_gradients_dists: per-layer Distributions of a torch model."""

from __future__ import annotations

from typing import Any

from aim import Distribution, Run
from aim._integrations._values import LogTracker


def _layers(module: Any, parent: str | None = None) -> dict[str, Any]:
    """Leaf modules by Aim's layer names: 'fc.Linear', 'encoder.Sequential__0.Linear'."""
    layers = {}
    for child_name, child in module.named_children():
        name = f"{parent}__{child_name}" if parent else child_name
        name = f"{name}.{type(child).__name__}"
        if any(True for _ in child.named_children()):
            layers.update(_layers(child, name))
        else:
            layers[name] = child
    return layers


def _track(model: Any, run: Run, attribute: str, kind: str, step: int | None) -> None:
    tracker = LogTracker(f"aim.pytorch.track_{'gradients' if kind == 'gradients' else 'params'}_dists")
    for name, layer in _layers(model).items():
        for param_name, label in (("weight", "weights"), ("bias", "biases")):
            tensor = getattr(getattr(layer, param_name, None), attribute, None)
            if tensor is None:
                continue
            try:
                run.track(
                    Distribution(tensor.detach()),
                    name=name,
                    step=step,
                    context={"type": kind, "params": label},
                )
            except (TypeError, ValueError) as exc:  # NaN or inf among the weights, ...
                tracker.skip(f"{name} {label}", str(exc))


def track_params_dists(model: Any, run: Run, step: int | None = None) -> None:
    """Track the weights and biases of each leaf layer of model as Distributions, named by layer,
    with context {'type': 'data', 'params': 'weights' | 'biases'}."""
    _track(model, run, "data", "data", step)


def track_gradients_dists(model: Any, run: Run, step: int | None = None) -> None:
    """Track the gradients of each leaf layer's weight and bias (those that have one) as
    Distributions, with context {'type': 'gradients', 'params': 'weights' | 'biases'}."""
    _track(model, run, "grad", "gradients", step)
