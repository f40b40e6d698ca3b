"""`from aim.sdk.errors import MissingRunError`, as in Aim."""

from aim.errors import AimError, MissingRunError

__all__ = ["AimError", "MissingRunError"]
