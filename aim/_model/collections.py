"""Query results across a repository: collections of the sequences and of the runs a query
matches, and their iteration.

Collections read only through aim._model.query.iter_query, which streams a RunMatch (run props,
matching sequences) per matching run, newest run first, and QueryProgress items in
PROGRESS_TUPLE mode. Iterating a query's sequences brings their points in the same stream
(reading the values is what a metric query is for); iter(values=False) lists them with metadata
only, and each Sequence then fetches its points on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from aim._model import dataframes as _dataframes
from aim._model import query as _query
from aim._model.query import QueryReportMode
from aim._model.run import Run
from aim._model.run_sequences import (
    MetricCollection,
    SequenceCollection,
    SingleRunMetricCollection,
    SingleRunSequenceCollection,
    TraceCollection,
    infos_of,
)
from aim._model.sequences import Metric, Sequence, from_info
from aim._transport.results import QueryProgress, RunMatch

if TYPE_CHECKING:
    from pandas import DataFrame

    from aim._model.repo import Repo

__all__ = [  # the single-run collections live in aim._model.run_sequences; aim.sdk imports them from here
    "MetricCollection",
    "QueryMetricCollection",
    "QueryRunMetricCollection",
    "QueryRunSequenceCollection",
    "QueryRunTraceCollection",
    "QuerySequenceCollection",
    "QueryTraceCollection",
    "SequenceCollection",
    "SingleRunMetricCollection",
    "SingleRunSequenceCollection",
    "TraceCollection",
]


class _Match(NamedTuple):
    """A run a query matched: read-only Run, its params (when asked for) and matching sequences."""

    run: Run
    params: dict | None
    sequences: list[dict[str, Any]]


Results = Iterator[_Match | QueryProgress]


def _stream(
    repo: Repo, seq_type: str | None, query: str, report_mode: QueryReportMode, **options: Any
) -> Results:
    """A _Match per matching run, newest first, and (in PROGRESS_TUPLE mode) QueryProgress items
    as runs are evaluated. A runs query (seq_type None) gives every sequence of the run."""
    target = repo._target
    for item in _query.iter_query(target, seq_type, query, report_mode=report_mode, **options):
        if isinstance(item, QueryProgress):
            yield item
        elif isinstance(item, RunMatch):  # (group statistics come only with aggregate=)
            params = item.props.pop("params", None)
            yield _Match(Run._stored(target, item.props, frozen=repo.read_only), params, item.sequences)


def _matches(results: Results) -> Iterator[_Match]:
    """The matches of a stream, without its progress items."""
    return (item for item in results if not isinstance(item, QueryProgress))


def _collections(
    results: Results, collection_of: Callable[[_Match], Any], *, with_progress: bool
) -> Iterator[Any]:
    """collection_of(match) per match; with_progress (PROGRESS_TUPLE mode): (collection or
    None, (runs done, runs total)) pairs, each collection paired with the last progress seen."""
    progress = None
    for item in results:
        if isinstance(item, QueryProgress):
            progress = (item.done, item.total)
            if with_progress:
                yield None, progress
        elif with_progress:
            yield collection_of(item), progress
        else:
            yield collection_of(item)


class QuerySequenceCollection(SequenceCollection):
    """The sequences seq_cls reads that a query matches, across the repository's runs.

    iter() yields them run by run, newest run first; iter_runs() yields one
    SingleRunSequenceCollection per run with a matching sequence, or, with report_mode
    PROGRESS_TUPLE, (collection or None, (runs done, runs total)) pairs.
    """

    def __init__(
        self,
        repo: Repo,
        seq_cls: type[Sequence] = Sequence,
        query: str = "",
        report_mode: QueryReportMode = QueryReportMode.PROGRESS_BAR,
    ) -> None:
        super().__init__(seq_cls, query, report_mode)
        self.repo = repo

    def _results(
        self,
        *,
        with_points: bool = False,
        with_params: bool = False,
        values_only: bool = False,
        max_points: int | None = None,
    ) -> Results:
        """The stream, each match narrowed to the sequences seq_cls reads (runs with none left out)."""
        seq_type = self.seq_cls.sequence_name()
        for item in _stream(
            self.repo,
            seq_type,
            self.query,
            self.report_mode,
            with_points=with_points,
            with_params=with_params,
            values_only=values_only and not max_points,  # reduced: epochs and times of the kept points
            max_points=max_points,
        ):
            if isinstance(item, QueryProgress):
                yield item
                continue
            matched = infos_of(self.seq_cls, item.run, item.sequences if seq_type else None)
            if matched:
                yield item._replace(sequences=matched)

    def iter_runs(self, values: bool = True, max_points: int | None = None) -> Iterator[Any]:
        """values=False: metadata only (each sequence fetches its points on first use).
        max_points: each metric longer than that comes reduced by the daemon to at most that many
        points (its first and last, and each bucket's min and max), for charts."""
        return _collections(
            self._results(with_points=values, values_only=True, max_points=max_points),
            lambda match: SingleRunSequenceCollection._of(
                match.run, self.seq_cls, self.query, match.sequences
            ),
            with_progress=self.report_mode is QueryReportMode.PROGRESS_TUPLE,
        )

    def iter(self, values: bool = True, max_points: int | None = None) -> Iterator[Sequence]:
        """values=False: metadata only (each sequence fetches its points on first use).
        max_points: as in iter_runs()."""
        for match in _matches(self._results(with_points=values, values_only=True, max_points=max_points)):
            for info in match.sequences:
                yield from_info(self.seq_cls, match.run, info)

    def _with_points(self, *, with_params: bool) -> Iterator[tuple[Run, dict | None, list[Sequence]]]:
        for match in _matches(self._results(with_points=True, with_params=with_params)):
            yield (
                match.run,
                match.params,
                [from_info(self.seq_cls, match.run, info) for info in match.sequences],
            )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.seq_cls.__name__} query={self.query!r}>"


