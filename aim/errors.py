"""Errors the SDK raises. One root, so `except aim.errors.AimError` catches everything of ours.

    AimError
    ├── RepoError                 no repository at a path, or one that cannot be created or written
    ├── DaemonUnavailable         no daemon serves the repository and none could be started
    │   ├── TLSError              a remote daemon's TLS failed: its certificate did not verify, or
    │   │                         one side speaks TLS and the other does not
    │   └── DaemonSetupError      the daemon cannot run in this Python: a module it needs (plyvel)
    │                             cannot be imported; the message says what to install
    ├── AuthenticationError       a remote daemon refused the token: none, or one it does not accept
    ├── PermissionDeniedError (+PermissionError)  a read-only token used for a write
    ├── ProtocolError             the daemon speaks another protocol version
    ├── MissingRunError (+LookupError)   no run has this hash
    ├── MissingExperimentError (+LookupError)   no run has this experiment
    ├── RunExistsError            creating a run whose hash is taken
    ├── ReadOnlyRunError          writing through a Run opened with read_only=True
    ├── ClosedRunError            tracking into a Run after close()
    ├── RequestRejected (+ValueError)    the daemon refused a request: invalid, too large, or clashing
    │                                    with stored data (deleting a run still tracked into)
    ├── SequenceTypeError (+TypeError, +ValueError)  a value the sequence's type cannot hold
    ├── TrackingError             points the daemon refused or could not acknowledge in time
    ├── ArchiveError              a run archive that is corrupt, truncated, or of a newer format
    ├── ArtifactError             an artifact that could not be uploaded or downloaded (named)
    └── QueryError (+ValueError)  a query the daemon refused: an unknown name, a forbidden access
        └── QueryBudgetError      a query that ran past its time or size budget

A query with a syntax error raises Python's SyntaxError, with the line and offset of the error.

Input that is wrong on its face (a bad name, step or value) raises ValueError or TypeError
in the caller's thread, before anything leaves the process.
"""


class AimError(Exception):
    """Root of every error raised by aim."""


class RepoError(AimError):
    pass


class DaemonUnavailable(AimError):
    pass


class TLSError(DaemonUnavailable):
    pass


class DaemonSetupError(DaemonUnavailable):
    pass


class AuthenticationError(AimError):
    pass


class PermissionDeniedError(AimError, PermissionError):
    pass


class ProtocolError(AimError):
    pass


class MissingRunError(AimError, LookupError):
    pass


class MissingExperimentError(AimError, LookupError):
    pass


class RunExistsError(AimError):
    pass


class ReadOnlyRunError(AimError):
    pass


class ClosedRunError(AimError):
    pass


class RequestRejected(AimError, ValueError):
    pass


class SequenceTypeError(AimError, TypeError, ValueError):
    """A tracked value of a type its sequence cannot hold (a str into a metric, say).

    Both a TypeError (the value's type is wrong) and a ValueError (Aim's dtype mismatch)."""


class TrackingError(AimError):
    pass


class ArchiveError(AimError):
    pass


class ArtifactError(AimError):
    """An artifact that could not be uploaded (a missing bucket, refused credentials, a store
    that is down) or downloaded; the message names the artifact."""


class QueryError(AimError, ValueError):
    pass


class QueryBudgetError(QueryError):
    pass
