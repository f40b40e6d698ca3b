"""Which repository an SDK call means: explicit, else the nearest .aim upwards, else here."""

from __future__ import annotations

import os
from pathlib import Path

from aim._transport import launcher
from aim._transport.launcher import REMOTE_SCHEME
from aim.errors import RepoError
from aimproto.contract import AIM_DIR


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


def init_repo(repo: str | os.PathLike[str]) -> tuple[Path, bool]:
    """Create repo/.aim if missing; (the repository folder, whether it was created)."""
    path = Path(resolve(repo))
    aim_dir = path / AIM_DIR
    if aim_dir.is_dir():
        return path, False
    try:
        aim_dir.mkdir(parents=True)
    except OSError as exc:
        raise RepoError(f"cannot create a repository at {aim_dir}: {exc.strerror}") from None
    return path, True


AIM3_MARKERS = ("run_metadata.sqlite", "meta", "seqs")  # what Aim 3 keeps in .aim (never aim-tracker)


def is_aim3_repo(folder: str | os.PathLike[str]) -> bool:
    """Whether folder/.aim holds an Aim 3 repository (Aim's own storage)."""
    aim_dir = Path(folder) / AIM_DIR
    return any((aim_dir / marker).exists() for marker in AIM3_MARKERS)


def aim3_version(folder: str | os.PathLike[str]) -> str:
    """The text of an Aim 3 repository's .aim/VERSION ('' when missing)."""
    try:
        return (Path(folder) / AIM_DIR / "VERSION").read_text().strip()
    except OSError:
        return ""


_warned: set[str] = set()


def warn_if_aim3(folder: str | os.PathLike[str]) -> None:
    """Warn (once per folder and process) that folder holds an Aim 3 repository: its runs are not
    read, its files are left alone, and `aim convert aim3` brings them over."""
    key = os.fspath(folder)
    if key in _warned or key.startswith(REMOTE_SCHEME) or not is_aim3_repo(key):
        return
    _warned.add(key)
    import warnings

    warnings.warn(
        f"{key} holds an Aim 3 repository: its runs are not shown here and its files are left "
        f"untouched (runs tracked now are stored beside them). Bring them over with "
        f"`aim convert aim3 --from {key}`.",
        stacklevel=4,  # the caller of Run() or Repo()
    )


def daemon_serves(folder: str | os.PathLike[str]) -> bool:
    """Whether a daemon serves the local repository at folder now."""
    return launcher.is_serving(Path(folder))


def stop_daemon(folder: str | os.PathLike[str]) -> None:
    """Stop the daemon of the local repository at folder (nothing to do when none serves it)."""
    launcher.stop_daemon(Path(folder))
