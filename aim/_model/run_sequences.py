"""The sequences of one run (Run.metrics() and the per-run items of a query), and the collection
interface every collection shares (iteration, dataframe())."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from aim._model import dataframes as _dataframes
from aim._model import query as _query
from aim._model.query import QueryReportMode
from aim._model.sequences import Metric, Sequence, dtype_matches, from_info

if TYPE_CHECKING:
    from pandas import DataFrame

    from aim._model.run import Run


def _sequence_frames(
    results: Iterable[tuple[Run, dict | None, list[Sequence]]],
    *,
    only_last: bool,
    include_run: bool,
    include_name: bool,
    include_context: bool,
) -> DataFrame | None:
    """One frame per sequence of (run, its params if at hand, its sequences), concatenated."""
    frames = []
    for run, params, sequences in results:
        for seq in sequences:
            if not isinstance(seq, Metric):
                raise TypeError(f"dataframe() reads metrics only, not {type(seq).__name__} sequences")
            if include_run and params is None:
                params = _dataframes.run_params(run)  # once per run
            frames.append(
                _dataframes.metric_frame(
                    seq,
                    include_name=include_name,
                    include_context=include_context,
                    include_run=include_run,
                    only_last=only_last,
                    params=params,
                )
            )
    return _dataframes.concat(frames)


class SequenceCollection(abc.ABC):
    """Sequences of one run, or of every run a query matches: iterate it, or its runs."""

    def __init__(self, seq_cls: type[Sequence], query: str, report_mode: QueryReportMode) -> None:
        self.seq_cls = seq_cls
        self.query = query
        self.report_mode = report_mode

    def __iter__(self) -> Iterator[Sequence]:
        return self.iter()

    @abc.abstractmethod
    def iter(self) -> Iterator[Sequence]:
        """The collection's sequences."""

    @abc.abstractmethod
    def iter_runs(self) -> Iterator[Any]:
        """One collection per run, each with the run as .run."""

    def _with_points(self, *, with_params: bool) -> Iterator[tuple[Run, dict | None, list[Sequence]]]:
        """(run, params or None, sequences with their points), run by run."""
        for seq in self.iter():
            yield seq.run, None, [seq]

    def dataframe(
        self,
        only_last: bool = False,
        include_run: bool = True,
        include_name: bool = True,
        include_context: bool = True,
        include_props: bool = True,
        include_params: bool = True,
    ) -> DataFrame | None:
        """The metrics' points as one pandas DataFrame (see Metric.dataframe), or None when the
        collection is empty. include_props, include_params: for collections of runs."""
        _dataframes.pandas_module()
        return _sequence_frames(
            self._with_points(with_params=include_run),
            only_last=only_last,
            include_run=include_run,
            include_name=include_name,
            include_context=include_context,
        )


def infos_of(seq_cls: type[Sequence], run: Run, infos: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The infos seq_cls reads; infos None: all the run's sequences (listed now)."""
    infos = run._sequence_infos() if infos is None else infos
    allowed = seq_cls.allowed_dtypes()
    return [info for info in infos if dtype_matches(info["dtype"], allowed)]


class SingleRunSequenceCollection(SequenceCollection):
    """The sequences of one run that seq_cls reads, those a query matches if one is given.

    iter_runs() yields nothing: the collection is already bound to its run.
    """

    def __init__(
        self,
        run: Run,
        seq_cls: type[Sequence] = Sequence,
        query: str = "",
        *,
        report_mode: QueryReportMode = QueryReportMode.DISABLED,
    ) -> None:
        super().__init__(seq_cls, query, report_mode)
        self.run = run
        self._matched: list[dict[str, Any]] | None = None  # infos a repo-wide query already found

    @classmethod
    def _of(
        cls, run: Run, seq_cls: type[Sequence], query: str, matched: list[dict[str, Any]]
    ) -> SingleRunSequenceCollection:
        collection = SingleRunSequenceCollection(run, seq_cls, query)
        collection._matched = matched
        return collection

    def _infos(self, *, with_points: bool) -> list[dict[str, Any]]:
        seq_type = self.seq_cls.sequence_name()
        # Points of a typed sequence come in one query stream; else listing is enough.
        if (self._matched is not None or not self.query) and not (with_points and seq_type):
            return infos_of(self.seq_cls, self.run, self._matched)
        matched: list[dict[str, Any]] = []
        for match in _query.iter_query(
            self.run._target,
            seq_type,
            self.query,
            run_hash=self.run.hash,
            with_points=with_points,
            include_archived=True,  # the run was chosen by hash: archived or not
            report_mode=QueryReportMode.DISABLED,
        ):
            matched = infos_of(self.seq_cls, self.run, match.sequences if seq_type else None)  # type: ignore[union-attr]  # report_mode=DISABLED: RunMatch items only
        return matched

    def iter(self) -> Iterator[Sequence]:
        for info in self._infos(with_points=False):
            yield from_info(self.seq_cls, self.run, info)

    def iter_runs(self) -> Iterator[SequenceCollection]:
        return iter(())

    def __len__(self) -> int:
        """How many sequences the collection holds now (asks the daemon, as iterating does)."""
        return len(self._infos(with_points=False))

    def _with_points(self, *, with_params: bool) -> Iterator[tuple[Run, dict | None, list[Sequence]]]:
        sequences = [from_info(self.seq_cls, self.run, info) for info in self._infos(with_points=True)]
        yield self.run, None, sequences

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of run {self.run.hash} ({self.seq_cls.__name__})>"


# Aim's names for collections of metrics (aim.sdk.metric in Aim 3.0) and of traces (Aim < 3).
MetricCollection = SequenceCollection
TraceCollection = SequenceCollection


class SingleRunMetricCollection(SingleRunSequenceCollection):
    """The metrics of one run (those a query matches if one is given)."""

    def __init__(self, run: Run, query: str = "") -> None:
        super().__init__(run, Metric, query)
