"""AimLogger for CatBoost: model.fit(..., log_cout=AimLogger()) reads CatBoost's text log."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from aim._integrations._lazy import require
from aim._integrations._runs import RunOwner
from aim.ext.resource.configs import DEFAULT_SYSTEM_TRACKING_INT

require("catboost", package="catboost", extra="catboost", user="aim.catboost")

_COLUMNS = ("learn:", "test:", "best:")


def _value(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


class AimLogger(RunOwner):
    """A text stream for CatBoost's log_cout: each iteration line ('12: learn: 0.5 test: 0.6 best:
    0.6 (3) ...') tracks loss_function at step 12 with context {'log': 'learn' | 'test' | 'best'};
    'name = value' lines become params. Lines are passed on to log_cout (None: to nothing)."""

    _owner = "aim.catboost.AimLogger"

    def __init__(
        self,
        loss_function: str | None = "Loss",
        repo: str | None = None,
        experiment: str | None = None,
        system_tracking_interval: float | None = DEFAULT_SYSTEM_TRACKING_INT,
        log_system_params: bool | None = True,
        capture_terminal_logs: bool | None = True,
        log_cout: TextIO | None = sys.stdout,
    ) -> None:
        if log_cout is not None and not hasattr(log_cout, "write"):
            raise TypeError(f"log_cout must have a write() method, not be a {type(log_cout).__name__}")
        self._own_run(repo, experiment, system_tracking_interval, log_system_params, capture_terminal_logs)
        self._loss_function = loss_function or "Loss"
        self._log_cout = log_cout
        self._pending = ""

    def write(self, log: str) -> None:
        """Take a chunk of CatBoost's log; complete lines are tracked."""
        self._pending += log
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            self._line(line.split())
        if self._log_cout is not None:
            self._log_cout.write(log)

    def flush(self) -> None:
        if self._log_cout is not None and hasattr(self._log_cout, "flush"):
            self._log_cout.flush()

    def _line(self, words: list[str]) -> None:
        if len(words) == 3 and words[1] == "=":
            self._tracker.set_params(self.experiment, (), {words[0]: _value(words[2])})
            return
        if len(words) < 3 or words[1] != "learn:" or not words[0].endswith(":"):
            return  # not an iteration line
        try:
            step = int(words[0][:-1])
        except ValueError:
            return
        values: dict[str, Any] = {}
        for at, word in enumerate(words[1:-1], start=1):
            if word in _COLUMNS:
                values[word[:-1]] = _value(words[at + 1])
        self._tracker.track(
            self.experiment, values, step=step, naming=lambda key: (self._loss_function, {"log": key})
        )
