"""Query results: collections of sequences and of runs, their iteration, and dataframe().

Collections read only through aim._query.iter_query, which streams (run props, matching
sequences) per matching run, newest run first. Iterating a query's sequences brings their
points in the same stream (reading the values is what a metric query is for); iter(values=False)
lists them with metadata only, and each Sequence then fetches its points on first use.
pandas is optional and imported here only, inside the functions that need it.
"""

from __future__ import annotations

import abc
import datetime
import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from aim import _query
from aim._query import QueryReportMode
from aim._run import Run
from aim._sequences import Metric, Sequence, dtype_matches, from_info

if TYPE_CHECKING:
    from pandas import DataFrame

    from aim._repo import Repo

PARAMS_DEPTH = 3  # params and contexts unfold into columns this many keys deep; deeper as JSON


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as exc:
        raise ImportError(
            "dataframe() needs pandas: pip install pandas (or pip install 'aim-tracker[pandas]')"
        ) from exc
    return pandas


def _flatten(tree: dict, prefix: str, depth: int = PARAMS_DEPTH) -> Iterator[tuple[str, Any]]:
    """(column, value) per leaf: 'prefix.a.b'; lists, and dicts below depth, as JSON text."""
    for key, value in tree.items():
        column = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value and depth > 1:
            yield from _flatten(value, column, depth - 1)
        elif isinstance(value, (dict, list, tuple)):
            yield column, json.dumps(value, default=str)
        else:
            yield column, value


def _params(run: Run) -> dict:
    params = run.get(..., {})
    return params if isinstance(params, dict) else {}


def _concat(frames: list[DataFrame]) -> DataFrame | None:
    """The frames one under the other, or None for none (as Aim)."""
    return _pandas().concat(frames, ignore_index=True) if frames else None


def metric_frame(
    metric: Metric,
    *,
    include_name: bool = False,
    include_context: bool = False,
    include_run: bool = False,
    only_last: bool = False,
    params: dict | None = None,
) -> DataFrame:
    """Metric.dataframe(); params: the run's params when the caller already has them."""
    pd = _pandas()
    steps, (values, epochs, stamps) = metric.data.numpy()
    if only_last:
        steps, values, epochs, stamps = steps[-1:], values[-1:], epochs[-1:], stamps[-1:]
    data: dict[str, Any] = {
        "idx": list(range(len(steps))),
        "step": steps,
        "value": values,
        "epoch": epochs,  # NaN where no epoch was given
        "time": [datetime.datetime.fromtimestamp(t) for t in stamps.tolist()],  # local time, as Aim
    }
    if include_run:
        data["run.hash"] = metric.run.hash
        for column, value in _flatten(_params(metric.run) if params is None else params, "run"):
            data.setdefault(column, value)
    if include_name:
        data["metric.name"] = metric.name
    if include_context:
        for column, value in _flatten(metric.context.to_dict(), "metric.context"):
            data[column] = value
    return pd.DataFrame(data)


def run_frame(
    run: Run,
    *,
    include_props: bool = True,
    include_params: bool = True,
    props: dict | None = None,
    params: dict | None = None,
) -> DataFrame:
    """Run.dataframe(): one row with the run's hash, props and params; props, params: fresh
    ones at hand (else fetched)."""
    pd = _pandas()
    props = run._fresh_props() if props is None else props
    data: dict[str, Any] = {"hash": run.hash}
    if include_props:
        for field in ("name", "description", "archived", "creation_time", "end_time", "active", "experiment"):
            data[field] = props[field]
        data["tags"] = json.dumps(list(props["tags"]))
    if include_params:
        for column, value in _flatten(_params(run) if params is None else params, ""):
            data.setdefault(column, value)
    return pd.DataFrame(data, index=[0])


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
                params = _params(run)  # once per run
            frames.append(
                metric_frame(
                    seq,
                    include_name=include_name,
                    include_context=include_context,
                    include_run=include_run,
                    only_last=only_last,
                    params=params,
                )
            )
    return _concat(frames)


def _stream(
    repo: Repo, seq_type: str | None, query: str, report_mode: QueryReportMode, **options: Any
) -> Iterator[tuple[Run | None, dict | None, list[dict[str, Any]], tuple[int, int] | None]]:
    """(run, its params or None, its matching sequence infos, progress) per matching run, newest
    first; in PROGRESS_TUPLE mode also (None, None, [], (runs done, runs total)) as runs are
    evaluated. A runs query (seq_type None) gives every sequence of the run."""
    target = repo._target
    progress = None
    for props, sequences in _query.iter_query(target, seq_type, query, report_mode=report_mode, **options):
        if props is None:
            progress = sequences
            yield None, None, [], progress
            continue
        params = props.pop("params", None)
        run = Run._stored(target, props)
        yield run, params, sequences, progress


class SequenceCollection(abc.ABC):
    """Sequences of one run, or of every run a query matches: iterate it, or its runs."""

    seq_cls: type[Sequence]

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
        _pandas()
        return _sequence_frames(
            self._with_points(with_params=include_run),
            only_last=only_last,
            include_run=include_run,
            include_name=include_name,
            include_context=include_context,
        )


