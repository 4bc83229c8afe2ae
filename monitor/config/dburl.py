"""Which database URLs the monitor opens: one rule for ``storage.url`` and ``MONITOR_DATABASE_URL``.

Only the drivers the project installs are accepted (sqlite3, psycopg 3). ``postgres://`` and
``postgresql://`` — the forms hosting providers and secret stores hand out — are read as
psycopg 3 URLs rather than rejected, since SQLAlchemy would pick psycopg2 for them, which is
not installed. Errors name the scheme only: the rest of a URL may hold a password.
"""

from __future__ import annotations

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
