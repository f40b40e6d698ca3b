"""What the TCP port may serve, decided before the daemon starts; the refusals are here.

- Without a token (--token-file, AIMD_TOKEN, AIMD_READ_TOKEN) the daemon refuses to serve TCP
  unless --no-auth says so.
- Without TLS (--tls-cert and --tls-key) it serves TCP only on a loopback address unless
  --insecure says so.
- Either opt-out is written to the log as a warning. The unix socket is never affected: its
  0600 mode is its access control.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aimd.config import Config
from aimd.tokens import TokenError, Tokens, load_tokens
from aimproto.contract import is_loopback_host


class ExposureError(Exception):
    """A TCP configuration the daemon refuses to serve; the message says what to change."""


@dataclass
class TcpSecurity:
    tokens: Tokens | None  # None: --no-auth, every TCP client may do everything
    tls: tuple[bytes, bytes] | None  # (private key PEM, certificate chain PEM); None: plaintext
    warnings: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """For the log: how the port is secured."""
        auth = f"{len(self.tokens)} token(s)" if self.tokens is not None else "no authentication"
        return f"{'TLS' if self.tls else 'plaintext'}, {auth}"


def tcp_security(config: Config, environ: dict[str, str] | None = None) -> TcpSecurity | None:
    """How config's TCP port is secured (None when it serves no TCP); ExposureError if refused."""
    environ = dict(os.environ) if environ is None else environ
    if not config.tcp:
        given = [flag for flag, value in _flags(config).items() if value]
        if given:
            raise ExposureError(f"{', '.join(given)} only apply with --tcp HOST:PORT")
        return None
    tls = _tls_files(config)
    warnings = []
    if tls is None and not is_loopback(config.tcp):
        if not config.insecure:
            raise ExposureError(
                f"refusing to serve plaintext TCP on {config.tcp}, which is not a loopback address: "
                "give --tls-cert and --tls-key, or --insecure to serve it unencrypted anyway"
            )
        warnings.append(
            f"serving plaintext TCP on {config.tcp} (--insecure): tokens and data travel unencrypted"
        )
    try:
        tokens = load_tokens(config.token_file, environ)
    except TokenError as exc:
        raise ExposureError(str(exc)) from None
    if config.no_auth:
        if len(tokens):
            raise ExposureError(
                "--no-auth contradicts the tokens given (--token-file, AIMD_TOKEN, AIMD_READ_TOKEN)"
            )
        warnings.append(
            f"serving TCP on {config.tcp} without authentication (--no-auth): "
            "anyone who reaches it can read and write"
        )
        return TcpSecurity(None, tls, warnings)
    if not len(tokens):
        raise ExposureError(
            f"refusing to serve TCP on {config.tcp} without a token: give --token-file FILE "
            "(or set AIMD_TOKEN), or --no-auth to let anyone who reaches the port read and write"
        )
    return TcpSecurity(tokens, tls, warnings)


def is_loopback(address: str) -> bool:
    """Whether HOST:PORT binds only a loopback interface (127.0.0.0/8, ::1 or localhost)."""
    return is_loopback_host(address.rsplit(":", 1)[0])  # "" (every interface), a name: exposed


def _flags(config: Config) -> dict[str, object]:
    return {
        "--token-file": config.token_file,
        "--tls-cert": config.tls_cert,
        "--tls-key": config.tls_key,
        "--insecure": config.insecure,
        "--no-auth": config.no_auth,
    }


def _tls_files(config: Config) -> tuple[bytes, bytes] | None:
    """The key and certificate PEM, checked to belong together; None without --tls-cert/--tls-key."""
    if config.tls_cert is None and config.tls_key is None:
        return None
    if config.tls_cert is None or config.tls_key is None:
        raise ExposureError("--tls-cert and --tls-key go together: give both")
    try:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(config.tls_cert, config.tls_key, password=_encrypted(config.tls_key))
    except ssl.SSLError as exc:
        raise ExposureError(
            f"cannot use the TLS certificate {config.tls_cert} with the key {config.tls_key}: "
            f"{exc.reason or exc}"
        ) from None
    except OSError as exc:
        raise ExposureError(f"cannot read the TLS certificate or key: {exc}") from None
    return _read(config.tls_key), _read(config.tls_cert)


def _encrypted(key: Path) -> Callable[[], bytes]:
    def refuse() -> bytes:  # asked only for an encrypted key: never prompt on a terminal
        raise ExposureError(f"the TLS key {key} is encrypted: give the daemon an unencrypted key (mode 0600)")

    return refuse


def _read(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ExposureError(f"cannot read {path}: {exc.strerror}") from None