class QueryRunSequenceCollection(SequenceCollection):
    """The runs a query matches, newest first; iter() yields all their sequences seq_cls reads.

    iter_runs() yields a SingleRunSequenceCollection per run (with report_mode PROGRESS_TUPLE,
    (collection or None, (runs done, runs total)) pairs). With offset (a run hash), the runs
    after that one. paginated is accepted for Aim's signature and changes nothing (Aim used
    offset with paginated=True only). dataframe() has a row per run.
    """

    def __init__(
        self,
        repo: Repo,
        seq_cls: type[Sequence] = Sequence,
        query: str = "",
        paginated: bool = False,
        offset: str | None = None,
        report_mode: QueryReportMode = QueryReportMode.PROGRESS_BAR,
    ) -> None:
        super().__init__(seq_cls, query, report_mode)
        self.repo = repo
        self.offset = offset

    def _runs(self, *, with_params: bool = False) -> Results:
        return _stream(
            self.repo, None, self.query, self.report_mode, offset=self.offset, with_params=with_params
        )

    def iter_runs(self) -> Iterator[Any]:
        return _collections(
            self._runs(),
            lambda match: SingleRunSequenceCollection(match.run, self.seq_cls),
            with_progress=self.report_mode is QueryReportMode.PROGRESS_TUPLE,
        )

    def iter(self) -> Iterator[Sequence]:
        seq_type = self.seq_cls.sequence_name()
        if seq_type is None:  # any kind of sequence: list each matching run's
            for match in _matches(self._runs()):
                yield from SingleRunSequenceCollection(match.run, self.seq_cls)
            return
        # One kind: the same run-level query, asked for that kind, brings every sequence of the
        # matching runs with its points in one stream.
        results = _stream(
            self.repo,
            seq_type,
            self.query,
            self.report_mode,
            offset=self.offset,
            with_points=True,
            values_only=True,
        )
        for match in _matches(results):
            for info in infos_of(self.seq_cls, match.run, match.sequences):
                yield from_info(self.seq_cls, match.run, info)

    def dataframe(
        self,
        only_last: bool = False,
        include_run: bool = True,
        include_name: bool = True,
        include_context: bool = True,
        include_props: bool = True,
        include_params: bool = True,
    ) -> DataFrame | None:
        """One row per run: hash, props (include_props) and params (include_params); None when
        no run matches."""
        _dataframes.pandas_module()
        frames = [
            _dataframes.run_frame(
                match.run,
                include_props=include_props,
                include_params=include_params,
                props=match.run._props,
                params=match.params,
            )
            for match in _matches(self._runs(with_params=include_params))
        ]
        return _dataframes.concat(frames)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} query={self.query!r}>"


class QueryMetricCollection(QuerySequenceCollection):
    """The metrics a query matches, across the repository's runs."""

    def __init__(
        self, repo: Repo, query: str = "", report_mode: QueryReportMode = QueryReportMode.PROGRESS_BAR
    ) -> None:
        super().__init__(repo, Metric, query, report_mode)


class QueryRunMetricCollection(QueryRunSequenceCollection):
    """The runs a query matches, iterating their metrics."""

    def __init__(
        self,
        repo: Repo,
        query: str = "",
        paginated: bool = False,
        offset: str | None = None,
        report_mode: QueryReportMode = QueryReportMode.PROGRESS_BAR,
    ) -> None:
        super().__init__(repo, Metric, query, paginated, offset, report_mode)


QueryTraceCollection = QueryMetricCollection
QueryRunTraceCollection = QueryRunMetricCollection
