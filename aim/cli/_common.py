"""What several commands share: the --repo option, confirmation prompts, tables, progress."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aim.errors import AimError

if TYPE_CHECKING:
    from aim._model.repo import Repo


def add_repo_option(parser: argparse.ArgumentParser, *, group_level: bool = False) -> None:
    """--repo DIR. On a group's subcommand it is accepted too, without overriding the group's
    (`aim runs --repo DIR ls` and `aim runs ls --repo DIR` alike)."""
    parser.add_argument(
        "--repo",
        metavar="DIR",
        default=None if group_level else argparse.SUPPRESS,
        help="the repository folder (default: the nearest .aim at or above the current folder)",
    )


def open_repo(path: str | None) -> Repo:
    """The repository at path (or found upwards from here); RepoError if there is none."""
    from aim._model import discovery as _discovery
    from aim._model.repo import Repo

    return Repo(_discovery.resolve(path))


def confirm(question: str, yes: bool) -> bool:
    """True with --yes, else the answer to a [y/N] prompt on stdin (no answer: no)."""
    if yes:
        return True
    print(f"{question} [y/N]: ", end="", flush=True)
    answer = sys.stdin.readline().strip().lower()
    return answer in ("y", "yes")


class UnknownRuns(AimError):
    """Hashes that name no run: listed, and nothing else is done."""

    def __init__(self, hashes: Sequence[str], repo: Repo) -> None:
        super().__init__(f"no such run{'s' if len(hashes) > 1 else ''} in {repo.path}: {', '.join(hashes)}")


def check_known(repo: Repo, hashes: Sequence[str]) -> None:
    from aim._transfer.copy import missing_runs

    missing = missing_runs(repo, hashes)
    if missing:
        raise UnknownRuns(missing, repo)


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """Rows as left-aligned columns under headers."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )


def bar(total: float | None, desc: str, unit: str) -> Any:
    """A progress bar on stderr, shown only on a terminal."""
    from aim._values.progress import progress_bar

    return progress_bar(total, desc, unit=unit, disable=None)
