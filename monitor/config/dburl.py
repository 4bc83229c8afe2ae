"""Which database URLs the monitor opens: one rule for ``storage.url`` and ``MONITOR_DATABASE_URL``.

Only the drivers the project installs are accepted (sqlite3, psycopg 3). ``postgres://`` and
``postgresql://`` — the forms hosting providers and secret stores hand out — are read as
psycopg 3 URLs rather than rejected, since SQLAlchemy would pick psycopg2 for them, which is
not installed. Errors name the scheme only: the rest of a URL may hold a password.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ACCEPTED = "sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DATABASE"
PSYCOPG = "postgresql+psycopg://"
_POSTGRES_ALIASES = ("postgres://", "postgresql://")


def normalize_database_url(url: str) -> str:
    """The URL to open; ValueError saying what is accepted when ``url`` is not one of them."""
    text = url.strip()
    if text.startswith(("sqlite:///", PSYCOPG)) or text == "sqlite://":
        return text
    for alias in _POSTGRES_ALIASES:
        if text.startswith(alias):
            return PSYCOPG + text.removeprefix(alias)
    scheme, sep, _ = text.partition("://")
    shown = f"{scheme}://" if sep else "no scheme"
    raise ValueError(f"unsupported database URL ({shown}): use {ACCEPTED}")


@dataclass(frozen=True)
class DatabaseLocation:
    """The database a command opens, and why that one: errors and ``config check`` name both.

    ``path`` is the SQLite file (absolute) or None (PostgreSQL, in-memory); ``cwd_path`` is
    where earlier releases looked for a relative ``storage.url`` (the working directory),
    kept only when it differs from ``path`` so the move can be pointed out.
    """

    url: str
    origin: str
    path: Path | None = None
    cwd_path: Path | None = None


def locate_database(
    storage_url: str, config_path: str | None, env: Mapping[str, str], cwd: Path
) -> DatabaseLocation:
    """``MONITOR_DATABASE_URL`` over ``storage.url``. A relative SQLite path is read against
    the directory of the file that wrote it: the config file's for ``storage.url`` (as
    ``contract:`` paths are), the working directory for the environment variable (as every
    path in an environment is). ValueError when the URL is not accepted."""
    from_env = env.get("MONITOR_DATABASE_URL")
    if from_env:
        url, origin, base = normalize_database_url(from_env), "MONITOR_DATABASE_URL", cwd
    else:
        url = normalize_database_url(storage_url)
        origin = f"storage.url in {config_path}" if config_path else "storage.url"
        base = Path(config_path).resolve().parent if config_path else cwd
    written = sqlite_file(url)
    if written is None:
        return DatabaseLocation(url, origin)
    path = written if written.is_absolute() else base / written
    legacy = None if written.is_absolute() else cwd / written
    return DatabaseLocation(
        f"sqlite:///{path}", origin, path, legacy if legacy is not None and legacy != path else None
    )


def sqlite_file(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL as written (``~`` expanded), None for anything else."""
    if not url.startswith("sqlite:///"):
        return None
    name = url.removeprefix("sqlite:///").split("?", 1)[0]
    if not name or name == ":memory:":
        return None
    return Path(name).expanduser()
