"""A dead man's switch service (healthchecks.io, Dead Man's Snitch): it counts the GETs on one
secret ping URL and answers "OK"; anything else is a 404."""

from __future__ import annotations

from tests.fakes.http_fake import FakeServer, Recorded, Reply

CHECK_UUID = "5f0c9b1e-7d2a-4c3b-9e8f-0a1b2c3d4e5f"


class PingChecker(FakeServer):
    @property
    def url(self) -> str:
        return f"{self.base_url}/ping/{CHECK_UUID}"

    def route(self, request: Recorded) -> str:
        return "ping"

    def pings(self) -> int:
        return sum(1 for r in self.requests if r.method == "GET" and r.path.endswith(CHECK_UUID))

    def respond(self, request: Recorded) -> Reply:
        if request.path != f"/ping/{CHECK_UUID}":
            return Reply(404, "not found")
        return Reply(200, "OK")
