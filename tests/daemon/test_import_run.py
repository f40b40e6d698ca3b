"""Transfer.ImportRun: a run lands whole on its commit, or leaves no trace."""

from __future__ import annotations

import grpc
import numpy as np
import pytest

from aim import Repo, Run
from aim._transport.channel import Target
from aim._transport.client import client_for
from aim._transport.transfer import run_parts
from aim.errors import RequestRejected, RunExistsError
from aimproto.v1 import transfer_pb2


def _source_run(repo) -> str:
    run = Run(repo=str(repo))
    run["p"] = {"a": 1}
    for step in range(50_000):
        run.track(float(step), name="m", step=step)
    run.close()
    return run.hash


def _renamed(parts, new_hash: str):
    """A run's parts as the parts of a run with another hash."""
    for part in parts:
        kind = part.WhichOneof("kind")
        if kind == "start":
            part.start.props.hash = new_hash
        elif kind in ("series", "objects"):
            getattr(part, kind).run_hash = new_hash
        yield part


def _without_commit(parts: list) -> list:
    return parts[:-1]


def _miscounted(parts: list) -> list:
    parts[-1].commit.points += 1
    return parts


@pytest.mark.parametrize(
    ("damage", "message"),
    [(_without_commit, "ended before its ImportCommit"), (_miscounted, "announces")],
)
def test_a_stream_without_its_right_commit_leaves_nothing(repo, damage, message):
    source = _source_run(repo)
    client = client_for(Target(str(repo)))
    parts = damage(list(_renamed(run_parts(client, source), "copy")))
    with pytest.raises(RequestRejected, match=message):
        client.import_run(iter(parts))
    assert Repo(str(repo)).get_run("copy") is None


def test_an_error_while_reading_the_source_cancels_the_import(repo):
    source = _source_run(repo)
    client = client_for(Target(str(repo)))

    def failing():
        for i, part in enumerate(_renamed(run_parts(client, source), "copy")):
            if i == 3:
                raise OSError("disk went away")
            yield part

    with pytest.raises(OSError, match="disk went away"):
        client.import_run(failing())
    assert Repo(str(repo)).get_run("copy") is None


def test_a_cancelled_import_leaves_nothing(repo):
    source = _source_run(repo)
    client = client_for(Target(str(repo)))
    sent = []

    def parts():
        for part in _renamed(run_parts(client, source), "copy"):
            if part.WhichOneof("kind") == "commit":
                call.cancel()  # as Ctrl-C does: the commit is never sent
                return
            sent.append(part)
            yield part

    call = client.transfer.ImportRun.future(parts())
    with pytest.raises(grpc.FutureCancelledError):
        call.result()
    assert len(sent) > 2 and Repo(str(repo)).get_run("copy") is None


def test_a_run_is_imported_once(repo):
    source = _source_run(repo)
    client = client_for(Target(str(repo)))
    with pytest.raises(RunExistsError):
        client.import_run(run_parts(client, source))
    props = client.import_run(_renamed(run_parts(client, source), "copy"))
    assert props["hash"] == "copy" and not props["active"]
    copy = client.read_sequence("copy", "m", "{}")
    assert np.array_equal(copy["values"], np.arange(50_000.0))
    assert client.get_params("copy", []) == {"p": {"a": 1}}


def test_parts_of_another_run_are_refused(repo):
    source = _source_run(repo)
    client = client_for(Target(str(repo)))
    parts = list(run_parts(client, source))
    parts[0].start.props.hash = "other"
    with pytest.raises(RequestRejected, match="holds points of run"):
        client.import_run(iter(parts))
    with pytest.raises(RequestRejected, match="must begin with an ImportStart"):
        client.import_run(iter(parts[1:]))
    assert Repo(str(repo)).get_run("other") is None
    assert transfer_pb2.ImportPart().WhichOneof("kind") is None
