"""System params of this process, as Aim stores them under run['__system_params'].

{'packages': {name: version}, 'env_variables': {name: value}, 'git_info': {'branch',
'remote_origin_url', 'commit': {'hash', 'timestamp', 'author'}, 'dirty'}, 'executable', 'arguments'}.
Environment variables whose name suggests a secret are left out, and credentials written into
URLs (scheme://user:password@host) are masked, in the environment and in the git remote alike.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from importlib import metadata
from typing import Any

# A variable whose name holds one of these (any case) is a secret: it is not stored.
SECRET_MARKERS = ("secret", "key", "token", "password", "passwd", "credential", "auth", "cookie", "private")
_URL_CREDENTIALS = re.compile(r"(://)[^/@\s]+@")
GIT_TIMEOUT = 10.0  # seconds for each git command


def _text(value: str) -> str:
    """value as valid Unicode (undecodable bytes of the environment become U+FFFD), URL
    credentials masked."""
    value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return _URL_CREDENTIALS.sub(r"\1***@", value)


def is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(marker in lowered for marker in SECRET_MARKERS)


def environment_variables(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment, less the variables that look like secrets."""
    environ = os.environ if environ is None else environ
    return {
        _text(name): _text(value)
        for name, value in environ.items()
        if name and "\x00" not in name and not is_secret(name)
    }


def installed_packages() -> dict[str, str]:
    """{project name, lower case: version} of every distribution this interpreter sees."""
    packages = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            packages[re.sub(r"[^A-Za-z0-9.]+", "-", name).lower()] = dist.version or ""
    return dict(sorted(packages.items()))


def _git(*args: str, cwd: str | None) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=GIT_TIMEOUT, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_info(cwd: str | None = None) -> dict[str, Any]:
    """Branch, origin, last commit and dirty state of the git work tree at cwd; {} outside one."""
    if _git("rev-parse", "--is-inside-work-tree", cwd=cwd) != "true":
        return {}
    commit = _git("log", "-1", "--pretty=format:%h%x1f%ad%x1f%an", "--date=iso-strict", cwd=cwd)
    parts = commit.split("\x1f") if commit else []
    hash_, timestamp, author = parts if len(parts) == 3 else (None, None, None)
    remote = _git("config", "--get", "remote.origin.url", cwd=cwd)
    status = _git("status", "--porcelain", "--untracked-files=no", cwd=cwd)
    return {
        "branch": _git("rev-parse", "--abbrev-ref", "HEAD", cwd=cwd),
        "remote_origin_url": None if remote is None else _text(remote),
        "commit": {"hash": hash_, "timestamp": timestamp, "author": author},
        "dirty": None if status is None else bool(status),
    }


def system_params() -> dict[str, Any]:
    """This process's system params, as stored under run['__system_params']."""
    return {
        "packages": installed_packages(),
        "env_variables": environment_variables(),
        "git_info": git_info(),
        "executable": sys.executable,
        "arguments": [_text(arg) for arg in sys.argv],
    }
