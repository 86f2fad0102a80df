"""Model versions, rollback and retraining: /v1/models, /v1/retrain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, HTTPException, Query, UploadFile, status

from api.deps import get_holder, get_jobs, get_settings_dep, require_api_key, upload_name
from api.schemas import ModelInfo, RetrainStatus
from api.serving import ModelHolder, QueueFullError, RetrainJob, RetrainJobs
from api.settings import Settings
from nlp.classify.registry import list_versions, read_metadata
from nlp.errors import ModelError
from nlp.forms.excel_reader import check_workbook

router = APIRouter(tags=["models"])
LABEL_FILE_TYPES = {".ipynb", ".csv", ".jsonl", ".xlsx"}


def _status(job: RetrainJob) -> RetrainStatus:
    return RetrainStatus(
        job=job.job,
        status=job.status,
        version=job.version,
        promoted=job.promoted,
        reason=job.reason,
        metrics=job.metrics,
        error=job.error,
    )


@router.get("/v1/models", response_model=list[ModelInfo], summary="Saved model versions, newest first")
def models(holder: ModelHolder = Depends(get_holder)) -> list[ModelInfo]:
    serving = holder.model.version if holder.ready else None
    return [
        ModelInfo.from_metadata(m, current=m["current"], serving=m["version"] == serving)
        for m in list_versions(holder.root)
    ]


@router.get("/v1/models/{version}", summary="One version's metadata: metrics, confusion matrix, data")
def model_detail(version: str, holder: ModelHolder = Depends(get_holder)) -> dict[str, Any]:
    """The version's metadata.json (headline, metrics.transfer.all/real: per_code, confusion, labels, coverage …)."""
    try:
        return read_metadata(version, holder.root)
    except ModelError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None


@router.post(
    "/v1/models/{version}/activate",
    response_model=ModelInfo,
    dependencies=[Depends(require_api_key)],
    summary="Serve another saved version (rollback)",
)
def activate(version: str, holder: ModelHolder = Depends(get_holder)) -> ModelInfo:
    try:
        model = holder.activate(version)
    except ModelError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return ModelInfo.from_metadata(model.metadata | {"version": version}, current=True, serving=True)


@router.post(
    "/v1/retrain",
    response_model=RetrainStatus,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Depends(require_api_key)],
    summary="Retrain on the corpus plus uploaded labels",
    responses={429: {"description": "Too many retraining jobs waiting / 重新训练排队已满"}},
)
async def retrain(
    files: list[UploadFile] = File(default=[], description="labelled .ipynb / .csv / .jsonl / .xlsx (never executed)"),
    force: bool = Query(False, description="promote even if the held-out-department figures drop"),
    jobs: RetrainJobs = Depends(get_jobs),
    settings: Settings = Depends(get_settings_dep),
) -> RetrainStatus:
    if jobs.pending() >= 1 + jobs.max_queued:  # refused before the uploads are read
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, jobs.busy_message(), headers={"Retry-After": "60"})
    uploads = []
    for f in files:
        name = upload_name(f.filename, field="files")
        suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if suffix not in LABEL_FILE_TYPES:
            raise HTTPException(
                status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                f"{name}: unsupported type {suffix or '(none)'}; use {sorted(LABEL_FILE_TYPES)}",
            )
        content = await f.read(settings.max_upload_bytes + 1)
        if len(content) > settings.max_upload_bytes:
            raise HTTPException(
                413,
                f"{name}: larger than {settings.max_upload_bytes} bytes / 文件过大",
            )
        if suffix == ".xlsx":  # read later by the training thread: a zip bomb is refused now (413)
            check_workbook(Path(name), content)
        uploads.append((name, content))
    try:
        return _status(jobs.submit(uploads, force=force))
    except QueueFullError as exc:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, str(exc), headers={"Retry-After": "60"}) from None


@router.get("/v1/retrain/{job}", response_model=RetrainStatus, summary="A retraining job's status and outcome")
def retrain_status(job: str, jobs: RetrainJobs = Depends(get_jobs)) -> RetrainStatus:
    if job not in jobs.jobs:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no retrain job {job!r} / 任务不存在")
    return _status(jobs.jobs[job])
