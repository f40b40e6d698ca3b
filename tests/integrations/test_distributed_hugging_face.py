"""The distributed Hugging Face AimCallback: rank 0 trains a tiny BERT and tracks it, a worker of
another (simulated) node sends its system metrics over loopback into the same run."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

transformers = pytest.importorskip(
    "transformers", reason="transformers is not installed (aim-tracker[transformers])"
)
pytest.importorskip("torch", reason="torch is not installed")
accelerate_env = pytest.importorskip("accelerate.utils.environment", reason="accelerate is not installed")

from aim.distributed_hugging_face import AimCallback  # noqa: E402
from tests.integrations.helpers import only_run, series  # noqa: E402
from tests.integrations.test_hugging_face import _data, _model  # noqa: E402

pytestmark = pytest.mark.frameworks


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _info(rank: int) -> object:
    return accelerate_env.CPUInformation(rank=rank, world_size=2, local_rank=0, local_world_size=1)


def test_rank_zero_tracks_training_and_the_other_nodes_system_metrics(repo: Path, tmp_path: Path):
    port = _free_port()
    common = {"main_port": port, "main_addr": "127.0.0.1", "repo": str(repo), "capture_terminal_logs": False}
    main = AimCallback(
        experiment="dhf", system_tracking_interval=1, distributed_information=_info(0), **common
    )
    worker = AimCallback(system_tracking_interval=1, distributed_information=_info(1), **common)
    worker.metrics_reporter.start()  # on_train_begin of the worker's own Trainer

    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"),
        per_device_train_batch_size=4,
        num_train_epochs=1,
        logging_steps=1,
        report_to=[],
        save_strategy="no",
        use_cpu=True,
    )
    trainer = transformers.Trainer(model=_model(), args=args, train_dataset=_data(8), callbacks=[main])
    run_hash = main.experiment.hash
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the worker's first sample, forwarded into the run
        metric = main.experiment.get_metric("__system__cpu", {"rank": 1, "node_rank": 1})
        if metric is not None and len(metric):
            break
        time.sleep(0.2)
    trainer.train()
    worker.close()

    run = only_run(repo)
    assert run.hash == run_hash and run.experiment == "dhf"
    assert series(run, "loss")[0] == [1, 2]
    assert len(series(run, "__system__cpu", {"rank": 1, "node_rank": 1})[0]) >= 1


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="main_port must be a positive number"):
        AimCallback(main_port=0, main_addr="127.0.0.1", distributed_information=_info(0))
    with pytest.raises(ValueError, match="main_addr cannot be empty"):
        AimCallback(main_port=1, main_addr="", distributed_information=_info(0))
