"""Object storage for blob bytes (`aimd start --blob-store s3://bucket/prefix` or file:///path).

Each blob is one object named by its SHA-256 (hex) under the prefix: content-addressed, so
writing it twice is harmless and identical blobs are stored once. Reads go through a bounded
cache of whole blobs (the most recently read, a share of the daemon's memory limit). S3 is reached with boto3
(the `s3` extra) and the usual AWS_* variables (AWS_ENDPOINT_URL for MinIO, Ceph, a local server).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

from aimd.storage.lru import BytesLRU

SCHEMES = ("file", "s3")


class BlobStoreError(Exception):
    """The object store refused or failed a read or a write."""


class BlobStore(Protocol):
    uri: str

    def put(self, name: str, data: bytes) -> None: ...

    def get(self, name: str) -> bytes: ...


class FileBlobStore:
    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.root = Path(urlparse(uri).path)

    def put(self, name: str, data: bytes) -> None:
        path = self.root / name[:2] / name
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(f".{name}.{os.getpid()}.{threading.get_ident()}.part")
        with open(part, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())  # durable before the daemon drops its own copy
        os.replace(part, path)

    def get(self, name: str) -> bytes:
        return (self.root / name[:2] / name).read_bytes()


class S3BlobStore:
    def __init__(self, uri: str) -> None:
        parsed = urlparse(uri)
        self.uri, self.bucket, self.prefix = uri, parsed.netloc, parsed.path.strip("/")
        try:
            import boto3
        except ImportError:
            raise BlobStoreError("an s3:// blob store needs boto3: pip install 'aim-tracker[s3]'") from None
        endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None
        self.client = boto3.client("s3", endpoint_url=endpoint)

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def put(self, name: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(name), Body=data)

    def get(self, name: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=self._key(name))["Body"].read()


def check_uri(uri: str) -> str:
    parsed = urlparse(uri)
    if parsed.scheme not in SCHEMES or (parsed.scheme == "s3" and not parsed.netloc):
        raise ValueError(f"blob store {uri!r} must be file:///path or s3://bucket/prefix")
    return uri


def open_blob_store(uri: str) -> BlobStore:
    check_uri(uri)
    return S3BlobStore(uri) if urlparse(uri).scheme == "s3" else FileBlobStore(uri)


class CachedBlobs:
    """Whole blobs read from a store, the most recently read kept in a BytesLRU (its share of the
    daemon's memory limit: aimd.config.MEMORY_SHARES["blobs"])."""

    def __init__(self, store: BlobStore, cache: BytesLRU) -> None:
        self.store, self.cache = store, cache

    def put(self, sha256: bytes, data: bytes) -> None:
        try:
            self.store.put(sha256.hex(), data)
        except Exception as exc:
            message = f"blob {sha256.hex()} could not be written to {self.store.uri}: {exc}"
            raise BlobStoreError(message) from exc

    def get(self, sha256: bytes) -> bytes:
        data = self.cache.get(sha256)
        if data is not None:
            return data
        try:
            data = self.store.get(sha256.hex())
        except Exception as exc:
            message = f"blob {sha256.hex()} could not be read from {self.store.uri}: {exc}"
            raise BlobStoreError(message) from exc
        self.cache.put(sha256, data, len(data))
        return data


def describe(store: Any) -> str:
    return getattr(store, "uri", "?")
