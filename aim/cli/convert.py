"""`aim convert tensorboard|aim3`: bring other trackers' logs in as runs."""

from __future__ import annotations

import argparse

from aim.cli._common import add_repo_option


def configure(parser: argparse.ArgumentParser) -> None:
    add_repo_option(parser, group_level=True)
    commands = parser.add_subparsers(dest="convert_command", required=True, metavar="SOURCE")
    for sub in commands.choices.values():
        add_repo_option(sub)
