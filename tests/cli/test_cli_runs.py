"""`aim init`, `aim version` and `aim runs ls|rm|cp|mv|close`, run as the installed program
against a real daemon: output and exit codes."""

from __future__ import annotations

import json
import time

from aim import Repo, Run
from tests.cli.helpers import aim, make_run, snapshot
from tests.helpers import run_python


def test_version_prints_the_package_version():
    done = aim("version")
    assert done.returncode == 0 and done.stdout.startswith("aim-tracker v")


def test_init_then_skip_reinit_and_abort(repo):
    assert "Initialized a new Aim repository" in aim("init", "--repo", str(repo)).stdout
    skipped = aim("init", "--repo", str(repo), "-s")
    assert skipped.returncode == 0 and "already exists" in skipped.stdout
    make_run(repo, points=10)
    declined = aim("init", "--repo", str(repo), input="n\n")
    assert declined.returncode == 1 and "Aborted" in declined.stdout
    assert len(Repo(str(repo)).list_all_runs()) == 1
    again = aim("init", "--repo", str(repo), "-y")
    assert again.returncode == 0 and "Re-initialized" in again.stdout
    assert Repo(str(repo)).list_all_runs() == []


def test_ls_lists_runs_with_repo_before_or_after_the_subcommand(repo):
    Repo(str(repo), init=True)
    first = make_run(repo, points=10, name="alpha")
    live = Run(repo=str(repo))
    try:
        before = aim("runs", "--repo", str(repo), "ls")
        after = aim("runs", "ls", "--repo", str(repo))
        assert before.returncode == after.returncode == 0
        assert [line.split()[0] for line in before.stdout.splitlines()] == [
            line.split()[0] for line in after.stdout.splitlines()
        ]
        lines = before.stdout.splitlines()
        assert lines[0].split() == ["HASH", "NAME", "EXPERIMENT", "STATUS", "CREATED", "DURATION"]
        assert lines[-1] == "Total 2 runs."
        row = next(line for line in lines if line.startswith(first))
        assert "alpha" in row and "exp" in row and "finished" in row
        listed = json.loads(aim("runs", "ls", "--json", "--repo", str(repo)).stdout)
        assert {r["hash"]: r["status"] for r in listed} == {first: "finished", live.hash: "running"}
    finally:
        live.close()


def test_runs_in_a_folder_without_repository_is_a_clear_error(tmp_path):
    done = aim("runs", "ls", "--repo", str(tmp_path))
    assert done.returncode == 1 and "no Aim repository" in done.stderr and "Traceback" not in done.stderr


def test_rm_removes_runs_and_unknown_hashes_touch_nothing(repo):
    Repo(str(repo), init=True)
    a, b = make_run(repo, points=10), make_run(repo, points=10)
    unknown = aim("runs", "rm", a, "nope1", "nope2", "-y", "--repo", str(repo))
    assert unknown.returncode == 1 and "nope1, nope2" in unknown.stderr
    assert sorted(Repo(str(repo)).list_all_runs()) == sorted([a, b])
    declined = aim("runs", "rm", a, "--repo", str(repo), input="no\n")
    assert declined.returncode == 1 and a in Repo(str(repo)).list_all_runs()
    done = aim("runs", "rm", a, "--repo", str(repo), input="y\n")
    assert done.returncode == 0 and "Deleted 1 run(s)." in done.stdout
    assert Repo(str(repo)).list_all_runs() == [b]


def test_rm_of_a_run_being_tracked_fails_and_keeps_it(repo):
    live = Run(repo=str(repo))
    try:
        done = aim("runs", "rm", live.hash, "-y", "--repo", str(repo))
        assert done.returncode == 1 and "not deleted" in done.stdout
        assert live.hash in Repo(str(repo)).list_all_runs()
    finally:
        live.close()


def test_cp_copies_whole_runs_and_leaves_the_source(repo, dest):
    Repo(str(repo), init=True)
    Repo(str(dest), init=True)
    run_hash = make_run(repo, points=5000)
    done = aim("runs", "--repo", str(repo), "cp", run_hash, "--destination", str(dest))
    assert done.returncode == 0, done.stderr
    assert "Copied 1 of 1 run(s)" in done.stdout
    assert snapshot(dest, run_hash) == snapshot(repo, run_hash)
    twice = aim("runs", "cp", run_hash, "--destination", str(dest), "--repo", str(repo))
    assert twice.returncode == 1 and "already in" in twice.stdout
    assert Repo(str(dest)).list_all_runs() == [run_hash]


