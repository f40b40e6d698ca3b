"""The run an integration tracks into: opened on first use or resumed by hash, closed on demand."""

from __future__ import annotations

from typing import Any

from aim import Run
from aim._integrations._values import LogTracker
from aim.ext.resource.configs import DEFAULT_SYSTEM_TRACKING_INT


class RunSlot:
    """Holds an integration's Run. open() makes it (or attaches to run_hash, from any process or
    rank: a run takes many writers); close() closes it and a later open() resumes the same run."""

    def __init__(
        self,
        repo: str | None = None,
        experiment: str | None = None,
        run_hash: str | None = None,
        run_name: str | None = None,
        *,
        system_tracking_interval: float | None = DEFAULT_SYSTEM_TRACKING_INT,
        log_system_params: bool = True,
        capture_terminal_logs: bool = True,
    ) -> None:
        self.repo, self.experiment, self.run_hash, self.run_name = repo, experiment, run_hash, run_name
        self._options: dict[str, Any] = {
            "system_tracking_interval": system_tracking_interval,
            "capture_terminal_logs": capture_terminal_logs,
        }
        self._log_system_params = log_system_params
        self._run: Run | None = None

    @property
    def run(self) -> Run | None:
        """The open run, None before open() and after close()."""
        return self._run

    def open(self) -> Run:
        if self._run is None:
            if self.run_hash:
                run = Run(self.run_hash, repo=self.repo, **self._options)
            else:
                run = Run(
                    repo=self.repo,
                    experiment=self.experiment,
                    log_system_params=self._log_system_params,
                    **self._options,
                )
                self.run_hash = run.hash
            if self.run_name is not None:
                run.name = self.run_name
            self._run = run
        return self._run

    def close(self) -> None:
        run, self._run = self._run, None
        if run is not None:
            run.close()

    def __getstate__(self) -> dict[str, Any]:
        # Frameworks copy and pickle their callbacks (DDP spawn, deepcopy): the copy keeps the
        # hash and resumes the same run when it tracks.
        return {**self.__dict__, "_run": None}


class RunOwner:
    """What the integrations share: self._slot (their run) and self._tracker (the value rules).

    Its __init__ has the arguments of most of Aim's callbacks; the others call _own_run themselves.
    """

    _owner = "aim integration"  # the name warnings give: 'aim.xgboost.AimCallback', ...
    _open_at_init = False  # whether __init__ makes the run (Aim's Keras callback does)
    _slot: RunSlot
    _tracker: LogTracker

    def __init__(
        self,
        repo: str | None = None,
        experiment: str | None = None,
        system_tracking_interval: float | None = DEFAULT_SYSTEM_TRACKING_INT,
        log_system_params: bool | None = True,
        capture_terminal_logs: bool | None = True,
    ) -> None:
        super().__init__()
        self._own_run(repo, experiment, system_tracking_interval, log_system_params, capture_terminal_logs)
        if self._open_at_init:
            self._slot.open()

    def _own_run(
        self,
        repo: str | None,
        experiment: str | None,
        system_tracking_interval: float | None,
        log_system_params: bool | None,
        capture_terminal_logs: bool | None,
        run_hash: str | None = None,
        run_name: str | None = None,
    ) -> None:
        self._slot = RunSlot(
            repo,
            experiment,
            run_hash,
            run_name,
            system_tracking_interval=system_tracking_interval,
            log_system_params=bool(log_system_params),
            capture_terminal_logs=bool(capture_terminal_logs),
        )
        self._tracker = LogTracker(self._owner)

    @property
    def experiment(self) -> Run:
        """The run (made on first use; resumed by its hash after close())."""
        return self._slot.open()

    def setup(self) -> None:
        """Open the run now."""
        self._slot.open()

    def close(self) -> None:
        """Close the run; tracking again resumes it."""
        self._slot.close()
