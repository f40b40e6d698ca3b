"""Hugging Face Transformers' AimCallback, on a tiny BERT built from a config (no download)."""

from __future__ import annotations

from pathlib import Path

import pytest

transformers = pytest.importorskip(
    "transformers", reason="transformers is not installed (aim-tracker[transformers])"
)
torch = pytest.importorskip("torch", reason="torch is not installed")
pytest.importorskip("accelerate", reason="accelerate is not installed (aim-tracker[transformers])")

from aim.hugging_face import AimCallback  # noqa: E402
from tests.integrations.helpers import only_run, series, tracked  # noqa: E402

pytestmark = pytest.mark.frameworks


def _model():
    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=32,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
        max_position_embeddings=16,
        num_labels=2,
    )
    return transformers.BertForSequenceClassification(config)


def _data(count: int) -> list[dict]:
    generator = torch.Generator().manual_seed(1)
    ids = torch.randint(1, 32, (count, 6), generator=generator)
    return [{"input_ids": row, "labels": int(row[0] % 2)} for row in ids]


def test_trainer_tracks_arguments_model_config_and_logs(repo: Path, tmp_path: Path):
    callback = AimCallback(repo=str(repo), experiment="bert")
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"),
        max_steps=4,
        per_device_train_batch_size=4,
        per_device_eval_batch_size=4,
        learning_rate=1e-3,
        logging_steps=1,
        eval_strategy="steps",
        eval_steps=2,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        disable_tqdm=True,
    )
    trainer = transformers.Trainer(
        model=_model(), args=args, train_dataset=_data(16), eval_dataset=_data(8), callbacks=[callback]
    )
    trainer.train()
    trainer.evaluate()  # after training: the run is resumed by its hash

    run = only_run(repo)
    assert run.experiment == "bert"
    assert run["hparams", "learning_rate"] == 1e-3 and run["hparams", "max_steps"] == 4
    assert run["model", "hidden_size"] == 8 and run["model", "num_labels"] == 2
    steps, losses = series(run, "loss")
    assert steps == [1, 2, 3, 4] and all(loss > 0 for loss in losses)
    eval_steps, _ = series(run, "loss", {"subset": "eval"})
    assert eval_steps == [2, 4]  # the evaluate() after training logs at step 4 again: last wins
    assert run.get_metric("loss", {}).epochs.values_list()[-1] == pytest.approx(1.0)
    assert series(run, "learning_rate")[0] == [1, 2, 3, 4]


def test_bad_logs_warn_once_and_track_the_numbers(repo: Path):
    callback = AimCallback(repo=str(repo))
    state = transformers.TrainerState()
    state.global_step, state.epoch = 3, 0.5
    control = transformers.TrainerControl()
    with pytest.warns(RuntimeWarning, match="aim.hugging_face.AimCallback skipped") as caught:
        callback.on_log(
            None, state, control, logs={"eval_loss": 0.25, "note": "x", "eval_vec": torch.ones(2)}
        )
        callback.on_log(None, state, control, logs={"other": None})
    assert len([w for w in caught if w.category is RuntimeWarning]) == 1
    callback.close()
    run = only_run(repo)
    assert tracked(run) == [("loss", {"subset": "eval"})]
    assert series(run, "loss", {"subset": "eval"}) == ([3], [0.25])
