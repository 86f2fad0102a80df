"""The dashboard: `/` and its static assets, the chart library served from its installed package (works offline)."""

from __future__ import annotations

import gzip
import mimetypes
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import FileResponse, Response

router = APIRouter(include_in_schema=False)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
ASSET_TYPES = {".html", ".css", ".js", ".svg", ".png", ".ico"}
VENDOR_MAX_AGE = 7 * 24 * 3600


def plotly_js() -> Path:
    """plotly.min.js as installed with the `plotly` package (never copied into the repository)."""
    spec = find_spec("plotly")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("the plotly package is not installed / 未安装 plotly")
    path = Path(spec.origin).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the plotly package / plotly 包缺少 plotly.min.js")
    return path


@lru_cache(maxsize=4)
def _gzipped(path: Path, mtime: float) -> bytes:
    """The file gzip-compressed once per modification time (plotly.min.js: 4.8 MB → about 1.4 MB)."""
    return gzip.compress(path.read_bytes(), compresslevel=6)


def _asset(path: Path, request: Request, max_age: int) -> Response:
    """A static file, gzip-compressed when the client accepts it."""
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if media_type.startswith("text/") or media_type.endswith("javascript"):
        media_type += "; charset=utf-8"
    headers = {"Cache-Control": f"public, max-age={max_age}" if max_age else "no-cache", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = _gzipped(path, path.stat().st_mtime)
        return Response(body, media_type=media_type, headers={**headers, "Content-Encoding": "gzip"})
    return FileResponse(path, media_type=media_type, headers=headers)


@router.get("/", summary="The dashboard")
def index(request: Request) -> Response:
    """The single-page dashboard (分类 / 表单 / 统计 / 模型)."""
    return _asset(STATIC_DIR / "index.html", request, max_age=0)


@router.get("/static/vendor/plotly.min.js", summary="The chart library, from the installed plotly package")
def vendor_plotly(request: Request) -> Response:
    try:
        path = plotly_js()
    except FileNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return _asset(path, request, max_age=VENDOR_MAX_AGE)


@router.get("/static/{name}", summary="A dashboard asset")
def static_asset(name: str, request: Request) -> Response:
    """One file of api/static/, looked up among the folder's own files, so no name can reach outside it."""
    assets = {p.name: p for p in STATIC_DIR.iterdir() if p.suffix in ASSET_TYPES and p.is_file()}
    if name not in assets:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no asset {name[:100]!r} / 资源不存在")
    return _asset(assets[name], request, max_age=0)
