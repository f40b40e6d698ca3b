"""Access tokens for the TCP port: loaded from a file or the environment, matched in constant time.

A token file holds one token a line, optionally followed by its scope; blank lines and lines
starting with # are skipped:

    9bWq...Xk              a read-write token (the default scope)
    Yt3F...pQ read-only    reads and queries only

The file must not be accessible to group or others (like ssh's keys), or the daemon refuses to
start. The environment can hold tokens too: AIMD_TOKEN (read-write) and AIMD_READ_TOKEN
(read-only), several separated by commas. Only SHA-256 digests of the tokens are kept.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import os
import stat
from collections.abc import Mapping
from pathlib import Path

from aimproto.contract import MIN_TOKEN_CHARS

TOKEN_ENV = "AIMD_TOKEN"
READ_TOKEN_ENV = "AIMD_READ_TOKEN"


class Scope(enum.Enum):
    READ = "read-only"
    WRITE = "read-write"


class TokenError(Exception):
    """Tokens that cannot be used: an unreadable or too open file, a malformed line, a short token."""


class Tokens:
    """The accepted tokens, as digests with their scope."""

    def __init__(self, entries: list[tuple[str, Scope]]) -> None:
        self._digests = [(_digest(token), scope) for token, scope in entries]

    def __len__(self) -> int:
        return len(self._digests)

    def scope_of(self, presented: str) -> Scope | None:
        """The scope of presented, or None if it is no accepted token.

        Every stored digest is compared, each in constant time: how long this takes says nothing
        about which token, or how much of one, matched."""
        found = None
        candidate = _digest(presented)
        for digest, scope in self._digests:
            if hmac.compare_digest(candidate, digest):
                found = scope
        return found


def load_tokens(token_file: Path | None, environ: Mapping[str, str] = os.environ) -> Tokens:
    """The tokens of token_file (if given) and of the environment; TokenError if any is unusable."""
    entries = _from_file(token_file) if token_file is not None else []
    for name, scope in ((TOKEN_ENV, Scope.WRITE), (READ_TOKEN_ENV, Scope.READ)):
        for token in filter(None, (t.strip() for t in environ.get(name, "").split(","))):
            entries.append((_checked(token, f"${name}"), scope))
    return Tokens(entries)


def _from_file(path: Path) -> list[tuple[str, Scope]]:
    try:
        with open(path, encoding="utf-8") as f:
            mode = os.fstat(f.fileno()).st_mode
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise TokenError(f"cannot read the token file {path}: {exc}") from None
    if mode & 0o077:
        raise TokenError(
            f"the token file {path} is accessible to group or others (mode {stat.S_IMODE(mode):04o}); "
            f"run: chmod 600 {path}"
        )
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        where = f"{path}, line {number}"
        if len(words) > 2 or (len(words) == 2 and words[1] not in _SCOPES):
            raise TokenError(f"{where}: expected 'TOKEN' or 'TOKEN read-only' or 'TOKEN read-write'")
        entries.append((_checked(words[0], where), _SCOPES[words[1]] if len(words) == 2 else Scope.WRITE))
    if not entries:
        raise TokenError(f"the token file {path} holds no token")
    return entries


_SCOPES = {scope.value: scope for scope in Scope}


def _checked(token: str, where: str) -> str:
    if len(token) < MIN_TOKEN_CHARS or not token.isprintable() or not token.isascii():
        raise TokenError(
            f"{where}: a token must be at least {MIN_TOKEN_CHARS} printable ASCII characters "
            "(make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return token


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
