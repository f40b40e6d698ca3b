"""`python -m aimd start | status | stop | serve`: exit codes, messages, files, and races."""

from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from aim import Repo, Run
from aim._transport.channel import Target
from aim._transport.sender import close_sender
from tests.helpers import daemon_pid, wait_exited

EXIT_OK, EXIT_ERROR, EXIT_ALREADY_RUNNING, EXIT_NOT_RUNNING = 0, 1, 3, 4


def aimd(*args: str, repo: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "aimd", *args, "--repo", str(repo)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def serving_lines(repo: Path) -> list[str]:
    return [line for line in (repo / ".aim" / "aimd.log").read_text().splitlines() if " serving " in line]


def pid_in(output: str) -> int:
    match = re.search(r"\(pid (\d+)\)", output)
    assert match, output
    return int(match.group(1))


def test_start_status_stop_lifecycle(repo):
    """1. status and stop with no daemon: exit 4; 2. start: exit 0, names the pid and address;
    3. start again: the same daemon; 4. the socket is 0600, the pidfile names the daemon;
    5. stop: exit 0, the process has exited, pidfile, address file and socket are gone;
    6. status and stop: exit 4 again."""
    for command in ("status", "stop"):
        done = aimd(command, repo=repo)
        assert done.returncode == EXIT_NOT_RUNNING, done
        assert f"no daemon serves {repo}" in done.stdout

    first = aimd("start", repo=repo)
    assert first.returncode == EXIT_OK, first.stderr
    pid = pid_in(first.stdout)
    socket = repo / ".aim" / "aimd.sock"
    assert f"aimd serves {repo} on unix://{socket}" in first.stdout
    assert daemon_pid(repo) == pid and psutil.pid_exists(pid)

    second = aimd("start", repo=repo)
    assert second.returncode == EXIT_OK, second.stderr
    assert "already serves" in second.stdout and pid_in(second.stdout) == pid
    status = aimd("status", repo=repo)
    assert status.returncode == EXIT_OK and pid_in(status.stdout) == pid
    assert len(serving_lines(repo)) == 1

    mode = os.stat(socket).st_mode
    assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600
    assert (repo / ".aim" / "aimd.addr").read_text().strip() == f"unix://{socket}"

    process = psutil.Process(pid)
    stopped = aimd("stop", repo=repo)
    assert stopped.returncode == EXIT_OK, stopped.stderr
    assert f"stopped pid {pid}" in stopped.stdout
    wait_exited(process, timeout=10)
    for name in ("aimd.pid", "aimd.addr", "aimd.sock"):
        assert not (repo / ".aim" / name).exists(), name
    assert (repo / ".aim" / "db").is_dir()  # the data stays

    for command in ("status", "stop"):
        assert aimd(command, repo=repo).returncode == EXIT_NOT_RUNNING


def test_eight_concurrent_starts_make_exactly_one_daemon(repo):
    """1. run 8 `aimd start` at once on an empty folder; 2. all exit 0 naming one and the same pid;
    3. the log has one 'serving' line; the pidfile names that pid; the losers have exited."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "aimd", "start", "--repo", str(repo)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    outputs = [proc.communicate(timeout=90) for proc in procs]
    assert [proc.returncode for proc in procs] == [EXIT_OK] * 8, outputs
    pids = {pid_in(out) for out, _ in outputs}
    assert len(pids) == 1, outputs
    (pid,) = pids
    assert daemon_pid(repo) == pid
    assert len(serving_lines(repo)) == 1
    serving = [p for p in psutil.process_iter(["cmdline"]) if _serves(p, repo)]
    assert [p.pid for p in serving] == [pid]


def _serves(proc: psutil.Process, repo: Path) -> bool:
    try:
        cmdline = proc.info["cmdline"] or []
    except psutil.Error:
        return False
    if "serve" not in cmdline or str(repo) not in cmdline:
        return False
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_serve_while_a_daemon_runs_exits_3_naming_it(repo):
    started = aimd("start", repo=repo)
    assert started.returncode == EXIT_OK, started.stderr
    pid = pid_in(started.stdout)
    rival = aimd("serve", repo=repo, timeout=30)
    assert rival.returncode == EXIT_ALREADY_RUNNING
    assert f"another aimd (pid {pid}) owns this repository" in rival.stderr
    assert daemon_pid(repo) == pid and aimd("status", repo=repo).returncode == EXIT_OK


def test_idle_daemon_exits_by_itself(repo):
    """1. start with --idle-timeout 1; 2. with no client, the process exits on its own;
    3. it cleaned up after itself (no pidfile, no socket), and says why in its log."""
    started = aimd("start", "--idle-timeout", "1", repo=repo)
    assert started.returncode == EXIT_OK, started.stderr
    process = psutil.Process(pid_in(started.stdout))
    wait_exited(process, timeout=20)
    assert not (repo / ".aim" / "aimd.pid").exists()
    assert not (repo / ".aim" / "aimd.sock").exists()
    assert "idle for 1 s: exiting" in (repo / ".aim" / "aimd.log").read_text()
    assert aimd("status", repo=repo).returncode == EXIT_NOT_RUNNING


def test_aim_path_that_is_a_file_is_a_one_line_error(repo):
    (repo / ".aim").write_text("not a folder")
    for command, code in (("status", EXIT_NOT_RUNNING), ("stop", EXIT_NOT_RUNNING), ("start", EXIT_ERROR)):
        done = aimd(command, repo=repo)
        assert done.returncode == code, done
        assert "Traceback" not in done.stderr
    done = aimd("start", repo=repo)
    assert f"cannot create {repo / '.aim'}" in done.stderr
    assert (repo / ".aim").read_text() == "not a folder"


def test_store_that_cannot_open_fails_start_naming_cause_and_log(repo):
    """1. make <repo>/.aim/db a file; 2. start exits 1 naming the store path and the log file;
    3. the log says it in one line, without a traceback; no daemon is left."""
    (repo / ".aim").mkdir()
    (repo / ".aim" / "db").write_text("not a database")
    done = aimd("start", repo=repo)
    assert done.returncode == EXIT_ERROR
    assert f"cannot open the store at {repo / '.aim' / 'db'}" in done.stderr
    assert str(repo / ".aim" / "aimd.log") in done.stderr
    log = (repo / ".aim" / "aimd.log").read_text()
    assert "cannot open the store" in log and "Traceback" not in log
    assert daemon_pid(repo) is None
    assert aimd("status", repo=repo).returncode == EXIT_NOT_RUNNING


def test_a_store_written_by_a_newer_aimd_is_refused_by_name(repo):
    """A store whose key-schema version (its V key) is newer than this aimd knows is not opened:
    start exits 1 saying so, and the store is left as it was."""
    import plyvel

    from aimd.storage import keys

    db_path = repo / ".aim" / "db"
    db_path.mkdir(parents=True)
    db = plyvel.DB(str(db_path), create_if_missing=True)
    db.put(keys.VERSION_KEY, b"99")
    db.close()
    done = aimd("start", repo=repo)
    assert done.returncode == EXIT_ERROR, done.stderr
    assert "has key schema '99', newer than this aimd reads" in done.stderr
    assert "upgrade aim-tracker" in done.stderr and "Traceback" not in done.stderr
    assert daemon_pid(repo) is None
    db = plyvel.DB(str(db_path))
    assert db.get(keys.VERSION_KEY) == b"99"
    db.close()


def test_unwritable_repository_fails_start(unwritable_folder):
    done = aimd("start", repo=unwritable_folder)
    assert done.returncode == EXIT_ERROR and f"cannot create {unwritable_folder / '.aim'}" in done.stderr
    assert "Traceback" not in done.stderr


def test_tcp_port_zero_is_announced_and_serves_remote_clients(repo):
    """1. start with --tcp 127.0.0.1:0 (--no-auth: tokens and TLS are tested in test_tcp_security);
    2. status names the chosen port; 3. an aim:// client tracks through it and the local
    repository holds the points."""
    started = subprocess.run(
        [sys.executable, "-m", "aimd", "start", "--repo", str(repo), "--tcp", "127.0.0.1:0", "--no-auth"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 0, started.stderr
    lines = (repo / ".aim" / "aimd.addr").read_text().split()
    assert lines[0].startswith("unix://") and lines[1].startswith("127.0.0.1:")
    port = int(lines[1].rsplit(":", 1)[1])
    assert port > 0 and lines[1] in started.stdout
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    remote = f"aim://127.0.0.1:{port}"
    with Run(repo=remote) as run:
        run.track(4.0, name="x")
    assert Repo(str(repo)).get_run(run.hash).get_metric("x").values.values_list() == [4.0]
    close_sender(Target(remote))
    log = (repo / ".aim" / "aimd.log").read_text()
    assert "TCP 127.0.0.1:0: plaintext, no authentication" in log
    assert "WARNING aimd.server: serving TCP on 127.0.0.1:0 without authentication (--no-auth)" in log


@pytest.mark.parametrize("value", ["0", "-1", "601", "soon"])
def test_query_timeout_flag_must_be_a_sensible_number_of_seconds(tmp_path, value):
    done = aimd("serve", "--query-timeout", value, repo=tmp_path)
    assert done.returncode == 2 and "--query-timeout" in done.stderr
    assert not (tmp_path / ".aim").exists()
