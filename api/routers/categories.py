"""GET /v1/categories: the cause taxonomy."""

from __future__ import annotations

from fastapi import APIRouter

from api.schemas import Category
from nlp.taxonomy import load_taxonomy

router = APIRouter(prefix="/categories", tags=["categories"])


@router.get("", response_model=list[Category], summary="The cause codes and their Chinese names")
def categories() -> list[Category]:
    """The 14 trainable codes, then the abstain code `other`."""
    taxonomy = load_taxonomy()
    rows = [
        Category(code=c.code, name_zh=c.name_zh, definition=c.definition, cues=list(c.cues), trainable=True)
        for c in taxonomy.causes
    ]
    a = taxonomy.abstain
    return [*rows, Category(code=a.code, name_zh=a.name_zh, definition=a.definition, cues=[], trainable=False)]
