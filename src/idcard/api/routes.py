"""HTTP handlers: read a card, health, readiness. All async: OCR runs in the pool."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, get_args

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Example,
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    RequestBody,
    Schema,
)
from litestar.params import QueryParameter

from idcard.api.context import note_side, request_id_of
from idcard.api.docs import READ_SECURITY
from idcard.api.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from idcard.api.metrics import Metrics
from idcard.api.pool import DeadlineExceeded, Overloaded, ReaderPool
from idcard.api.problems import PROBLEM_MEDIA_TYPE, PROBLEMS, ProblemError
from idcard.api.schemas import (
    MASK_DESCRIPTION,
    CropImages,
    Health,
    IdCardResponse,
    ModelUsed,
    Problem,
    Readiness,
    Timings,
)
from idcard.api.upload import ImageRequest, read_image_request
from idcard.card import Quality, QualitySignal, SideHint
from idcard.codes import ProblemCode
from idcard.config import Settings

if TYPE_CHECKING:  # the pipeline (and the OCR stack) loads only when the app starts
    from idcard.pipeline import CardReader, ReadOutcome

# How the pipeline names its steps' timers (`idcard.pipeline.steps.STEP_PREFIX`, which
# is not imported here for the same reason).
_STEP_PREFIX = "step:"


@dataclass
class Service:
    """What the handlers share, kept in `app.state.service`."""

    settings: Settings
    pool: ReaderPool[CardReader]
    metrics: Metrics


def service_of(state: State) -> Service:
    service: Service = state.service
    return service


# -- POST /v1/idcard ----------------------------------------------------------------------

_SIDE_SCHEMA = Schema(type=OpenAPIType.STRING, enum=list(get_args(SideHint)), default="auto",
                      description="which side the image shows; `auto` detects it, and yields "
                                  "to a side named elsewhere in the request")
_RETURN_SCHEMA = Schema(type=OpenAPIType.STRING, examples=["card,portrait"],
                        description="comma-separated crops to return: card, portrait, "
                                    "masked")
_MASK_SCHEMA = Schema(type=OpenAPIType.STRING, default="default", examples=["default"],
                      description=MASK_DESCRIPTION)
_MASK_VALUES_SCHEMA = Schema(type=OpenAPIType.BOOLEAN, default=False,
                             description="mask the same parts in the JSON values")


@dataclass
class _ReadCardOperation(Operation):
    """Documents both accepted bodies; the handler parses them itself.

    The query parameters are optional in the handler (absent means "not given", so a
    value in the body may stand), but are published as plain, non-nullable schemas with
    their defaults: a nullable enum makes client generators emit several types for one
    parameter. (Decorated again so the generated __init__ calls __post_init__.)
    """

    def __post_init__(self) -> None:
        published: dict[str, Schema | Reference] = {"side": _SIDE_SCHEMA,
                                                    "return": _RETURN_SCHEMA}
        for parameter in self.parameters or []:
            if isinstance(parameter, Parameter) and parameter.name in published:
                parameter.schema = published[parameter.name]
        multipart = Schema(
            type=OpenAPIType.OBJECT, required=["image"],
            properties={
                "image": Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY,
                                description="the image file: JPEG, PNG, WebP, BMP or TIFF, "
                                            "or a PDF (at most IDCARD_MAX_PDF_PAGES pages, "
                                            "default 2)"),
                "side": _SIDE_SCHEMA,
                "return": _RETURN_SCHEMA,
                "mask": _MASK_SCHEMA,
                "mask_values": _MASK_VALUES_SCHEMA,
            },
        )
        json_body = Schema(
            type=OpenAPIType.OBJECT, required=["image_base64"],
            properties={
                "image_base64": Schema(
                    type=OpenAPIType.STRING,
                    description="the image file (or a PDF) as base64; a "
                                "data:image/...;base64, prefix is allowed"),
                "side": _SIDE_SCHEMA,
                "return": _RETURN_SCHEMA,
                "mask": _MASK_SCHEMA,
                "mask_values": _MASK_VALUES_SCHEMA,
            },
            examples=[{"image_base64": "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ...",
                       "side": "auto", "return": "portrait"}],
        )
        self.request_body = RequestBody(
            required=True,
            description="the image, as a file upload or as base64 in JSON "
                        "(at most IDCARD_MAX_BODY_BYTES, default 10 MiB)",
            content={"multipart/form-data": OpenAPIMediaType(schema=multipart),
                     "application/json": OpenAPIMediaType(schema=json_body)},
        )


def _problem_spec(description: str, *codes: ProblemCode) -> ResponseSpec:
    examples = [
        Example(summary=code, value={
            "type": f"urn:idcard:problem:{code}", "title": PROBLEMS[code][1],
            "status": PROBLEMS[code][0], "detail": "…", "code": code,
            "request_id": "6f1c2f0e8a9b4c3d9e8f7a6b5c4d3e2f"})
        for code in codes
    ]
    return ResponseSpec(data_container=Problem, description=description,
                        media_type=PROBLEM_MEDIA_TYPE, generate_examples=False,
                        examples=examples)


_ERROR_RESPONSES = {
    400: _problem_spec("missing image, bad base64 or bad parameter",
                       "image_missing", "invalid_base64", "invalid_parameter"),
    401: _problem_spec("API keys are configured and the request has no valid one",
                       "unauthorized"),
    413: _problem_spec("request body over the size limit", "payload_too_large"),
    415: _problem_spec("not an accepted image format or body type", "unsupported_media_type"),
    422: _problem_spec("the image (or PDF) cannot be used", "image_unreadable",
                       "image_too_small", "too_many_pixels", "no_card_found", "pdf_encrypted",
                       "pdf_unreadable", "pdf_too_many_pages", "pdf_page_too_large"),
    429: _problem_spec("over the API key's quota; see Retry-After and RateLimit-*",
                       "rate_limited"),
    500: _problem_spec("unexpected error (details in the server log under the request id)",
                       "internal_error"),
    503: _problem_spec("all OCR workers busy and the queue full; see Retry-After",
                       "overloaded"),
    504: _problem_spec("no result within IDCARD_TIMEOUT_S", "timeout"),
}


@post("/v1/idcard", status_code=200, tags=["idcard"], summary="Read an identity card",
      security=READ_SECURITY,
      operation_id="read_card",
      operation_class=_ReadCardOperation, responses=_ERROR_RESPONSES,
      response_description="the card's fields, checks and warnings")
async def read_card(
    request: Request[Any, Any, Any],
    state: State,
    side: Annotated[SideHint | None, QueryParameter(
        name="side", description="which side the image shows (default auto); may also "
                                  "be sent in the body")] = None,
    crops: Annotated[str | None, QueryParameter(
        name="return", description="comma-separated crops to return: card, portrait, "
                                    "masked; may also be sent in the body",
        examples=[Example(value="card,portrait")])] = None,
    mask: Annotated[str | None, QueryParameter(
        name="mask", description=MASK_DESCRIPTION,
        examples=[Example(value="default"), Example(value="id_birth,given_name")])] = None,
    mask_values: Annotated[str | None, QueryParameter(
        name="mask_values", description="true: mask the same parts in the JSON values "
                                         "(and raw)",
        examples=[Example(value="true")])] = None,
) -> IdCardResponse:
    """Upload a photo or scan of one side (or a page with both sides) of the card, or a PDF
    of up to IDCARD_MAX_PDF_PAGES pages (a front and a back page are read as one card)."""
    wanted = await read_image_request(request, side, crops, mask, mask_values)
    note_side(request.scope, wanted.side)
    service = service_of(state)
    outcome = await _read_in_pool(service, wanted)
    service.metrics.observe_reading(outcome.reading.side,
                                    [notice.code for notice in outcome.reading.warnings],
                                    outcome.timings_ms)
    return build_response(request_id_of(request.scope), outcome, wanted.crops)


async def _read_in_pool(service: Service, wanted: ImageRequest) -> ReadOutcome:
    def work(reader: CardReader) -> ReadOutcome:
        return reader.read(wanted.data, side=wanted.side, crops=wanted.crops,
                           mask=wanted.mask, mask_values=wanted.mask_values)

    try:
        return await service.pool.run(work, service.settings.timeout_s)
    except Overloaded as exc:
        raise ProblemError("overloaded", "all OCR workers are busy and the queue is full",
                           retry_after_s=exc.retry_after_s) from None
    except DeadlineExceeded:
        raise ProblemError("timeout", f"no result within {service.settings.timeout_s:g} s"
                           ) from None


def build_response(request_id: str, outcome: ReadOutcome,
                   crops: frozenset[str]) -> IdCardResponse:
    reading = outcome.reading
    model = outcome.model
    response = IdCardResponse(
        request_id=request_id, side=reading.side, fields=reading.fields,
        checks=reading.checks, warnings=reading.warnings,
        review_needed=reading.review_needed, review_reasons=reading.review_reasons,
        quality=reading.quality if reading.quality is not None else no_signals(),
        model=ModelUsed(det=model.det, rec=model.rec, runtime=model.runtime),
        timings_ms=_timings(outcome.timings_ms),
    )
    if crops:
        encoded: dict[str, Any] = {
            name: base64.b64encode(outcome.images[name]).decode("ascii")
            for name in crops if name in outcome.images}
        images = CropImages(**encoded)
        if images.card is not None and outcome.card_corners is not None:
            images.card_corners = outcome.card_corners
        response.images = images
    if outcome.pages:
        response.pages = outcome.pages
    return response


def no_signals() -> Quality:
    """Quality when none was measured (a reading built without an image)."""
    quiet = QualitySignal(score=0.0, raised=False)
    return Quality(**{name: quiet for name in Quality.__struct_fields__})


def _timings(measured: dict[str, float]) -> Timings:
    known = {name: round(ms, 2) for name, ms in measured.items()
             if name in Timings.__struct_fields__ and name != "steps"}
    steps = {name.removeprefix(_STEP_PREFIX): round(ms, 2) for name, ms in measured.items()
             if name.startswith(_STEP_PREFIX)}
    return Timings(**known, steps=steps)


# -- probes -------------------------------------------------------------------------------

@get("/healthz", tags=["operations"], summary="Liveness", sync_to_thread=False,
     operation_id="healthz")
def healthz() -> Health:
    """The process answers. Never touches the OCR pool, so it stays fast under load."""
    return Health(status="ok")


@get("/readyz", tags=["operations"], summary="Readiness", operation_id="readyz",
     responses={503: ResponseSpec(data_container=Readiness, generate_examples=False,
                                  description="models not loaded yet, or shutting down")})
async def readyz(state: State) -> Response[Readiness]:
    """200 once every OCR worker has loaded and warmed its models; 503 otherwise."""
    service: Service | None = state.get("service")
    if service is None or not service.pool.ready:
        workers = service.pool.workers if service else 0
        queue_size = service.pool.queue_size if service else 0
        return Response(Readiness(status="not_ready", workers=workers, queue_size=queue_size),
                        status_code=503)
    readers = service.pool.readers
    model = readers[0].model_info if readers else None
    return Response(Readiness(
        status="ready", workers=len(readers), queue_size=service.pool.queue_size,
        model=ModelUsed(det=model.det, rec=model.rec, runtime=model.runtime) if model else None,
    ))


@get("/metrics", tags=["operations"], summary="Prometheus metrics", sync_to_thread=False,
     media_type=METRICS_CONTENT_TYPE)
def metrics_endpoint(state: State) -> Response[bytes]:
    """Counters, gauges and histograms in the Prometheus text format (always open)."""
    metrics: Metrics = state.metrics
    return Response(metrics.exposition(), media_type=METRICS_CONTENT_TYPE)
