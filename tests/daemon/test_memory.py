"""The daemon's memory limit: refused at start below the minimum (naming it), and reported by
`aimd status` with the RSS and each cache's bytes and hit rate."""

from __future__ import annotations

import subprocess
import sys

from aim import Repo
from aimd.config import MIN_MEMORY_LIMIT_BYTES, format_bytes, memory_limits
from tests.helpers import daemon_pid, quiet_run, start_daemon


def aimd(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aimd", *args], capture_output=True, text=True, timeout=60)


def test_a_memory_limit_below_the_minimum_is_refused_at_start_naming_it(repo):
    done = aimd("start", "--repo", str(repo), "--memory-limit", "64M")
    assert done.returncode == 1
    assert "64 MiB is below the minimum" in done.stderr and str(MIN_MEMORY_LIMIT_BYTES) in done.stderr
    assert daemon_pid(repo) is None  # nothing started
    served = aimd("serve", "--repo", str(repo), "--memory-limit", "1000")
    assert served.returncode == 1 and "below the minimum" in served.stderr
    bad = aimd("start", "--repo", str(repo), "--memory-limit", "plenty")
    assert bad.returncode == 2 and "'plenty' is not a size" in bad.stderr


def test_status_reports_rss_and_every_caches_bytes_and_hit_rate(repo):
    start_daemon(repo, "--memory-limit", "256M")
    with quiet_run(repo) as run:
        for step in range(100):
            run.track(float(step), name="loss", step=step)
    for _ in range(2):  # the second read hits the block cache
        [metric] = Repo(str(repo)).query_metrics("metric.name == 'loss'")
        assert metric.values.values_list()[-1] == 99.0
    status = aimd("status", "--repo", str(repo))
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    memory = next(line for line in lines if line.startswith("memory: RSS "))
    assert "of a 256 MiB limit" in memory and "threads" in memory and "open files" in memory
    caches = {line.split(":")[0].strip(): line for line in lines if line.startswith("  ")}
    assert set(caches) == {"writer_states", "claims", "attachments", "block_cache", "props", "aggregates"}
    bound = format_bytes(memory_limits(256 * 2**20)["block_cache"])
    assert "hit rate" in caches["block_cache"] and f"of {bound}" in caches["block_cache"]
