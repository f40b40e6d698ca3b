"""`aim convert tensorboard --logdir DIR` and `aim convert aim3 --from DIR [--aim-python PY]`:
other trackers' logs into runs, each run whole or not at all, never twice."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any

from aim.cli._common import add_repo_option, bar, open_repo


def configure(parser: argparse.ArgumentParser) -> None:
    add_repo_option(parser, group_level=True)
    commands = parser.add_subparsers(dest="convert_command", required=True, metavar="SOURCE")
    tb = commands.add_parser("tensorboard", help="TensorBoard event files: one run per folder of them")
    tb.add_argument(
        "--logdir", required=True, metavar="DIR", help="the folder of event files (searched down)"
    )
    tb.set_defaults(handler=convert_tensorboard)
    aim3 = commands.add_parser("aim3", help="the runs of an Aim 3 repository, read by the real Aim package")
    aim3.add_argument(
        "--from", dest="source", required=True, metavar="DIR", help="the folder holding Aim's .aim"
    )
    aim3.add_argument(
        "--aim-python",
        metavar="PY",
        help="a Python with aim installed (default: a temporary environment with the repository's Aim)",
    )
    aim3.set_defaults(handler=convert_aim3)
    for sub in commands.choices.values():
        add_repo_option(sub)


def import_builders(repo: Any, builders: Iterable[Any], desc: str) -> tuple[int, int]:
    """Import each built run into repo; (imported, skipped because repo holds them)."""
    from aim._transfer import import_parts

    imported = skipped = 0
    progress = bar(None, desc, "run")
    try:
        for builder in builders:
            outcome = import_parts(repo, builder.run_hash, builder.parts())
            if outcome.done:
                imported += 1
            else:
                skipped += 1
                print(f"{builder.props['name']} ({builder.run_hash}) was converted before: skipped")
            progress.update(1)
    finally:
        progress.close()
    return imported, skipped


def convert_tensorboard(args: argparse.Namespace) -> int:
    from aim._convert import tensorboard

    repo = open_repo(args.repo)
    tensorboard.event_folders(args.logdir)  # no event files: an error before anything is done
    imported, skipped = import_builders(repo, tensorboard.runs(args.logdir), "converting")
    print(f"Converted {imported} run(s) from {args.logdir} into {repo.path} ({skipped} skipped).")
    return 0


def convert_aim3(args: argparse.Namespace) -> int:
    from aim._convert import aim3

    repo = open_repo(args.repo)
    imported, skipped = aim3.convert(args.source, repo, aim_python=args.aim_python)
    print(
        f"Converted {imported} run(s) from the Aim repository {args.source} into {repo.path} "
        f"({skipped} skipped)."
    )
    return 0
