"""Object sequences through the SDK's read API and AimQL: Images, Distributions, Texts, Audios."""

from __future__ import annotations

import numpy as np
import pytest

from aim import Audio, Audios, Distribution, Distributions, Image, Images, Metric, Repo, Run, Text, Texts
from aim._model.query import QueryReportMode

QUIET = QueryReportMode.DISABLED
RNG = np.random.default_rng(7)


@pytest.fixture(scope="module")
def tracked(shared):
    """Two runs: lr 0.1 and 0.01, each with images (lists), distributions, texts, audio and a metric."""
    made = {}
    for lr in (0.1, 0.01):
        run = Run(repo=str(shared), system_tracking_interval=None)
        run["hparams"] = {"lr": lr}
        arrays = [RNG.integers(0, 256, (8, 6, 3), dtype=np.uint8) for _ in range(6)]
        for step in (2, 0, 1):  # out of order: read back step-ordered
            run.track(
                [Image(a, caption=f"s{step}") for a in arrays[2 * step : 2 * step + 2]],
                name="samples",
                step=step,
            )
            run.track(
                Distribution(RNG.normal(size=200), bin_count=16),
                name="weights",
                step=step,
                context={"layer": 1},
            )
            run.track(Text(f"step {step} at lr {lr}"), name="notes", step=step)
        run.track(Audio(np.zeros(800, np.int16), rate=8000), name="clip", step=0)
        run.track(lr, name="loss", step=0)
        run.close()
        made[lr] = (run.hash, arrays)
    return Repo(str(shared)), made


def test_images_read_back_step_ordered_as_lists(tracked):
    repo, made = tracked
    run_hash, arrays = made[0.1]
    images = repo.get_run(run_hash).get_image_sequence("samples", {})
    assert isinstance(images, Images)
    assert (len(images), images.first_step(), images.last_step(), images.record_length()) == (3, 0, 2, 2)
    steps, values = images.values.sparse_list()
    assert steps == [0, 1, 2]
    for step, pair in zip(steps, values, strict=True):
        assert [img.caption for img in pair] == [f"s{step}", f"s{step}"]
        for img, array in zip(pair, arrays[2 * step : 2 * step + 2], strict=True):
            np.testing.assert_array_equal(np.asarray(img.to_pil_image()), array)


def test_distributions_texts_and_audio_read_back(tracked):
    repo, made = tracked
    run = repo.get_run(made[0.01][0])
    weights = run.get_distribution_sequence("weights", {"layer": 1})
    assert isinstance(weights, Distributions) and weights.record_length() is None
    first = weights.values.first()[1]
    assert isinstance(first, Distribution) and first.bin_count == 16 and first.weights.sum() == 200
    notes = run.get_text_sequence("notes", {})
    assert isinstance(notes, Texts)
    assert [t.data for t in notes.values.values_list()] == [f"step {s} at lr 0.01" for s in range(3)]
    clip = run.get_audio_sequence("clip", {})
    assert isinstance(clip, Audios) and clip.values.last()[1].rate == 8000
    assert run.get_image_sequence("nope", {}) is None


def test_query_images_and_distributions(tracked):
    repo, made = tracked
    found = list(repo.query_images('images.name == "samples" and run.hparams.lr > 0.05', report_mode=QUIET))
    assert [(s.name, s.run.hash) for s in found] == [("samples", made[0.1][0])]
    assert isinstance(found[0], Images) and len(found[0].values) == 3
    dists = list(repo.query_distributions("distributions.context.layer == 1", report_mode=QUIET))
    assert sorted(d.run.hash for d in dists) == sorted(h for h, _ in made.values())
    assert all(isinstance(d, Distributions) for d in dists)
    texts = list(repo.query_texts("texts.last_step == 2", report_mode=QUIET))
    assert len(texts) == 2
    assert len(list(repo.query_audios("", report_mode=QUIET))) == 2
    # a metric query never yields objects, and an image query never yields metrics
    assert all(isinstance(m, Metric) for m in repo.query_metrics("", report_mode=QUIET))
    assert not list(repo.query_images('images.name == "loss"', report_mode=QUIET))


def test_a_runs_sequences_each_read_with_their_own_class(tracked):
    repo, made = tracked
    [coll] = list(repo.query_runs("run.hparams.lr == 0.1", report_mode=QUIET).iter_runs())
    kinds = {seq.name: type(seq) for seq in coll}
    assert kinds == {
        "samples": Images,
        "weights": Distributions,
        "notes": Texts,
        "clip": Audios,
        "loss": Metric,
    }


def test_the_sdk_basics_guide_end_to_end(repo):
    """Seed 004 (SDK basics), as written: params, a metric, images (one and a batch), a
    distribution, then the documented query loop."""
    my_run = Run(repo=str(repo), experiment="experiment_name")
    my_run["hparams"] = {"learning_rate": 0.0001, "batch_size": 32}
    for step in range(20):
        my_run.track(step * 10, name="loss", step=step, epoch=0, context={"subset": "train"})
        img = RNG.integers(0, 256, (4, 4, 3), dtype=np.uint8)
        my_run.track(
            Image(img, f"caption {step}"), name="generated", step=step, epoch=0, context={"subset": "train"}
        )
        batch = [Image(RNG.random((4, 4)), str(label)) for label in range(3)]
        my_run.track(batch, name="batches", step=step, epoch=0, context={"subset": "train"})
        my_run.track(
            Distribution(RNG.normal(size=100)), name="gradients", step=step, context={"type": "weights"}
        )
    my_run.close()

    my_repo = Repo(str(repo))
    seen = 0
    for run_metrics_collection in my_repo.query_metrics("metric.name == 'loss'").iter_runs():
        for metric in run_metrics_collection:
            params = metric.run[...]
            steps, metric_values = metric.values.sparse_numpy()
            assert params["hparams"] == {"learning_rate": 0.0001, "batch_size": 32}
            assert steps.tolist() == list(range(20)) and metric_values.tolist() == [s * 10 for s in range(20)]
            seen += 1
    assert seen == 1
    [generated] = list(my_repo.query_images("images.name == 'generated'"))
    assert generated.values.last()[1].caption == "caption 19" and generated.record_length() is None
    [batches] = list(my_repo.query_images("images.name == 'batches' and images.context.subset == 'train'"))
    assert batches.record_length() == 3
    [gradients] = list(my_repo.query_distributions("distributions.context.type == 'weights'"))
    assert len(gradients.values) == 20
