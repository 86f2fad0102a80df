"""GET /healthz (alive) and /readyz (model and database ready)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from nlp.store import Store

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    """Whether the service can answer: a model is loaded and the database answers."""

    ready: bool
    model: bool
    database: bool
    model_version: str | None


def database_ready(store: Store) -> bool:
    """The database answers a trivial query."""
    try:
        with store.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # any failure means not ready
        return False


@router.get("/healthz", response_model=Health, summary="The process is alive")
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready yet: no model loaded, or no database"}},
    summary="The model and the database are ready",
)
def readyz(request: Request) -> JSONResponse:
    holder = request.app.state.models
    checks = {"model": holder.ready, "database": database_ready(request.app.state.store)}
    body = {"ready": all(checks.values()), **checks, "model_version": holder.model.version if holder.ready else None}
    return JSONResponse(body, status_code=200 if body["ready"] else 503)
