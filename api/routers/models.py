"""Model versions, rollback and retraining: /v1/models, /v1/retrain."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, File, HTTPException, Query, UploadFile, status

from api.deps import (
    HolderDep,
    JobsDep,
    SettingsDep,
    require_api_key,
    upload_name,
)
from api.schemas import ModelInfo, RetrainStatus
from api.serving import QueueFullError
from nlp.classify.card import ModelCard
from nlp.classify.registry import current_version, list_versions, read_card
from nlp.errors import ModelError
from nlp.forms.excel_reader import check_workbook

router = APIRouter(tags=["models"])
LABEL_FILE_TYPES = {".ipynb", ".csv", ".jsonl", ".xlsx"}


@router.get("/models", response_model=list[ModelInfo], summary="Saved model versions, newest first")
def models(holder: HolderDep) -> list[ModelInfo]:
    model = holder.model if holder.ready else None
    infos = []
    for card in list_versions(holder.root):
        serving = model is not None and card.version == model.version
        infos.append(ModelInfo.from_card(card, serving=serving, threshold=model.threshold if serving else None))
    return infos


@router.get(
    "/models/{version}",
    response_model=ModelCard,
    summary="One version's model card: headline, metrics, confusion matrix, data",
)
def model_detail(version: str, holder: HolderDep) -> ModelCard:
    """The version's metadata.json (headline, metrics.transfer.all/real: per_code, confusion, labels, coverage …)."""
    try:
        card = read_card(version, holder.root)
    except ModelError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    card.current = version == current_version(holder.root)
    return card


@router.post(
    "/models/{version}/activate",
    response_model=ModelInfo,
    dependencies=[Depends(require_api_key)],
    summary="Serve another saved version (rollback)",
)
def activate(version: str, holder: HolderDep) -> ModelInfo:
    try:
        model = holder.activate(version)
    except ModelError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    card = ModelCard.model_validate(model.metadata | {"version": version, "current": True})
    return ModelInfo.from_card(card, serving=True, threshold=model.threshold)


@router.post(
    "/retrain",
    response_model=RetrainStatus,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Depends(require_api_key)],
    summary="Retrain on the corpus plus uploaded labels",
    responses={429: {"description": "Too many retraining jobs waiting / 重新训练排队已满"}},
)
async def retrain(
    jobs: JobsDep,
    settings: SettingsDep,
    files: list[UploadFile] = File(default=[], description="labelled .ipynb / .csv / .jsonl / .xlsx (never executed)"),
    force: bool = Query(False, description="promote even if the held-out-department figures drop"),
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
        return RetrainStatus.model_validate(jobs.submit(uploads, force=force))
    except QueueFullError as exc:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, str(exc), headers={"Retry-After": "60"}) from None


@router.get("/retrain/{job}", response_model=RetrainStatus, summary="A retraining job's status and outcome")
def retrain_status(job: str, jobs: JobsDep) -> RetrainStatus:
    if job not in jobs.jobs:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no retrain job {job!r} / 任务不存在")
    return RetrainStatus.model_validate(jobs.jobs[job])
