"""Repo: opening, discovery, removal, summaries and the Aim 3.0 names, through a real daemon."""

from __future__ import annotations

import os

import pytest

from aim import Repo, Run
from aim.errors import RepoError
from tests.helpers import daemon_pid


def test_open_missing_repo_is_a_clear_error(tmp_path):
    with pytest.raises(RepoError, match="no Aim repository"):
        Repo(str(tmp_path / "nowhere"))
    assert not Repo.exists(tmp_path / "nowhere")


def test_exists_default_repo_and_rm(repo, monkeypatch):
    r = Repo(str(repo), init=True)
    assert Repo.exists(repo) and Repo.exists(repo / ".aim")
    run = Run(repo=str(repo))
    run.close()
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    assert Repo.default_repo() == r
    assert daemon_pid(repo) is not None
    Repo.rm(str(repo))
    assert not Repo.exists(repo) and daemon_pid(repo) is None
    with pytest.raises(RepoError):
        Repo.rm(str(repo))


def test_get_run_of_unknown_hash_is_none(repo):
    r = Repo(str(repo), init=True)
    assert r.get_run("0123456789abcdef") is None
    assert r.get_run("not a hash!") is None


def test_summaries(repo):
    for lr, ctx in ((0.1, {"subset": "train"}), (0.2, {"subset": "val"})):
        run = Run(repo=str(repo))
        run["hparams"] = {"lr": lr, f"only_{ctx['subset']}": True}
        run.track(1.0, name="loss", context=ctx)
        run.close()
    r = Repo(str(repo))
    params = r.collect_params_info()
    assert set(params["hparams"]) == {"lr", "only_train", "only_val"}
    info = r.collect_sequence_info(("metric",))
    assert sorted(c["subset"] for c in info["metric"]["loss"]) == ["train", "val"]
    assert r.total_runs_count() == 2 and len(r.list_all_runs()) == 2
    with pytest.deprecated_call():
        assert r.collect_metrics() == info["metric"]
    with pytest.deprecated_call():
        assert r.collect_params() == params
    with pytest.deprecated_call():
        assert len(list(r.traces("metric.name == 'loss'"))) == 2
    with pytest.raises(ValueError, match="unknown sequence type"):
        r.collect_sequence_info(("scalars",))
    assert os.path.isdir(repo / ".aim")


def test_a_read_only_repo_refuses_to_delete(repo):
    run = Run(repo=str(repo))
    run.close()
    with pytest.raises(RepoError, match="read-only"):
        Repo(str(repo), read_only=True).delete_run(run.hash)
    with pytest.raises(RepoError, match="read-only"):
        Repo(str(repo), read_only=True).delete_runs([run.hash])
    assert Repo(str(repo)).get_run(run.hash) is not None


def test_the_aim_3_quick_start(repo, monkeypatch):
    """Seed 003's quick start: Run() in the default repository, then repo.traces(query). The
    documented query uses `=` and is not Python: it is a SyntaxError that points at the `=`."""
    (repo / ".aim").mkdir()
    monkeypatch.chdir(repo)
    run = Run()  # the default repository: the working directory's
    run["params"] = {"foo": "bar"}
    for i in range(100):
        run.track(i, step=i, name="ordinals", context={})
        run.track(-i, step=i, name="negative integers", context={})
        if i % 2 == 0:
            run.track(i, step=i, name="ordinals", context={"odds": True})
    run.close()

    repo_ = Repo.default_repo()
    documented = "\nmetric.run.params.foo == 'bar' and metric = 'ordinals' and context['odds'] = True\n"
    with pytest.raises(SyntaxError) as caught, pytest.deprecated_call():
        list(repo_.traces(query=documented))
    assert caught.value.lineno == 2
    fixed = "metric.run.params.foo == 'bar' and metric.name == 'ordinals' and metric.context.odds == True"
    with pytest.deprecated_call():
        traces = repo_.traces(query=fixed)
    [trc] = list(traces)
    assert trc.values.values_list() == list(range(0, 100, 2))
