"""``monitor db upgrade|current``: schema migrations."""

from __future__ import annotations

import argparse

from monitor.app import database_location
from monitor.cli.common import Context
from monitor.clock import SystemClock
from monitor.ids import new_id
from monitor.storage import create_store
from monitor.storage.base import Admin


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser("db", parents=[common], help="database schema migrations")
    actions = parser.add_subparsers(dest="db_action", metavar="ACTION")
    actions.required = True
    up = actions.add_parser(
        "upgrade", parents=[common], help="migrate the schema to the latest revision"
    )
    up.set_defaults(handler=handle_upgrade)
    cur = actions.add_parser("current", parents=[common], help="show the schema revision")
    cur.set_defaults(handler=handle_current)


def _store(ctx: Context) -> Admin:
    loaded = ctx.load()
    clock = SystemClock()
    return create_store(database_location(loaded, ctx.env).url, lambda: new_id(clock.now()))


def handle_upgrade(ctx: Context) -> int:
    store = _store(ctx)
    try:
        before = store.current_revision()
        store.upgrade()
        after = store.current_revision()
    finally:
        store.close()
    ctx.stdout.write(f"schema: {before or 'empty'} -> {after} (head {after})\n")
    return 0


def handle_current(ctx: Context) -> int:
    store = _store(ctx)
    try:
        current = store.current_revision()
        head = store.head_revision()
    finally:
        store.close()
    state = "at head" if current == head else f"behind head {head}: run `monitor db upgrade`"
    ctx.stdout.write(f"schema: {current or 'empty'} ({state})\n")
    return 0 if current == head else 1
