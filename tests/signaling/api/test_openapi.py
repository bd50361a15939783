"""The OpenAPI document is generated from the route table and its models: it
describes exactly the routes the app serves, with a request schema for every
body, a response schema for every route, and schemas that resolve."""

from __future__ import annotations

import typing
from typing import Any

from aiohttp.test_utils import TestClient

from hub.app import build_app
from hub.config import Config
from signaling.api import OPENAPI, ROUTES
from signaling.api.routing import API

# /api/v1 routes served outside the table (signaling.pages: the join page's data,
# by link or by short link)
OUTSIDE = {("GET", f"{API}/join/{{token}}"), ("GET", f"{API}/j/{{code}}"), ("GET", OPENAPI)}


def resolve(document: dict[str, Any], ref: str) -> dict[str, Any]:
    name = ref.rsplit("/", 1)[-1]
    schema: dict[str, Any] = document["components"]["schemas"][name]
    return schema


def refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["$ref"]] if "$ref" in value else []
        return found + [r for v in value.values() for r in refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in refs(v)]
    return []


async def test_the_document_describes_every_served_route(
    aiohttp_client: Any, hub_config: Config
) -> None:
    client: TestClient = await aiohttp_client(build_app(hub_config))
    response = await client.get(OPENAPI)
    assert response.status == 200
    document = await response.json()
    assert document["openapi"].startswith("3.1")

    served = {
        (r.method, r.resource.canonical)
        for r in client.app.router.routes()
        if r.resource is not None
        and r.resource.canonical.startswith(API)
        and r.method not in ("HEAD", "OPTIONS")
    }
    described = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    assert described == served - OUTSIDE
    assert len(ROUTES) == len(described)

    for route in ROUTES:
        operation = document["paths"][route.path][route.method.lower()]
        answer = operation["responses"][str(route.status)]["content"]
        if route.response is None:  # a file or an image
            assert list(answer) == [route.media_type] and route.media_type != "application/json"
        else:
            schema = answer["application/json"]["schema"]
            assert resolve(document, schema["$ref"]), route.path
        assert operation["responses"]["400"]["content"]["application/json"]["schema"]
        if route.has_body:
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            assert resolve(document, body["$ref"])["type"] == "object", route.path
        else:
            assert "requestBody" not in operation, route.path
        assert ("security" in operation) is not route.public
    for ref in refs(document):  # every schema the document points to is in it
        assert resolve(document, ref)


def test_each_handler_answers_the_model_its_route_declares() -> None:
    for route in ROUTES:
        hints = typing.get_type_hints(route.handler)
        if route.response is None:
            assert "StreamResponse" in str(hints["return"]) or "Response" in str(hints["return"])
        else:
            assert hints["return"] is route.response, route.path
        ctx = hints["ctx"]
        body, query = typing.get_args(ctx)
        assert (body, query) == (route.body, route.query), route.path


def test_wire_names_stay_camel_case() -> None:
    from signaling.api.cases import CaseBody, CaseDetail
    from signaling.api.invitations import InvitationBody

    assert set(CaseBody.model_json_schema(by_alias=True)["properties"]) == {
        "organisationId",
        "type",
        "title",
        "severity",
        "parties",
    }
    assert {"allowedTransitions", "createdAt", "mediatorId"} <= set(
        CaseDetail.model_json_schema(by_alias=True, mode="serialization")["properties"]
    )
    assert set(InvitationBody.model_json_schema(by_alias=True)["properties"]) == {
        "name",
        "role",
        "ttlS",
        "maxUses",
    }
