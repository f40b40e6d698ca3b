"""`aim` entry point: the subcommand table, exit codes, and error printing.

Each command lives in its own module of aim.cli; the table names the function that adds the
command's arguments to its parser (and sets `handler`, called with the parsed args, returning an
exit code). Adding a command is one line here.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from aim.errors import AimError

EXIT_OK = 0
EXIT_ERROR = 1  # the command failed: a clear message on stderr
EXIT_USAGE = 2  # bad arguments (argparse's own code)
EXIT_INTERRUPTED = 130  # Ctrl-C

COMMANDS = {  # name: ("module:configure function", help)
    "init": (
        "aim.cli.init:configure",
        "create a repository (a .aim folder) in --repo, default the current folder",
    ),
    "version": ("aim.cli.version:configure", "print the version"),
    "runs": ("aim.cli.runs:configure", "list, remove, copy, move and close runs"),
    "query": ("aim.cli.query:configure", "print the runs or sequences matching an AimQL query"),
    "export": ("aim.cli.transfer:configure_export", "write runs to a portable archive file"),
    "import": ("aim.cli.transfer:configure_import", "add the runs of an archive file to a repository"),
    "convert": ("aim.cli.convert:configure", "bring TensorBoard logs, MLflow or Aim 3 runs in as runs"),
    "up": ("aim.cli.up:configure", "serve the web UI of --repo on --host:--port (needs the ui extra)"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aim", description="Aim-compatible experiment tracking.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (target, help_text) in COMMANDS.items():
        module_name, function = target.split(":")
        module = importlib.import_module(module_name)
        options = getattr(module, "PARSER_OPTIONS", {})  # e.g. add_help=False: `aim up -h` is --host
        getattr(module, function)(commands.add_parser(name, help=help_text, description=help_text, **options))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except AimError as exc:
        print(f"aim: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except SyntaxError as exc:  # an AimQL query's
        from aim.tools import error_column

        print(f"aim: {exc.msg} (line {exc.lineno}, column {error_column(exc)})", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("aim: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    raise SystemExit(main())
