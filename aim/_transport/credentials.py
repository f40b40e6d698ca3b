"""How the SDK reaches a remote daemon: the aim:// address, its token, TLS, and what failures mean.

    aim://HOST:PORT          the token comes from $AIM_TOKEN (if set)
    aim://TOKEN@HOST:PORT    the token is in the address (percent-encoded if it must be)

TLS is used unless the daemon is on a loopback address (127.0.0.0/8, ::1, localhost) and nothing
asks for it, mirroring what the daemon serves without --insecure: AIM_TLS=1 forces it, AIM_TLS=0
turns it off, and AIM_TLS_CA (a PEM file of the CA certificates to trust instead of the system's)
implies it. The token travels as `authorization: Bearer TOKEN` metadata on every call.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import namedtuple
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import grpc

from aim import errors
from aim._transport.launcher import REMOTE_SCHEME
from aimproto.contract import AUTHORIZATION_KEY, is_loopback_host

TOKEN_ENV = "AIM_TOKEN"
TLS_ENV = "AIM_TLS"
CA_ENV = "AIM_TLS_CA"
_SWITCH = {
    **dict.fromkeys(("1", "true", "yes", "on"), True),
    **dict.fromkeys(("0", "false", "no", "off"), False),
}


@dataclass(frozen=True, repr=False)
class Endpoint:
    """A remote daemon and how to talk to it."""

    host: str
    port: int
    token: str | None
    tls: bool
    ca_file: str | None  # None: the system's trusted roots

    @property
    def address(self) -> str:
        """host:port as gRPC wants it ([::1]:port for an IPv6 address)."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def key(self) -> str:
        """Tells endpoints apart (address, TLS, CA and token) without showing the token."""
        token = hashlib.sha256(self.token.encode()).hexdigest()[:16] if self.token else "-"
        return f"{self} tls={int(self.tls)} ca={self.ca_file} token={token}"

    def __str__(self) -> str:  # never shows the token
        return f"{REMOTE_SCHEME}{self.address}"

    __repr__ = __str__


def parse_endpoint(url: str, environ: Mapping[str, str] = os.environ) -> Endpoint:
    """The endpoint an aim:// address names, with the token and TLS settings of the environment."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise errors.RepoError(f"{_redacted(url)} is not an aim://[TOKEN@]HOST:PORT address: {exc}") from None
    if not parts.hostname or port is None or parts.path.strip("/") or parts.query:
        raise errors.RepoError(f"{_redacted(url)} is not an aim://[TOKEN@]HOST:PORT address")
    token = unquote(parts.username) if parts.username else environ.get(TOKEN_ENV) or None
    ca_file = environ.get(CA_ENV) or None
    switch = environ.get(TLS_ENV, "").strip().lower()
    if switch and switch not in _SWITCH:
        raise errors.RepoError(f"{TLS_ENV}={switch!r}: expected 1 or 0")
    tls = _SWITCH[switch] if switch else (ca_file is not None or not is_loopback_host(parts.hostname))
    return Endpoint(parts.hostname, port, token, tls, ca_file)


def open_remote_channel(endpoint: Endpoint, options: list[tuple[str, Any]]) -> grpc.Channel:
    """A channel to endpoint: TLS (verifying the daemon's certificate) or plaintext, with its token."""
    if endpoint.tls:
        try:
            roots = open(endpoint.ca_file, "rb").read() if endpoint.ca_file else None
        except OSError as exc:
            raise errors.TLSError(
                f"cannot read the CA file {endpoint.ca_file} ({CA_ENV}): {exc.strerror}"
            ) from None
        channel = grpc.secure_channel(endpoint.address, grpc.ssl_channel_credentials(roots), options=options)
    else:
        channel = grpc.insecure_channel(endpoint.address, options=options)
    if endpoint.token is None:
        return channel
    return grpc.intercept_channel(channel, BearerToken(endpoint.token))


def explain(exc: grpc.RpcError, endpoint: Endpoint | None) -> errors.AimError | None:
    """A clear error for a connection to endpoint that failed for TLS reasons; None for others."""
    if endpoint is None or exc.code() != grpc.StatusCode.UNAVAILABLE:
        return None
    detail = exc.details() or ""
    where = str(endpoint)
    if not endpoint.tls:
        if "Socket closed" in detail or "Connection reset" in detail:
            return errors.TLSError(
                f"{where} closed the connection at once: it probably serves TLS; set {CA_ENV} to the CA "
                f"file that signed its certificate (or {TLS_ENV}=1 if the system's roots do)"
            )
        return None
    if "WRONG_VERSION_NUMBER" in detail:
        return errors.TLSError(
            f"{where} does not speak TLS (it serves plaintext TCP): start the daemon with --tls-cert and "
            f"--tls-key, or set {TLS_ENV}=0 to connect without TLS"
        )
    verify = re.search(r"CERTIFICATE_VERIFY_FAILED: ([^:]+)", detail)
    if verify:
        trusted = f"the CA file {endpoint.ca_file} ({CA_ENV})" if endpoint.ca_file else "the system's CAs"
        return errors.TLSError(
            f"the certificate of {where} failed verification ({verify.group(1).strip()}); trusted: {trusted}"
        )
    if "Hostname Verification" in detail or "Peer name" in detail:
        return errors.TLSError(f"the certificate of {where} is not valid for the host name {endpoint.host}")
    if "handshake" in detail.lower() or "ssl" in detail.lower():
        return errors.TLSError(f"TLS with {where} failed: {detail}")
    return None


class _CallDetails(
    namedtuple("_CallDetails", "method timeout metadata credentials wait_for_ready compression"),
    grpc.ClientCallDetails,
):
    pass


class BearerToken(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Adds `authorization: Bearer TOKEN` to the metadata of every call."""

    def __init__(self, token: str) -> None:
        self._header = (AUTHORIZATION_KEY, f"Bearer {token}")

    def _details(self, details: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        return _CallDetails(
            details.method,
            details.timeout,
            (*(details.metadata or ()), self._header),
            details.credentials,
            details.wait_for_ready,
            details.compression,
        )

    def intercept_unary_unary(self, continuation: Any, client_call_details: Any, request: Any) -> Any:
        return continuation(self._details(client_call_details), request)

    def intercept_unary_stream(self, continuation: Any, client_call_details: Any, request: Any) -> Any:
        return continuation(self._details(client_call_details), request)

    def intercept_stream_unary(
        self, continuation: Any, client_call_details: Any, request_iterator: Any
    ) -> Any:
        return continuation(self._details(client_call_details), request_iterator)

    def intercept_stream_stream(
        self, continuation: Any, client_call_details: Any, request_iterator: Any
    ) -> Any:
        return continuation(self._details(client_call_details), request_iterator)


def _redacted(url: str) -> str:
    """url without the token it may carry."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.rsplit('@', 1)[1]}" if "@" in rest else url
