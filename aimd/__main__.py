"""`python -m aimd`: the same as the `aimd` command."""

from aimd.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
