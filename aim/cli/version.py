"""`aim version`: the installed aim-tracker's version."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from importlib.metadata import PackageNotFoundError, version

    import aim

    try:
        installed = version("aim-tracker")
    except PackageNotFoundError:  # running from a source tree
        installed = aim.__version__
    print(f"aim-tracker v{installed}")
    return 0
