"""The store's roles stay the one interface: every public method of the SQL store belongs to a
role of ``monitor.storage.base``, and nothing outside ``monitor/storage`` names the SQL class."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from monitor.storage import base
from monitor.storage.sql.store import SqlStore

PACKAGE = Path(base.__file__).resolve().parents[1]


def _role_members() -> dict[str, set[str]]:
    roles: dict[str, set[str]] = {}
    for name, obj in vars(base).items():
        if inspect.isclass(obj) and obj.__module__ == base.__name__ and name != "Store":
            members = {m for m in vars(obj) if not m.startswith("_")}
            if members:
                roles[name] = members
    return roles


def test_every_public_method_of_the_sql_store_belongs_to_a_role() -> None:
    public = {name for name in dir(SqlStore) if not name.startswith("_")}
    in_roles = set().union(*_role_members().values())

    assert public - in_roles == set(), "give each new store method a role in storage/base.py"
    assert in_roles - public == set(), "a role names a method the SQL store does not have"


def test_store_is_every_role_at_once() -> None:
    for role in _role_members():
        assert getattr(base, role) in base.Store.__mro__, role


def test_only_the_storage_package_names_the_sql_class() -> None:
    naming = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if re.search(r"\bSqlStore\b", path.read_text(encoding="utf-8"))
        and "storage" not in path.relative_to(PACKAGE).parts[:1]
    ]

    assert naming == [], "consumers name a role of storage/base.py, not SqlStore"
