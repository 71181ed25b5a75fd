"""Files that hold pupils' data, the access log, sessions or credentials are readable only by the
service account.

Two layers, because either alone has gaps: the app (`app.py`) and the command line
(`tilannekuva.cli.main`) set the process umask to 077, and every store creates or tightens its own
file explicitly (a library that creates files with its own mode, a file made by an earlier version,
or a process started another way would otherwise keep 0644). SQLite creates its journal and WAL
files with the database file's mode, so 0600 on the database covers them.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import os
from pathlib import Path

import yaml

PRIVATE_UMASK = 0o077
PRIVATE_FILE = 0o600  # state (SQLite stores), warehouse versions, the CURRENT pointer, keys
PRIVATE_DIR = 0o700
READ_ONLY = 0o400  # credentials and the users file: rewritten only by replacing them


def private_umask() -> int:
    """Files this process creates from now on get no group or other permissions; returns the old umask."""
    return os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) if missing, the new directory 0700; an existing one is left as it is
    (it may be a mount point or a folder the operator set up)."""
    path = Path(path)
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        os.chmod(path, PRIVATE_DIR)
    return path


def private_file(path: Path, mode: int = PRIVATE_FILE) -> Path:
    """Create `path` empty with `mode` if it does not exist, else set `mode` on it (not following a
    symlink into somebody else's file). An empty file is a valid new SQLite database."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)
    return path


def tighten(path: Path, mode: int = PRIVATE_FILE) -> None:
    """Set `mode` on an existing file and on its DuckDB/SQLite side files (.wal) if present."""
    for p in (Path(path), Path(f"{path}.wal")):
        if p.exists() and not p.is_symlink():
            os.chmod(p, mode)


def read_yaml(path: Path):
    """The parsed YAML of `path` as it is now (a fresh copy the caller may change). Read on every call, parsed
    only when the bytes differ from the last parse: the role policy, the users file and the credentials are
    read on every script run of every session (a revoked user or a changed role applies at the next run), and
    parsing them each time was 15–19 % of the server's time under 100 sessions (issue 21). Keyed by the
    content's hash, never by a timestamp, so no change is ever missed. libyaml's safe loader when built in.
    Raises what reading (OSError) or parsing (yaml.YAMLError) raises; a file that is not UTF-8 is a
    yaml.YAMLError too, so every caller's "unreadable file" path handles it (it raised UnicodeDecodeError, which
    none caught: every run of every session failed — attack on issue 21)."""
    data = Path(path).read_bytes()
    return copy.deepcopy(_parsed(hashlib.sha256(data).digest(), data))


@functools.lru_cache(maxsize=32)
def _parsed(digest: bytes, data: bytes):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise yaml.YAMLError(f"not UTF-8 at byte {exc.start}") from exc
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
