"""Several threads of one process tracking into one run: no point lost, none misaligned."""

from __future__ import annotations

import threading

import numpy as np

from aim import Repo, Run


def test_threads_tracking_one_sequence_keep_step_and_value_together(repo):
    """1. 4 threads track interleaved steps of one sequence (value = 3 * step) while the sender
    drains concurrently; 2. every (step, value) pair reads back intact."""
    run = Run(repo=str(repo))
    threads_n, per_thread = 4, 25_000

    def work(offset: int) -> None:
        for i in range(per_thread):
            step = i * threads_n + offset
            run.track(3 * step, name="shared", step=step, epoch=offset)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.close()

    metric = Repo(str(repo)).get_run(run.hash).get_metric("shared")
    steps, values = metric.values.sparse_numpy()
    total = threads_n * per_thread
    np.testing.assert_array_equal(steps, np.arange(total))
    np.testing.assert_array_equal(values, 3 * np.arange(total))
    np.testing.assert_array_equal(metric.epochs.values_numpy(), np.arange(total) % threads_n)
