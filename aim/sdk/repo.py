"""`from aim.sdk.repo import Repo` (and Run, which Aim's module also exports), as in Aim."""

from aim import Repo, Run

__all__ = ["Repo", "Run"]
