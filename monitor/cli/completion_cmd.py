"""``monitor completion bash|zsh``: a static shell completion script on stdout.

Generated from the same parser ``--help`` shows (shtab), so it never drifts from the commands;
shtab is imported here only, so completion costs nothing at start-up. fish is not offered
(shtab cannot write it), nor tcsh (shtab's tcsh script does not know the subcommands'
flags).
"""

from __future__ import annotations

import argparse

from monitor.cli.common import Context

SHELLS = ("bash", "zsh")


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "completion",
        help="print a shell completion script",
        description="Print a completion script for SHELL on stdout: source it, or save it where "
        "your shell loads completions from.",
    )
    parser.add_argument("shell", choices=SHELLS, metavar="SHELL", help="bash or zsh")
    parser.set_defaults(handler=handle)


def handle(ctx: Context) -> int:
    import shtab  # only here: no cost for the other commands

    # the whole CLI's parser (``build_parser`` puts it in the defaults: importing
    # ``monitor.cli`` from here would be an import cycle)
    ctx.stdout.write(shtab.complete(ctx.args.root_parser, shell=ctx.args.shell))
    ctx.stdout.write("\n")
    return 0
