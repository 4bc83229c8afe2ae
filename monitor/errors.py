"""The exception tree of the monitor, in one place.

    MonitorError
    ├── ConfigError          bad configuration; carries located issues; CLI exit code 2
    ├── ContractError        a contract (OpenAPI) document cannot be used; located like a config
    ├── SecretError          a secret the config names cannot be read (unset env, missing file)
    │   └── InvalidSecretError   it was read but is not one line of visible ASCII
    ├── StorageError         the database failed; ``retryable`` says whether trying again can help
    │   └── ClaimLost        another replica took a run over after our lease expired
    ├── DeliveryError        an alert sink failed; ``permanent`` says retrying cannot help
    ├── UsageError           a CLI request that cannot be served (unknown probe, bad time); exit 2
    ├── BadRequest           an API query the read API cannot serve; answered 400, never 500
    └── ImportProblem        a baseline export this version cannot read (also a ``ValueError``)

``ContractError``, ``BadRequest`` and ``ImportProblem`` are also importable from where they are
raised (``monitor.contract``, ``monitor.api.params``, ``monitor.storage.sql.baselines``).

Probe failures are never exceptions: a misbehaving target becomes a classified finding on a
``fail`` run (see ``monitor.core.observation``).
"""

from __future__ import annotations

from dataclasses import dataclass


class MonitorError(Exception):
    """Base class of every error the monitor raises on purpose."""


@dataclass(frozen=True)
class ConfigIssue:
    """One located problem in a configuration file: ``file:line: key.path: message``."""

    file: str
    line: int | None
    key_path: str
    message: str
    warning: bool = False
    advisory: bool = False  # a warning at run time too (an unset secret is an error there)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        key = f" {self.key_path}:" if self.key_path else ""
        prefix = "warning: " if self.warning or self.advisory else ""
        return f"{where}:{key} {prefix}{self.message}"


class ConfigError(MonitorError):
    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))


class ContractError(MonitorError):
    """The contract document cannot be used; ``str()`` is the located message."""

    def __init__(self, source: str, line: int | None, key_path: str, message: str) -> None:
        self.source, self.line, self.key_path, self.message = source, line, key_path, message
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {key_path + ': ' if key_path else ''}{message}")


class SecretError(MonitorError):
    """A secret could not be read. The message names where it was looked for, never its value.
    ``kind`` is the finding a run that needed it records."""

    kind = "secret-unavailable"


class InvalidSecretError(SecretError):
    """A secret was read but cannot travel in a header (a second line, a control character)."""

    kind = "secret-invalid"


class StorageError(MonitorError):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class ClaimLost(StorageError):
    """Our claim on a run was taken over (our lease expired first): our result is discarded so
    the slot is completed once, by the replica that owns it now."""

    def __init__(self, run_id: str, worker: str) -> None:
        super().__init__(
            f"run {run_id} is no longer claimed by {worker}: another replica took it over",
            retryable=False,
        )
        self.run_id = run_id


class DeliveryError(MonitorError):
    """An alert sink could not deliver. ``permanent`` errors stop retrying and are surfaced."""

    def __init__(self, message: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class UsageError(MonitorError):
    """A command-line request that cannot be served (unknown probe, unparsable time)."""


class BadRequest(MonitorError):
    """A query parameter of the read API that cannot be served; the API answers 400 with it."""


class ImportProblem(MonitorError, ValueError):
    """The document is not a baseline export this version can read. Still a ``ValueError``, as
    it was before it joined the tree, so callers that caught that keep working."""
