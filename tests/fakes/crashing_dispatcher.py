"""A dispatcher process that kills itself with SIGKILL at a defined point of a delivery.

    python -m tests.fakes.crashing_dispatcher CONFIG before_send|after_send

It builds the real app from CONFIG (secrets from the environment) and delivers what is due,
through the dispatcher's ``checkpoints`` seam: at the named point the process dies on the spot
— no cleanup, no recording, the claimed rows left ``sending`` under their lease — exactly like
an OOM kill or a power cut. Exit status 0 means the point was never reached.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from monitor.alerts.base import Delivery
from monitor.app import build_app
from monitor.config.loader import load_config


class KillAt:
    def __init__(self, point: str) -> None:
        self.point = point

    def reached(self, point: str, delivery: Delivery) -> None:
        if point == self.point:
            os.kill(os.getpid(), signal.SIGKILL)


async def main(config_path: str, point: str) -> int:
    loaded = load_config(config_path, os.environ)
    app = build_app(loaded, env=os.environ, checkpoints=KillAt(point), worker_id="doomed")
    try:
        await app.dispatcher.deliver_due(flush=True)
    finally:
        await app.aclose()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2])))
