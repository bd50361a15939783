"""/api/v1/openapi.json, generated from the route table and its models: every
body's schema, every answer's schema (JSON models, or the media type of a file),
path and query parameters, and the error body every refusal shares."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from signaling.api.routing import Route
from signaling.models import ErrorBody

REF = "#/components/schemas/{model}"
ERRORS = {
    "400": "请求无效 / bad request",
    "401": "未登录或令牌无效 / no valid token",
    "403": "无权 / not allowed",
    "404": "不存在 / not found",
    "409": "与当前状态冲突 / conflicts with the current state",
    "429": "尝试过多 / too many tries",
}


def _json(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}}


def _query_parameters(model: type[BaseModel], schema: dict[str, Any]) -> list[dict[str, Any]]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in properties.items()
    ]


def document(routes: tuple[Route, ...]) -> dict[str, Any]:  # type: ignore[type-arg]
    models: set[type[BaseModel]] = {ErrorBody}
    for route in routes:
        models.add(route.query)
        if route.has_body:
            models.add(route.body)
        if route.response is not None:
            models.add(route.response)
    ordered = sorted(models, key=lambda m: m.__name__)
    inbound = {r.body for r in routes} | {r.query for r in routes}
    mode = {m: ("validation" if m in inbound else "serialization") for m in ordered}
    keys, schemas = models_json_schema(
        [(m, mode[m]) for m in ordered],  # type: ignore[misc]
        by_alias=True,
        ref_template=REF,
    )
    components: dict[str, Any] = schemas.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        operation: dict[str, Any] = {
            "summary": route.summary,
            "operationId": f"{route.method.lower()}_{route.handler.__name__.strip('_')}",
            "responses": {
                str(route.status): {
                    "description": "OK",
                    "content": _json(route.response)
                    if route.response is not None
                    else {route.media_type: {"schema": {"type": "string", "format": "binary"}}},
                },
                **{
                    status: {"description": text, "content": _json(ErrorBody)}
                    for status, text in ERRORS.items()
                },
            },
        }
        if not route.public:
            operation["security"] = [{"bearer": []}]
        params = [
            {"name": p.strip("{}"), "in": "path", "required": True, "schema": {"type": "string"}}
            for p in route.path.split("/")
            if p.startswith("{")
        ]
        query_schema = components.get(route.query.__name__, {})
        params += _query_parameters(route.query, query_schema)
        if params:
            operation["parameters"] = params
        if route.has_body:
            operation["requestBody"] = {"required": True, "content": _json(route.body)}
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    del keys
    return {
        "openapi": "3.1.0",
        "info": {"title": "mediation-hub", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


__all__ = ["document"]
