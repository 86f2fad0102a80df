"""Shared dependencies: settings, the serving model, the retrain jobs, the database, the API key checks.

Routes take them through the Annotated aliases at the end (`model: ModelDep`, `store: StoreDep`, …)."""

from __future__ import annotations

import secrets
from pathlib import PurePath
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError

from api.serving import ModelHolder, RetrainJobs
from nlp.classify.inference import CauseModel
from nlp.config import Settings
from nlp.store import Store

MAX_NAME_BYTES = 255
"""The longest file name most file systems store (NAME_MAX)."""


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


def _check_key(given: str | None, keys: list[str], message: str) -> None:
    """401 unless `given` is one of `keys` (compared in constant time)."""
    sent = (given or "").encode("utf-8", "surrogateescape")
    if given is None or not any(secrets.compare_digest(sent, k.encode("utf-8")) for k in keys):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "X-API-Key"})


def require_api_key(
    settings: Settings = Depends(get_settings_dep),
    x_api_key: str | None = Header(default=None, description="required on write routes when PIANCHA_API_KEY is set"),
) -> None:
    """Write routes need the configured key in X-API-Key (no key configured: loopback-only server)."""
    if settings.api_key:  # None, or an empty key that slipped past Settings' validation: no key
        _check_key(x_api_key, [settings.api_key], "missing or wrong X-API-Key header / 缺少或错误的 API 密钥")


def require_read_key(
    settings: Settings = Depends(get_settings_dep),
    x_api_key: str | None = Header(default=None, description="needed on data routes when PIANCHA_READ_API_KEY is set"),
) -> None:
    """Data routes (documents, statistics, corrections, models) need the read key, or the write key, in X-API-Key
    when PIANCHA_READ_API_KEY is set; without it they are open."""
    if settings.read_api_key:
        _check_key(
            x_api_key,
            [k for k in (settings.read_api_key, settings.api_key) if k],
            "missing or wrong X-API-Key header (a read key is configured) / 缺少或错误的读取密钥",
        )


def get_store(request: Request) -> Store:
    """The open database."""
    return request.app.state.store


def upload_name(filename: str | None, *, field: str = "file") -> str:
    """The base name of an uploaded file; a name with NUL or over 255 bytes is a 422 naming the field."""
    name = PurePath((filename or "upload").replace("\\", "/")).name or "upload"
    problem = None
    if "\x00" in name:
        problem = "the file name contains a NUL character / 文件名含有空字符"
    elif len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        size = len(name.encode("utf-8", "surrogatepass"))
        problem = f"the file name is {size} bytes long, more than {MAX_NAME_BYTES} / 文件名过长"
    if problem is None:
        return name
    raise RequestValidationError(
        [{"type": "value_error", "loc": ("body", field), "msg": f"{field}: {problem}", "input": name[:100]}]
    )


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
HolderDep = Annotated[ModelHolder, Depends(get_holder)]
ModelDep = Annotated[CauseModel, Depends(get_model)]
JobsDep = Annotated[RetrainJobs, Depends(get_jobs)]
StoreDep = Annotated[Store, Depends(get_store)]
