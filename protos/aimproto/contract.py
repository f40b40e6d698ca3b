"""Values both sides of the wire agree on, written once: the SDK (aim) and the daemon (aimd) read
them from here. Plain Python (no protobuf import), so the daemon's storage layer may read it too.

The dtype codes are the numbers of the DType enum in v1/common.proto (a test checks they agree);
the daemon also stores them on disk, so a code never changes meaning.
"""

from __future__ import annotations

import json

# --- sequence element types: DType code -> the SDK's name for it ---------------------------
DTYPE_INT = 1
DTYPE_FLOAT = 2
DTYPE_IMAGE = 3
DTYPE_IMAGE_LIST = 4
DTYPE_DISTRIBUTION = 5
DTYPE_TEXT = 6
DTYPE_TEXT_LIST = 7
DTYPE_AUDIO = 8
DTYPE_AUDIO_LIST = 9
DTYPE_FIGURE = 10
DTYPE_LOG_RECORD = 11
DTYPE_NAMES = {
    DTYPE_INT: "int",
    DTYPE_FLOAT: "float",
    DTYPE_IMAGE: "aim.image",
    DTYPE_IMAGE_LIST: "list(aim.image)",
    DTYPE_DISTRIBUTION: "aim.distribution",
    DTYPE_TEXT: "aim.text",
    DTYPE_TEXT_LIST: "list(aim.text)",
    DTYPE_AUDIO: "aim.audio",
    DTYPE_AUDIO_LIST: "list(aim.audio)",
    DTYPE_FIGURE: "aim.figure",
    DTYPE_LOG_RECORD: "aim.log_record",
}
DTYPE_CODES = {name: code for code, name in DTYPE_NAMES.items()}
OBJECT_KINDS = {  # object dtype -> the KIND of the objects its records hold (aim.objects)
    DTYPE_IMAGE: "image",
    DTYPE_IMAGE_LIST: "image",
    DTYPE_DISTRIBUTION: "distribution",
    DTYPE_TEXT: "text",
    DTYPE_TEXT_LIST: "text",
    DTYPE_AUDIO: "audio",
    DTYPE_AUDIO_LIST: "audio",
    DTYPE_FIGURE: "figure",
    DTYPE_LOG_RECORD: "log_record",
}
LIST_DTYPES = frozenset({DTYPE_IMAGE_LIST, DTYPE_TEXT_LIST, DTYPE_AUDIO_LIST})  # a list of objects per step

# --- sequence types: what a query targets (Aim's names), and the dtypes each one holds --------
SEQUENCE_DTYPES: dict[str, tuple[int, ...]] = {
    "metric": (DTYPE_INT, DTYPE_FLOAT),
    "images": (DTYPE_IMAGE, DTYPE_IMAGE_LIST),
    "distributions": (DTYPE_DISTRIBUTION,),
    "texts": (DTYPE_TEXT, DTYPE_TEXT_LIST),
    "audios": (DTYPE_AUDIO, DTYPE_AUDIO_LIST),
    "figures": (DTYPE_FIGURE,),
    "log_records": (DTYPE_LOG_RECORD,),
}
SEQUENCE_TYPES = tuple(SEQUENCE_DTYPES)  # "metric", "images", ...
SEQUENCE_TYPE_OF = {  # dtype name -> the sequence type holding it ("list(aim.text)" -> "texts")
    DTYPE_NAMES[code]: seq_type for seq_type, codes in SEQUENCE_DTYPES.items() for code in codes
}


def canonical_context(context: dict) -> str:
    """A context as both sides store and compare it: JSON with sorted keys and no spaces (a
    ValueError for NaN or infinity). The daemon accepts a context only in this form."""
    return json.dumps(context, sort_keys=True, separators=(",", ":"), allow_nan=False)


# --- blobs ---------------------------------------------------------------------------------------
SHA256_BYTES = 32  # a blob's digest (SHA-256), as the wire and the store carry it

# --- the store ---------------------------------------------------------------------------------
STORE_SCHEMA_VERSION = 1  # the key schema aimd writes (its V key); Repo.get_version() reports it
AIM_DIR = ".aim"  # the folder inside a repository that holds the store, the socket and the daemon's files

# --- limits on what a client may send --------------------------------------------------------
RUN_HASH_PATTERN = r"[0-9A-Za-z_-]{1,64}"
RUN_HASH_RULE = "1..64 chars of [0-9A-Za-z_-]"  # RUN_HASH_PATTERN, as an error message says it
MAX_NAME_CHARS = 256  # a sequence name
MAX_CONTEXT_BYTES = 4096  # a context, as canonical JSON
MAX_PARAM_KEY_CHARS = 1024  # one key of a param path
MAX_QUERY_CHARS = 10_000  # an AimQL query
MAX_META_BYTES = 65536  # one object record's meta, as JSON
MAX_CAPTION_BYTES = MAX_META_BYTES - 1024  # an object's caption, as JSON (the rest: room for its meta)
MAX_BLOB_BYTES = 2**40  # one blob (its chunk count must fit the header's u32)
MAX_PROP_CHARS = 4096  # a run's name, experiment or tag
MAX_DESCRIPTION_CHARS = 65536  # a run's description
MAX_PARAM_DEPTH = 32  # keys and list items from a param's root to a leaf
MAX_CLIENT_ID_CHARS = 128  # the client id of a Hello, OpenRun or CloseRun

# --- documents the UI keeps in the repository (v1/documents.proto) -----------------------------
DOCUMENT_RUN_NOTES = "run-notes"  # key: the run's hash; body: Markdown
DOCUMENT_EXPERIMENT_NOTES = "experiment-notes"  # key: the experiment's name; body: Markdown
DOCUMENT_TAG = "tag"  # key: the tag; body: JSON {"colour": ..., "description": ...}
DOCUMENT_BOOKMARK = "bookmark"  # key: the bookmark's name; body: JSON {"address": ...}
DOCUMENT_KINDS = (DOCUMENT_RUN_NOTES, DOCUMENT_EXPERIMENT_NOTES, DOCUMENT_TAG, DOCUMENT_BOOKMARK)
MAX_DOCUMENT_BYTES = 262_144  # a document's body, as UTF-8
MAX_DOCUMENT_KEY_CHARS = MAX_PROP_CHARS  # a document's key (a hash, an experiment, a tag, a name)

# --- trailing metadata keys ------------------------------------------------------------------
FAILED_SEQ_KEY = "aim-failed-seq"  # Track: seq of the batch that ended the stream
STORE_ERROR_KEY = "aim-store-error"  # Track: errno name (ENOSPC, ...) when the disk refused a write
QUERY_ERROR_KEY = "aim-query-error"  # Query: "syntax <line> <offset>" or "budget"
AUTHORIZATION_KEY = "authorization"  # every call to a TCP daemon: "Bearer TOKEN"

# --- access tokens (the daemon's TCP port, aim up's UI) ----------------------------------------
MIN_TOKEN_CHARS = 16  # shorter is no secret

# --- the `aimd` program, which the SDK runs to start a local daemon ---------------------------
AIMD_EXIT_NOT_INSTALLED = 5  # start, serve: a module the daemon needs (plyvel) cannot be imported


# --- plaintext TCP: both sides allow it without TLS only when the host is this machine -------
def is_loopback_host(host: str) -> bool:
    """Whether host is this machine: a loopback address (127.0.0.0/8, ::1, bracketed or not) or
    the name localhost. Any other name, and "" (every interface), is not."""
    import ipaddress  # here, not at the top: `import aim` loads this module

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
