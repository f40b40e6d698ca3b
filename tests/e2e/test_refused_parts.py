"""A part of a batch the daemon refuses never takes the batch's other parts with it, and the SDK
says which part and why at the next track() or close(); what the daemon would refuse for its size
is refused in the caller's thread first (limits from aimproto.contract, shared by both sides)."""

from __future__ import annotations

import numpy as np
import pytest

from aim import Image, Repo, Run
from aim.errors import TrackingError
from aimproto import contract

PIXELS = np.zeros((4, 4, 3), np.uint8)


def _oversized(image: Image) -> Image:
    """image with a caption past the daemon's limit, set behind the SDK's check (as an older or
    foreign client would send it)."""
    image._caption = "x" * 70_000
    return image


def test_an_oversized_caption_is_refused_at_once():
    with pytest.raises(ValueError, match="caption is 70002 bytes as JSON, over the"):
        Image(PIXELS, caption="x" * 70_000)
    image = Image(PIXELS)
    with pytest.raises(ValueError, match="caption"):
        image.caption = "\u00e9" * (contract.MAX_CAPTION_BYTES // 6 + 1)  # \u00e9 in JSON: 6 bytes
    Image(PIXELS, caption="x" * (contract.MAX_CAPTION_BYTES - 2))  # the largest that fits


def test_a_refused_object_does_not_drop_the_images_of_another_sequence(repo):
    run = Run(repo=str(repo), system_tracking_interval=None)
    for step in range(5):
        run.track(Image(PIXELS + step), name="good", step=step)
    run.track(_oversized(Image(PIXELS)), name="bad", step=0)
    run.track(1.0, name="loss", step=0)
    with pytest.raises(
        TrackingError, match=r"sequence 'bad' \{\} of run \w+ \(INVALID_ARGUMENT\).*meta is over"
    ):
        run.close()
    stored = Repo(str(repo)).get_run(run.hash)
    assert {m.name for m in stored.metrics()} == {"loss"}
    good = list(Repo(str(repo)).query_images("images.name == 'good'"))
    assert len(good) == 1 and len(good[0].values) == 5
    assert not list(Repo(str(repo)).query_images("images.name == 'bad'"))


def test_a_refused_part_is_raised_by_the_next_track(repo):
    run = Run(repo=str(repo), system_tracking_interval=None)
    run.track(1.0, name="loss", step=0)
    run.track(_oversized(Image(PIXELS)), name="bad", step=0)
    run.track(Image(PIXELS), name="good", step=0)
    run._tracker.flush()  # acknowledged: the refusal is reported by now
    with pytest.raises(TrackingError, match="sequence 'bad'"):
        run.track(2.0, name="loss", step=1)
    run.track(3.0, name="loss", step=2)  # reported once: tracking goes on
    run.close()
    values = Repo(str(repo)).get_run(run.hash).get_metric("loss").values.values_numpy()
    np.testing.assert_array_equal(values, [1.0, 2.0, 3.0])  # the point whose track() raised is kept
