"""`aim init [--repo DIR] [-y] [-s]`: create a repository, or empty an existing one."""

from __future__ import annotations

import argparse

from aim.cli._common import confirm

EXIT_ABORTED = 1


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", metavar="DIR", default=".", help="the folder to hold .aim (default: here)")
    parser.add_argument(
        "-y", "--yes", action="store_true", help="re-initialize an existing one without asking"
    )
    parser.add_argument(
        "-s", "--skip-if-exists", action="store_true", help="leave an existing repository as it is"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from aim._model import discovery as _discovery
    from aim._model.repo import Repo

    path = _discovery.resolve(args.repo)
    if not Repo.exists(path):
        _discovery.init_repo(path)
        print(f"Initialized a new Aim repository at {path}")
        return 0
    if args.skip_if_exists:
        print(f"An Aim repository already exists at {path}: left as it is.")
        return 0
    question = (
        f"An Aim repository already exists at {path}. Re-initialize it empty, deleting every run in it?"
    )
    if not confirm(question, args.yes):
        print("Aborted: the repository was left as it is.")
        return EXIT_ABORTED
    Repo.rm(path)
    _discovery.init_repo(path)
    print(f"Re-initialized an empty Aim repository at {path}")
    return 0
