"""track_params_dists / track_gradients_dists on a tiny torch model, and Ignite's AimLogger."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (aim-tracker[pytorch])")

from aim import Run  # noqa: E402
from aim.pytorch import track_gradients_dists, track_params_dists  # noqa: E402
from tests.integrations.helpers import only_run  # noqa: E402

pytestmark = pytest.mark.frameworks


def _model():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Sequential(torch.nn.Linear(4, 1, bias=False))
    )


def test_weights_and_gradients_are_tracked_per_layer(repo: Path):
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    run = Run(repo=str(repo))
    for step in range(3):
        optimizer.zero_grad()
        loss = model(torch.randn(8, 3)).pow(2).mean()
        loss.backward()
        track_gradients_dists(model, run, step=step)
        optimizer.step()
        track_params_dists(model, run, step=step)
    run.close()

    stored = only_run(repo)
    infos = sorted(
        (name, ctx["type"], ctx["params"])
        for name, ctx, _ in stored.iter_sequence_info_by_type("aim.distribution")
    )
    assert infos == [
        ("0.Linear", "data", "biases"),
        ("0.Linear", "data", "weights"),
        ("0.Linear", "gradients", "biases"),
        ("0.Linear", "gradients", "weights"),
        ("2.Sequential__0.Linear", "data", "weights"),
        ("2.Sequential__0.Linear", "gradients", "weights"),
    ]
    weights = stored.get_distribution_sequence("0.Linear", {"type": "data", "params": "weights"})
    steps, values = weights.values.sparse_list()
    assert steps == [0, 1, 2]
    final = model[0].weight.detach().numpy()
    assert values[-1].range == pytest.approx([final.min(), final.max()], rel=1e-6)
    assert sum(values[-1].weights) == final.size


def test_a_layer_gone_nan_is_skipped_with_a_warning(repo: Path):
    model = _model()
    with torch.no_grad():
        model[0].weight[0, 0] = float("nan")
    run = Run(repo=str(repo))
    with pytest.warns(RuntimeWarning, match="track_params_dists skipped '0.Linear weights'"):
        track_params_dists(model, run)
    track_gradients_dists(model, run)  # no gradients yet: nothing to track, no error
    run.close()
    names = sorted(
        (n, c["params"]) for n, c, _ in only_run(repo).iter_sequence_info_by_type("aim.distribution")
    )
    assert names == [("0.Linear", "biases"), ("2.Sequential__0.Linear", "weights")]
