"""REST API under /api/v1, one module per resource. Every route is in ROUTES
(method, path, summary, request and response models), which also generates
/api/v1/openapi.json; tests check that the app serves exactly these routes and
that the document describes each with its schemas."""

from __future__ import annotations

from aiohttp import web

from signaling.api import (
    accounts,
    alarms,
    audit,
    calls,
    camera_attachments,
    cameras,
    cases,
    invitations,
    organisations,
    recordings,
    rooms,
    session_record,
    statistics,
    walls,
)
from signaling.api.openapi import document
from signaling.api.routing import API, Route, wrap

ROUTES: tuple[Route, ...] = (  # type: ignore[type-arg]
    *accounts.ROUTES,
    *invitations.ROUTES[:1],  # join-code: public, next to login
    *organisations.ROUTES[:2],
    *cases.ROUTES,
    *rooms.ROUTES,
    *invitations.ROUTES[1:],
    *audit.ROUTES,
    *recordings.ROUTES,
    *organisations.ROUTES[2:],
    *cameras.ROUTES,
    *camera_attachments.ROUTES,
    *session_record.ROUTES,
    *walls.ROUTES,
    *alarms.ROUTES,
    *calls.ROUTES,
    *statistics.ROUTES,
)
OPENAPI = f"{API}/openapi.json"


def setup(app: web.Application) -> None:
    accounts.setup(app)
    statistics.setup(app)
    for route in ROUTES:
        app.router.add_route(route.method, route.path, wrap(route))
    spec = document(ROUTES)

    async def openapi(request: web.Request) -> web.Response:
        return web.json_response(spec)

    app.router.add_get(OPENAPI, openapi)


__all__ = ["OPENAPI", "ROUTES", "setup"]
