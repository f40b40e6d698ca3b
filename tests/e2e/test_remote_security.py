"""Remote tracking over loopback TCP with tokens and TLS: real daemons, self-signed certificates
made here, and every way a connection can be refused, each ending in a clear aim error."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest

from aim import Repo, Run
from aim._transport.channel import Target
from aim._transport.sender import close_sender
from aim.errors import AuthenticationError, PermissionDeniedError, RepoError, TLSError, TrackingError
from aimproto.v1 import reading_pb2, reading_pb2_grpc, tracking_pb2, tracking_pb2_grpc
from tests.certs import self_signed
from tests.helpers import release_repo

RW = secrets.token_urlsafe(24)
RO = secrets.token_urlsafe(24)
CLIENT_ENV = ("AIM_TOKEN", "AIM_TLS", "AIM_TLS_CA")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """server (for localhost and 127.0.0.1), other (an unrelated CA), wrong_host, expired; tokens."""
    folder = tmp_path_factory.mktemp("pki")
    self_signed(folder, "server")
    self_signed(folder, "other")
    self_signed(folder, "wrong_host", ("trainhost.example",))
    self_signed(folder, "expired", expired=True)
    tokens = folder / "tokens"
    tokens.touch(mode=0o600)
    tokens.write_text(f"{RW}\n{RO} read-only\n")
    return folder


def serve_tcp(repo: Path, *flags: str, port: int = 0) -> int:
    """`aimd start` on 127.0.0.1:port (0: a free one) with flags; the port it serves."""
    repo.mkdir(exist_ok=True)
    started = subprocess.run(
        [sys.executable, "-m", "aimd", "start", "--repo", str(repo), "--tcp", f"127.0.0.1:{port}", *flags],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 0, started.stderr
    return int((repo / ".aim" / "aimd.addr").read_text().split()[1].rsplit(":", 1)[1])


@contextlib.contextmanager
def daemon(tmp_path_factory: pytest.TempPathFactory, name: str, *flags: str) -> Iterator[tuple[Path, int]]:
    """A daemon serving TCP with flags, in a fresh repository; stopped by PID afterwards."""
    repo = tmp_path_factory.mktemp(name) / "repo"
    try:
        yield repo, serve_tcp(repo, *flags)
    finally:
        release_repo(repo)


@pytest.fixture(scope="module")
def secure(tmp_path_factory, pki) -> Iterator[tuple[Path, int]]:
    """TLS and tokens: the configuration the README starts from."""
    tls = ("--tls-cert", str(pki / "server.pem"), "--tls-key", str(pki / "server.key"))
    with daemon(tmp_path_factory, "secure", *tls, "--token-file", str(pki / "tokens")) as served:
        yield served


@pytest.fixture(scope="module")
def plaintext(tmp_path_factory, pki) -> Iterator[tuple[Path, int]]:
    """Plaintext on loopback, with tokens."""
    with daemon(tmp_path_factory, "plaintext", "--token-file", str(pki / "tokens")) as served:
        yield served


@pytest.fixture
def client_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], str]]:
    """A clean client environment, and use(url): url, its SDK objects shut down after the test
    (under the environment in force when use() was called)."""
    for name in CLIENT_ENV:
        monkeypatch.delenv(name, raising=False)
    targets: list[Target] = []

    def use(url: str) -> str:
        targets.append(Target(url))
        return url

    yield use
    for target in targets:
        close_sender(target)


def track_run(url: str, n: int = 50) -> str:
    with Run(repo=url, experiment="remote") as run:
        run["hparams"] = {"lr": 0.01}
        for step in range(n):
            run.track(step * 0.5, name="loss", step=step, context={"subset": "train"})
    return run.hash


def test_track_and_query_round_trip_with_tls_and_tokens(secure, pki, client_env, monkeypatch):
    """1. track into the TLS daemon with a read-write token in the URL; 2. query it back with a
    read-only token from AIM_TOKEN; 3. the local repository (unix socket, no token) holds the same."""
    repo, port = secure
    monkeypatch.setenv("AIM_TLS_CA", str(pki / "server.pem"))
    run_hash = track_run(client_env(f"aim://{RW}@127.0.0.1:{port}"))
    monkeypatch.setenv("AIM_TOKEN", RO)
    reader = Repo(client_env(f"aim://localhost:{port}"))
    found = {
        (m.run.hash, m.name): m.values.values_list()
        for rm in reader.query_metrics(
            'metric.context.subset == "train" and run.hparams.lr == 0.01'
        ).iter_runs()
        for m in rm
    }
    expected = [step * 0.5 for step in range(50)]
    assert found == {(run_hash, "loss"): expected}
    assert reader.get_run(run_hash).get(("hparams", "lr")) == 0.01
    local = Repo(str(repo)).get_run(run_hash)
    assert local.get_metric("loss", {"subset": "train"}).values.values_list() == expected
    assert RO not in repr(reader) and RW not in repr(Repo(client_env(f"aim://{RW}@127.0.0.1:{port}")))
    assert "TCP 127.0.0.1:0: TLS, 2 token(s)" in (repo / ".aim" / "aimd.log").read_text()


def test_tokens_over_plaintext_loopback(plaintext, client_env, monkeypatch):
    repo, port = plaintext
    monkeypatch.setenv("AIM_TOKEN", RW)
    run_hash = track_run(client_env(f"aim://127.0.0.1:{port}"), n=3)
    assert Repo(str(repo)).get_run(run_hash).get_metric("loss", {"subset": "train"}).values.last() == (2, 1.0)


@pytest.mark.parametrize("token", [None, "not-" + "x" * 30])
def test_a_missing_or_wrong_token_is_an_authentication_error(secure, pki, client_env, monkeypatch, token):
    _, port = secure
    monkeypatch.setenv("AIM_TLS_CA", str(pki / "server.pem"))
    url = client_env(f"aim://{token}@127.0.0.1:{port}" if token else f"aim://127.0.0.1:{port}")
    said = "does not accept this token" if token else "needs a token on TCP: set AIM_TOKEN"
    with pytest.raises(AuthenticationError, match=said) as caught:
        Run(repo=url)
    assert token is None or token not in str(caught.value)
    with pytest.raises(AuthenticationError):
        Repo(url)


def test_a_read_only_token_reads_but_never_writes(secure, pki, client_env, monkeypatch):
    _, port = secure
    monkeypatch.setenv("AIM_TLS_CA", str(pki / "server.pem"))
    run_hash = track_run(client_env(f"aim://{RW}@127.0.0.1:{port}"), n=2)
    url = client_env(f"aim://{RO}@127.0.0.1:{port}")
    repo = Repo(url)
    assert run_hash in repo.list_all_runs()
    looked = Run(run_hash, repo=url, read_only=True)
    assert looked.get_metric("loss", {"subset": "train"}).values.values_list() == [0.0, 0.5]
    for write in (
        lambda: Run(repo=url),
        lambda: Run(run_hash, repo=url),
        lambda: repo.delete_run(run_hash),
    ):
        with pytest.raises(
            PermissionDeniedError, match="the token is read-only and .* needs a read-write token"
        ):
            write()
    assert run_hash in Repo(client_env(f"aim://{RW}@127.0.0.1:{port}")).list_all_runs()


def test_every_tcp_call_needs_the_token_and_the_unix_socket_none(plaintext):
    """Raw calls, unary and streaming: refused on TCP without a token (or with another scheme),
    served on the unix socket without one."""
    repo, port = plaintext
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        reading = reading_pb2_grpc.ReadingStub(channel)
        tracking = tracking_pb2_grpc.TrackingStub(channel)
        calls = {
            "unary": lambda md: reading.GetRun(reading_pb2.RunRef(run_hash="x"), metadata=md, timeout=10),
            "server stream": lambda md: list(
                reading.ListRuns(reading_pb2.ListRunsRequest(), metadata=md, timeout=10)
            ),
            "bidi stream": lambda md: list(
                tracking.Track(iter([tracking_pb2.TrackRequest()]), metadata=md, timeout=10)
            ),
        }
        for kind, call in calls.items():
            for metadata in (
                (),
                (("authorization", f"Basic {RW}"),),
                (("authorization", "Bearer " + RW[:-1]),),
            ):
                with pytest.raises(grpc.RpcError) as caught:
                    call(metadata)
                assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED, (kind, metadata)
        with_token = list(
            reading.ListRuns(reading_pb2.ListRunsRequest(), metadata=(("authorization", f"Bearer {RW}"),))
        )
    with grpc.insecure_channel(f"unix://{repo / '.aim' / 'aimd.sock'}") as channel:
        reading = reading_pb2_grpc.ReadingStub(channel)
        assert list(reading.ListRuns(reading_pb2.ListRunsRequest(), timeout=10)) == with_token
        with pytest.raises(grpc.RpcError) as caught:
            reading.GetRun(reading_pb2.RunRef(run_hash="x"), timeout=10)
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_tls_to_a_plaintext_port_is_a_clear_error(plaintext, client_env, monkeypatch):
    _, port = plaintext
    monkeypatch.setenv("AIM_TLS", "1")
    with pytest.raises(
        TLSError, match=rf"aim://127.0.0.1:{port} does not speak TLS \(it serves plaintext TCP\)"
    ):
        Repo(client_env(f"aim://{RW}@127.0.0.1:{port}"))


def test_plaintext_to_a_tls_port_is_a_clear_error(secure, client_env):
    _, port = secure
    with pytest.raises(
        TLSError, match=rf"aim://127.0.0.1:{port} closed the connection at once: it probably serves TLS"
    ):
        Repo(client_env(f"aim://{RW}@127.0.0.1:{port}"))


@pytest.mark.parametrize(
    ("ca", "says"),
    [("other.pem", "self signed certificate"), (None, "self signed certificate")],
    ids=["another CA", "the system's CAs"],
)
def test_a_certificate_from_another_ca_is_refused(secure, pki, client_env, monkeypatch, ca, says):
    _, port = secure
    if ca:
        monkeypatch.setenv("AIM_TLS_CA", str(pki / ca))
    monkeypatch.setenv("AIM_TLS", "1")
    trusted = f"the CA file {pki / ca}" if ca else "the system's CAs"
    with pytest.raises(
        TLSError, match=rf"certificate of aim://127.0.0.1:{port} failed verification"
    ) as caught:
        Repo(client_env(f"aim://{RW}@127.0.0.1:{port}"))
    assert says in str(caught.value) and trusted in str(caught.value)


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("expired", "failed verification (certificate has expired)"),
        ("wrong_host", "not valid for the host name"),
    ],
)
def test_an_expired_or_mismatched_certificate_is_refused_naming_the_host(
    tmp_path_factory, pki, client_env, monkeypatch, name, says
):
    tls = ("--tls-cert", str(pki / f"{name}.pem"), "--tls-key", str(pki / f"{name}.key"))
    with daemon(tmp_path_factory, name, *tls, "--no-auth") as (repo, port):
        monkeypatch.setenv("AIM_TLS_CA", str(pki / f"{name}.pem"))
        with pytest.raises(TLSError, match=rf"certificate of aim://127.0.0.1:{port} .*{re.escape(says)}"):
            Run(repo=client_env(f"aim://127.0.0.1:{port}"))
        assert Repo(str(repo)).list_all_runs() == []  # nothing reached the store


def test_an_unreadable_ca_file_is_a_clear_error(secure, tmp_path, client_env, monkeypatch):
    _, port = secure
    monkeypatch.setenv("AIM_TLS_CA", str(tmp_path / "missing.pem"))
    with pytest.raises(
        TLSError, match=f"cannot read the CA file {tmp_path / 'missing.pem'} \\(AIM_TLS_CA\\)"
    ):
        Repo(client_env(f"aim://{RW}@127.0.0.1:{port}"))


@pytest.mark.parametrize(
    "url", ["aim://trainhost", "aim://trainhost:port", "aim://trainhost:53800/runs", f"aim://{RW}@:53800"]
)
def test_malformed_remote_addresses_are_refused_without_showing_the_token(url, client_env):
    with pytest.raises(RepoError, match=r"is not an aim://\[TOKEN@\]HOST:PORT address") as caught:
        Repo(url)
    assert RW not in str(caught.value)


def test_aim_tls_must_be_on_or_off(client_env, monkeypatch):
    monkeypatch.setenv("AIM_TLS", "maybe")
    with pytest.raises(RepoError, match="AIM_TLS='maybe': expected 1 or 0"):
        Repo("aim://127.0.0.1:1")


def test_tls_is_the_default_off_loopback(client_env, monkeypatch):
    assert Target("aim://trainhost:53800").endpoint.tls
    assert not Target("aim://127.0.0.1:53800").endpoint.tls
    assert not Target("aim://[::1]:53800").endpoint.tls
    monkeypatch.setenv("AIM_TLS_CA", os.devnull)
    assert Target("aim://127.0.0.1:53800").endpoint.tls
    monkeypatch.setenv("AIM_TLS", "0")
    assert not Target("aim://trainhost:53800").endpoint.tls


def test_a_token_refused_mid_run_ends_in_an_error_not_a_retry_loop(tmp_path, pki, client_env, monkeypatch):
    """1. track with a token; 2. the daemon restarts on the same port accepting another token only;
    3. the points tracked then are dropped and close() raises AuthenticationError, where it would
    otherwise wait for acknowledgements forever."""
    repo = tmp_path / "repo"
    port = serve_tcp(repo, "--token-file", str(pki / "tokens"))
    url = client_env(f"aim://{RW}@127.0.0.1:{port}")
    try:
        run = Run(repo=url)
        run.track(1.0, name="x")
        release_repo(repo)
        monkeypatch.setenv("AIMD_TOKEN", secrets.token_urlsafe(24))  # the only token the new daemon takes
        assert serve_tcp(repo, port=port) == port
        try:
            run.track(2.0, name="x")
        except TrackingError as exc:  # 1.0 was still unacknowledged: its drop is said at once
            assert "does not accept this token" in str(exc)
        with pytest.raises(AuthenticationError, match="does not accept this token"):
            run.close()
    finally:
        close_sender(Target(url))  # while the daemon still answers (it refuses at once)
        release_repo(repo)
