"""PDF input over HTTP with the real engine: fields and page numbers from PDFs made of the
fixture cards, and each bad PDF's status and problem code (rendering limits, encryption,
damage). The PDFs are made here (tests/pdfs.py), from the committed fixture images."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from pdfs import blank_pdf, encrypted_pdf, pdf_of_images, scripted_pdf
from PIL import Image

from idcard.api.app import create_app
from idcard.config import Settings, load_settings
from idcard.errors import InputError
from idcard.imaging.decode import DecodeLimits, decode_image
from idcard.imaging.pdf import PdfLimits, looks_like_pdf, render_pdf

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LABELS: dict[str, dict[str, Any]] = {
    entry["file"]: entry
    for entry in json.loads((FIXTURES / "labels.json").read_text(encoding="utf-8"))
}
FRONT, BACK, BOTH = "front_clean_000.jpg", "back_clean_002.jpg", "both_000.jpg"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient[Litestar]]:
    base = load_settings()
    settings = Settings(**{**{n: getattr(base, n) for n in base.__struct_fields__},
                           "pool_size": 1, "timeout_s": 300.0})
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def post_pdf(client: TestClient[Litestar], data: bytes) -> Any:
    return client.post("/v1/idcard", files={"image": ("card.pdf", data, "application/pdf")})


def value(body: dict[str, Any], field: str) -> str | None:
    entry = body["fields"][field]
    return None if entry is None else str(entry["value"])


# -- read over HTTP -------------------------------------------------------------------------

def test_front_from_a_one_page_pdf(client: TestClient[Litestar]) -> None:
    response = post_pdf(client, pdf_of_images(FIXTURES / FRONT))
    assert response.status_code == 200, response.text
    body = response.json()
    expected = LABELS[FRONT]["fields"]
    assert body["side"] == "front"
    assert value(body, "name") == expected["name"]
    assert value(body, "id_number") == expected["id_number"]
    assert body["pages"] == [{"page": 1, "side": "front", "dpi": 200.0}]
    # The boxes are in the pixels of the page rendered at 200 dpi (A4: 1654 × 2339).
    for x, y in body["fields"]["id_number"]["box"]:
        assert 0 <= x <= 1654 and 0 <= y <= 2339


def test_front_and_back_pages_make_one_card(client: TestClient[Litestar]) -> None:
    response = post_pdf(client, pdf_of_images(FIXTURES / FRONT, FIXTURES / BACK))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["side"] == "both"
    assert body["pages"] == [{"page": 1, "side": "front", "dpi": 200.0},
                             {"page": 2, "side": "back", "dpi": 200.0}]
    assert value(body, "id_number") == LABELS[FRONT]["fields"]["id_number"]
    assert value(body, "valid_until") == LABELS[BACK]["fields"]["valid_until"]


def test_back_page_first_is_the_same_card(client: TestClient[Litestar]) -> None:
    response = post_pdf(client, pdf_of_images(FIXTURES / BACK, FIXTURES / FRONT))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["side"] == "both"
    assert {(p["page"], p["side"]) for p in body["pages"]} == {(1, "back"), (2, "front")}


def test_side_hint_picks_that_page(client: TestClient[Litestar]) -> None:
    data = pdf_of_images(FIXTURES / FRONT, FIXTURES / BACK)
    response = client.post("/v1/idcard", params={"side": "back"},
                           files={"image": ("card.pdf", data, "application/pdf")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["side"] == "back"
    assert body["pages"] == [{"page": 2, "side": "back", "dpi": 200.0}]
    assert body["fields"]["name"] is None


def test_a_page_with_both_sides(client: TestClient[Litestar]) -> None:
    response = post_pdf(client, pdf_of_images(FIXTURES / BOTH, width_points=523.0))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["side"] == "both"
    assert body["pages"] == [{"page": 1, "side": "both", "dpi": 200.0}]
    assert value(body, "id_number") == LABELS[BOTH]["fields"]["id_number"]


def test_a_blank_page_beside_the_card_is_skipped(client: TestClient[Litestar]) -> None:
    white = io.BytesIO()
    Image.new("RGB", (856, 540), "white").save(white, "JPEG")
    card = pdf_of_images(FIXTURES / FRONT)
    # Two pages: the card, then a white picture (no card): the card is read from page 1.
    document = pdfium.PdfDocument(card)
    page = document.new_page(595, 842)
    picture = pdfium.PdfImage.new(document)
    picture.load_jpeg(io.BytesIO(white.getvalue()), inline=False)
    picture.set_matrix(pdfium.PdfMatrix().scale(400, 252).translate(36, 500))
    page.insert_obj(picture)
    page.gen_content()
    out = io.BytesIO()
    document.save(out)
    response = post_pdf(client, out.getvalue())
    assert response.status_code == 200, response.text
    assert response.json()["pages"] == [{"page": 1, "side": "front", "dpi": 200.0}]


def test_pdf_as_base64_json(client: TestClient[Litestar]) -> None:
    data = pdf_of_images(FIXTURES / FRONT)
    response = client.post("/v1/idcard", json={
        "image_base64": "data:application/pdf;base64," + base64.b64encode(data).decode()})
    assert response.status_code == 200, response.text
    assert response.json()["pages"][0]["page"] == 1


def test_images_have_no_pages_entry(client: TestClient[Litestar]) -> None:
    response = client.post("/v1/idcard", files={"image": (FRONT, (FIXTURES / FRONT).read_bytes())})
    assert response.status_code == 200, response.text
    assert "pages" not in response.json()


# -- bad PDFs -------------------------------------------------------------------------------

BAD_PDFS = {
    "encrypted": (encrypted_pdf(), "pdf_encrypted"),
    "malformed": (b"%PDF-1.7\n1 0 obj<</Type/Catalog", "pdf_unreadable"),
    "truncated": (pdf_of_images(FIXTURES / FRONT)[:2000], "pdf_unreadable"),
    "no pages": (blank_pdf(pages=0), "pdf_unreadable"),
    "1000 pages": (blank_pdf(pages=1000), "pdf_too_many_pages"),
    "3 pages": (blank_pdf(pages=3), "pdf_too_many_pages"),
    "bomb": (blank_pdf(size=(10_000_000, 10_000_000)), "pdf_page_too_large"),
    "poster past the spec": (blank_pdf(size=(14_400, 14_400)), "pdf_page_too_large"),
    "tiny page": (blank_pdf(size=(10, 10)), "image_too_small"),
    "blank page": (blank_pdf(), "no_card_found"),
    "script and attachment": (scripted_pdf(), "no_card_found"),
}


@pytest.mark.parametrize("case", list(BAD_PDFS))
def test_bad_pdf_is_a_clear_4xx(client: TestClient[Litestar], case: str) -> None:
    data, code = BAD_PDFS[case]
    response = post_pdf(client, data)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    assert len(data) < 20_000  # each bad case is a small file


def test_page_limit_is_configurable() -> None:
    with pytest.raises(InputError) as caught:
        render_pdf(blank_pdf(pages=2), PdfLimits(max_pages=1))
    assert caught.value.code == "pdf_too_many_pages"
    assert [p.number for p in render_pdf(blank_pdf(pages=2), PdfLimits(max_pages=2))] == [1, 2]


def test_a_large_page_is_rendered_within_the_pixel_budget() -> None:
    # 5000 × 4000 points is 555 MP at 200 dpi: rendered at the dpi that fits 40 MP instead.
    (page,) = render_pdf(blank_pdf(size=(5000, 4000)), PdfLimits(max_pixels=40_000_000))
    height, width = page.image.shape[:2]
    assert width * height <= 40_000_000
    assert 72 <= page.dpi < 200
    assert width == pytest.approx(5000 * page.dpi / 72, abs=2)


def test_pdf_is_told_by_content() -> None:
    pdf = pdf_of_images(FIXTURES / FRONT)
    assert looks_like_pdf(pdf)
    assert looks_like_pdf(b"\xef\xbb\xbf" + pdf)  # junk before the header, as readers allow
    assert not looks_like_pdf((FIXTURES / FRONT).read_bytes())
    pages = render_pdf(pdf, PdfLimits())
    assert pages[0].image.dtype == np.uint8 and pages[0].image.shape[2] == 3


def test_an_image_mentioning_pdf_stays_an_image(client: TestClient[Litestar]) -> None:
    # A JPEG whose comment, within the first 1024 bytes, reads %PDF-: the image
    # signature wins, so it is read as the image it is.
    out = io.BytesIO()
    with Image.open(FIXTURES / FRONT) as card:
        card.save(out, "JPEG", quality=95, comment=b"%PDF-1.7 not a PDF")
    data = out.getvalue()
    assert looks_like_pdf(data)
    assert decode_image(data, DecodeLimits()).ndim == 3
    response = client.post("/v1/idcard", files={"image": ("card.jpg", data)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "pages" not in body
    assert value(body, "id_number") == LABELS[FRONT]["fields"]["id_number"]


def test_the_upload_description_says_pdf(client: TestClient[Litestar]) -> None:
    schema = client.get("/schema/openapi.json").json()
    body = schema["paths"]["/v1/idcard"]["post"]["requestBody"]["content"]
    assert "PDF" in body["multipart/form-data"]["schema"]["properties"]["image"]["description"]
