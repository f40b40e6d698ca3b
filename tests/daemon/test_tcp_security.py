"""What aimd refuses to serve on TCP (aimd.exposure), and its tokens (aimd.tokens)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aimd.config import Config
from aimd.exposure import ExposureError, is_loopback, tcp_security
from aimd.tokens import MIN_TOKEN_CHARS, Scope, TokenError, load_tokens
from tests.certs import self_signed

RW = "rw-" + "a" * 29
RO = "ro-" + "b" * 29


def token_file(folder: Path, text: str, mode: int = 0o600) -> Path:
    path = folder / "tokens"
    path.write_text(text)
    path.chmod(mode)
    return path


def refusal(config: Config, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(ExposureError) as caught:
        tcp_security(config, environ or {})
    return str(caught.value)


# --- tokens ---------------------------------------------------------------------------------
def test_token_file_gives_each_token_its_scope(tmp_path):
    path = token_file(tmp_path, f"# team tokens\n\n{RW}\n{RO} read-only\n{RW[::-1]} read-write\n")
    tokens = load_tokens(path, {})
    assert len(tokens) == 3
    assert tokens.scope_of(RW) is Scope.WRITE and tokens.scope_of(RW[::-1]) is Scope.WRITE
    assert tokens.scope_of(RO) is Scope.READ
    for wrong in ("", RW[:-1], RW + "x", RW.upper(), RO + " ", "Bearer " + RW):
        assert tokens.scope_of(wrong) is None


def test_environment_tokens_add_to_the_file(tmp_path):
    tokens = load_tokens(None, {"AIMD_TOKEN": f"{RW}, {RW[::-1]}", "AIMD_READ_TOKEN": RO})
    assert [tokens.scope_of(t) for t in (RW, RW[::-1], RO)] == [Scope.WRITE, Scope.WRITE, Scope.READ]
    assert len(load_tokens(None, {})) == 0


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o700 | 0o004])
def test_a_token_file_others_can_access_is_refused(tmp_path, mode):
    path = token_file(tmp_path, RW + "\n", mode)
    with pytest.raises(TokenError, match=rf"group or others \(mode {mode:04o}\); run: chmod 600 {path}"):
        load_tokens(path, {})


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("short read-only\n", f"line 1: a token must be at least {MIN_TOKEN_CHARS}"),
        (f"{RW}\n{RO} admin\n", "line 2: expected 'TOKEN' or 'TOKEN read-only'"),
        (f"{RW} read-only extra\n", "line 1: expected"),
        ("# nothing but comments\n", "holds no token"),
    ],
)
def test_bad_token_files_are_refused_naming_the_line(tmp_path, text, says):
    with pytest.raises(TokenError, match=says):
        load_tokens(token_file(tmp_path, text), {})


def test_missing_token_file_and_short_environment_token_are_refused(tmp_path):
    with pytest.raises(TokenError, match="cannot read the token file"):
        load_tokens(tmp_path / "nope", {})
    with pytest.raises(TokenError, match=r"\$AIMD_READ_TOKEN: a token must be at least"):
        load_tokens(None, {"AIMD_READ_TOKEN": "tiny"})


# --- what may be served -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1:1", True),
        ("127.8.0.1:1", True),
        ("localhost:1", True),
        ("[::1]:1", True),
        ("0.0.0.0:1", False),
        ("[::]:1", False),
        (":1", False),
        ("10.0.0.2:1", False),
        ("trainhost:1", False),
    ],
)
def test_only_loopback_addresses_count_as_loopback(address, loopback):
    assert is_loopback(address) is loopback


def test_tcp_without_a_token_is_refused_unless_no_auth(tmp_path):
    said = refusal(Config(tmp_path, tcp="127.0.0.1:0"))
    assert "without a token" in said and "--token-file" in said and "--no-auth" in said
    security = tcp_security(Config(tmp_path, tcp="127.0.0.1:0", no_auth=True), {})
    assert security is not None and security.tokens is None and security.tls is None
    assert any("without authentication (--no-auth)" in w for w in security.warnings)
    assert "contradicts" in refusal(Config(tmp_path, tcp="127.0.0.1:0", no_auth=True), {"AIMD_TOKEN": RW})


def test_plaintext_off_loopback_is_refused_unless_insecure(tmp_path):
    path = token_file(tmp_path, RW + "\n")
    said = refusal(Config(tmp_path, tcp="0.0.0.0:53800", token_file=path))
    assert "plaintext TCP on 0.0.0.0:53800" in said and "--tls-cert" in said and "--insecure" in said
    security = tcp_security(Config(tmp_path, tcp="0.0.0.0:53800", token_file=path, insecure=True), {})
    assert security is not None and security.tokens is not None and security.tls is None
    assert any("plaintext TCP on 0.0.0.0:53800 (--insecure)" in w for w in security.warnings)


def test_tls_off_loopback_with_a_token_needs_no_opt_out(tmp_path):
    cert, key = self_signed(tmp_path, "server")
    config = Config(tmp_path, tcp="0.0.0.0:53800", tls_cert=cert, tls_key=key)
    security = tcp_security(config, {"AIMD_TOKEN": RW})
    assert security is not None and security.warnings == []
    assert security.tls == (key.read_bytes(), cert.read_bytes())
    assert tcp_security(Config(tmp_path), {"AIMD_TOKEN": RW}) is None  # no TCP: nothing to secure


def test_bad_tls_files_are_refused(tmp_path):
    cert, key = self_signed(tmp_path, "server")
    other_cert, _ = self_signed(tmp_path, "other")
    base = {"tcp": "127.0.0.1:0", "no_auth": True}
    assert "go together" in refusal(Config(tmp_path, tls_cert=cert, **base))
    assert "go together" in refusal(Config(tmp_path, tls_key=key, **base))
    said = refusal(Config(tmp_path, tls_cert=other_cert, tls_key=key, **base))
    assert f"cannot use the TLS certificate {other_cert} with the key {key}" in said
    assert "KEY_VALUES_MISMATCH" in said
    assert "cannot read" in refusal(Config(tmp_path, tls_cert=tmp_path / "nope.pem", tls_key=key, **base))


def test_security_flags_without_tcp_are_refused(tmp_path):
    assert (
        refusal(Config(tmp_path, no_auth=True, insecure=True))
        == "--insecure, --no-auth only apply with --tcp HOST:PORT"
    )


# --- the command line ---------------------------------------------------------------------
@pytest.mark.parametrize("command", ["serve", "start"])
def test_aimd_says_why_it_refuses_in_one_line_and_serves_nothing(tmp_path, command):
    repo = tmp_path / "repo"
    repo.mkdir()
    path = token_file(tmp_path, RW + "\n", 0o644)
    done = subprocess.run(
        [sys.executable, "-m", "aimd", command, "--repo", str(repo), "--tcp", "127.0.0.1:0"]
        + ["--token-file", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"aimd: the token file {path} is accessible to group or others (mode 0644); run: chmod 600 {path}"
    ]
    assert not (repo / ".aim" / "aimd.addr").exists()
