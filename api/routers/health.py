"""GET /healthz (alive) and /readyz (model and database ready)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive")
def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz", summary="The model and the database are ready")
def readyz(request: Request) -> JSONResponse:
    holder = request.app.state.models
    checks = {"model": holder.ready, "database": request.app.state.database_ready()}
    body = {"ready": all(checks.values()), **checks, "model_version": holder.model.version if holder.ready else None}
    return JSONResponse(body, status_code=200 if body["ready"] else 503)
