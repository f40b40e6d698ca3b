"""Blob claims: the blobs each connected client may count on being stored.

A client's sender sends a payload's bytes once and from then on names it by its SHA-256 alone,
for as long as its Track stream lasts (it forgets what it sent whenever it opens a new stream).
Every blob a client's batches carried or named while its stream is open is claimed by it, and
prune() never removes a claimed blob, even one no stored point names any more (a point
overwritten, a run deleted): the client's next point may name it without its bytes. Claims
live in memory, on the writer thread, and end with the client's stream.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_CLAIMS_PER_CLIENT = 1_000_000  # beyond this, the client claims every blob (about 100 MB here)


class BlobClaims:
    """Per connected client, the SHA-256s of the blobs it may count on (None: all of them)."""

    def __init__(self) -> None:
        self._by_client: dict[str, set[bytes] | None] = {}

    def note(self, client_id: str, shas: Iterable[bytes]) -> None:
        claimed = self._by_client.setdefault(client_id, set())
        if claimed is None:
            return
        claimed.update(shas)
        if len(claimed) > MAX_CLAIMS_PER_CLIENT:
            self._by_client[client_id] = None

    def release(self, client_id: str) -> None:
        """The client's stream ended: it counts on nothing any more."""
        self._by_client.pop(client_id, None)

    def covers(self, sha: bytes) -> bool:
        return any(claimed is None or sha in claimed for claimed in self._by_client.values())
