"""PDFs made in the tests from the committed fixture images (no binary test files): real
ones through PDFium, and hand-written ones for the malformed, encrypted and bomb cases."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

A4 = (595.0, 842.0)


def pdf_of_images(*images: Path, width_points: float = 400.0) -> bytes:
    """One A4 page per JPEG, each `width_points` wide at the page's top-left."""
    document = pdfium.PdfDocument.new()
    for path in images:
        with Image.open(path) as image:
            width_px, height_px = image.size
        height = width_points * height_px / width_px
        page = document.new_page(*A4)
        picture = pdfium.PdfImage.new(document)
        picture.load_jpeg(io.BytesIO(path.read_bytes()), inline=False)
        picture.set_matrix(pdfium.PdfMatrix().scale(width_points, height)
                           .translate(36, A4[1] - 36 - height))
        page.insert_obj(picture)
        page.gen_content()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def blank_pdf(pages: int = 1, size: tuple[float, float] = A4, extra_catalog: bytes = b"",
              trailer: bytes = b"", objects: bytes = b"") -> bytes:
    """A hand-written PDF of `pages` blank pages sharing one page object (a cross-reference
    table is not needed: readers rebuild it), with optional catalog entries and objects."""
    box = f"[0 0 {size[0]:.0f} {size[1]:.0f}]".encode()
    kids = b"3 0 R " * pages
    return (b"%PDF-1.4\n"
            b"1 0 obj<</Type/Catalog/Pages 2 0 R" + extra_catalog + b">>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[" + kids + b"]/Count " + str(pages).encode()
            + b">>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox" + box + b">>endobj\n"
            + objects + b"trailer<</Root 1 0 R" + trailer + b">>\n%%EOF\n")


def encrypted_pdf() -> bytes:
    """A PDF with a standard security handler whose user password is not empty."""
    encrypt = (b"4 0 obj<</Filter/Standard/V 1/R 2/O<" + b"00" * 32 + b">/U<" + b"11" * 32
               + b">/P -4>>endobj\n")
    ident = b"<0123456789abcdef0123456789abcdef>"
    return blank_pdf(objects=encrypt, trailer=b"/Encrypt 4 0 R/ID[" + ident + ident + b"]")


def scripted_pdf() -> bytes:
    """A blank page whose document opens with a JavaScript action and carries an attachment:
    neither may run or be extracted; the page is read as any other."""
    objects = (b"4 0 obj<</S/JavaScript/JS(app.alert\\('x'\\);)>>endobj\n"
               b"5 0 obj<</Type/EmbeddedFile/Length 5>>stream\nhello\nendstream endobj\n"
               b"6 0 obj<</Type/Filespec/F(a.txt)/EF<</F 5 0 R>>>>endobj\n")
    catalog = b"/OpenAction 4 0 R/Names<</EmbeddedFiles<</Names[(a.txt) 6 0 R]>>>>"
    return blank_pdf(extra_catalog=catalog, objects=objects)