def _infos_of(seq_cls: type[Sequence], run: Run, infos: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
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
        self.run = run
        self.seq_cls = seq_cls
        self.query = query
        self.report_mode = report_mode
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
            return _infos_of(self.seq_cls, self.run, self._matched)
        matched: list[dict[str, Any]] = []
        for props, sequences in _query.iter_query(
            self.run._target,
            seq_type,
            self.query,
            run_hash=self.run.hash,
            with_points=with_points,
            include_archived=True,  # the run was chosen by hash: archived or not
            report_mode=QueryReportMode.DISABLED,
        ):
            if props is not None:
                matched = _infos_of(self.seq_cls, self.run, sequences if seq_type else None)
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
        self.repo = repo
        self.seq_cls = seq_cls
        self.query = query
        self.report_mode = report_mode

    def _results(
        self,
        *,
        with_points: bool = False,
        with_params: bool = False,
        values_only: bool = False,
        max_points: int | None = None,
    ) -> Iterator[tuple]:
        seq_type = self.seq_cls.sequence_name()
        for run, params, sequences, progress in _stream(
            self.repo,
            seq_type,
            self.query,
            self.report_mode,
            with_points=with_points,
            with_params=with_params,
            values_only=values_only and not max_points,  # reduced: epochs and times of the kept points
            max_points=max_points,
        ):
            if run is None:
                yield None, None, [], progress
                continue
            matched = _infos_of(self.seq_cls, run, sequences if seq_type else None)
            if matched:
                yield run, params, matched, progress

    def iter_runs(self, values: bool = True, max_points: int | None = None) -> Iterator[Any]:
        """values=False: metadata only (each sequence fetches its points on first use).
        max_points: each metric longer than that comes reduced by the daemon to at most that many
        points (its first and last, and each bucket's min and max), for charts."""
        tuples = self.report_mode is QueryReportMode.PROGRESS_TUPLE
        results = self._results(with_points=values, values_only=True, max_points=max_points)
        for run, _params, matched, progress in results:
            collection = (
                None
                if run is None
                else SingleRunSequenceCollection._of(run, self.seq_cls, self.query, matched)
            )
            if tuples:
                yield collection, progress
            elif collection is not None:
                yield collection

    def iter(self, values: bool = True, max_points: int | None = None) -> Iterator[Sequence]:
        """values=False: metadata only (each sequence fetches its points on first use).
        max_points: as in iter_runs()."""
        results = self._results(with_points=values, values_only=True, max_points=max_points)
        for run, _params, matched, _progress in results:
            for info in matched:
                yield from_info(self.seq_cls, run, info)

    def _with_points(self, *, with_params: bool) -> Iterator[tuple[Run, dict | None, list[Sequence]]]:
        for run, params, matched, _progress in self._results(with_points=True, with_params=with_params):
            if run is not None:
                yield run, params, [from_info(self.seq_cls, run, info) for info in matched]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.seq_cls.__name__} query={self.query!r}>"


class QueryRunSequenceCollection(SequenceCollection):
    """The runs a query matches, newest first; iter() yields all their sequences seq_cls reads.

    iter_runs() yields a SingleRunSequenceCollection per run (with report_mode PROGRESS_TUPLE,
    (collection or None, (runs done, runs total)) pairs). With offset (a run hash), the runs
    after that one (Aim used it with paginated=True only). dataframe() has a row per run.
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
        self.repo = repo
        self.seq_cls = seq_cls
        self.query = query
        self.paginated = paginated
        self.offset = offset
        self.report_mode = report_mode

    def _runs(self, *, with_params: bool = False) -> Iterator[tuple]:
        return _stream(
            self.repo, None, self.query, self.report_mode, offset=self.offset, with_params=with_params
        )

    def iter_runs(self) -> Iterator[Any]:
        tuples = self.report_mode is QueryReportMode.PROGRESS_TUPLE
        for run, _params, _sequences, progress in self._runs():
            collection = None if run is None else SingleRunSequenceCollection(run, self.seq_cls)
            if tuples:
                yield collection, progress
            elif collection is not None:
                yield collection

    def iter(self) -> Iterator[Sequence]:
        seq_type = self.seq_cls.sequence_name()
        if seq_type is None:  # any kind of sequence: list each matching run's
            for run, _params, _sequences, _progress in self._runs():
                if run is not None:
                    yield from SingleRunSequenceCollection(run, self.seq_cls)
            return
        # One kind: the same run-level query, asked for that kind, brings every sequence of the
        # matching runs with its points in one stream.
        for run, _params, sequences, _progress in _stream(
            self.repo,
            seq_type,
            self.query,
            self.report_mode,
            offset=self.offset,
            with_points=True,
            values_only=True,
        ):
            for info in _infos_of(self.seq_cls, run, sequences) if run is not None else ():
                yield from_info(self.seq_cls, run, info)

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
        _pandas()
        frames = [
            run_frame(
                run,
                include_props=include_props,
                include_params=include_params,
                props=run._props,
                params=params,
            )
            for run, params, _sequences, _progress in self._runs(with_params=include_params)
            if run is not None
        ]
        return _concat(frames)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} query={self.query!r}>"


# Aim's names for collections of metrics (aim.sdk.metric in Aim 3.0) and of traces (Aim < 3).
MetricCollection = SequenceCollection
TraceCollection = SequenceCollection


class SingleRunMetricCollection(SingleRunSequenceCollection):
    """The metrics of one run (those a query matches if one is given)."""

    def __init__(self, run: Run, query: str = "") -> None:
        super().__init__(run, Metric, query)


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
