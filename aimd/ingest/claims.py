"""Blob claims: the blobs each connected client may count on being stored.

A client's sender sends a payload's bytes once and from then on names it by its SHA-256 alone,
for as long as its Track stream lasts (it forgets what it sent whenever it opens a new stream).
Every blob a client's batches carried or named while its stream is open is claimed by it, and
prune() never removes a claimed blob, even one no stored point names any more (a point
overwritten, a run deleted): the client's next point may name it without its bytes. Claims
live in memory, on the writer thread, and end with the client's stream. They take at most
max_bytes: past it, the client with the most claims claims every blob instead (pruning then
keeps every blob while it is connected: safe, and the memory is bounded).
"""

from __future__ import annotations

from collections.abc import Iterable

from aimd.storage.lru import CacheStats

DEFAULT_CLAIMS_BYTES = 16 * 2**20
CLAIM_BYTES = 100  # one SHA-256 in a set


class BlobClaims:
    """Per connected client, the SHA-256s of the blobs it may count on (None: all of them)."""

    def __init__(self, max_bytes: int = DEFAULT_CLAIMS_BYTES) -> None:
        self.max_bytes = max_bytes
        self._by_client: dict[str, set[bytes] | None] = {}
        self._count = 0  # claims held in sets

    def note(self, client_id: str, shas: Iterable[bytes]) -> None:
        claimed = self._by_client.setdefault(client_id, set())
        if claimed is None:
            return
        before = len(claimed)
        claimed.update(shas)
        self._count += len(claimed) - before
        while self._count * CLAIM_BYTES > self.max_bytes:
            self._claim_all(max(self._by_client, key=lambda c: len(self._by_client[c] or ())))

    def _claim_all(self, client_id: str) -> None:
        self._count -= len(self._by_client[client_id] or ())
        self._by_client[client_id] = None

    def release(self, client_id: str) -> None:
        """The client's stream ended: it counts on nothing any more."""
        self._count -= len(self._by_client.pop(client_id, None) or ())

    def stats(self) -> CacheStats:
        return CacheStats("claims", self._count * CLAIM_BYTES, self.max_bytes, self._count, 0, 0)

    def covers(self, sha: bytes) -> bool:
        return any(claimed is None or sha in claimed for claimed in self._by_client.values())
