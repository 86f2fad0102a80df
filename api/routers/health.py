"""GET /healthz (alive) and /readyz (model and database ready)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from nlp.store import Store

router = APIRouter(tags=["health"])


def database_ready(store: Store) -> bool:
    """The database answers a trivial query."""
    try:
        with store.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # any failure means not ready
        return False


@router.get("/healthz", summary="The process is alive")
def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz", summary="The model and the database are ready")
def readyz(request: Request) -> JSONResponse:
    holder = request.app.state.models
    checks = {"model": holder.ready, "database": database_ready(request.app.state.store)}
    body = {"ready": all(checks.values()), **checks, "model_version": holder.model.version if holder.ready else None}
    return JSONResponse(body, status_code=200 if body["ready"] else 503)
