"""Paths: the ``PathLike`` type, the cache directory, the shared data directory, cache-entry names.

Every cache fastw2v keeps (token streams, converted Wikipedia dumps, downloaded corpora) lives under
one directory, :func:`cache_dir`, and every cache entry is named by :func:`cache_entry_name`, so
the rules for where cached files go and when an entry is the same exist once.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any, Mapping, Optional, Union

#: What fastw2v accepts wherever it takes a file or directory name.
PathLike = Union[str, os.PathLike[str]]

#: Characters kept from a file name in a cache entry's name (readability only: the hash of the
#: key is what makes names unique).
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")

#: Hex digits of the key's SHA-256 in an entry name: 96 bits, so two different keys collide with
#: probability ~2**-96 per pair, while names stay short enough to read.
_DIGEST_CHARS = 24


def cache_dir(override: Optional[PathLike] = None) -> Path:
    """The cache directory: ``override`` when given, else ``$FASTW2V_CACHE``, else
    ``$XDG_CACHE_HOME/fastw2v``, else ``~/.cache/fastw2v`` (``~`` expanded, not created)."""
    if override is not None:
        return Path(override).expanduser()
    env = os.environ.get("FASTW2V_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "fastw2v"


def cache_entry_name(source: Path, key: Mapping[str, Any], name_chars: int = 40) -> str:
    """``<readable part of source's name>-<hash of key>``: the stem of a cache entry.

    ``key`` holds everything the entry depends on (the source's identity, the settings, the
    format version); it must be JSON-serialisable. Equal keys give equal names.
    """
    digest = hashlib.sha256(json.dumps(dict(key), sort_keys=True).encode()).hexdigest()
    return f"{_SAFE_NAME.sub('_', Path(source).name)[:name_chars]}-{digest[:_DIGEST_CHARS]}"


def data_dir() -> Optional[Path]:
    """The shared (never committed) data directory, or None when there is none.

    ``$FASTW2V_DATA`` when set (it must then be a directory), else ``../shared/data`` next to the
    current directory or next to the source checkout this package was imported from.
    """
    env = os.environ.get("FASTW2V_DATA")
    if env:
        p = Path(env).expanduser()
        return p if p.is_dir() else None
    checkout = Path(__file__).resolve().parents[3]  # src/fastw2v/base/paths.py -> the checkout
    for root in (Path.cwd(), checkout):
        p = root.parent / "shared" / "data"
        if p.is_dir():
            return p
    return None


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1: the default number of
    training threads and of dump-conversion processes."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS / Windows
        return max(1, os.cpu_count() or 1)
