"""A part of a batch the daemon refuses never takes the batch's other parts with it."""

from __future__ import annotations

import numpy as np

from aim import Image, Repo, Run


def test_an_oversized_caption_does_not_drop_the_images_of_another_sequence(repo):
    run = Run(repo=str(repo))
    pixels = np.zeros((4, 4, 3), np.uint8)
    for step in range(5):
        run.track(Image(pixels + step), name="good", step=step)
    run.track(Image(pixels, caption="x" * 70_000), name="bad", step=0)  # the daemon refuses it
    run.track(1.0, name="loss", step=0)
    run.close()
    stored = Repo(str(repo)).get_run(run.hash)
    names = {m.name for m in stored.metrics()}
    assert "loss" in names
    log = (repo / ".aim" / "aimd.log").read_text()
    assert "caption" in log or "meta is over" in log  # the refusal is named (the SDK shows it later)
    good = [s for s in Repo(str(repo)).query_images("images.name == 'good'")]
    assert len(good) == 1 and len(good[0].values) == 5
