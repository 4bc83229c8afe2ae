"""The API's OpenAPI 3.1 document, written by hand (Starlette generates none). Schemathesis
fuzzes the API against it, so parameters and responses here are the contract."""

from __future__ import annotations

from typing import Any

from monitor import __version__
from monitor.api.params import EVENT_STATES, MAX_LIMIT, OUTCOMES


def _q(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description, **extra}


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


TIME = {"type": "string", "examples": ["2h", "2026-05-08T14:00:00Z"]}
NULLABLE_STR = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}
LIMIT = _q(
    "limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 50}, "page size"
)
CURSOR = _q("cursor", {"type": "string"}, "next_cursor of the previous page")


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _content(name: str) -> dict[str, Any]:
    return {"application/json": {"schema": _ref(name)}}


def _responses(ok: str, *, not_found: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "200": {"description": "OK", "content": _content(ok)},
        "400": {
            "description": "a bad parameter, or (without a token) a Host that is not local",
            "content": _content("Error"),
        },
        "401": {"description": "missing or wrong bearer token", "content": _content("Error")},
        "503": {"description": "the database is unavailable", "content": _content("Error")},
    }
    if not_found:
        out["404"] = {"description": "no such run", "content": _content("Error")}
    return out


FINDING = {
    "type": "object",
    "required": ["kind", "path", "severity", "source", "category", "verdict", "message"],
    "properties": {
        "kind": {"type": "string"},
        "path": {"type": "string"},
        "severity": {"enum": ["info", "warning", "breaking"]},
        "source": {"type": "string"},
        "category": {"type": "string"},
        "verdict": {"type": "string"},
        "message": {"type": "string"},
        "before": {},
        "after": {},
    },
}
RUN = {
    "type": "object",
    "required": ["run_id", "probe", "target", "trigger", "started_at", "outcome", "findings"],
    "properties": {
        "run_id": {"type": "string"},
        "probe": {"type": "string"},
        "target": {"type": "string"},
        "trigger": {"type": "string"},
        "slot_at": NULLABLE_STR,
        "started_at": {"type": "string", "format": "date-time"},
        "outcome": {"enum": [*OUTCOMES, None]},
        "status_code": NULLABLE_INT,
        "latency_ms": {"type": ["number", "null"]},
        "attempts": {"type": "integer"},
        "request_id": NULLABLE_STR,
        "trace_id": NULLABLE_STR,
        "category": NULLABLE_STR,
        "verdict": NULLABLE_STR,
        "baseline": {"type": "object"},
        "findings": _array(_ref("Finding")),
        "note": NULLABLE_STR,
        "error": NULLABLE_STR,
    },
}
STATEMENT = {
    "type": "object",
    "required": ["text", "count", "run_ids", "needs_account_confirmation"],
    "properties": {
        "text": {"type": "string"},
        "count": NULLABLE_INT,
        "run_ids": _array({"type": "string"}),
        "needs_account_confirmation": {"type": "boolean"},
    },
}


def openapi_document() -> dict[str, Any]:
    run_filters = [
        _q("probe", _array({"type": "string"}), "probe name (repeat for OR)", explode=True),
        _q("target", _array({"type": "string"}), "target name (repeat for OR)", explode=True),
        _q("outcome", _array({"enum": list(OUTCOMES)}), "run outcome", explode=True),
        _q("category", _array({"type": "string"}), "seed category", explode=True),
        _q("verdict", _array({"type": "string"}), "seed verdict", explode=True),
        _q(
            "status_code",
            _array({"type": "integer", "minimum": 100, "maximum": 599}),
            "HTTP status code",
            explode=True,
        ),
        _q("since", TIME, "a duration back from now or an ISO 8601 time"),
        _q("until", TIME, "a duration back from now or an ISO 8601 time"),
        LIMIT,
        CURSOR,
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Contract Monitor query API",
            "version": __version__,
            "description": "Read-only access to runs, events and incident reports. "
            "Pages are newest first; pass next_cursor back as cursor.",
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}},
                },
                "Finding": FINDING,
                "Run": RUN,
                "RunDetail": {
                    "allOf": [
                        _ref("Run"),
                        {
                            "type": "object",
                            "properties": {"evidence": {"type": ["object", "null"]}},
                        },
                    ]
                },
                "RunPage": _page("Run"),
                "Event": {"type": "object", "required": ["id", "probe", "state"]},
                "EventPage": _page("Event"),
                "Report": {
                    "type": "object",
                    "required": ["title", "scope", "window", "sections", "totals"],
                    "properties": {
                        "title": {"type": "string"},
                        "scope": {"type": "string"},
                        "window": {"type": "object"},
                        "target": NULLABLE_STR,
                        "environment": {"type": "string"},
                        "totals": {"type": "object"},
                        "sections": _array(
                            {
                                "type": "object",
                                "required": ["key", "title", "statements"],
                                "properties": {
                                    "key": {"type": "string"},
                                    "title": {"type": "string"},
                                    "statements": _array(STATEMENT),
                                },
                            }
                        ),
                    },
                },
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/runs": {
                "get": {
                    "operationId": "listRuns",
                    "summary": "Runs, newest first, filtered",
                    "parameters": run_filters,
                    "responses": _responses("RunPage"),
                }
            },
            "/api/v1/runs/{run_id}": {
                "get": {
                    "operationId": "getRun",
                    "summary": "One run with its redacted evidence and assumption ledger",
                    "parameters": [
                        {
                            "name": "run_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": _responses("RunDetail", not_found=True),
                }
            },
            "/api/v1/events": {
                "get": {
                    "operationId": "listEvents",
                    "summary": "Events, newest first (by first sighting)",
                    "parameters": [
                        _q("probe", _array({"type": "string"}), "probe name", explode=True),
                        _q("state", _array({"enum": list(EVENT_STATES)}), "state", explode=True),
                        LIMIT,
                        CURSOR,
                    ],
                    "responses": _responses("EventPage"),
                }
            },
            "/api/v1/report": {
                "get": {
                    "operationId": "getReport",
                    "summary": "The incident packet for a window",
                    "parameters": [
                        _q("since", TIME, "window start", required=True),
                        _q("until", TIME, "window end (default: now)"),
                        _q("target", {"type": "string"}, "one target only"),
                        _q("tz", {"type": "string", "default": "UTC"}, "IANA time zone"),
                    ],
                    "responses": _responses("Report"),
                }
            },
        },
    }


def _page(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "next_cursor"],
        "properties": {"items": _array(_ref(item)), "next_cursor": NULLABLE_STR},
    }
