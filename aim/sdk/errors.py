"""`from aim.sdk.errors import MissingRunError`, as in Aim (RepoIntegrityError is our RepoError)."""

from aim.errors import AimError, MissingRunError
from aim.errors import RepoError as RepoIntegrityError

__all__ = ["AimError", "MissingRunError", "RepoIntegrityError"]
