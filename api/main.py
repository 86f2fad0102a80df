"""The FastAPI application: builds the app and its lifespan (model and jieba loaded once, never at import)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from swagger_ui_bundle import swagger_ui_path

from api.deps import require_read_key
from api.openapi import declare_errors
from api.routers import categories, classify, dashboard, documents, findings, health, labels, models, reports, stats
from api.serving import ModelHolder, RetrainJobs
from nlp.config import Settings, get_settings
from nlp.errors import FormTooLargeError, ModelError, PianchaError
from nlp.store import NotFoundError, StoreError, export_labels, open_store
from nlp.text.words import initialize

log = logging.getLogger(__name__)

DESCRIPTION = """
piancha (偏差) reads the 偏差原因分析及改进措施 texts of 项目支出绩效自评表 and says why targets were missed:
one of 14 cause codes (see `/v1/categories`), with confidence, ranking and the words that decided.
Upload whole forms to `/v1/documents`, read cause-frequency statistics at `/v1/stats/causes`,
correct codes at `/v1/labels` and retrain at `/v1/retrain`.
Write routes need the `X-API-Key` header when the server has a key configured.
"""


class SafeJSONResponse(JSONResponse):
    """JSON as UTF-8; content that UTF-8 cannot carry (a lone surrogate echoed back) falls back to \\u escapes.

    Used by the error handlers, which echo input; routes keep FastAPI's default (pydantic's fast serialiser)."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def _malformed_json(errors: Sequence[Any]) -> str | None:
    """The 400 message when the body is not JSON at all (pydantic's `json_invalid`), else None."""
    for error in errors:
        if error.get("type") == "json_invalid":
            position = error.get("loc", ())[-1]
            reason = (error.get("ctx") or {}).get("error", "JSON decode error")
            return f"body: malformed JSON at character {position}: {reason} / 请求体不是有效的JSON"
    return None


ERROR_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (NotFoundError, 404),
    (StoreError, 503),
    (FormTooLargeError, 413),
    (PianchaError, 422),
)
"""The HTTP status of each library error (the most specific class that matches decides); the body names what."""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the database, load jieba and the current model once; follow models/current; close all at the end."""
    settings: Settings = app.state.settings
    app.state.store = open_store(settings.database_url)
    initialize()
    try:
        app.state.models.load()
    except ModelError as exc:
        log.error("no model to serve: %s", exc)
    watching = app.state.models.watch(settings.model_watch_seconds) if settings.model_watch_seconds else None
    yield
    if watching is not None:
        watching.set()
    app.state.jobs.shutdown()
    app.state.store.close()


def _serve_docs(app: FastAPI) -> None:
    """Swagger UI at /docs, served from the installed swagger-ui-bundle package: works offline."""
    app.mount("/docs-assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="piancha API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )


async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """400 for a body that is not JSON at all, 422 with FastAPI's list of field errors otherwise."""
    errors = exc.errors()
    malformed = _malformed_json(errors)
    if malformed is not None:
        return SafeJSONResponse({"detail": malformed}, status_code=400)
    return SafeJSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """An HTTPException as `{"detail": …}` (no body for 204/304), its headers kept."""
    headers = getattr(exc, "headers", None)
    if exc.status_code in {204, 304}:
        return Response(status_code=exc.status_code, headers=headers)
    return SafeJSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)


def _library_error(status_code: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    """A handler answering a library error with `status_code` and the error's message as the detail."""

    async def handler(request: Request, exc: Exception) -> JSONResponse:
        return SafeJSONResponse({"detail": str(exc)}, status_code=status_code)

    return handler


def _handle_errors(app: FastAPI) -> None:
    """Every error answers `{"detail": …}` with its status: never a 500 for bad input."""
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for error, status_code in ERROR_STATUS:
        app.add_exception_handler(error, _library_error(status_code))


def _include_routers(app: FastAPI) -> None:
    """Health checks and the dashboard at the root; the API under one /v1 router, its data behind the read key."""
    v1 = APIRouter(prefix="/v1")
    for router in (classify.router, categories.router):
        v1.include_router(router)
    for router in (documents.router, stats.router, findings.router, reports.router, labels.router, models.router):
        v1.include_router(router, dependencies=[Depends(require_read_key)])
    for router in (health.router, dashboard.router, v1):
        app.include_router(router)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app: settings, the model holder and retraining jobs in app.state, docs, error handlers, routers.

    The lifespan opens the database and loads jieba and the current model once, never at import."""
    settings = settings or get_settings()
    app = FastAPI(
        title="piancha", version="0.1.0", description=DESCRIPTION, lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.settings = settings
    app.state.models = ModelHolder(settings.model_dir, threshold=settings.abstain_threshold)
    app.state.jobs = RetrainJobs(
        app.state.models, corrections=lambda: export_labels(app.state.store), max_queued=settings.retrain_queue
    )
    _serve_docs(app)
    declare_errors(app)
    _handle_errors(app)
    _include_routers(app)
    return app
