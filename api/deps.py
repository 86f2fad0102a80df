"""Shared dependencies: settings, the serving model, the retrain jobs, the API key check."""

from __future__ import annotations

import secrets

from fastapi import Depends, Header, HTTPException, Request, status

from api.serving import ModelHolder, RetrainJobs
from api.settings import Settings
from nlp.inference import CauseModel
from nlp.store import Store


def get_settings_dep(request: Request) -> Settings:
    """The settings the app was built with."""
    return request.app.state.settings


async def get_holder(request: Request) -> ModelHolder:
    return request.app.state.models


async def get_model(holder: ModelHolder = Depends(get_holder)) -> CauseModel:
    """The model serving now; 503 while none is loaded (async: no thread hop on the hot path)."""
    if not holder.ready:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "model not loaded yet / 模型尚未加载")
    return holder.model


def get_jobs(request: Request) -> RetrainJobs:
    return request.app.state.jobs


def require_api_key(
    settings: Settings = Depends(get_settings_dep),
    x_api_key: str | None = Header(default=None, description="required on write routes when PIANCHA_API_KEY is set"),
) -> None:
    """Write routes need the configured key in X-API-Key (no key configured: loopback-only server)."""
    if settings.api_key is None:
        return
    given = (x_api_key or "").encode("utf-8", "surrogateescape")
    if x_api_key is None or not secrets.compare_digest(given, settings.api_key.encode("utf-8")):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing or wrong X-API-Key header / 缺少或错误的 API 密钥",
            headers={"WWW-Authenticate": "X-API-Key"},
        )


def get_store(request: Request) -> Store:
    """The open database."""
    return request.app.state.store
