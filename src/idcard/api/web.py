"""The demo page at `/` and `/demo`: plain HTML, CSS and JavaScript from the package.

It calls the same `POST /v1/idcard` any client does; it has no endpoint of its own. All
its assets are served from `/static/web/`, so it works offline, and a strict Content
Security Policy keeps it from loading or sending anything elsewhere.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from litestar import Response, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.enums import MediaType
from litestar.static_files import create_static_files_router

WEB_ASSETS_PATH = "/static/web"
_STATIC_DIR = Path(__file__).resolve().parent / "static"

# The page only talks to this service; data: and blob: are the card crop and the photo.
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


@cache
def _page() -> bytes:
    return (_STATIC_DIR / "index.html").read_bytes()


@get(["/", "/demo"], media_type=MediaType.HTML, include_in_schema=False, sync_to_thread=False,
     name="demo-page")
def demo_page() -> Response[bytes]:
    """The page to try the service in a browser."""
    return Response(_page(), media_type=MediaType.HTML, headers=_PAGE_HEADERS)


def web_assets_router() -> Router:
    # Revalidated on every load, so an upgraded service never runs with a stale script.
    return create_static_files_router(path=WEB_ASSETS_PATH, directories=[_STATIC_DIR],
                                      name="web-assets", include_in_schema=False,
                                      cache_control=CacheControlHeader(no_cache=True))
