"""AimCallback for fastai's Learner."""

from __future__ import annotations

from typing import Any

from aim._integrations._lazy import require
from aim._integrations._runs import RunOwner
from aim.ext.resource.configs import DEFAULT_SYSTEM_TRACKING_INT

_learner = require("fastai.learner", package="fastai", extra="fastai", user="aim.fastai")
_SKIPPED_COLUMNS = ("train_loss", "epoch", "time")


def _stored(obj: Any) -> Any:
    """fastai's record of an object's constructor arguments (store_attr), else the object."""
    return getattr(obj, "__stored_args__", obj)


class AimCallback(RunOwner, _learner.Callback):
    """Pass to Learner(cbs=[...]) or fit(cbs=[...]): the Learner's and callbacks' settings and the
    data's shape become params before fitting; each batch tracks 'train_loss' and the optimizer's
    hyperparameters ('<name>_<param group>') at the training iteration with {'subset': 'train'} or
    {'subset': 'val'}; each epoch tracks the Recorder's metrics. The run closes after fitting."""

    _owner = "aim.fastai.AimCallback"

    def __init__(
        self,
        repo: str | None = None,
        experiment_name: str | None = None,
        system_tracking_interval: float | None = DEFAULT_SYSTEM_TRACKING_INT,
        log_system_params: bool | None = True,
        capture_terminal_logs: bool | None = True,
    ) -> None:
        self.repo, self.experiment_name = repo, experiment_name
        self._own_run(
            repo, experiment_name, system_tracking_interval, log_system_params, capture_terminal_logs
        )

    def setup(self, args: dict[str, Any] | None = None) -> None:
        """Open the run (resumed after close()); args become top-level params."""
        run = self._slot.open()
        if args:
            self._tracker.set_params(run, (), args)

    def gather_args(self) -> dict[str, Any]:
        """What the Learner knows of its set-up: its and its callbacks' arguments, the data's."""
        args: dict[str, Any] = {"Learner": _stored(self.learn)}
        args.update({str(cb): _stored(cb) for cb in self.learn.cbs if cb is not self})
        dls = self.learn.dls
        for key, read in (
            ("batch_size", lambda: dls.bs),
            ("batch_per_epoch", lambda: len(dls.train)),
            ("model_parameters", lambda: sum(p.numel() for p in self.learn.model.parameters())),
            ("device", lambda: dls.device.type),
            ("n_inp", lambda: dls.train.n_inp),
        ):
            try:
                args[key] = read()
            except Exception:  # data loaders without that: the param is left out
                continue
        return args

    def before_fit(self) -> None:
        self.setup(self.gather_args())

    def after_batch(self) -> None:
        learn = self.learn
        context = {"subset": "train"} if learn.training else {"subset": "val"}
        logs: dict[str, Any] = {"train_loss": learn.loss}
        for i, hypers in enumerate(getattr(learn.opt, "hypers", [])):
            logs.update({f"{key}_{i}": value for key, value in hypers.items()})
        self._tracker.track(self._slot.open(), logs, step=learn.train_iter, naming=lambda k: (k, context))

    def after_epoch(self) -> None:
        recorder = self.learn.recorder
        logs = {
            name: value
            for name, value in zip(recorder.metric_names, recorder.log, strict=False)
            if name not in _SKIPPED_COLUMNS and value is not None
        }
        self._tracker.track(self._slot.open(), logs)

    def after_fit(self) -> None:
        self.close()
