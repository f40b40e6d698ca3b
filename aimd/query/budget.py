"""What a query may cost, and the errors that end it.

QueryError
├── QuerySyntaxError    the text does not parse (line and offset as Python's SyntaxError)
├── UnknownName         a name that is not a query variable, an allowed builtin or bound in the query
├── QueryTooComplex     too long, or nested too deeply to compile
├── QueryForbidden      a construct, name or attribute a query may not use
└── BudgetExceeded      past its time budget, or building something larger than its budget
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

#: Work units between two reads of the clock (a unit is about one guarded item, ~0.1 µs).
CHECK_EVERY = 10_000
#: Seconds of work after which a query evaluates only in its turn at the Gate.
HEAVY_AFTER_S = 0.05
#: Seconds of work a heavy query does in one turn before it lets the next one have the Gate.
TURN_S = 0.02


# --- errors -----------------------------------------------------------------------------------
class QueryError(Exception):
    """A query that cannot be answered; the message is meant for the user who wrote it."""


class QuerySyntaxError(QueryError):
    """The query is not a Python expression. lineno and offset are 1-based, as in SyntaxError."""

    def __init__(self, msg: str, lineno: int, offset: int, text: str | None) -> None:
        super().__init__(f"{msg} in query at line {lineno}, column {offset}")
        self.msg = msg
        self.lineno = lineno
        self.offset = offset
        self.text = text


class UnknownName(QueryError):
    """The query uses a name that is neither a query variable, a builtin, nor bound in the query."""


class QueryTooComplex(QueryError):
    """The query text is too long or nested too deeply to compile."""


class QueryForbidden(QueryError):
    """The query uses a construct, a name or an attribute that queries may not use."""


class BudgetExceeded(QueryError):
    """The query ran past its time budget, or tried to build something larger than its budget."""


# --- the gate ------------------------------------------------------------------------------------
class Gate:
    """Long queries take turns: past HEAVY_AFTER_S of work, a query evaluates only while it holds
    the gate, for TURN_S at a time. However many runaway queries run, they hold the GIL about as
    much as one would, so the event loop and the writer (other clients' acks and calls) get it
    back quickly. A query that waits for a turn longer than its budget has left ends."""

    def __init__(self) -> None:
        self.lock = threading.Lock()


# --- the budget -----------------------------------------------------------------------------------
class Budget:
    """Limits of one query. The time budget counts the CPU time of the thread evaluating the
    query's expression, between resume() and pause() (Query brackets each row's evaluation with
    evaluating()): reading, encoding and streaming matches cost the query nothing, and neither
    does a busy machine (other processes' CPU) nor a slow client. The clock is stopped until the
    first evaluation."""

    __slots__ = (
        "seconds",
        "max_items",
        "max_total_items",
        "max_int_bits",
        "max_work",
        "used",
        "allocated",
        "_work",
        "_since",
        "gate",
        "_turn",
    )

    def __init__(
        self,
        seconds: float = 5.0,
        max_items: int = 1_000_000,
        max_total_items: int = 20_000_000,
        max_int_bits: int = 100_000,
        max_work: int = 20_000_000,
        gate: Gate | None = None,
    ) -> None:
        self.seconds = float(seconds)
        self.max_items = max_items
        self.max_total_items = max_total_items
        self.max_int_bits = max_int_bits
        self.max_work = max_work
        self.used = 0.0  # CPU seconds of evaluation charged so far
        self.allocated = 0
        self._work = 0
        self._since: float | None = None  # the thread's CPU clock when evaluation resumed
        self.gate = gate
        self._turn: float | None = None  # when this query's turn at the gate began, while it has one

    def pause(self) -> None:
        """Stop the clock (on the thread that resumed it): the expression is not being evaluated.
        Gives up its turn at the gate."""
        if self._since is not None:
            self.used += max(time.thread_time() - self._since, 0.0)
            self._since = None
        if self._turn is not None:
            self._turn = None
            self.gate.lock.release()  # type: ignore[union-attr]  # a turn is held only with a gate

    def resume(self) -> None:
        """Start the clock again: this thread evaluates the query's expression."""
        if self._since is None:
            self._since = time.thread_time()

    @contextmanager
    def evaluating(self) -> Iterator[None]:
        """The clock runs (and the gate may be taken) inside, on this thread."""
        self.resume()
        try:
            yield
        finally:
            self.pause()

    def elapsed(self) -> float:
        """CPU seconds of evaluation charged so far."""
        running = 0.0 if self._since is None else max(time.thread_time() - self._since, 0.0)
        return self.used + running

    def check(self) -> None:
        """Raise BudgetExceeded when the query is past its time budget; past HEAVY_AFTER_S of work,
        wait for this query's turn at the gate (while evaluating)."""
        elapsed = self.elapsed()
        if elapsed > self.seconds:
            raise BudgetExceeded(f"query exceeded its {self.seconds} s time budget")
        if self.gate is not None and elapsed > HEAVY_AFTER_S and self._since is not None:
            self._take_turn(self.seconds - elapsed)

    def _take_turn(self, left: float) -> None:
        now = time.monotonic()
        lock = self.gate.lock  # type: ignore[union-attr]  # a turn is held only with a gate
        if self._turn is not None:
            if now - self._turn < TURN_S:
                return
            self._turn = None
            lock.release()
            time.sleep(0)  # let a waiting query take the gate (and the GIL)
        if not lock.acquire(timeout=max(left, 0.0)):
            raise BudgetExceeded(f"query exceeded its {self.seconds} s time budget")
        self._turn = time.monotonic()

    def work(self, units: int, what: str) -> None:
        """Charge one operation that runs in C (and so cannot be stopped) *before* it runs: refuse
        it past max_work units (a unit is about one item compare, a few ns), else spend them."""
        if units > self.max_work:
            raise BudgetExceeded(f"query would do more than {self.max_work} units of work in {what}")
        self.spend(units)

    def spend(self, units: int) -> None:
        """Account for work proportional to data size; reads the clock every CHECK_EVERY units."""
        self._work += units
        if self._work >= CHECK_EVERY:
            self._work = 0
            self.check()

    def start_row(self) -> None:
        """A new row (a run or a sequence) starts: nothing a row builds outlives it (a query cannot
        keep state from one row to the next), so the allocation count starts again, and a query
        over many runs is held to max_total_items per run, not in all."""
        self.allocated = 0

    def allocate(self, items: int) -> None:
        """Account for items created (or iterated) by the query's current row."""
        self.allocated += items
        if self.allocated > self.max_total_items:
            raise BudgetExceeded(f"query allocated more than {self.max_total_items} items for one row")
        self.spend(items)

    def limit(self, size: int, what: str) -> None:
        """Refuse building `what` of `size` items (characters for a string) past max_items."""
        if size > self.max_items:
            unit = "characters" if what == "a string" else "items"
            raise BudgetExceeded(f"query built {what} of more than {self.max_items} {unit}")

    def limit_int(self, bits: int | float) -> None:
        """Refuse an int result of `bits` bits past max_int_bits; charge big ones by 64-bit word."""
        if bits > self.max_int_bits:
            raise BudgetExceeded(f"query built an integer of more than {self.max_int_bits} bits")
        if bits > 64:
            self.allocate(int(bits) >> 6)
