// The idcard demo page: sends one image to POST /v1/idcard and shows what came back.
// Plain JavaScript, no build step, no external assets; everything stays on this service.
"use strict";

const API = "/v1/idcard";
const KEY_STORAGE = "idcard.apiKey";  // sessionStorage: gone when the tab closes

const FIELD_NAMES = {
  name: "Name 姓名", sex: "Sex 性别", ethnicity: "Ethnicity 民族", birth_date: "Birth date 出生",
  address: "Address 住址", id_number: "ID number 公民身份号码",
  issuing_authority: "Issuing authority 签发机关", valid_from: "Valid from 有效期限",
  valid_until: "Valid until",
};
const CHECK_NAMES = {
  id_checksum: "ID number check character",
  region_code_known: "ID number's region code is a known region",
  birth_date_matches_id: "Birth date matches the ID number",
  sex_matches_id: "Sex matches the ID number",
  birth_date_plausible: "Birth date is plausible",
  ethnicity_known: "Ethnicity is one of the 56 recognised",
  validity_period_plausible: "Validity period is plausible",
  not_expired: "Card has not expired",
};
const CHECK_WORDS = { pass: "passed", fail: "FAILED", absent: "not checked (a field it needs is missing)" };
const SIDE_WORDS = { front: "front side", back: "back side", both: "both sides" };

const $ = (id) => document.getElementById(id);
const state = { file: null, photoUrl: null, body: null, raw: null, maskOffered: false };

// -- what the service offers, from its own OpenAPI document --------------------------------

async function discover() {
  let doc;
  try {
    const response = await fetch("/schema/openapi.json");
    if (!response.ok) return;
    doc = await response.json();
  } catch (_) {
    return;  // the page still works; only optional controls stay hidden
  }
  const operation = doc?.paths?.[API]?.post ?? {};
  const params = operation.parameters ?? [];
  const returns = JSON.stringify(params.find((p) => p.name === "return") ?? {});
  state.maskOffered = params.some((p) => p.name === "mask_values") || returns.includes("masked");
  $("mask-option").hidden = !state.maskOffered;
  // Hook for PDF input: once the service documents PDFs for `image`, accept them here too.
  const image = operation.requestBody?.content?.["multipart/form-data"]?.schema?.properties?.image;
  if (/\bPDF\b/.test(image?.description ?? "")) {
    for (const input of [$("file")]) input.accept += ",application/pdf";
    $("drop-hint").textContent = "Drop an image or a PDF of one side (or a page with both sides) here, or";
  }
}

// -- choosing a file -----------------------------------------------------------------------

function useFile(file) {
  if (!file) return;
  state.file = file;
  $("file-name").textContent = `${file.name} (${Math.round(file.size / 1024)} KiB)`;
  $("read").disabled = false;
  if (state.photoUrl) URL.revokeObjectURL(state.photoUrl);
  state.photoUrl = file.type.startsWith("image/") ? URL.createObjectURL(file) : null;
  read();
}

function wireInputs() {
  $("choose").addEventListener("click", () => $("file").click());
  $("take-photo").addEventListener("click", () => $("camera").click());
  for (const id of ["file", "camera"]) {
    $(id).addEventListener("change", (event) => useFile(event.target.files[0]));
  }
  const drop = $("drop");
  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (event) => { event.preventDefault(); drop.classList.add("over"); });
  }
  for (const name of ["dragleave", "drop"]) {
    drop.addEventListener(name, () => drop.classList.remove("over"));
  }
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    useFile(event.dataTransfer.files[0]);
  });
  $("form").addEventListener("submit", (event) => { event.preventDefault(); read(); });
  $("side").addEventListener("change", () => state.file && read());
  $("masked").addEventListener("change", () => state.file && read());
  for (const radio of document.querySelectorAll("input[name=view]")) {
    radio.addEventListener("change", () => state.body && showPicture(state.body));
  }
  const key = $("api-key");
  key.value = sessionStorage.getItem(KEY_STORAGE) ?? "";
  key.addEventListener("input", () => {
    if (key.value) sessionStorage.setItem(KEY_STORAGE, key.value);
    else sessionStorage.removeItem(KEY_STORAGE);
  });
  $("forget-key").addEventListener("click", () => { key.value = ""; sessionStorage.removeItem(KEY_STORAGE); });
  $("copy").addEventListener("click", copyJson);
}

