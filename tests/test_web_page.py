"""The demo page at `/`, driven in a real headless Chromium against the real service.

The app (real OCR engine) runs under uvicorn in a thread; Debian's `chromium` and
`chromium-driver` are driven through Selenium with the driver path given explicitly and
Selenium Manager offline, so nothing is downloaded. Skipped only where no browser is
installed, and never in CI (`.ci/run` installs it).

`IDCARD_UPDATE_SCREENSHOT=docs/demo.png` also writes the README's screenshot.
"""

from __future__ import annotations

import base64
import io
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from live_server import live_server
from pdfs import pdf_of_images
from PIL import Image, ImageOps

from idcard.api.keys import hash_key

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
LABELS = {e["file"]: e for e in json.loads((FIXTURES / "labels.json").read_text("utf-8"))}
CARD = "front_clean_000.jpg"
ROTATED = next(f for f, e in LABELS.items() if e["exif_orientation"] != 1 and e["side"] == "front")
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_S = 180.0  # two shared cores: a cold read can take a while


def _browser_or_skip() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if not missing:
        return
    reason = f"no browser installed ({', '.join(missing)} missing): " \
             "apt-get install chromium chromium-driver"
    if os.environ.get("CI"):
        pytest.fail(reason + " (CI must install it: see .ci/run)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    _browser_or_skip()
    with live_server() as base:
        yield base


@pytest.fixture(scope="module")
def browser(server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--lang=en-US",
                 "--window-size=1200,900", "--force-device-scale-factor=1",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_OFFLINE", "true")  # Selenium Manager must never fetch anything
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver: Any, script: str, what: str, timeout: float = WAIT_S,
          *, error_expected: bool = False) -> Any:
    """Poll a JavaScript expression until it is truthy (failing early on a page error)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(f"return ({script});")
        if value:
            return value
        status = driver.execute_script("return document.getElementById('status').textContent")
        if not error_expected and "error" in (driver.execute_script(
                "return document.getElementById('status').className") or ""):
            pytest.fail(f"the page reports an error while waiting for {what}: {status}")
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def _upload(driver: Any, base: str, name: str) -> dict[str, Any]:
    from selenium.webdriver.common.by import By

    driver.get(base + "/")
    driver.find_element(By.ID, "file").send_keys(str(FIXTURES / name))
    _wait(driver, "document.querySelector('#fields tbody tr[data-field]') && "
                  "Number(document.getElementById('boxes').dataset.boxes || 0) > 0",
          "the fields and their boxes")
    raw = driver.execute_script("return JSON.stringify(state.raw)")
    body: dict[str, Any] = json.loads(raw)
    return body


def _drop(driver: Any, base: str, name: str) -> dict[str, Any]:
    """Drag-and-drop: the file dropped on the drop zone, as a browser's drop event."""
    driver.get(base + "/")
    payload = base64.b64encode((FIXTURES / name).read_bytes()).decode("ascii")
    driver.execute_script(
        "const bytes = Uint8Array.from(atob(arguments[0]), c => c.charCodeAt(0));"
        "const transfer = new DataTransfer();"
        "transfer.items.add(new File([bytes], arguments[1], {type: 'image/jpeg'}));"
        "const zone = document.getElementById('drop');"
        "for (const type of ['dragenter', 'dragover', 'drop'])"
        "  zone.dispatchEvent(new DragEvent(type, {dataTransfer: transfer, bubbles: true,"
        "                                          cancelable: true}));", payload, name)
    _wait(driver, "document.querySelector('#fields tbody tr[data-field]') && "
                  "Number(document.getElementById('boxes').dataset.boxes || 0) > 0",
          "the fields of the dropped file")
    body: dict[str, Any] = json.loads(driver.execute_script("return JSON.stringify(state.raw)"))
    return body


def _shown(driver: Any, field: str) -> str:
    return str(driver.execute_script(
        "const row = document.querySelector(`#fields tr[data-field='${arguments[0]}']`);"
        "return row ? row.querySelector('td.value').textContent : null;", field))


def _polygons(driver: Any) -> dict[str, np.ndarray]:
    drawn = driver.execute_script(
        "return [...document.querySelectorAll('#boxes polygon')]"
        ".map(p => [p.dataset.field, p.getAttribute('points')]);")
    return {name: np.array([[float(v) for v in pair.split(",")] for pair in points.split()])
            for name, points in drawn}


def _view_box(driver: Any) -> tuple[float, float]:
    box = driver.execute_script("return document.getElementById('boxes').getAttribute('viewBox')")
    _, _, width, height = (float(v) for v in box.split())
    return width, height


def _to_card(body: dict[str, Any], box: list[list[float]]) -> np.ndarray:
    """A source-pixel box mapped onto the returned card crop (the reference for the JS)."""
    with Image.open(io.BytesIO(base64.b64decode(body["images"]["card"]))) as crop:
        width, height = crop.size
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]],
                      dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(
        np.array(body["images"]["card_corners"], dtype=np.float32), target)
    points = np.array(box, dtype=np.float64).reshape(-1, 1, 2)
    return np.asarray(cv2.perspectiveTransform(points, matrix).reshape(-1, 2))


