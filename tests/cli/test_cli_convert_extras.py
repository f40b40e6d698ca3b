"""A converter whose reader is not installed says which extra to install, in one line."""

from __future__ import annotations

import subprocess
import sys

from aim import Repo

# `aim` with the module blocked as if it were not installed (None in sys.modules: ImportError).
BLOCKED = (
    "import sys; sys.modules[{module!r}] = None; from aim.cli.main import main; sys.exit(main({argv!r}))"
)


def test_convert_mlflow_without_mlflow_names_the_extra(repo, tmp_path):
    Repo(str(repo), init=True)
    argv = ["convert", "mlflow", "--tracking_uri", f"sqlite:///{tmp_path / 'm.db'}", "--repo", str(repo)]
    code = BLOCKED.format(module="mlflow", argv=argv)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip() == "aim: aim convert mlflow needs MLflow: pip install 'aim-tracker[mlflow]'"
    assert Repo(str(repo)).list_all_runs() == []