// -- reading -------------------------------------------------------------------------------

async function read() {
  if (!state.file) return;
  const masked = state.maskOffered && $("masked").checked;
  const query = new URLSearchParams({ side: $("side").value, return: masked ? "card,masked" : "card" });
  if (masked) query.set("mask_values", "true");
  const form = new FormData();
  form.append("image", state.file, state.file.name || "image");
  const headers = {};
  const key = $("api-key").value.trim();
  if (key) headers["X-API-Key"] = key;  // a header, never the URL: URLs end up in logs

  setStatus("Reading…");
  $("read").disabled = true;
  const started = performance.now();
  let response, body;
  try {
    response = await fetch(`${API}?${query}`, { method: "POST", body: form, headers });
  } catch (error) {
    setStatus(`The service did not answer: ${error.message}`, true);
    $("read").disabled = false;
    return;
  }
  try {
    body = await response.json();
  } catch (_) {
    body = {};  // not JSON: e.g. a proxy's own error page
  }
  $("read").disabled = false;
  if (!response.ok) {
    if (masked && response.status === 400 && body.code === "invalid_parameter") {
      // The document said masking exists but this service refuses it: hide it, read plainly.
      state.maskOffered = false;
      $("mask-option").hidden = true;
      return read();
    }
    showProblem(response, body);
    return;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  showResult(body, seconds);
}

function showProblem(response, body) {
  const words = body.detail ? `${body.title}: ${body.detail}` : `HTTP ${response.status}`;
  let hint = "";
  if (response.status === 401 || response.status === 403) {
    hint = " Enter an API key below.";
    $("key-box").open = true;
  } else if (response.status === 503 || response.status === 429) {
    const retry = response.headers.get("Retry-After");
    hint = retry ? ` Try again in ${retry} s.` : " Try again shortly.";
  }
  setStatus(`${words}.${hint} (code ${body.code ?? "?"}, request ${body.request_id ?? "?"})`, true);
  $("output").hidden = true;
  showRaw(body);
  if (response.status === 401 || response.status === 403) $("api-key").focus();
}

function showResult(body, seconds) {
  state.body = body;
  const count = Object.values(body.fields).filter(Boolean).length;
  setStatus(`Read ${count} field${count === 1 ? "" : "s"} from the ${SIDE_WORDS[body.side] ?? body.side} in ${seconds} s.`);
  $("output").hidden = false;
  $("side-read").textContent = SIDE_WORDS[body.side] ?? body.side;
  showFields(body);
  showChecks(body.checks);
  showWarnings(body.warnings);
  showQuality(body.quality);
  showTimings(body.timings_ms);
  $("model").textContent = `Models: ${body.model.det} + ${body.model.rec} on ${body.model.runtime}`;
  showPicture(body);
  showRaw(body);
}

// -- the picture and its boxes ---------------------------------------------------------------

function showPicture(body) {
  const images = body.images ?? {};
  const cardImage = images.masked ?? images.card;
  const corners = images.card_corners;
  const wantCard = $("view-card").checked || !state.photoUrl;
  $("view-choice").hidden = !(cardImage && corners && state.photoUrl);
  const picture = $("picture");
  let source, toPicture, caption;
  if (cardImage && corners && wantCard) {
    source = `data:image/jpeg;base64,${cardImage}`;
    caption = images.masked ? "The straightened card, masked, with the boxes read."
                            : "The straightened card, with each field's box.";
    toPicture = null;  // needs the crop's size: set once it has loaded
  } else if (state.photoUrl) {
    source = state.photoUrl;
    caption = "The image sent, with each field's box (boxes are in its pixels).";
    toPicture = (point) => point;
  } else {
    picture.removeAttribute("src");
    $("boxes").replaceChildren();
    $("picture-caption").textContent = "No picture to show for this file.";
    return;
  }
  picture.onload = () => {
    const width = picture.naturalWidth, height = picture.naturalHeight;
    const map = toPicture ?? projector(corners, [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]]);
    drawBoxes(body, width, height, map);
  };
  picture.alt = caption;
  picture.src = source;
  $("picture-caption").textContent = caption;
}