def test_cp_to_a_folder_that_is_no_repository_fails_cleanly(repo, tmp_path):
    run_hash = make_run(repo, points=10)
    done = aim("runs", "cp", run_hash, "--destination", str(tmp_path / "none"), "--repo", str(repo))
    assert done.returncode == 1 and "no Aim repository" in done.stderr and "Traceback" not in done.stderr


def test_cp_with_unknown_hashes_lists_them_and_copies_nothing(repo, dest):
    Repo(str(dest), init=True)
    run_hash = make_run(repo, points=10)
    done = aim("runs", "cp", run_hash, "missing", "--destination", str(dest), "--repo", str(repo))
    assert done.returncode == 1 and "missing" in done.stderr
    assert Repo(str(dest)).list_all_runs() == []


def test_mv_moves_runs_but_not_one_still_tracked(repo, dest):
    Repo(str(dest), init=True)
    run_hash = make_run(repo, points=2000)
    before = snapshot(repo, run_hash)
    live = Run(repo=str(repo))
    try:
        done = aim("runs", "mv", run_hash, live.hash, "--destination", str(dest), "--repo", str(repo))
        assert done.returncode == 1 and "still being tracked" in done.stdout
        assert "Moved 1 of 2 run(s)" in done.stdout
        assert Repo(str(repo)).list_all_runs() == [live.hash]
        assert Repo(str(dest)).list_all_runs() == [run_hash]
        assert snapshot(dest, run_hash) == before
    finally:
        live.close()


def test_repo_copy_runs_and_move_runs(repo, dest):
    run_hash = make_run(repo, points=100)
    source, target = Repo(str(repo)), Repo(str(dest), init=True)
    assert source.copy_runs([run_hash, "nope"], target) == (False, ["nope"])
    assert target.list_all_runs() == [run_hash]
    assert source.move_runs([run_hash], target) == (False, [run_hash])  # already there: source kept
    assert source.list_all_runs() == [run_hash]
    target.delete_run(run_hash)
    assert source.move_runs([run_hash], target) == (True, [])
    assert source.list_all_runs() == [] and target.list_all_runs() == [run_hash]


def test_close_finishes_a_run_left_open_by_a_dead_process(repo):
    Repo(str(repo), init=True)
    done = run_python(
        f"""
        import os
        from aim import Run
        run = Run(repo={str(repo)!r})
        run.track(1.0, name="x")
        print(run.hash, flush=True)
        os._exit(0)  # dies without closing the run
        """
    )
    dead = done.stdout.split()[0]
    assert Repo(str(repo))._client.get_run(dead)["status"] in ("running", "crashed")
    closed = aim("runs", "close", dead, "--repo", str(repo), input="y\n")
    assert closed.returncode == 0 and "Closed 1 run(s)." in closed.stdout
    props = Repo(str(repo))._client.get_run(dead)
    assert props["status"] == "finished" and props["end_time"] is not None and not props["active"]
    again = aim("runs", "close", dead, "-y", "--repo", str(repo))
    assert again.returncode == 0 and "already finished" in again.stdout
    unknown = aim("runs", "close", "nope", "-y", "--repo", str(repo))
    assert unknown.returncode == 1 and "nope" in unknown.stderr


def test_a_live_run_closed_by_force_reopens_with_its_next_points(repo):
    live = Run(repo=str(repo))
    live.track(1.0, name="x", step=0)
    try:
        assert aim("runs", "close", live.hash, "-y", "--repo", str(repo)).returncode == 0
        assert not Repo(str(repo))._client.get_run(live.hash)["active"]
        live.track(2.0, name="x", step=1)
        deadline = time.monotonic() + 30
        while not Repo(str(repo))._client.get_run(live.hash)["active"]:
            assert time.monotonic() < deadline, "the run never re-opened"
            time.sleep(0.01)
    finally:
        live.close()
