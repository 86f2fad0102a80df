"""The FastAPI application: builds the app and its lifespan (model and jieba loaded once, never at import)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException
from swagger_ui_bundle import swagger_ui_path

from api.deps import require_read_key
from api.openapi import declare_errors
from api.routers import categories, classify, dashboard, documents, findings, health, labels, models, reports, stats
from api.serving import ModelHolder, RetrainJobs
from api.settings import Settings, get_settings
from nlp.errors import FormTooLargeError, ModelError, PianchaError
from nlp.segment import initialize
from nlp.store import NotFoundError, StoreError, export_labels, open_store

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


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the lifespan opens the database and loads jieba and the current model once."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
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

    app = FastAPI(
        title="piancha", version="0.1.0", description=DESCRIPTION, lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.mount("/docs-assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        """Swagger UI served from the installed swagger-ui-bundle package: works offline."""
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="piancha API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )

    declare_errors(app)
    app.state.settings = settings
    app.state.models = ModelHolder(settings.model_dir, threshold=settings.abstain_threshold)
    app.state.jobs = RetrainJobs(
        app.state.models, corrections=lambda: export_labels(app.state.store), max_queued=settings.retrain_queue
    )

    def database_ready() -> bool:
        try:
            with app.state.store.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:  # any failure means not ready
            return False

    app.state.database_ready = database_ready

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        malformed = _malformed_json(errors)
        if malformed is not None:
            return SafeJSONResponse({"detail": malformed}, status_code=400)
        return SafeJSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = getattr(exc, "headers", None)
        if exc.status_code in {204, 304}:
            return Response(status_code=exc.status_code, headers=headers)
        return SafeJSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        return SafeJSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(StoreError)
    async def store_failed(request: Request, exc: StoreError) -> JSONResponse:
        return SafeJSONResponse({"detail": str(exc)}, status_code=503)

    @app.exception_handler(FormTooLargeError)
    async def too_large(request: Request, exc: FormTooLargeError) -> JSONResponse:
        return SafeJSONResponse({"detail": str(exc)}, status_code=413)

    @app.exception_handler(PianchaError)
    async def bad_input(request: Request, exc: PianchaError) -> JSONResponse:
        return SafeJSONResponse({"detail": str(exc)}, status_code=422)

    for router in (health.router, classify.router, categories.router, dashboard.router):
        app.include_router(router)
    data = (documents.router, stats.router, findings.router, reports.router, labels.router, models.router)
    for router in data:  # the data: a read key may guard it
        app.include_router(router, dependencies=[Depends(require_read_key)])
    return app
