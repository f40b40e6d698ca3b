"""Client side of AimQL: the syntax check before sending, progress reporting, and the stream of
matching runs and sequences as plain values (the collections in aim._model.collections wrap them)."""

from __future__ import annotations

import enum
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from aim import errors
from aim._transport.results import GroupStats, QueryProgress, RunMatch
from aim._values import context as _context
from aimproto.contract import MAX_QUERY_CHARS

if TYPE_CHECKING:
    from aim._transport.channel import Target

TIMEOUT_ENV = "AIM_QUERY_TIMEOUT"  # seconds of evaluation a query may take (else the daemon's default)
PROGRESS_BAR_AFTER_S = 0.5  # a query that takes longer shows a progress bar (PROGRESS_BAR mode)


class QueryReportMode(enum.Enum):
    """How a query reports its progress (as Aim's aim.sdk.types.QueryReportMode).

    DISABLED: nothing. PROGRESS_BAR: a bar on stderr for queries that take a while.
    PROGRESS_TUPLE: collections also yield (None, (runs_done, runs_total)) as runs are evaluated.
    """

    DISABLED = 0
    PROGRESS_BAR = 1
    PROGRESS_TUPLE = 2


def check_syntax(query: str) -> None:
    """Raise the SyntaxError (with line and offset), or the QueryError for a query that is too
    long, that the daemon would report, without a round trip."""
    if not isinstance(query, str):
        raise TypeError(f"a query must be a str, not {type(query).__name__}")
    if len(query) > MAX_QUERY_CHARS:  # refused here, before sending it (the daemon refuses it too)
        raise errors.QueryError(f"query is longer than {MAX_QUERY_CHARS} characters")
    if not query.strip():
        return  # matches everything
    try:
        compile(query, "<query>", "eval", dont_inherit=True)
    except SyntaxError as exc:  # Python's line and offset, as Aim's check gives them
        raise SyntaxError(
            f"invalid query: {exc.msg}", ("<query>", exc.lineno, exc.offset, exc.text)
        ) from None
    except (RecursionError, MemoryError, ValueError):
        return  # too deep for this parser: the daemon refuses it with a clear message


class _ProgressBar:
    """A tqdm bar over the runs evaluated, shown once a query has run for a while."""

    def __init__(self) -> None:
        from aim._values.progress import progress_bar

        self.bar = progress_bar(None, "query", unit="run", delay=PROGRESS_BAR_AFTER_S)

    def update(self, done: int, total: int) -> None:
        self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        self.bar.close()


def iter_query(
    target: Target,
    seq_type: str | None,
    query: str = "",
    *,
    run_hash: str | None = None,
    with_points: bool = False,
    with_params: bool = False,
    offset: str | None = None,
    limit: int | None = None,
    timeout_s: float | None = None,
    include_archived: bool = False,
    values_only: bool = False,
    max_points: int | None = None,
    aggregate: dict[str, Any] | None = None,
    report_mode: QueryReportMode = QueryReportMode.PROGRESS_BAR,
) -> Iterator[RunMatch | QueryProgress | GroupStats]:
    """A RunMatch (run props, matching sequences) per matching run, newest run first.

    A runs query (seq_type None) gives empty sequence lists. Each sequence is a dict of its
    metadata (name, context as a Context, dtype, count, first_step, last_step, first_value,
    last_value, min, max) and its columns (steps, values, epochs, timestamps as numpy arrays)
    when with_points, else None; with values_only, steps and values only (half the bytes); with
    max_points, a longer numeric sequence is reduced in the daemon to at most that many points
    (its first and last, and each bucket's min and max).
    With aggregate ({"group_by": [fields], "line": ..., "band": ..., "max_points": ...}) a metric
    query yields each matching run (with params, no sequences) and then a GroupStats per group,
    reduced in the daemon (aimd.query.aggregate). With with_params, props hold the run's params
    under "params". In PROGRESS_TUPLE mode the
    iteration also yields QueryProgress(runs_done, runs_total) items. Abandoning the iteration
    cancels the query in the daemon.
    """
    from aim._transport.client import client_for

    check_syntax(query)
    report_mode = QueryReportMode(report_mode)
    if timeout_s is None and os.environ.get(TIMEOUT_ENV):
        text = os.environ[TIMEOUT_ENV]
        try:
            timeout_s = float(text)
        except ValueError:
            raise ValueError(f"{TIMEOUT_ENV}={text!r} is not a number of seconds") from None
    bar = _ProgressBar() if report_mode is QueryReportMode.PROGRESS_BAR else None
    results = client_for(target).query(
        query,
        seq_type,
        run_hash=run_hash,
        with_points=with_points,
        with_params=with_params,
        offset=offset,
        limit=limit,
        timeout_s=timeout_s,
        report_progress=report_mode is not QueryReportMode.DISABLED,
        include_archived=include_archived,
        values_only=values_only,
        max_points=max_points or 0,
        aggregate=aggregate,
    )
    try:
        for item in results:
            if isinstance(item, RunMatch):
                for seq in item.sequences:
                    seq["context"] = _context.Context.from_canonical(seq["context"])
                yield item
            elif isinstance(item, GroupStats):
                yield item
            elif bar is not None:
                bar.update(item.done, item.total)
            elif report_mode is QueryReportMode.PROGRESS_TUPLE:
                yield item
    finally:
        results.close()  # type: ignore[attr-defined]  # results is a generator, which has close()
        if bar is not None:
            bar.close()
