"""`from aim.sdk.repo import Repo`, as in Aim's documentation."""

from aim import Repo

__all__ = ["Repo"]
