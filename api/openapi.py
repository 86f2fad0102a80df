"""The OpenAPI document made true: every error a route can answer is declared, read off the route itself.

FastAPI declares a route's 200 and the 422 of its own validation. The service also answers 400 (malformed JSON),
401 (a write route without the key), 404 (an unknown id), 413/415 (uploads), 429 (a full retraining queue) and
503 (no model, or the database failing), each as `{"detail": …}`; its own 422s carry a string `detail` where
FastAPI's carry a list. `declare_errors` adds them to every operation from what it takes (JSON or an upload, a path
id, the key header).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "title": "Detail",
            "description": "What is wrong and where (English / 中文), or FastAPI's list of field errors",
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "object"}}],
        }
    },
}
MEANING = {
    "400": "Malformed JSON / 请求体不是有效的JSON",
    "401": "Missing or wrong X-API-Key / 缺少或错误的密钥",
    "404": "Unknown id or version / 未找到",
    "413": "Upload too large / 文件过大",
    "415": "Unsupported file type / 不支持的文件类型",
    "422": "Invalid input, naming the field / 输入无效",
    "429": "Too many retraining jobs waiting / 重新训练排队已满",
    "503": "No model loaded, or the database failing / 服务暂不可用",
}
TABLE_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _body_names(body: dict[str, Any], components: dict[str, Any]) -> set[str]:
    """The top-level field names of a JSON request body."""
    schema = body.get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
    return set(schema.get("properties", {}))


def _errors(path: str, operation: dict[str, Any], components: dict[str, Any]) -> set[str]:
    """The error statuses one operation can answer, from what it takes: body, path, key header, resource."""
    body = operation.get("requestBody", {}).get("content", {})
    parameters = operation.get("parameters", [])
    statuses = {status for status in operation["responses"] if status[0] in "45"}  # declared by the route itself
    if parameters or body:
        statuses.add("422")
    if "application/json" in body:
        statuses.add("400")
    if "multipart/form-data" in body:
        statuses |= {"413", "415"}
    if any(p["in"] == "header" and p["name"].lower() == "x-api-key" for p in parameters):
        statuses.add("401")
    if any(p["in"] == "path" for p in parameters) or any(n.endswith("_id") for n in _body_names(body, components)):
        statuses.add("404")  # an unknown id in the path or the body
    if path.startswith("/v1/") and path != "/v1/categories":  # the model or the database may be unavailable
        statuses.add("503")
    return statuses


def declare_errors(app: FastAPI) -> None:
    """Make `app.openapi()` declare every route's errors and table formats (computed once, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA  # before the loop
        reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for path, operations in schema["paths"].items():
            for operation in operations.values():
                for status in sorted(_errors(path, operation, schema["components"]["schemas"])):
                    operation["responses"][status] = {"description": MEANING[status], "content": reference}
                formats = [p for p in operation.get("parameters", []) if p["name"] == "format"]
                if formats:  # ?format=csv|xlsx answers a table file instead of JSON
                    offered = json.dumps(formats[0].get("schema", {}))
                    content = operation["responses"]["200"].setdefault("content", {})
                    for name, media_type in TABLE_TYPES.items():
                        if name in offered:
                            content[media_type] = {"schema": {"type": "string", "format": "binary"}}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
