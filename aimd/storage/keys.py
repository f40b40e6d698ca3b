"""The key schema: every LevelDB key is built and parsed here.

All keys are bytes. A run hash is 1..64 chars of [0-9A-Za-z_-]; names and param keys never hold
NUL, and a context is canonical JSON (which escapes control characters), so b"\\x00" is a safe
separator and a prefix scan never mixes two runs or two sequences.

    V                                   schema version (ascii decimal)
    R <hash>                            run props: UTF-8 JSON object (see aimd.ingest.runs)
    P <hash> (\\x00 <key>)+              one params leaf (aimd.storage.values encoding); the path
                                        ("hparams", "lr") is "\\x00hparams\\x00lr"; a sub-tree is
                                        its exact key plus the range that starts with key + \\x00
    S <hash> \\x00 <name> \\x00 <context>  sequence metadata (aimd.storage.blocks.SequenceMeta)
    B <hash> \\x00 <name> \\x00 <context> \\x00 <block u32 BE>
                                        one block of points (aimd.storage.blocks), in block order
    K <client id>                       highest durable batch seq of a tracking client (u64 BE)
    X <hash> \\x00 <name> \\x00 <context> \\x00 <step u64 BE>
                                        one point of an object sequence (aimd.storage.objects):
                                        epoch, time, and its records (meta JSON + blob SHA-256)
    O <sha256: 32 raw bytes>            blob header, written once the blob is complete and its
                                        SHA-256 verified: size and chunk count
    O <sha256> \\x00 <chunk u32 BE>       bytes [chunk * BLOB_CHUNK_BYTES, ...) of a blob
    U <kind> \\x00 <key>                 a document the UI keeps (aimd.ingest.documents): JSON
                                        {"body": text, "updated": seconds since the epoch}

Sorting: NUL sorts first, so a param's children sit right after it, and a sequence's blocks
after each other in block order. Object points sort by step (big-endian). A SHA-256 is raw
bytes and may hold NUL, but it has a fixed length: a blob's header key is exactly 33 bytes
and its chunks follow it. Blobs are content-addressed and shared by every run: deleting a run
deletes its X keys, never a blob.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from aimproto.contract import SHA256_BYTES, STORE_SCHEMA_VERSION

SCHEMA_VERSION = str(STORE_SCHEMA_VERSION).encode()  # as the V key holds it
VERSION_KEY = b"V"
RUN = b"R"
PARAM = b"P"
SEQUENCE = b"S"
BLOCK = b"B"
CLIENT = b"K"
OBJECT = b"X"
BLOB = b"O"
DOCUMENT = b"U"
SEP = b"\x00"

_BLOCK_NO = struct.Struct(">I")
_STEP = struct.Struct(">Q")


def run_key(run_hash: str) -> bytes:
    return RUN + run_hash.encode()


def run_hash_of(key: bytes) -> str:
    return key[len(RUN) :].decode()


def params_prefix(run_hash: str) -> bytes:
    """Prefix of every params leaf of a run."""
    return PARAM + run_hash.encode()


def param_key(run_hash: str, path: Sequence[str]) -> bytes:
    return params_prefix(run_hash) + b"".join(SEP + k.encode() for k in path)


def param_path_of(run_hash: str, key: bytes) -> list[str]:
    rest = key[len(params_prefix(run_hash)) :]
    return [part.decode() for part in rest.split(SEP)[1:]]


def sequence_prefix(run_hash: str) -> bytes:
    return SEQUENCE + run_hash.encode() + SEP


def sequence_key(run_hash: str, name: str, context: str) -> bytes:
    return sequence_prefix(run_hash) + name.encode() + SEP + context.encode()


def sequence_id_of(run_hash: str, key: bytes) -> tuple[str, str]:
    """(name, context) of a sequence metadata key."""
    name, context = key[len(sequence_prefix(run_hash)) :].split(SEP, 1)
    return name.decode(), context.decode()


def blocks_prefix(run_hash: str, name: str, context: str) -> bytes:
    return BLOCK + run_hash.encode() + SEP + name.encode() + SEP + context.encode() + SEP


def block_key(run_hash: str, name: str, context: str, block_no: int) -> bytes:
    return blocks_prefix(run_hash, name, context) + _BLOCK_NO.pack(block_no)


def objects_prefix(run_hash: str, name: str, context: str) -> bytes:
    """Prefix of every point of an object sequence."""
    return OBJECT + run_hash.encode() + SEP + name.encode() + SEP + context.encode() + SEP


def object_key_at(prefix: bytes, step: int) -> bytes:
    """The key of an object sequence's point at step, under its objects_prefix() (built once
    for a whole append)."""
    return prefix + _STEP.pack(step)


def step_of_object_key(key: bytes) -> int:
    return _STEP.unpack_from(key, len(key) - _STEP.size)[0]


def blob_key(sha256: bytes) -> bytes:
    """The header key of a blob: present once the blob is complete."""
    return BLOB + sha256


def blob_chunk_key(sha256: bytes, chunk: int) -> bytes:
    return BLOB + sha256 + SEP + _BLOCK_NO.pack(chunk)


def is_blob_key(key: bytes) -> bool:
    """True for a blob header key (not one of its chunks)."""
    return len(key) == len(BLOB) + SHA256_BYTES and key.startswith(BLOB)


def client_key(client_id: str) -> bytes:
    return CLIENT + client_id.encode()


def document_prefix(kind: str) -> bytes:
    """The prefix of every document of a kind."""
    return DOCUMENT + kind.encode() + SEP


def document_key(kind: str, key: str) -> bytes:
    return document_prefix(kind) + key.encode()


def document_key_of(kind: str, key: bytes) -> str:
    return key[len(document_prefix(kind)) :].decode()


def encode_client_seq(seq: int) -> bytes:
    """The value of a K key: the client's highest durable batch seq."""
    return _STEP.pack(seq)


def decode_client_seq(raw: bytes | None) -> int:
    """A K key's value as its seq (0 when the client has none)."""
    return 0 if raw is None else _STEP.unpack(raw)[0]
