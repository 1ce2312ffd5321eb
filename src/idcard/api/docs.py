"""OpenAPI document and Swagger UI, served entirely from this process.

Litestar's UI plugins load their JS/CSS (and favicon) from public CDNs by default; the
service runs offline, so the assets come from the `swagger-ui-bundle` wheel and are served
under `/static/swagger-ui/`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import swagger_ui_bundle
from litestar import Request, Router, get
from litestar.enums import MediaType
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Tag
from litestar.static_files import create_static_files_router

import idcard

SWAGGER_ASSETS_PATH = "/static/swagger-ui"
SCHEMA_PATH = "/schema"
_ASSETS_DIR = Path(swagger_ui_bundle.swagger_ui_path)

API_DESCRIPTION = """\
Reads a photo or scan of the Chinese resident identity card and returns its fields, each
with a confidence, a box in the pixels you sent and the raw OCR text, plus consistency
checks on the ID number, birth date, sex and validity period.

Errors are RFC 9457 `application/problem+json` bodies; branch on their stable `code`.
Every response carries `X-Request-ID` (yours if valid: ≤ 64 of `[A-Za-z0-9._-]`).
"""


_KEY_NOTE = ("needed only when the service has API keys (IDCARD_API_KEYS_FILE); a missing "
             "or wrong key is 401 `unauthorized`")
SECURITY_SCHEMES: dict[str, Any] = {
    "bearerKey": SecurityScheme(type="http", scheme="bearer", description=_KEY_NOTE),
    "apiKeyHeader": SecurityScheme(type="apiKey", name="X-API-Key",
                                   security_scheme_in="header", description=_KEY_NOTE),
}
# Either scheme, or none when the service runs without keys (the empty requirement).
READ_SECURITY: list[dict[str, list[str]]] = [{"bearerKey": []}, {"apiKeyHeader": []}, {}]


def swagger_plugin() -> SwaggerRenderPlugin:
    return SwaggerRenderPlugin(
        js_url=f"{SWAGGER_ASSETS_PATH}/swagger-ui-bundle.js",
        css_url=f"{SWAGGER_ASSETS_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{SWAGGER_ASSETS_PATH}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' "
                f"href='{SWAGGER_ASSETS_PATH}/favicon-32x32.png'>",
        path="/swagger",
    )


def openapi_config(swagger: SwaggerRenderPlugin) -> OpenAPIConfig:
    return OpenAPIConfig(
        title="idcard",
        version=idcard.__version__,
        description=API_DESCRIPTION,
        path=SCHEMA_PATH,
        # Swagger first: it is what `/schema` itself shows. No CDN-backed UI is enabled.
        render_plugins=[swagger, JsonRenderPlugin()],
        tags=[Tag(name="idcard", description="read an identity card"),
              Tag(name="operations", description="health and readiness probes")],
        components=Components(security_schemes=SECURITY_SCHEMES),
    )


def swagger_assets_router() -> Router:
    return create_static_files_router(path=SWAGGER_ASSETS_PATH, directories=[_ASSETS_DIR],
                                      name="swagger-ui-assets", include_in_schema=False)


def docs_handler(swagger: SwaggerRenderPlugin) -> Any:
    @get("/docs", media_type=MediaType.HTML, include_in_schema=False, sync_to_thread=False)
    def docs(request: Request[Any, Any, Any]) -> bytes:
        """Swagger UI at the conventional address (the same page as /schema/swagger)."""
        return swagger.render(request, request.app.openapi_schema.to_schema())

    return docs
