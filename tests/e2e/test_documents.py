"""Notes and the UI's other documents, kept in the repository by the daemon: written and read
through the SDK, kept across a daemon restart, refused when too large."""

from __future__ import annotations

import pytest

from aim import Repo
from aim.errors import RequestRejected
from aimproto import contract
from tests.helpers import quiet_run, stop_daemon


def test_run_notes_survive_a_daemon_restart(repo):
    with quiet_run(repo) as run:
        run.track(1.0, name="loss")
        run.notes = "# Findings\n\nlr **1e-3** diverged <script>x()</script>"
    stop_daemon(repo)
    again = Repo(str(repo)).get_run(run.hash)  # starts a fresh daemon
    assert again.notes == "# Findings\n\nlr **1e-3** diverged <script>x()</script>"
    again.notes = ""
    assert Repo(str(repo)).get_run(run.hash).notes == ""


def test_a_deleted_runs_notes_go_with_it(repo):
    with quiet_run(repo) as run:
        run.notes = "gone soon"
    store = Repo(str(repo))
    assert store.get_document(contract.DOCUMENT_RUN_NOTES, run.hash) == "gone soon"
    assert store.delete_run(run.hash)
    assert store.get_document(contract.DOCUMENT_RUN_NOTES, run.hash) is None


def test_experiment_notes_and_listing_documents(repo):
    store = Repo(str(repo), init=True)
    store.set_experiment_notes("mnist", "baseline: 98 %")
    store.set_document(contract.DOCUMENT_TAG, "best", '{"colour": "#ff0000"}')
    store.set_document(contract.DOCUMENT_TAG, "alpha", '{"colour": "#00ff00"}')
    assert store.get_experiment_notes("mnist") == "baseline: 98 %"
    assert store.get_experiment_notes("other") == ""
    assert list(store.list_documents(contract.DOCUMENT_TAG)) == ["alpha", "best"]
    store.set_document(contract.DOCUMENT_TAG, "best", None)
    assert store.list_documents(contract.DOCUMENT_TAG) == {"alpha": '{"colour": "#00ff00"}'}


def test_a_note_too_large_is_refused_with_its_size(repo):
    with quiet_run(repo) as run:
        run.notes = "kept"
        with pytest.raises(RequestRejected, match=f"is {contract.MAX_DOCUMENT_BYTES + 1} bytes, over the"):
            run.notes = "x" * (contract.MAX_DOCUMENT_BYTES + 1)
        assert run.notes == "kept"


def test_unknown_kinds_and_bad_keys_are_refused(repo):
    store = Repo(str(repo), init=True)
    with pytest.raises(RequestRejected, match="unknown document kind"):
        store.set_document("secrets", "k", "v")
    with pytest.raises(RequestRejected, match="without NUL"):
        store.set_document(contract.DOCUMENT_BOOKMARK, "a\x00b", "{}")
