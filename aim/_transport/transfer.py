"""Whole runs as the messages of Transfer.ImportRun (aimproto.v1.transfer): read from a daemon,
built from plain values, or framed in the run archive. The modules above (aim._transfer.copy,
aim._transfer.archive, aim._convert) pass these messages along without looking inside them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from aim._transport.client import Client
from aimproto import convert
from aimproto.contract import DTYPE_NAMES, SEQUENCE_DTYPES, SHA256_BYTES
from aimproto.v1 import common_pb2, tracking_pb2, transfer_pb2

METRIC_DTYPES = tuple(DTYPE_NAMES[code] for code in SEQUENCE_DTYPES["metric"])  # "int", "float"
SERIES_FIELDS = ("dtype", "count", "steps", "values", "epochs", "timestamps")
OBJECT_FIELDS = ("dtype", "count", "steps", "epochs", "timestamps", "record_counts", "metas", "shas")

Part = transfer_pb2.ImportPart


def start_part(props: dict[str, Any], params: dict[str, Any] | None) -> Part:
    start = transfer_pb2.ImportStart(props=convert.props_to_proto(props))
    if params:
        convert.param_to_proto(params, start.params)
    return Part(start=start)


def commit_part(chunks: int, points: int) -> Part:
    return Part(commit=transfer_pb2.ImportCommit(series=chunks, points=points))


def series_part(**fields: Any) -> Part:
    """A SeriesChunk (run_hash, name, context and the SERIES_FIELDS) as a part."""
    return Part(series=tracking_pb2.SeriesChunk(**fields))


def objects_part(**fields: Any) -> Part:
    """An ObjectSeries (run_hash, name, context and the OBJECT_FIELDS) as a part."""
    return Part(objects=tracking_pb2.ObjectSeries(**fields))


def blob_parts(sha256: bytes, blob: bytes) -> Iterator[Part]:
    """A blob as the BlobChunks of the wire (BLOB_CHUNK_BYTES each, at least one)."""
    size = common_pb2.BLOB_CHUNK_BYTES
    for index, at in enumerate(range(0, max(len(blob), 1), size)):
        chunk = tracking_pb2.BlobChunk(sha256=sha256, size=len(blob), index=index, data=blob[at : at + size])
        yield Part(blob=chunk)


def run_parts(
    client: Client, run_hash: str, on_points: Callable[[int], None] = lambda n: None
) -> Iterator[Part]:
    """The parts of one stored run: start, then each sequence (an object sequence's blobs before
    the points naming them), then the commit. on_points(n) is told of every chunk sent."""
    yield start_part(client.get_run(run_hash), client.get_params(run_hash, []))
    chunks = points = 0
    sent_blobs: set[bytes] = set()
    for seq in client.list_sequences(run_hash):
        ids = {"run_hash": run_hash, "name": seq["name"], "context": seq["context"]}
        if seq["dtype"] in METRIC_DTYPES:
            for chunk in client.point_chunks(run_hash, seq["name"], seq["context"]):
                yield series_part(**ids, **{field: getattr(chunk, field) for field in SERIES_FIELDS})
                chunks, points = chunks + 1, points + chunk.count
                on_points(chunk.count)
            continue
        for chunk in client.object_chunks(run_hash, seq["name"], seq["context"]):
            shas = [chunk.shas[i : i + SHA256_BYTES] for i in range(0, len(chunk.shas), SHA256_BYTES)]
            wanted = list(dict.fromkeys(sha for sha in shas if sha not in sent_blobs))
            for sha, blob in zip(wanted, client.get_blobs([sha.hex() for sha in wanted]), strict=True):
                yield from blob_parts(sha, blob)
                sent_blobs.add(sha)
            yield objects_part(**ids, **{field: getattr(chunk, field) for field in OBJECT_FIELDS})
            chunks, points = chunks + 1, points + chunk.count
            on_points(chunk.count)
    yield commit_part(chunks, points)


def part_kind(part: Part) -> str:
    """'start', 'series', 'objects', 'blob' or 'commit'."""
    return part.WhichOneof("kind") or ""


def started_hash(part: Part) -> str:
    """The run hash an ImportStart names."""
    return part.start.props.hash


# --- archive frames ---------------------------------------------------------------------------
def archive_header(format_version: int, producer: str, created: float, run_hashes: list[str]) -> bytes:
    header = transfer_pb2.ArchiveHeader(
        format_version=format_version, producer=producer, created=created, run_hashes=run_hashes
    )
    return header.SerializeToString()


def parse_archive_header(data: bytes) -> list[str]:
    """The run hashes an ArchiveHeader lists (DecodeError when it does not parse)."""
    return list(transfer_pb2.ArchiveHeader.FromString(data).run_hashes)


def parse_part(data: bytes) -> Part:
    return Part.FromString(data)
