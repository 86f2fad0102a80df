"""The FastAPI application: builds the app and its lifespan (model and jieba loaded once, never at import)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.routers import categories, classify, health, models
from api.serving import ModelHolder, RetrainJobs
from api.settings import Settings, get_settings
from nlp.errors import ModelError, PianchaError
from nlp.segment import initialize

log = logging.getLogger(__name__)

DESCRIPTION = """
piancha (偏差) reads the 偏差原因分析及改进措施 texts of 项目支出绩效自评表 and says why targets were missed:
one of 14 cause codes (see `/v1/categories`), with confidence, ranking and the words that decided.
Write routes need the `X-API-Key` header when the server has a key configured.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the lifespan loads jieba and the current model once."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        initialize()
        try:
            app.state.models.load()
        except ModelError as exc:
            log.error("no model to serve: %s", exc)
        yield
        app.state.jobs.shutdown()

    app = FastAPI(title="piancha", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.models = ModelHolder(settings.model_dir, threshold=settings.abstain_threshold)
    app.state.jobs = RetrainJobs(app.state.models)
    app.state.database_ready = lambda: True

    @app.exception_handler(PianchaError)
    async def bad_input(request: Request, exc: PianchaError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    for router in (health.router, classify.router, categories.router, models.router):
        app.include_router(router)
    return app