def test_page_reads_a_card_and_draws_its_boxes(browser: Any, server: str,
                                               tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    body = _upload(browser, server, CARD)
    expected = LABELS[CARD]["fields"]
    assert _shown(browser, "name") == expected["name"]
    assert _shown(browser, "id_number") == expected["id_number"]
    assert "ID number" in browser.find_element(By.ID, "fields").text

    # Boxes over the straightened card, where the card's own layout puts each field.
    polygons = _polygons(browser)
    read = {name for name, entry in body["fields"].items() if entry is not None}
    assert set(polygons) == read
    width, height = _view_box(browser)
    with Image.open(io.BytesIO(base64.b64decode(body["images"]["card"]))) as crop:
        assert (width, height) == crop.size
    for name in read:
        reference = _to_card(body, body["fields"][name]["box"])
        assert np.abs(polygons[name] - reference).max() < 1.0, name
    name_y = polygons["name"][:, 1].mean() / height
    number_x, number_y = polygons["id_number"].mean(axis=0) / (width, height)
    assert name_y < 0.35 and number_y > 0.7 and number_x > 0.3, (name_y, number_x, number_y)

    # Checks, warnings, timings and the raw JSON are shown in words.
    checks = browser.find_element(By.ID, "checks").text
    assert "ID number check character: passed" in checks
    assert browser.find_elements(By.CSS_SELECTOR, "#warnings li")
    quality = browser.find_element(By.ID, "quality").text
    assert "photocopy: not raised, score" in quality and "{" not in quality
    assert "total" in browser.find_element(By.ID, "timings").text
    assert expected["id_number"] in browser.find_element(By.ID, "raw").text
    assert browser.execute_script("return document.getElementById('status')"
                                  ".getAttribute('aria-live')") == "polite"

    browser.save_screenshot(str(tmp_path / "page.png"))
    assert (tmp_path / "page.png").stat().st_size > 10_000
    _maybe_update_readme_screenshot(browser, tmp_path)

    # The same boxes over the image sent: there they are the API's own source pixels.
    browser.find_element(By.CSS_SELECTOR, "label[for=view-photo]").click()
    _wait(browser, "document.getElementById('picture').src.startsWith('blob:') && "
                   "document.getElementById('boxes').getAttribute('viewBox') !== "
                   f"'0 0 {width:g} {height:g}'", "the boxes over the photo")
    with Image.open(FIXTURES / CARD) as photo:
        assert _view_box(browser) == photo.size
    for name, points in _polygons(browser).items():
        assert np.abs(points - np.array(body["fields"][name]["box"])).max() < 0.1, name


def test_boxes_over_an_exif_rotated_photo_use_its_upright_pixels(browser: Any,
                                                                  server: str) -> None:
    from selenium.webdriver.common.by import By

    body = _upload(browser, server, ROTATED)
    assert _shown(browser, "id_number") == LABELS[ROTATED]["fields"]["id_number"]
    browser.find_element(By.ID, "view-photo").click()
    _wait(browser, "document.getElementById('picture').src.startsWith('blob:') && "
                   "document.getElementById('picture').complete", "the photo")
    time.sleep(0.3)
    with Image.open(FIXTURES / ROTATED) as tagged:
        upright = ImageOps.exif_transpose(tagged)
        assert _view_box(browser) == upright.size != tagged.size
    polygons = _polygons(browser)
    assert np.abs(polygons["id_number"] - np.array(body["fields"]["id_number"]["box"])).max() < 0.1


def test_page_is_usable_on_a_phone_and_by_keyboard(browser: Any, server: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.set_window_size(390, 844)
    try:
        body = _drop(browser, server, CARD)
        assert _shown(browser, "id_number") == LABELS[CARD]["fields"]["id_number"]
        assert body["fields"]["id_number"]["value"] == LABELS[CARD]["fields"]["id_number"]
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        wide = browser.execute_script(
            "const w = document.documentElement.clientWidth;"
            "return [...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > w + 0.5)"
            ".map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 8);")
        assert overflow <= 0, f"the page scrolls sideways on a phone by {overflow} px: {wide}"
    finally:
        browser.set_window_size(1200, 900)
    # Every control is a real button or a labelled input.
    for element in browser.find_elements(By.CSS_SELECTOR, "input:not([hidden]), select"):
        ident = element.get_attribute("id")
        assert browser.find_elements(By.CSS_SELECTOR, f"label[for='{ident}']"), ident
    assert browser.find_element(By.ID, "choose").tag_name == "button"
    # The camera is its own input, so choosing a file on a desktop never forces it.
    camera = browser.find_element(By.ID, "camera")
    assert (camera.get_attribute("capture"), camera.get_attribute("accept")) == (
        "environment", "image/*")
    assert browser.find_element(By.ID, "file").get_attribute("capture") is None
    # Tab reaches the file chooser, and focus is visible there.
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    for _ in range(6):
        if browser.switch_to.active_element.get_attribute("id") == "choose":
            break
        browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == "choose"
    outline = browser.execute_script(
        "return getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")


def test_api_key_stays_in_the_tab_and_out_of_the_url(browser: Any, server: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server + "/demo")
    browser.find_element(By.CSS_SELECTOR, "#key-box summary").click()
    browser.find_element(By.ID, "api-key").send_keys("k-test-123")
    browser.refresh()
    assert browser.execute_script("return sessionStorage.getItem('idcard.apiKey')") == "k-test-123"
    assert browser.find_element(By.ID, "api-key").get_attribute("value") == "k-test-123"
    assert "k-test" not in browser.current_url
    browser.find_element(By.CSS_SELECTOR, "#key-box summary").click()
    browser.find_element(By.ID, "forget-key").click()
    assert browser.execute_script("return sessionStorage.getItem('idcard.apiKey')") is None
    # The service offers masking (its OpenAPI document lists mask_values): the page shows
    # the toggle once it has read the document.
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 20).until(
        lambda b: b.find_element(By.ID, "mask-option").is_displayed())


def test_page_asks_for_the_api_key_and_sends_it(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    key = "idk_web-test-" + "k" * 32
    keys = tmp_path / "keys.toml"
    keys.write_text(f'[keys.web]\nsha256 = "{hash_key(key)}"\n', encoding="utf-8")
    keys.chmod(0o600)
    with live_server(api_keys_file=keys) as keyed:
        assert httpx.post(keyed + "/v1/idcard", files={"image": ("x.jpg", b"x")}
                          ).status_code == 401
        browser.get(keyed + "/")  # the page itself opens without a key
        browser.execute_script("sessionStorage.clear()")
        browser.refresh()
        browser.find_element(By.ID, "file").send_keys(str(FIXTURES / CARD))
        _wait(browser, "document.getElementById('status').classList.contains('error')",
              "the refusal", timeout=60, error_expected=True)
        assert "API key" in browser.find_element(By.ID, "status").text
        assert browser.switch_to.active_element.get_attribute("id") == "api-key"
        browser.switch_to.active_element.send_keys(key)
        browser.find_element(By.ID, "read").click()
        _wait(browser, "document.querySelector('#fields tbody tr[data-field]')",
              "the fields read with the key")
        assert _shown(browser, "id_number") == LABELS[CARD]["fields"]["id_number"]
        assert key not in browser.current_url
        assert browser.execute_script("return sessionStorage.getItem('idcard.apiKey')") == key
        browser.execute_script("sessionStorage.clear()")


def test_page_and_assets_are_local_and_locked_down(server: str) -> None:
    page = httpx.get(server + "/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert httpx.get(server + "/demo").text == page.text
    for asset in ("/static/web/app.js", "/static/web/app.css"):
        response = httpx.get(server + asset)
        assert response.status_code == 200, asset
        assert response.headers["cache-control"] == "no-cache", asset
    assert "http://" not in page.text and "https://" not in page.text
    # The page does not shadow the API's own routes.
    assert httpx.get(server + "/healthz").json() == {"status": "ok"}
    assert httpx.get(server + "/schema/openapi.json").status_code == 200
    assert "SwaggerUIBundle" in httpx.get(server + "/docs").text


def test_card_corners_put_field_boxes_on_the_card_crop(server: str) -> None:
    data = (FIXTURES / CARD).read_bytes()
    response = httpx.post(server + "/v1/idcard", params={"return": "card"},
                          files={"image": (CARD, data)}, timeout=WAIT_S)
    assert response.status_code == 200, response.text
    body = response.json()
    corners = np.array(body["images"]["card_corners"])
    truth = np.array(LABELS[CARD]["card_quads"][0])
    card_width = np.linalg.norm(truth[1] - truth[0])
    assert np.abs(corners - truth).max() < 0.03 * card_width, corners.tolist()
    with Image.open(io.BytesIO(base64.b64decode(body["images"]["card"]))) as crop:
        width, height = crop.size
    number = _to_card(body, body["fields"]["id_number"]["box"]).mean(axis=0) / (width, height)
    name = _to_card(body, body["fields"]["name"]["box"]).mean(axis=0) / (width, height)
    assert number[1] > 0.7 and name[1] < 0.35
    plain = httpx.post(server + "/v1/idcard", files={"image": (CARD, data)}, timeout=WAIT_S)
    assert "images" not in plain.json()


def _maybe_update_readme_screenshot(browser: Any, tmp_path: Path) -> None:
    """The README's picture: the whole page at a desktop size, shrunk to a small PNG."""
    target = os.environ.get("IDCARD_UPDATE_SCREENSHOT")
    if not target:
        return
    out = Path(target) if Path(target).is_absolute() else ROOT / target
    shot = tmp_path / "readme.png"
    # Down to the first lines of the raw JSON.
    height = browser.execute_script(
        "return document.getElementById('raw').getBoundingClientRect().top + scrollY + 160")
    browser.set_window_size(1200, min(int(height) + 90, 2400))
    try:
        time.sleep(0.5)
        browser.save_screenshot(str(shot))
    finally:
        browser.set_window_size(1200, 900)
    with Image.open(shot) as image:
        small = image.convert("RGB")
        small.thumbnail((900, 2400))
        small.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)


def test_page_reads_a_two_page_pdf(browser: Any, server: str, tmp_path: Path) -> None:
    """The file input takes PDFs once the API says it does; a front page and a back page
    read as one card, boxes drawn only for the side on the card crop's page."""
    from selenium.webdriver.common.by import By

    back = "back_clean_002.jpg"
    pdf = tmp_path / "card.pdf"
    pdf.write_bytes(pdf_of_images(FIXTURES / CARD, FIXTURES / back))
    browser.get(server + "/")
    _wait(browser, "document.getElementById('file').accept.includes('application/pdf')",
          "the file input to accept PDFs")
    browser.find_element(By.ID, "file").send_keys(str(pdf))
    _wait(browser, "document.querySelector('#fields tbody tr[data-field]') && "
                   "Number(document.getElementById('boxes').dataset.boxes || 0) > 0",
          "the fields of the PDF and their boxes")
    body: dict[str, Any] = json.loads(browser.execute_script("return JSON.stringify(state.raw)"))
    assert [(p["page"], p["side"]) for p in body["pages"]] == [(1, "front"), (2, "back")]
    assert _shown(browser, "name") == LABELS[CARD]["fields"]["name"]
    assert _shown(browser, "valid_until") == LABELS[back]["fields"]["valid_until"]
    drawn = set(_polygons(browser))
    front = {"name", "sex", "ethnicity", "birth_date", "address", "id_number"}
    assert drawn and drawn <= front
