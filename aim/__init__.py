"""aim: track machine-learning experiments into a repository served by aimd.

    from aim import Run
    run = Run(experiment="resnet")
    run["hparams"] = {"lr": 1e-3}
    run.track(0.25, name="loss", step=0, context={"subset": "train"})
    run.close()

Importing aim starts nothing and loads no gRPC: the daemon starts on the first Run or Repo.
"""

from aim import errors
from aim._repo import Repo
from aim._run import Run
from aim._sequences import Metric, Sequence

__version__ = "0.1.0"

__all__ = ["Metric", "Repo", "Run", "Sequence", "errors"]

for _name in ("Metric", "Repo", "Run", "Sequence"):
    globals()[_name].__module__ = "aim"
del _name
