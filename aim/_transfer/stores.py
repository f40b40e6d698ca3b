"""Where artifacts are kept: a folder (file://) or an S3-compatible bucket (s3://).

A store is named by a base uri; an artifact named `name` of the run `hash` lies at
`<base uri>/<hash>/<name>`, Aim's layout, so artifacts Aim logged are found where Aim put them.
S3 goes through boto3 (the `s3` extra), which reads the usual AWS_* variables (credentials,
region, AWS_ENDPOINT_URL for MinIO, Ceph or a local server).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path, PurePosixPath
from typing import Any, Protocol
from urllib.parse import urlparse

SCHEMES = ("file", "s3")


class Store(Protocol):
    """What uploads and downloads need of a store."""

    def upload(self, local: str, name: str) -> None: ...

    def download(self, name: str, dest: Path) -> None: ...


def join(uri: str, *parts: str) -> str:
    """uri/part/part (Aim joins its artifact uris this way)."""
    return "/".join([uri.rstrip("/"), *parts])


def check_uri(uri: Any, *, stacklevel: int = 3) -> str:
    """An artifacts uri as given to set_artifacts_uri: a str; one without a scheme warns as
    Aim does (it is of no supported scheme, so logging into it fails); an unknown scheme is a
    ValueError naming the supported ones."""
    if not isinstance(uri, str):
        raise TypeError(f"an artifacts uri must be a str, not {type(uri).__name__}")
    if "://" not in uri:
        message = f'artifacts_uri must start with a scheme, e.g. s3:// or file://. Got "{uri}"'
        warnings.warn(message, stacklevel=stacklevel)
        return uri
    scheme_of(uri)
    return uri


def scheme_of(uri: str) -> str:
    scheme = urlparse(uri).scheme
    if scheme not in SCHEMES:
        supported = ", ".join(f"{s}://" for s in SCHEMES)
        what = repr(scheme) if scheme else "a uri without a scheme"
        raise ValueError(f"{what} is not a supported artifact storage scheme ({supported})")
    return scheme


class FileStore:
    """A folder: file:///abs/path (the uri's path is the folder)."""

    def __init__(self, uri: str) -> None:
        self.root = Path(urlparse(uri).path)

    def upload(self, local: str, name: str) -> None:
        dest = self.root / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(f".{dest.name}.{os.getpid()}.{threading.get_ident()}.part")
        shutil.copyfile(local, part)  # a reader never sees half a file: rename when complete
        os.replace(part, dest)

    def download(self, name: str, dest: Path) -> None:
        source = self.root / name
        if not source.is_file():
            raise FileNotFoundError(f"no artifact at {source}")
        shutil.copyfile(source, dest)


class S3Store:
    """A bucket and key prefix: s3://bucket/prefix."""

    def __init__(self, uri: str) -> None:
        parsed = urlparse(uri)
        if not parsed.netloc:
            raise ValueError(f"{uri!r} names no bucket (s3://bucket/prefix)")
        self.bucket = parsed.netloc
        self.prefix = parsed.path.strip("/")
        self.client = _s3_client()

    def key(self, name: str) -> str:
        return str(PurePosixPath(self.prefix, name)) if self.prefix else name

    def upload(self, local: str, name: str) -> None:
        self.client.upload_file(Filename=local, Bucket=self.bucket, Key=self.key(name))

    def download(self, name: str, dest: Path) -> None:
        self.client.download_file(Bucket=self.bucket, Key=self.key(name), Filename=str(dest))


def _s3_client() -> Any:
    try:
        import boto3
    except ImportError:
        raise ImportError("s3:// artifacts need boto3: pip install 'aim-tracker[s3]'") from None
    return boto3.client("s3", endpoint_url=_endpoint())


def _endpoint() -> str | None:
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


_stores: dict[tuple[str, str], Store] = {}
_stores_lock = threading.Lock()  # boto3 makes clients unsafely from several threads; one per uri


def open_store(uri: str) -> Store:
    """The store of a base uri, made once per process (ValueError for an unknown scheme)."""
    key = (uri, _endpoint() or "")
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = S3Store(uri) if scheme_of(uri) == "s3" else FileStore(uri)
        return store


def download(uri: str, name: str, dest_dir: str | os.PathLike[str] | None) -> str:
    """Fetch the artifact `name` of the store at uri into dest_dir (a new temporary folder when
    None), as a file of the name's last part; its path."""
    folder = Path(tempfile.mkdtemp(prefix="aim-artifact-")) if dest_dir is None else Path(dest_dir)
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / PurePosixPath(name).name
    open_store(uri).download(name, dest)
    return dest.as_posix()


# --- whole files at an s3:// address (aim export --out s3://, aim import s3://, aim runs upload) ---
def is_s3(uri: str) -> bool:
    return isinstance(uri, str) and uri.startswith("s3://")


def _bucket_key(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    key = parsed.path.lstrip("/")
    if not parsed.netloc or not key or key.endswith("/"):
        raise ValueError(f"{uri!r} must name a bucket and an object: s3://bucket/path/file")
    return parsed.netloc, key


def put_file(local: str | os.PathLike[str], uri: str, *, create_bucket: bool = False) -> None:
    """Upload the file at local to the object at uri (s3://bucket/key); create_bucket: make the
    bucket when it does not exist (as Aim's `aim runs upload` does). ArtifactError says why not."""
    from aim.errors import ArtifactError

    bucket, key = _bucket_key(uri)
    client = _s3_client()
    try:
        if create_bucket and bucket not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
            client.create_bucket(Bucket=bucket)
        client.upload_file(Filename=str(local), Bucket=bucket, Key=key)
    except Exception as exc:
        raise ArtifactError(f"could not upload {local} to {uri}: {exc}") from None


def get_file(uri: str, local: str | os.PathLike[str]) -> None:
    """Download the object at uri (s3://bucket/key) to the file local."""
    from aim.errors import ArtifactError

    bucket, key = _bucket_key(uri)
    try:
        _s3_client().download_file(Bucket=bucket, Key=key, Filename=str(local))
    except Exception as exc:
        raise ArtifactError(f"could not download {uri}: {exc}") from None
