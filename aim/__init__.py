"""aim: track machine-learning experiments into a repository served by aimd.

    from aim import Run
    run = Run(experiment="resnet")
    run["hparams"] = {"lr": 1e-3}
    run.track(0.25, name="loss", step=0, context={"subset": "train"})
    run.close()

Importing aim starts nothing and loads no gRPC: the daemon starts on the first Run or Repo.
"""

from aim import errors
from aim._model.repo import Repo
from aim._model.run import Run
from aim._model.sequences import Audios, Distributions, Figures, Images, Metric, Sequence, Texts
from aim.objects import Audio, Distribution, Figure, Image, Text

__version__ = "0.1.0"

__all__ = [
    "Audio",
    "Audios",
    "Distribution",
    "Distributions",
    "Figure",
    "Figures",
    "Image",
    "Images",
    "Metric",
    "Repo",
    "Run",
    "Sequence",
    "Text",
    "Texts",
    "errors",
]

for _name in __all__[:-1]:
    globals()[_name].__module__ = "aim"
del _name
