"""POST /v1/documents (upload a form file), GET /v1/documents, GET /v1/documents/{id}."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, HTTPException, Query, UploadFile, status
from fastapi import Path as PathParam

from api.deps import (
    ModelDep,
    SettingsDep,
    StoreDep,
    require_api_key,
    upload_name,
)
from api.schemas import MAX_ID
from nlp.store import get_document, ingest_file, list_documents

router = APIRouter(prefix="/documents", tags=["documents"])
FORM_FILE_TYPES = {".txt", ".pdf", ".xlsx", ".xls", ".docx"}


@router.post(
    "", dependencies=[Depends(require_api_key)], summary="Upload a 自评表 (.txt / .pdf / .xlsx / .xls / .docx)"
)
def upload(
    model: ModelDep,
    store: StoreDep,
    settings: SettingsDep,
    file: UploadFile = File(
        ..., description="the form file: PDF-extracted text, PDF, Excel (.xlsx, .xls) or Word (.docx)"
    ),
) -> dict[str, Any]:
    """Parse, classify and store the file; the same file again returns the stored document (`duplicate`)."""
    name = upload_name(file.filename)
    suffix = Path(name).suffix.lower()
    if suffix not in FORM_FILE_TYPES:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"{name}: unsupported type {suffix or '(none)'}; use .txt, .pdf, .xlsx, .xls or .docx / 不支持的文件类型",
        )
    data = file.file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise HTTPException(
            413,
            f"{name}: larger than the limit of {settings.max_upload_bytes} bytes / 文件超过大小上限",
        )
    result = ingest_file(
        store,
        data,
        model,
        file_name=name,
        time_limit=settings.parse_time_limit,
        memory_mb=settings.parse_memory_mb,
    )
    detail = asdict(get_document(store, result.document_id))
    detail["duplicate"] = not result.created
    detail["warnings"] = result.warnings if result.created else [*result.warnings, *detail["warnings"]]
    return detail


@router.get("", summary="Stored documents, newest first")
def documents(
    store: StoreDep,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_ID),
) -> list[dict[str, Any]]:
    return [asdict(d) for d in list_documents(store, limit=limit, offset=offset)]


@router.get("/{document_id}", summary="One stored document with its forms and classified deviations")
def document(store: StoreDep, document_id: int = PathParam(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    return asdict(get_document(store, document_id))
