"""aim.Figure through the real daemon: plotly and matplotlib figures tracked, read back, queried
with `figures` in AimQL; bad input and a missing plotly give clear errors."""

from __future__ import annotations

import matplotlib
import plotly.graph_objects as go
import pytest

from aim import Figure, Figures, Repo, Run, Text
from aim._model.query import QueryReportMode
from aim.errors import SequenceTypeError
from tests.helpers import run_python

matplotlib.use("Agg")  # no display: render off-screen
import matplotlib.pyplot as plt  # noqa: E402

QUIET = QueryReportMode.DISABLED


def _scatter(n: int) -> go.Figure:
    return go.Figure(data=[go.Scatter(x=list(range(n)), y=[v * v for v in range(n)], name=f"n{n}")])


@pytest.fixture(scope="module")
def tracked(shared):
    """Two runs: 'curves' (plotly, steps 0..2) in both, 'mpl' (matplotlib) in the lr=0.1 one.
    Gives the repo and {lr: run hash, "curves": the plotly figures, "mpl": the converted JSON}."""
    made: dict = {"curves": [_scatter(n + 2) for n in range(3)]}
    for lr in (0.1, 0.01):
        run = Run(repo=str(shared))
        run["hparams"] = {"lr": lr}
        for step in (2, 0, 1):  # out of order: read back step-ordered
            run.track(Figure(made["curves"][step]), name="curves", step=step, context={"lr": lr})
        if lr == 0.1:
            fig, ax = plt.subplots()
            ax.plot([1, 2, 3], [3, 1, 2])
            run.track(Figure(fig), name="mpl", step=0)
            made["mpl"] = Figure(fig).data  # what the conversion gives
            plt.close(fig)
        run.close()
        made[lr] = run.hash
    return Repo(str(shared)), made


def test_plotly_figures_round_trip(tracked):
    repo, made = tracked
    sequence = repo.get_run(made[0.1]).get_figure_sequence("curves", {"lr": 0.1})
    assert isinstance(sequence, Figures)
    steps, values = sequence.values.sparse_list()
    assert steps == [0, 1, 2]
    for figure, original in zip(values, made["curves"], strict=True):
        assert isinstance(figure, Figure)
        assert figure.data == original.to_json()
        assert figure.to_plotly_figure() == original
        assert figure.json()["source"] == "plotly" and figure.json()["format"] == "raw_json"


def test_matplotlib_figure_is_stored_as_plotly_json(tracked):
    repo, made = tracked
    sequence = repo.get_run(made[0.1]).get_figure_sequence("mpl")
    (figure,) = sequence.values.values_list()
    assert figure.data == made["mpl"]
    assert figure.to_plotly_figure().data[0].y == (3, 1, 2)  # the line's points, converted


def test_figures_in_aimql(tracked):
    repo, made = tracked
    found = {
        (s.run.hash, s.name)
        for run_figures in repo.query_figure_objects(
            "figures.name == 'curves' and run.hparams.lr < 0.05", report_mode=QUIET
        ).iter_runs()
        for s in run_figures
    }
    assert found == {(made[0.01], "curves")}
    everything = repo.query_figure_objects("figures.count >= 1", report_mode=QUIET)
    assert sorted(s.name for s in everything) == ["curves", "curves", "mpl"]
    assert sorted(repo.collect_sequence_info("figures")["figures"]) == ["curves", "mpl"]


def test_unsupported_objects_are_type_errors():
    for bad in ({"data": []}, "figure", 1.0, None, go.Scatter(x=[1])):
        with pytest.raises(TypeError, match="aim.Figure takes a plotly or matplotlib figure, not"):
            Figure(bad)


def test_a_figure_clashes_with_other_sequences(run):
    run.track(Text("t"), name="t")
    with pytest.raises(SequenceTypeError, match="Incompatible data types"):
        run.track(Figure(_scatter(2)), name="t")
    run.track(Figure(_scatter(2)), name="f")
    with pytest.raises(ValueError, match="Incompatible data types"):
        run.track(1.0, name="f")


def test_without_plotly_the_error_names_the_extra():
    """plotly made unimportable: a matplotlib figure cannot be converted, a stored one cannot be
    rebuilt, and both say which extra to install."""
    run_python(
        """
        import sys
        sys.modules["plotly"] = None  # import plotly now raises ImportError
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from aim import Figure
        from aim.objects.figure import Figure as F

        fig, ax = plt.subplots()
        try:
            Figure(fig)
        except ImportError as e:
            assert "pip install 'aim-tracker[plotly]'" in str(e), e
        else:
            raise AssertionError("no ImportError")
        stored = F._from_record({"source": "plotly"}, b'{"data": []}')
        try:
            stored.to_plotly_figure()
        except ImportError as e:
            assert "aim-tracker[plotly]" in str(e), e
        else:
            raise AssertionError("no ImportError")
        """
    )
