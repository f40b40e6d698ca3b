"""AimCallback for the Hugging Face Transformers Trainer."""

from __future__ import annotations

from typing import Any

from aim._integrations._lazy import require
from aim._integrations._runs import RunOwner

TrainerCallback = require(
    "transformers.trainer_callback", package="transformers", extra="transformers", user="aim.hugging_face"
).TrainerCallback

_SUBSET_PREFIXES = ("train_", "eval_", "test_")


def _naming(key: str) -> tuple[str, dict]:
    """'eval_loss' -> ('loss', {'subset': 'eval'}); keys without a subset prefix keep no context."""
    for prefix in _SUBSET_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix) :], {"subset": prefix[:-1]}
    return key, {}


class AimCallback(RunOwner, TrainerCallback):
    """Tracks a Trainer: training arguments under 'hparams', the model's config under 'model', and
    every numeric log at the trainer's global step and epoch. Only the main process tracks."""

    _owner = "aim.hugging_face.AimCallback"

    def setup(self, args: Any = None, state: Any = None, model: Any = None) -> None:
        """Open the run; store args and model config as params when given."""
        if state is not None and not state.is_world_process_zero:
            return
        run = self._slot.open()
        if args is not None:
            self._tracker.set_params(run, ("hparams",), args.to_sanitized_dict())
        config = getattr(model, "config", None)
        if config is not None:
            self._tracker.set_params(
                run, (), {"model": {**config.to_dict(), "num_labels": getattr(model, "num_labels", None)}}
            )

    def on_init_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.setup(state=state)

    def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        self.setup(args, state, model)

    def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
        if not state.is_world_process_zero or not logs:
            return
        self._tracker.track(
            self._slot.open(), logs, step=state.global_step, epoch=state.epoch, naming=_naming
        )

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.is_world_process_zero:
            self.close()
