"""Files that hold evidence are the owner's alone: 0600 files in 0700 directories.

Under the usual umask 022 a SQLite database, a spool directory and its files would be readable
by every local user, and they hold answers, headers and error messages. Modes are set at
creation (``os.open`` with a mode, then ``chmod`` to undo the umask), never widened later;
SQLite gives its ``-wal`` and ``-shm`` files the database file's mode.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """``path`` as a directory; made 0700 when this call creates it (parents as ``mkdir -p``)."""
    if not path.is_dir():
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 unless it exists (a database before first use)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return path
    os.close(fd)
    os.chmod(path, FILE_MODE)
    return path


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (created or truncated) with mode 0600, on disk before this
    returns (so a rename that follows never points at a truncated file)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.fchmod(fd, FILE_MODE)  # an older file of the same name may have a wider mode
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