const FRONT_FIELDS = ["name", "sex", "ethnicity", "birth_date", "address", "id_number"];

function sideOf(field) {
  return FRONT_FIELDS.includes(field) ? "front" : "back";
}

function drawBoxes(body, width, height, map) {
  const svg = $("boxes");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const ns = "http://www.w3.org/2000/svg";
  const shapes = [];
  const size = Math.max(12, width / 48);  // labels keep their size relative to the picture
  // A PDF read over two pages: the crop is of the first page named in `pages`; the other
  // page's boxes are in that page's pixels, so they are not drawn over this crop.
  const cropPage = body.pages?.[0];
  for (const [name, field] of Object.entries(body.fields)) {
    if (!field) continue;
    if (cropPage && cropPage.side !== "both" && sideOf(name) !== cropPage.side) continue;
    const points = field.box.map(map);
    const [cx, cy] = points.reduce(([x, y], [px, py]) => [x + px / 4, y + py / 4], [0, 0]);
    if (cx < 0 || cy < 0 || cx > width || cy > height) continue;  // a second card's field
    const polygon = document.createElementNS(ns, "polygon");
    polygon.setAttribute("points", points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" "));
    polygon.dataset.field = name;
    if (field.review === true) polygon.classList.add("review");
    const label = document.createElementNS(ns, "text");
    const [lx, ly] = points[0];
    label.setAttribute("x", lx.toFixed(1));
    label.setAttribute("y", Math.max(size, ly - size / 4).toFixed(1));
    label.setAttribute("font-size", size.toFixed(1));
    label.setAttribute("stroke-width", (size / 5).toFixed(1));
    label.textContent = name;
    shapes.push(polygon, label);
  }
  svg.replaceChildren(...shapes);
  svg.dataset.boxes = String(shapes.length / 2);
}

// The perspective transform taking the four points `from` to the four points `to`.
function projector(from, to) {
  const rows = [], rhs = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i], [u, v] = to[i];
    rows.push([x, y, 1, 0, 0, 0, -u * x, -u * y]); rhs.push(u);
    rows.push([0, 0, 0, x, y, 1, -v * x, -v * y]); rhs.push(v);
  }
  const [a, b, c, d, e, f, g, h] = solve(rows, rhs);
  return ([x, y]) => {
    const w = g * x + h * y + 1;
    return [(a * x + b * y + c) / w, (d * x + e * y + f) / w];
  };
}

