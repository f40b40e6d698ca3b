"""Which repository an SDK call means: explicit, else the nearest .aim upwards, else here."""

from __future__ import annotations

import os
from pathlib import Path

AIM_DIR = ".aim"
REMOTE_SCHEME = "aim://"


def find_repo(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The nearest directory at or above start (default: cwd) that holds a .aim directory."""
    here = Path(os.path.abspath(start or os.getcwd()))
    for folder in (here, *here.parents):
        if (folder / AIM_DIR).is_dir():
            return folder
    return None


def resolve(repo: str | os.PathLike[str] | None) -> str:
    """The repository path (the folder holding .aim) or aim:// address a call should use."""
    if repo is None:
        return str(find_repo() or Path(os.getcwd()))
    text = os.fspath(repo)
    if text.startswith(REMOTE_SCHEME):
        return text
    path = Path(os.path.abspath(os.path.expanduser(text)))
    return str(path.parent if path.name == AIM_DIR else path)
