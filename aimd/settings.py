"""The repository's own settings, kept in `.aim/settings.json` for every daemon that serves it.

`aimd start --artifacts-uri URI` (and `--webhook URL`, `--blob-store URI`) saves them here, so a
daemon the SDK starts later serves the same: the default artifacts uri of Run.artifacts_uri, the
webhooks notified when a run ends, the object store blob bytes move to. The file is small JSON,
written whole (a temporary file renamed over it).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

FILE_NAME = "settings.json"
KEYS = ("artifacts_uri", "webhooks", "blob_store", "blobs_back")


def load(aim_dir: Path) -> dict[str, Any]:
    """The saved settings ({} when none; a broken file is an OSError naming it)."""
    path = aim_dir / FILE_NAME
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, NotADirectoryError):  # no settings (a broken .aim is said elsewhere)
        return {}
    except ValueError as exc:
        raise OSError(f"{path} is not valid JSON ({exc}): fix or remove it") from None
    if not isinstance(data, dict):
        raise OSError(f"{path} must hold a JSON object")
    return {key: data[key] for key in KEYS if key in data}


def save(aim_dir: Path, **changes: Any) -> dict[str, Any]:
    """Merge changes into the saved settings; the settings now in force."""
    settings = {**load(aim_dir), **changes}
    aim_dir.mkdir(parents=True, exist_ok=True)
    part = aim_dir / f".{FILE_NAME}.{os.getpid()}"
    part.write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n")
    os.replace(part, aim_dir / FILE_NAME)
    return settings