function solve(rows, rhs) {  // Gaussian elimination with partial pivoting
  const n = rhs.length, m = rows.map((row, i) => [...row, rhs[i]]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const k = m[r][col] / m[col][col];
      for (let c = col; c <= n; c++) m[r][c] -= k * m[col][c];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

// -- tables and lists ------------------------------------------------------------------------

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function showFields(body) {
  const rows = [];
  for (const [name, field] of Object.entries(body.fields)) {
    if (!field) continue;
    const tr = document.createElement("tr");
    tr.dataset.field = name;
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = FIELD_NAMES[name] ?? name;
    const review = field.review === undefined ? ["—", ""] : field.review ? ["needs review", "flag"] : ["ok", "clear"];
    tr.append(th, cell(field.value, "value"), cell(field.confidence.toFixed(2), "num"), cell(...review));
    if (field.raw && field.raw !== field.value) tr.title = `OCR read: ${field.raw}`;
    rows.push(tr);
  }
  if (!rows.length) {
    const tr = document.createElement("tr");
    const td = cell("No field was read.");
    td.colSpan = 4;
    tr.append(td);
    rows.push(tr);
  }
  $("fields").tBodies[0].replaceChildren(...rows);
  const summary = $("review-summary");
  summary.hidden = body.review_needed === undefined;
  if (body.review_needed !== undefined) {
    const reasons = (body.review_reasons ?? []).map((r) => (typeof r === "string" ? r : r.code ?? JSON.stringify(r)));
    summary.textContent = body.review_needed
      ? `A person should review this card${reasons.length ? `: ${reasons.join(", ")}` : ""}.`
      : "No field needs review.";
  }
}

function listItems(id, items) {
  $(id).replaceChildren(...items);
}

function showChecks(checks) {
  listItems("checks", Object.entries(checks).map(([name, status]) => {
    const li = document.createElement("li");
    li.className = status;
    li.textContent = `${CHECK_NAMES[name] ?? name.replaceAll("_", " ")}: ${CHECK_WORDS[status] ?? status}`;
    return li;
  }));
}

function showWarnings(warnings) {
  const items = warnings.map((notice) => {
    const li = document.createElement("li");
    const code = document.createElement("code");
    code.textContent = notice.code;
    li.append(`${notice.message} `, code);
    return li;
  });
  if (!items.length) {
    const li = document.createElement("li");
    li.textContent = "None.";
    items.push(li);
  }
  listItems("warnings", items);
}

function showQuality(quality) {
  $("quality-box").hidden = !quality;
  if (!quality) return;
  // Each signal is {score, raised, fields}: say whether it was raised and where.
  listItems("quality", Object.entries(quality).map(([name, signal]) => {
    const li = document.createElement("li");
    const where = signal.fields && signal.fields.length ? ` (${signal.fields.join(", ")})` : "";
    li.className = signal.raised ? "fail" : "pass";
    li.textContent = `${signal.raised ? "⚠ " : ""}${name.replaceAll("_", " ")}: ` +
      `${signal.raised ? "raised" : "not raised"}, score ${Number(signal.score).toFixed(2)}${where}`;
    return li;
  }));
}

function showTimings(timings) {
  $("timings").tBodies[0].replaceChildren(...Object.entries(timings)
    .filter(([name, ms]) => ms > 0 || name === "total")
    .map(([name, ms]) => {
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = name;
      tr.append(th, cell(`${ms.toFixed(1)} ms`, "num"));
      return tr;
    }));
}

function showRaw(body) {
  state.raw = body;
  $("raw-box").hidden = false;
  const text = JSON.stringify(body, (key, value) =>
    (typeof value === "string" && value.length > 120 && /^[A-Za-z0-9+/=]+$/.test(value)
      ? `${value.slice(0, 40)}… (${value.length} base64 characters)` : value), 2);
  // One line per point: [x, y] rather than four lines.
  $("raw").textContent = text.replace(/\[\s+(-?[\d.e+-]+),\s+(-?[\d.e+-]+)\s+\]/g, "[$1, $2]");
  $("copy-status").textContent = "";
}

async function copyJson() {
  const text = JSON.stringify(state.raw ?? {}, null, 2);
  try {
    await navigator.clipboard.writeText(text);
    $("copy-status").textContent = "Copied.";
  } catch (_) {
    // No clipboard permission (e.g. plain http on another host): select it for Ctrl+C.
    const selection = window.getSelection();
    const range = document.createRange();
    range.selectNodeContents($("raw"));
    selection.removeAllRanges();
    selection.addRange(range);
    $("copy-status").textContent = "Selected: press Ctrl+C (⌘C) to copy.";
  }
}

function setStatus(text, isError = false) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("error", isError);
}

wireInputs();
discover();
