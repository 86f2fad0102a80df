/* piancha dashboard: vanilla JS over the HTTP API (/v1/...), charts with the app-served plotly.min.js. */
"use strict";

const KEY_STORAGE = "piancha.apiKey";
const LAST_DOCUMENT = "piancha.lastDocument"; // the document reopened on the next page load
/* One fixed colour per code, so a cause has the same colour in every chart. */
const COLORS = {
  schedule: "#1f77b4", procurement: "#ff7f0e", funding: "#2ca02c", system: "#d62728", staffing: "#9467bd",
  work_quality: "#8c564b", coordination: "#e377c2", external: "#17becf", policy: "#bcbd22", management: "#393b79",
  target_setting: "#e7969c", demand_change: "#6b6ecf", effect_lag: "#637939", no_cause: "#7f7f7f", other: "#c7c7c7",
};
const GROUP_NAMES = { department: "主管部门", unit: "实施单位", project: "项目", year: "年度" };

const state = {
  categories: [],      // [{code, name_zh, ...}] from /v1/categories
  names: {},           // code → name_zh
  threshold: null,     // the serving model's abstain threshold, from /v1/models (never guessed here)
  serving: null,       // the serving model's version
  documentId: null,
  deviations: [],      // the open document's deviations
};

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

/* ---------- small helpers ---------- */

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function nameOf(code) {
  return state.names[code] || code || "";
}

/** "中文名 code" as two nodes: the name, and the code alongside for export users. */
function codeCell(code) {
  return [el("span", { class: "name-zh" }, nameOf(code)), " ", el("code", {}, code || "")];
}

function pct(x) {
  return x === null || x === undefined ? "—" : `${(100 * x).toFixed(1)}%`;
}

function num(x, digits = 2) {
  if (x === null || x === undefined || x === "") return "—";
  const n = Number(x);
  return Number.isInteger(n) ? String(n) : n.toFixed(digits);
}

function setStatus(message, isError = false, details = "") {
  const node = $("#status");
  node.textContent = message || "";
  node.classList.toggle("error", Boolean(isError));
  node.classList.toggle("details", Boolean(details));
  if (details) node.title = details;
  else node.removeAttribute("title");
}

const HAN = /[\u3400-\u9fff]/;

/** The Chinese half of a server message written "English / 中文" (the part after the last " / " with Chinese in it). */
function chineseOf(message) {
  const parts = String(message || "").split(" / ").map((p) => p.trim());
  const zh = parts.filter((p) => HAN.test(p) && !/[A-Za-z]{3,}/.test(p));
  return zh.length ? zh[zh.length - 1] : "";
}

/** One Chinese sentence for an error; the server's full message goes to the tooltip. */
function friendly(error) {
  const zh = chineseOf(error.message);
  const byStatus = {
    400: "请求有误，未能完成。",
    401: "API 密钥错误或缺失，操作未完成。",
    403: "没有权限执行此操作。",
    404: "要找的记录不存在（可能已被删除）。",
    409: "操作与现有数据冲突，未能完成。",
    413: "文件或文本太大，未能处理。",
    415: "不支持的文件类型：请上传 .txt、.pdf 或 .xlsx 文件。",
    422: "输入无效：请检查后重试。",
    429: "请求太频繁，请稍后再试。",
  };
  if (zh) return `未能完成：${zh.replace(/[。；;，,\s]+$/, "")}。`;
  if (error.status && byStatus[error.status]) return byStatus[error.status];
  if (error.status >= 500) return "服务器出错，请稍后重试或联系管理员。";
  if (error.zh) return error.zh;
  return "操作未能完成，请重试。";
}

/** The message of an error answer: FastAPI's detail (a string, or a list of validation errors). */
function detailOf(body, response) {
  const d = body && body.detail;
  if (typeof d === "string") return d;
  if (Array.isArray(d)) return d.map((e) => `${(e.loc || []).slice(1).join(".")}: ${e.msg}`).join("; ");
  return `${response.status} ${response.statusText}`;
}

async function fetchJson(path, options = {}) {
  const response = await fetch(path, options);
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const error = new Error(detailOf(body, response));
    error.status = response.status;
    throw error;
  }
  return body;
}

/** Any route: sends the API key kept in sessionStorage; on 401 (a write route, or reads with a read key
 * configured) asks for it once and retries. */
async function writeApi(path, options = {}) {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const key = sessionStorage.getItem(KEY_STORAGE);
    const headers = { ...(options.headers || {}) };
    if (key) headers["X-API-Key"] = key;
    try {
      return await fetchJson(path, { ...options, headers });
    } catch (error) {
      if (error.status !== 401 || attempt > 0) throw error;
      sessionStorage.removeItem(KEY_STORAGE);
      const entered = (window.prompt("此操作需要 API 密钥（X-API-Key）。请输入：", "") || "").trim();
      if (!entered) throw Object.assign(new Error("cancelled: no API key"), { zh: "未输入 API 密钥，操作已取消。" });
      // An HTTP header carries only ISO-8859-1; a key the browser cannot send is refused here, not by fetch.
      if (!/^[\x20-\x7e]+$/.test(entered)) {
        throw Object.assign(new Error("the API key must be ASCII"), {
          zh: "API 密钥只能包含 ASCII 字符（字母、数字、符号）。",
        });
      }
      sessionStorage.setItem(KEY_STORAGE, entered);
    }
  }
  throw Object.assign(new Error("wrong API key"), { status: 401 });
}

const api = writeApi;

function jsonBody(data) {
  return { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) };
}

/* ---------- tabs ---------- */

const TABS = ["classify", "forms", "stats", "findings", "model"];

function showTab(name, focus = false) {
  if (name === "categories") {
    showCategories().catch(showError);
    return;
  }
  if (!TABS.includes(name)) name = "classify";
  $("#panel-categories").hidden = true;
  setStatus("");
  for (const t of TABS) {
    const tab = $(`#tab-${t}`);
    const on = t === name;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`#panel-${t}`).hidden = !on;
  }
  if (focus) $(`#tab-${name}`).focus();
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
  if (name === "stats") loadStats().catch(showError);
  if (name === "model") loadModel().catch(showError);
  if (name === "findings") loadFindings().catch(showError);
  if (name === "forms") loadDocumentList().catch(showError);
  // plotly draws at the container's size: redraw once a hidden panel becomes visible.
  if (window.Plotly) $$(`#panel-${name} .js-plotly-plot`).forEach((c) => Plotly.Plots.resize(c));
}

function setupTabs() {
  for (const t of TABS) {
    const tab = $(`#tab-${t}`);
    tab.addEventListener("click", () => showTab(t));
    tab.addEventListener("keydown", (event) => {
      const i = TABS.indexOf(t);
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: TABS.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      showTab(TABS[(next + TABS.length) % TABS.length], true);
    });
  }
  window.addEventListener("hashchange", () => showTab(location.hash.slice(1)));
}

function showError(error) {
  console.warn(error);
  setStatus(friendly(error), true, `详细信息：${error.message}`);
}

/* ---------- 原因类别说明 (the taxonomy as a page) ---------- */

async function showCategories() {
  for (const t of TABS) {
    $(`#tab-${t}`).setAttribute("aria-selected", "false");
    $(`#panel-${t}`).hidden = true;
  }
  const panel = $("#panel-categories");
  panel.hidden = false;
  $("#categories-table tbody").replaceChildren(
    ...state.categories.map((c) =>
      el(
        "tr",
        {},
        el("td", {}, c.name_zh),
        el("td", { class: "code-col" }, el("code", {}, c.code)),
        el("td", {}, (c.cues || []).join("、") || (c.trainable ? "—" : "模型置信度低于阈值时弃权，归为此类")),
      ),
    ),
  );
  panel.scrollIntoView();
}

function setupCategories() {
  $("#categories-close").addEventListener("click", () => {
    $("#panel-categories").hidden = true;
    history.back();
  });
}

/* ---------- 分类 ---------- */

/** Per-character normal form (full-width → half-width, lower case) with indices kept aligned to the text. */
function foldChars(text) {
  return Array.from(text, (c) => {
    const n = c.normalize("NFKC").toLowerCase();
    return n.length === 1 ? n : c;
  });
}

/** The text as nodes, with every occurrence of an evidence term (spaces between its words dropped) in <mark>. */
function highlight(text, terms) {
  const chars = Array.from(text);
  const folded = foldChars(text);
  const marked = new Array(chars.length).fill(false);
  for (const raw of terms) {
    const term = foldChars(String(raw).replace(/\s+/g, ""));
    if (!term.length) continue;
    for (let i = 0; i + term.length <= folded.length; i += 1) {
      if (term.every((c, k) => folded[i + k] === c)) marked.fill(true, i, i + term.length);
    }
  }
  const nodes = [];
  let i = 0;
  while (i < chars.length) {
    let j = i;
    while (j < chars.length && marked[j] === marked[i]) j += 1;
    const piece = chars.slice(i, j).join("");
    nodes.push(marked[i] ? el("mark", { class: "ev" }, piece) : document.createTextNode(piece));
    i = j;
  }
  return nodes;
}

/** An evidence term as the text has it: the tokenizer's spaces and the punctuation at its ends dropped. */
function wordOf(term) {
  return String(term).replace(/\s+/g, "").replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, "");
}

function renderClassification(text, result) {
  $("#classify-result").hidden = false;
  $("#result-name").textContent = result.label_zh;
  $("#result-code").textContent = result.label;
  $("#result-confidence").textContent = result.abstained ? "弃权" : pct(result.confidence);
  const abstain = $("#result-abstain");
  abstain.hidden = !result.abstained;
  if (result.abstained && result.ranking.length) {
    const top = result.ranking[0];
    abstain.textContent = `模型不确定（最高置信度低于阈值 ${pct(state.threshold)}），暂归为“其他”。最接近的类别是“${top.label_zh}”，其置信度为 ${pct(top.confidence)}。`;
  }
  const terms = (result.evidence || []).map((e) => wordOf(e.term));
  $("#result-text").replaceChildren(...highlight(text, terms));
  $("#result-cause").textContent = result.cause_text || "—";
  $("#result-measure").textContent = result.measure_text || "—";
  $("#result-version").textContent = result.model_version || "";

  const top = result.ranking.length ? result.ranking[0].confidence : 1;
  $("#ranking-table tbody").replaceChildren(
    ...result.ranking.map((r, i) =>
      el(
        "tr",
        { class: r.label === result.label ? "chosen" : null },
        el("td", { class: "num" }, i + 1),
        el("td", {}, r.label_zh),
        el("td", { class: "code-col" }, el("code", {}, r.label)),
        el(
          "td",
          { class: "num" },
          el("span", { class: "bar", style: `width:${Math.round((60 * r.confidence) / (top || 1))}px`, "aria-hidden": "true" }),
          pct(r.confidence),
        ),
      ),
    ),
  );
  const evidence = result.evidence || [];
  $("#evidence-table tbody").replaceChildren(
    ...(evidence.length
      ? evidence.map((e) => el("tr", {}, el("td", {}, el("mark", { class: "ev" }, wordOf(e.term))), el("td", { class: "num" }, num(e.weight, 3))))
      : [el("tr", {}, el("td", { colspan: 2, class: "hint" }, "无（文本中没有推动该判定的词）"))]),
  );
}

function setupClassify() {
  const text = $("#classify-text");
  text.addEventListener("input", () => {
    $("#classify-count").textContent = `${text.value.length} / 2000`;
  });
  $("#classify-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = $("#classify-submit");
    button.disabled = true;
    setStatus("分类中…");
    try {
      const value = text.value;
      const result = await api("/v1/classify", jsonBody({ text: value }));
      renderClassification(value, result);
      setStatus(result.abstained ? "分类完成：模型弃权（其他）" : `分类完成：${result.label_zh}`);
    } catch (error) {
      showError(error);
    } finally {
      button.disabled = false;
    }
  });
}

/* ---------- 表单 ---------- */

/** A stored document's forms (`form_list`) and all their deviations, each deviation knowing its form's project. */
function formsAndDeviations(doc) {
  const forms = doc.form_list || [];
  const deviations = forms.flatMap((f) => f.deviations.map((d) => ({ ...d, project: f.project, form_id: f.id })));
  return { forms, deviations };
}

function isLowConfidence(d) {
  if (d.corrected_code) return false; // a human has decided
  if (d.abstained || d.code === "other") return true;
  return d.confidence !== null && d.confidence !== undefined && d.confidence < state.threshold;
}

function codeSelect(d) {
  const select = el("select", { "aria-label": `更正偏差 ${d.id} 的原因类别`, "data-deviation": d.id });
  const codes = state.categories.filter((c) => c.trainable).map((c) => c.code);
  if (d.code && !codes.includes(d.code)) codes.push(d.code); // "other" (abstained) until a human picks a code
  for (const code of codes) {
    const option = el("option", { value: code }, nameOf(code));
    if (code === d.code) option.selected = true;
    select.append(option);
  }
  select.dataset.current = d.code;
  return select;
}

/** How many deviations of the open document have exactly this text (a correction applies to all of them). */
function sameTextCount(d) {
  if (!d.text || !d.text.trim()) return 1;
  return state.deviations.filter((x) => x.text === d.text).length;
}

/** The code picker of a row: choosing only arms the 确认 button; a correction is sent on click or Enter. */
function codeControls(d) {
  const select = codeSelect(d);
  const n = sameTextCount(d);
  const confirm = el("button", { type: "button", class: "confirm", disabled: true }, n > 1 ? `确认更正（${n} 条）` : "确认更正");
  const apply = () => {
    if (select.value !== select.dataset.current) correct(d, select, confirm);
  };
  select.addEventListener("change", () => {
    confirm.disabled = select.value === select.dataset.current;
  });
  select.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      apply();
    }
  });
  confirm.addEventListener("click", apply);
  const parts = [select, " ", confirm];
  if (n > 1) parts.push(el("div", { class: "hint same-text" }, `本文件相同文本共 ${n} 条，一并更正`));
  return parts;
}

/** 置信度 as the row means it: a human's decision, an abstention (no code's number beside 其他), or the model's. */
function confidenceText(d) {
  if (d.corrected_code) return "人工更正";
  if (d.abstained) return "弃权";
  return pct(d.confidence);
}

function deviationRow(d) {
  const low = isLowConfidence(d);
  const corrected = Boolean(d.corrected_code);
  const codeTd = el("td", { class: "code" }, codeControls(d));
  if (low) codeTd.append(el("div", {}, el("span", { class: "flag" }, "低置信度，请复核")));
  if (corrected) {
    codeTd.append(
      el("div", {}, el("span", { class: "flag human" }, "已人工更正")),
      el("div", { class: "hint model-answer" }, `模型答案：${nameOf(d.predicted_code)}（${pct(d.confidence)}）`),
    );
  }
  return el(
    "tr",
    { class: low ? "low-confidence" : null, "data-deviation": d.id },
    el("td", { class: "project" }, d.project),
    el("td", {}, d.indicator),
    el("td", { class: "text" }, d.text || el("span", { class: "hint" }, "（未填写原因）")),
    codeTd,
    el("td", { class: "num" }, confidenceText(d)),
    el("td", { class: "num" }, num(d.points_lost)),
  );
}

/** Sends a correction (or, with label null, removes it) and redraws the rows it touched; returns the answer. */
async function sendLabel(d, label) {
  const stored = await writeApi(
    "/v1/labels",
    jsonBody({ deviation_id: d.id, label, who: "dashboard", apply_to_same_text: true }),
  );
  const ids = new Set(stored.deviation_ids || [d.id]);
  for (const x of state.deviations) {
    if (!ids.has(x.id)) continue;
    x.corrected_code = stored.corrected_code;
    x.code = x.corrected_code || x.predicted_code;
    const row = $(`#deviations-table tbody tr[data-deviation="${x.id}"]`);
    if (row) row.replaceWith(deviationRow(x));
  }
  renderDeviationSummary();
  return stored;
}

async function correct(d, select, button) {
  const label = select.value;
  const previous = select.dataset.current;
  const previousCorrection = d.corrected_code || null;
  select.disabled = true;
  button.disabled = true;
  setStatus(`正在更正：${nameOf(previous)} → ${nameOf(label)}…`);
  try {
    const stored = await sendLabel(d, label);
    const n = stored.touched || 1;
    const undo = el("button", { type: "button", id: "undo-label" }, "撤销");
    undo.addEventListener("click", async () => {
      undo.disabled = true;
      try {
        await sendLabel(d, previousCorrection);
        const message = `已撤销：${n} 条偏差恢复为“${nameOf(previousCorrection || d.predicted_code)}”。`;
        setStatus(message);
        $("#last-correction").replaceChildren(message);
      } catch (error) {
        showError(error);
      }
    });
    const message = `已更正 ${n} 条偏差为“${nameOf(label)}”，统计已按更正计算。`;
    setStatus(message);
    const bar = $("#last-correction");
    bar.replaceChildren(message, " ", undo);
    bar.hidden = false;
    const row = $(`#deviations-table tbody tr[data-deviation="${d.id}"] select`);
    if (row) row.focus();
  } catch (error) {
    select.value = previous;
    select.disabled = false;
    button.disabled = false;
    showError(error);
  }
}

function renderDocument(doc) {
  const { forms, deviations } = formsAndDeviations(doc);
  state.documentId = doc.id;
  $("#document-view").hidden = false;
  $("#document-title").textContent = `${doc.file_name}（文档 ${doc.id}）`;
  const meta = [`${forms.length} 张自评表`, `${deviations.length} 条偏差`, `导入于 ${when(doc.ingested_at)}`];
  if (doc.model_version) meta.push(`模型 ${doc.model_version}`);
  if (doc.duplicate) meta.unshift("该文件此前已上传，显示已有结果");
  $("#document-meta").textContent = meta.join(" · ");
  const warnings = [
    ...(doc.warnings || []).map((w) => ["", w]),
    ...forms.flatMap((f, i) => (f.warnings || []).map((w) => [`第 ${i + 1} 张表（${shortName(f.project, 24)}）：`, w])),
  ];
  $("#document-warnings").replaceChildren(
    ...warnings.map(([where, w]) =>
      el("li", { title: w, class: "details" }, where + (chineseOf(w) || "有一处需要核对的问题（详见提示）")),
    ),
  );

  $("#forms-table tbody").replaceChildren(
    ...forms.map((f, i) =>
      el(
        "tr",
        { class: f.missing_reasons.length ? "missing" : null },
        el("td", { class: "num" }, i + 1),
        el("td", { class: "project" }, f.project),
        el("td", {}, f.department ?? "—"),
        el("td", {}, f.unit ?? "—"),
        el("td", {}, f.year ?? "—"),
        el("td", { class: "num" }, f.deviations.length),
        el(
          "td",
          {},
          f.missing_reasons.length
            ? el("span", { class: "flag", title: f.missing_reasons.join("、") }, `${f.missing_reasons.length} 项：${f.missing_reasons.join("、")}`)
            : "—",
        ),
        el("td", { class: "num" }, num(f.total_score)),
        el("td", {}, f.grade ?? "—"),
      ),
    ),
  );
  state.deviations = deviations;
  renderDeviationSummary();
  $("#deviations-table tbody").replaceChildren(...deviations.map(deviationRow));
  $("#document-select").value = String(doc.id);
  localStorage.setItem(LAST_DOCUMENT, String(doc.id));
}

function renderDeviationSummary() {
  const deviations = state.deviations;
  const low = deviations.filter(isLowConfidence).length;
  $("#deviation-summary").textContent = `共 ${deviations.length} 条，其中 ${low} 条低置信度`;
  const onlyLow = $("#only-low").checked;
  $("#only-low-empty").hidden = !(onlyLow && low === 0);
}

async function loadDocumentList() {
  const docs = await api("/v1/documents");
  const select = $("#document-select");
  select.replaceChildren(
    el("option", { value: "" }, docs.length ? "（选择一个文件）" : "（尚无已上传的文件）"),
    ...docs.map((d) => el("option", { value: d.id }, `#${d.id} ${d.file_name}（${d.forms} 张表，${d.deviations} 条偏差）`)),
  );
  if (state.documentId !== null) select.value = String(state.documentId);
}

async function openDocument(id) {
  setStatus(`读取文档 ${id}…`);
  const doc = await api(`/v1/documents/${encodeURIComponent(id)}`);
  renderDocument(doc);
  setStatus("");
}

function setupForms() {
  $("#upload-file").addEventListener("change", (event) => {
    const file = event.target.files[0];
    $("#upload-name").textContent = file ? file.name : "未选择文件";
  });
  $("#upload-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = $("#upload-file").files[0];
    if (!file) {
      setStatus("请先选择一个 .txt / .pdf / .xlsx 文件", true);
      return;
    }
    const button = $("#upload-submit");
    button.disabled = true;
    setStatus(`上传并分析 ${file.name}…`);
    try {
      const data = new FormData();
      data.append("file", file);
      const doc = await writeApi("/v1/documents", { method: "POST", body: data });
      renderDocument(doc);
      await loadDocumentList();
      const again = doc.duplicate ? "（此前已上传，显示已有结果）" : "";
      setStatus(`${doc.file_name}：${doc.forms} 张自评表、${doc.deviations} 条偏差${again}`);
    } catch (error) {
      showError(error);
    } finally {
      button.disabled = false;
    }
  });
  $("#only-low").addEventListener("change", (event) => {
    $("#deviations-table").classList.toggle("only-low", event.target.checked);
    renderDeviationSummary();
  });
  $("#document-select").addEventListener("change", (event) => {
    if (event.target.value) openDocument(event.target.value).catch(showError);
  });
}

/* ---------- 统计 ---------- */

function statsQuery(groupBy, { year = true, department = true, format = null } = {}) {
  const params = new URLSearchParams({ group_by: groupBy });
  const y = $("#filter-year").value;
  const d = $("#filter-department").value;
  if (year && y) params.set("year", y);
  if (department && d) params.set("department", d);
  if (format) params.set("format", format);
  return `/v1/stats/causes?${params}`;
}

const rowsOf = (answer) => (Array.isArray(answer) ? answer : answer.rows || []);
const counted = (rows) => rows.filter((r) => r.label && r.count > 0);

function fillFilter(select, values, label) {
  const keep = select.value;
  select.replaceChildren(el("option", { value: "" }, "全部"), ...values.map((v) => el("option", { value: v }, label ? label(v) : v)));
  if (values.map(String).includes(keep)) select.value = keep;
}

/** Codes in taxonomy order (then any others), limited to those present in the rows. */
function codesIn(rows) {
  const present = new Set(rows.map((r) => r.label));
  const order = state.categories.map((c) => c.code).filter((c) => present.has(c));
  return [...order, ...[...present].filter((c) => !order.includes(c))];
}

function shortName(text, max = 18) {
  const s = String(text ?? "（未填）");
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/* Only one mode-bar button, a local PNG download: no "send to cloud", no Chart Studio link, no English toolbar. */
const DOWNLOAD_PNG = {
  name: "下载为 PNG 图片",
  title: "下载为 PNG 图片",
  icon: window.Plotly ? Plotly.Icons.camera : undefined,
  click: (gd) => Plotly.downloadImage(gd, { format: "png", filename: gd.id || "piancha-chart" }),
};
const PLOT_CONFIG = {
  displaylogo: false,
  responsive: true,
  showSendToCloud: false,
  showEditInChartStudio: false,
  showLink: false,
  sendData: false,
  showTips: false,
  modeBarButtons: [[DOWNLOAD_PNG]],
};
const FONT = { family: "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, sans-serif", size: 12 };

function drawGroups(rows, groupBy) {
  const groups = [...new Set(rows.map((r) => String(r.group ?? "（未填）")))];
  const totals = new Map(groups.map((g) => [g, 0]));
  for (const r of rows) totals.set(String(r.group ?? "（未填）"), totals.get(String(r.group ?? "（未填）")) + r.count);
  groups.sort((a, b) => totals.get(a) - totals.get(b)); // largest at the top of a horizontal bar chart
  const traces = codesIn(rows).map((code) => {
    const byGroup = new Map(rows.filter((r) => r.label === code).map((r) => [String(r.group ?? "（未填）"), r]));
    return {
      type: "bar",
      orientation: "h",
      name: nameOf(code),
      meta: code,
      y: groups,
      x: groups.map((g) => (byGroup.has(g) ? byGroup.get(g).count : 0)),
      customdata: groups.map((g) => num(byGroup.has(g) ? byGroup.get(g).points_lost : null)),
      marker: { color: COLORS[code] || "#999" },
      hovertemplate: `%{y}<br>${nameOf(code)}：%{x} 条，扣分 %{customdata}<extra></extra>`,
    };
  });
  const legendRows = Math.ceil(traces.length / 5);
  const layout = {
    barmode: "stack",
    font: FONT,
    height: 110 + 22 * legendRows + 36 * groups.length,
    margin: { l: 10, r: 10, t: 10, b: 50 },
    bargap: 0.3,
    xaxis: { title: { text: "偏差条数" }, rangemode: "tozero" },
    yaxis: {
      automargin: true,
      tickmode: "array",
      tickvals: groups,
      ticktext: groups.map((g) => shortName(g, window.innerWidth < 640 ? 9 : 18)),
    },
    legend: { orientation: "h", x: 0, y: 1, yanchor: "bottom", traceorder: "normal" },
  };
  if (Math.max(0, ...totals.values()) <= 20) layout.xaxis.dtick = 1;
  $("#chart-groups").style.height = `${layout.height}px`;
  $("#chart-groups-title").textContent = `各${GROUP_NAMES[groupBy] || groupBy}的原因频次（堆积）`;
  Plotly.react("chart-groups", traces, layout, PLOT_CONFIG);
}

function drawPoints(rows) {
  const sums = new Map(); // only the points lost that are known; a code whose deviations are all unknown is left out
  for (const r of rows) {
    if (r.points_lost === null || r.points_lost === undefined) continue;
    sums.set(r.label, (sums.get(r.label) || 0) + r.points_lost);
  }
  const codes = [...sums.keys()].sort((a, b) => sums.get(a) - sums.get(b));
  const nothing = [...sums.values()].every((v) => !v);
  $("#chart-points-empty").hidden = !nothing;
  $("#chart-points").hidden = nothing;
  if (nothing) {
    Plotly.purge("chart-points");
    return;
  }
  Plotly.react(
    "chart-points",
    [
      {
        type: "bar",
        orientation: "h",
        y: codes.map((c) => nameOf(c)),
        x: codes.map((c) => Math.round(sums.get(c) * 100) / 100),
        marker: { color: codes.map((c) => COLORS[c] || "#999") },
        hovertemplate: "%{y}：扣分 %{x}<extra></extra>",
      },
    ],
    {
      font: FONT,
      height: Math.max(320, 28 * codes.length + 80),
      margin: { l: 10, r: 20, t: 10, b: 40 },
      xaxis: { title: { text: "扣分合计（分值 − 得分）" }, rangemode: "tozero" },
      yaxis: { automargin: true },
    },
    PLOT_CONFIG,
  );
}

function drawTrend(rows) {
  const years = [...new Set(rows.map((r) => r.group).filter((y) => y !== null && y !== undefined))].map(Number).sort((a, b) => a - b);
  const note = $("#chart-trend-note");
  const few = years.length < 2;
  note.hidden = !few;
  $("#chart-trend").hidden = few;
  if (few) {
    Plotly.purge("chart-trend");
    const total = rows.reduce((s, r) => s + r.count, 0);
    const top = [...rows].sort((a, b) => b.count - a.count).slice(0, 3).map((r) => `${nameOf(r.label)} ${r.count} 条`);
    note.textContent = years.length
      ? `只有 ${years[0]} 年一个年度的数据（共 ${total} 条偏差，最多的是 ${top.join("、")}），至少两个年度才能画趋势。`
      : "没有填写年度的数据，无法画趋势。";
    return;
  }
  const traces = codesIn(rows).map((code) => {
    const byYear = new Map(rows.filter((r) => r.label === code).map((r) => [Number(r.group), r.count]));
    return {
      type: "scatter",
      mode: "lines+markers",
      name: nameOf(code),
      x: years,
      y: years.map((y) => byYear.get(y) || 0),
      line: { color: COLORS[code] || "#999" },
      marker: { size: 8 },
      hovertemplate: `%{x} 年 ${nameOf(code)}：%{y} 条<extra></extra>`,
    };
  });
  Plotly.react(
    "chart-trend",
    traces,
    {
      font: FONT,
      height: 360,
      margin: { l: 50, r: 10, t: 10, b: 40 },
      xaxis: { title: { text: "年度" }, tickmode: "array", tickvals: years, ticktext: years.map(String) },
      yaxis: { title: { text: "偏差条数" }, rangemode: "tozero" },
      showlegend: true,
      legend: { font: { size: 11 } },
    },
    PLOT_CONFIG,
  );
}

function renderGroupTotals(groups, groupBy) {
  $("#group-totals-title").firstChild.textContent = `各${GROUP_NAMES[groupBy] || "分组"}合计 `;
  $("#group-totals-table tbody").replaceChildren(
    ...groups.map((g) =>
      el(
        "tr",
        { class: g.abstain_rate > 0 || g.missing_reasons > 0 ? "attention" : null },
        el("td", {}, g.group ?? "（未填）"),
        el("td", { class: "num" }, g.deviations),
        el("td", { class: "num" }, g.forms),
        el("td", { class: "num" }, num(g.points_lost)),
        el("td", { class: "num" }, g.points_lost_unknown ?? "—"),
        el("td", { class: "num" }, g.missing_reasons),
        el("td", { class: "num" }, g.abstained),
        el("td", { class: "num" }, pct(g.abstain_rate)),
      ),
    ),
  );
}

function renderStatsTable(rows) {
  $("#stats-table tbody").replaceChildren(
    ...rows.map((r) =>
      el(
        "tr",
        {},
        el("td", {}, r.group ?? "（未填）"),
        el("td", {}, r.label_zh ?? nameOf(r.label)),
        el("td", { class: "code-col" }, el("code", {}, r.label ?? "")),
        el("td", { class: "num" }, r.count),
        el("td", { class: "num" }, pct(r.share)),
        el("td", { class: "num" }, num(r.points_lost)),
        el("td", { class: "num" }, r.forms ?? ""),
        el("td", { class: "text" }, r.example ?? ""),
      ),
    ),
  );
}

/** The year and department choices, from the statistics by year and by department (the 统计 tab's, or others). */
async function loadFilters(yearSelect = $("#filter-year"), departmentSelect = $("#filter-department")) {
  const [years, departments] = await Promise.all([
    api("/v1/stats/causes?group_by=year"),
    api("/v1/stats/causes?group_by=department"),
  ]);
  const uniq = (rows) => [...new Set(rowsOf(rows).map((r) => r.group).filter((g) => g !== null && g !== undefined && g !== ""))];
  fillFilter(yearSelect, uniq(years).map(Number).sort((a, b) => b - a), (y) => `${y} 年`);
  fillFilter(departmentSelect, uniq(departments).sort());
}

async function loadStats() {
  if (!window.Plotly) throw new Error("图表库未加载（/static/vendor/plotly.min.js）");
  const panel = $("#panel-stats");
  panel.dataset.loading = "true";
  const groupBy = $("#filter-group").value;
  setStatus("统计中…");
  await loadFilters();
  const [main, byYear] = await Promise.all([api(statsQuery(groupBy)), api(statsQuery("year", { year: false }))]);
  const rows = counted(rowsOf(main));
  $("#download-csv").href = statsQuery(groupBy, { format: "csv" });
  $("#download-xlsx").href = statsQuery(groupBy, { format: "xlsx" });
  const empty = rows.length === 0;
  $("#stats-empty").hidden = !empty;
  $("#stats-charts").hidden = empty;
  for (const a of $$(".downloads a")) a.setAttribute("aria-disabled", String(empty));
  if (!empty) {
    drawGroups(rows, groupBy);
    drawPoints(rows);
    drawTrend(counted(rowsOf(byYear)));
    renderGroupTotals(main.groups || [], groupBy);
    renderStatsTable(rows);
  }
  panel.dataset.loading = "false";
  panel.dataset.renders = String(Number(panel.dataset.renders || 0) + 1); // lets tests wait for a fresh drawing
  const total = rows.reduce((s, r) => s + r.count, 0);
  setStatus(empty ? "" : `统计：${total} 条偏差，按${GROUP_NAMES[groupBy]}分组`);
}

function setupStats() {
  for (const id of ["#filter-group", "#filter-year", "#filter-department"]) {
    $(id).addEventListener("change", () => loadStats().catch(showError));
  }
  $("#stats-filters").addEventListener("submit", (event) => event.preventDefault());
}

/* ---------- 审计发现 ---------- */

const VERDICTS = { confirmed: "已核实", rejected: "不成立" };

function findingsQuery({ format = null, rule = true } = {}) {
  const params = new URLSearchParams();
  const y = $("#findings-year").value;
  const d = $("#findings-department").value;
  const r = $("#findings-rule").value;
  if (y) params.set("year", y);
  if (d) params.set("department", d);
  if (rule && r) params.set("rule", r);
  if (format) params.set("format", format);
  return `/v1/findings?${params}`;
}

function renderFindingUnits(units, rules) {
  const codes = Object.keys(rules);
  $("#findings-units thead tr").replaceChildren(
    el("th", { scope: "col" }, "实施单位"),
    el("th", { scope: "col", class: "num" }, "合计"),
    ...codes.map((c) => el("th", { scope: "col", class: "num" }, rules[c])),
    el("th", { scope: "col", class: "num" }, "未说明真实原因比例"),
  );
  $("#findings-units tbody").replaceChildren(
    ...units.map((u) =>
      el(
        "tr",
        { class: u.total > 0 ? "attention" : null, "data-unit": u.unit ?? "" },
        el("td", {}, u.unit ?? "（未填）"),
        el("td", { class: "num total" }, u.total),
        ...codes.map((c) => el("td", { class: "num", "data-rule": c }, u.by_rule[c] ?? 0)),
        el("td", { class: "num" }, pct(u.no_cause_rate)),
      ),
    ),
  );
}

function verdictCell(f) {
  const status = el("span", { class: "verdict-status" }, f.verdict_zh || "未核实");
  const by = f.verdict_by ? el("span", { class: "hint" }, `（${f.verdict_by}，${when(f.verdict_at)}）`) : null;
  const buttons = Object.entries(VERDICTS).map(([code, zh]) =>
    el("button", { type: "button", class: `mark ${code}`, "data-verdict": code, disabled: f.verdict === code,
      onclick: (event) => markFinding(f, code, event.target) }, zh),
  );
  const undo = f.verdict
    ? el("button", { type: "button", class: "mark undo", onclick: (event) => markFinding(f, null, event.target) }, "撤销")
    : null;
  return el("td", { class: "verdict-col" }, status, by, el("div", { class: "actions" }, ...buttons, undo));
}

function findingRow(f) {
  const link = f.document_id
    ? el("a", { href: "#forms", class: "form-link", "data-document": f.document_id,
        onclick: (event) => { event.preventDefault(); showForm(f.document_id).catch(showError); } }, `文档 ${f.document_id}`)
    : "—";
  const indicators = f.indicators.length > 6 ? [...f.indicators.slice(0, 6), `等 ${f.indicators.length} 项`] : f.indicators;
  return el(
    "tr",
    { "data-finding": f.id, "data-rule": f.rule, class: f.verdict ? `judged ${f.verdict}` : null },
    el("td", {}, f.title_zh),
    el("td", {}, f.unit ?? "（未填）"),
    el("td", {}, f.project ?? "—"),
    el("td", {}, f.year ?? "—"),
    el("td", { class: "indicators" }, indicators.join("、")),
    el("td", { class: "text" }, f.evidence),
    el("td", {}, link),
    verdictCell(f),
  );
}

async function showForm(documentId) {
  await openDocument(documentId);
  showTab("forms");
}

async function markFinding(f, verdict, button) {
  button.disabled = true;
  try {
    const marked = await writeApi("/v1/findings/verdicts", jsonBody({ finding_id: f.id, verdict, who: "网页核实" }));
    Object.assign(f, marked);
    $(`#findings-table tbody tr[data-finding="${f.id}"]`).replaceWith(findingRow(f));
    const note = $("#last-verdict");
    note.hidden = false;
    note.textContent = verdict ? `已标记为“${VERDICTS[verdict]}”：${f.title_zh}（${f.unit ?? "未填单位"}）` : `已撤销核实结论：${f.title_zh}`;
  } catch (error) {
    button.disabled = false;
    showError(error);
  }
}

async function loadFindings() {
  const panel = $("#panel-findings");
  setStatus("计算审计发现…");
  await loadFilters($("#findings-year"), $("#findings-department"));
  const answer = await api(findingsQuery());
  const rules = answer.rules || {};
  if ($("#findings-rule").options.length <= 1) {
    fillFilter($("#findings-rule"), Object.keys(rules), (c) => rules[c]);
  }
  $("#findings-csv").href = findingsQuery({ format: "csv" });
  $("#findings-xlsx").href = findingsQuery({ format: "xlsx" });
  const department = $("#findings-department").value;
  const report = $("#findings-report");
  const year = $("#findings-year").value;
  report.href = department
    ? `/v1/reports/department.xlsx?${new URLSearchParams({ department, ...(year ? { year } : {}) })}`
    : "#";
  report.setAttribute("aria-disabled", String(!department));
  report.title = department ? `${department}的部门报告（Excel）` : "先选择主管部门";
  const empty = answer.total === 0;
  $("#findings-empty").hidden = !empty;
  $("#findings-view").hidden = empty;
  renderFindingUnits(answer.units || [], rules);
  const shown = answer.findings || [];
  $("#findings-count").textContent = shown.length < answer.total ? `（共 ${answer.total} 条，显示前 ${shown.length} 条）` : `（共 ${answer.total} 条）`;
  $("#findings-table tbody").replaceChildren(...shown.map(findingRow));
  panel.dataset.renders = String(Number(panel.dataset.renders || 0) + 1); // lets tests wait for a fresh list
  setStatus(empty ? "" : `审计发现：${answer.total} 条`);
}

function setupFindings() {
  for (const id of ["#findings-year", "#findings-department", "#findings-rule"]) {
    $(id).addEventListener("change", () => loadFindings().catch(showError));
  }
  $("#findings-filters").addEventListener("submit", (event) => event.preventDefault());
}

/* ---------- 模型 ---------- */

/** An ISO time as "YYYY-MM-DD HH:MM" in the browser's time zone. */
function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

const CLASSIFIERS = {
  logreg: "逻辑回归",
  logistic: "逻辑回归",
  linearsvc: "线性支持向量机",
  svc: "线性支持向量机",
  complementnb: "补集朴素贝叶斯",
  nb: "补集朴素贝叶斯",
};

/** The classifier's Chinese name (the code name in a tooltip-free <code> when unknown). */
function classifierName(name) {
  if (!name) return "—";
  const key = String(name).toLowerCase().replace(/[^a-z]/g, "");
  const found = Object.keys(CLASSIFIERS).find((k) => key.startsWith(k));
  return found ? CLASSIFIERS[found] : el("code", {}, name);
}

function metric(label, value) {
  return el("div", {}, el("dt", {}, label), el("dd", {}, value));
}

function drawConfusion(cv) {
  const labels = cv.labels || [];
  // plotly's responsive resize takes the container's height: give it the drawing's own, or it shrinks on a phone
  $("#chart-confusion").style.height = `${160 + 30 * labels.length}px`;
  const names = labels.map((c) => nameOf(c));
  const counts = cv.confusion || [];
  // Colour by share of the true class (row), so small classes are as readable as large ones; text is the count.
  const shares = counts.map((row) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    return row.map((n) => n / total);
  });
  Plotly.react(
    "chart-confusion",
    [
      {
        type: "heatmap",
        z: shares,
        x: names,
        y: names,
        text: counts,
        zmin: 0,
        zmax: 1,
        colorscale: [[0, "#f7fbff"], [0.1, "#deebf7"], [0.4, "#9ecae1"], [0.7, "#4292c6"], [1, "#08519c"]],
        showscale: false,
        texttemplate: "%{text}",
        hovertemplate: "真实：%{y}<br>预测：%{x}<br>%{text} 条（占该真实类别 %{z:.0%}）<extra></extra>",
      },
    ],
    {
      font: { ...FONT, size: 11 },
      height: 160 + 30 * labels.length,
      margin: { l: 10, r: 10, t: 10, b: 10 },
      xaxis: { automargin: true, tickangle: -40, side: "bottom" },
      yaxis: { automargin: true, autorange: "reversed" },
    },
    PLOT_CONFIG,
  );
}

function renderModel(meta) {
  const transfer = (meta.metrics && meta.metrics.transfer) || {};
  const every = transfer.all || {};
  const head = meta.headline || {};
  const cv = every;
  $("#model-version").textContent = meta.version;
  $("#model-metrics").replaceChildren(
    metric("真实文本宏F1（未见部门）", head.macro_f1 != null ? `${num(head.macro_f1, 3)}（n=${head.n}）` : "—"),
    metric("真实文本准确率（未见部门）", pct(head.accuracy)),
    metric("阈值下作答比例 / 作答正确率", head.answered != null ? `${pct(head.answered)} / ${pct(head.answered_accuracy)}` : "—"),
    metric("全部留出部门宏F1", every.macro_f1 != null ? `${num(every.macro_f1, 3)}（n=${every.n}）` : "—"),
    metric("分类器", classifierName(meta.classifier)),
    metric("训练样本数", meta.n_examples ?? "—"),
    metric("弃权阈值", num(meta.abstain_threshold, 2)),
    metric("训练时间", when(meta.created_at)),
  );
  if (head.what_zh) $("#model-metrics").append(metric("评估方式", head.what_zh));
  const perCode = cv.per_code || {};
  $("#per-code-table tbody").replaceChildren(
    ...Object.entries(perCode).map(([code, m]) =>
      el(
        "tr",
        {},
        el("td", {}, nameOf(code)),
        el("td", { class: "code-col" }, el("code", {}, code)),
        el("td", { class: "num" }, num(m.precision, 3)),
        el("td", { class: "num" }, num(m.recall, 3)),
        el("td", { class: "num" }, num(m.f1, 3)),
        el("td", { class: "num" }, m.support),
      ),
    ),
  );
  if (window.Plotly && cv.confusion) drawConfusion(cv);
}

function renderVersions(versions, shown) {
  const shownAt = shown ? new Date(shown.created_at).getTime() : NaN;
  $("#versions-table tbody").replaceChildren(
    ...versions.map((v) => {
      const status = [];
      const isShown = shown && v.version === shown.version;
      if (isShown) status.push(el("span", { class: "pill" }, "当前（服务中）"));
      if (v.current && !isShown) status.push(el("span", { class: "pill", title: "models/current 指向此版本；服务重启后使用" }, "重启后使用"));
      const newer = new Date(v.created_at).getTime() > shownAt;
      const action = isShown
        ? el("span", { class: "hint" }, "—")
        : el(
            "button",
            { type: "button", class: "rollback", "data-version": v.version, onclick: () => rollback(v.version, newer) },
            newer ? "切换到此较新版本" : "回滚到此版本",
          );
      return el(
        "tr",
        { "data-version": v.version, class: isShown ? "chosen" : null },
        el("td", { class: "code-col" }, el("code", {}, v.version)),
        el("td", {}, when(v.created_at)),
        el("td", {}, classifierName(v.classifier)),
        el("td", { class: "num" }, v.n_examples ?? ""),
        el("td", { class: "num" }, num(v.headline_macro_f1, 3)),
        el("td", { class: "num" }, num(v.transfer_macro_f1, 3)),
        el("td", {}, status),
        el("td", {}, action),
      );
    }),
  );
}

async function rollback(version, newer = false) {
  const what = newer ? "切换到较新的版本" : "回滚到较早的版本";
  if (!window.confirm(`确定将服务模型${what} ${version} 吗？`)) return;
  setStatus(`切换到模型 ${version}…`);
  try {
    await writeApi(`/v1/models/${encodeURIComponent(version)}/activate`, { method: "POST" });
    setStatus(`已切换：正在使用模型 ${version}`);
    await loadModel();
  } catch (error) {
    showError(error);
  }
}

async function loadModel() {
  const versions = await api("/v1/models");
  const serving = versions.find((v) => v.serving) || versions.find((v) => v.current) || versions[0];
  renderVersions(versions, serving);
  updateBadge(serving);
  if (serving) renderModel(await api(`/v1/models/${encodeURIComponent(serving.version)}`));
}

function updateBadge(serving) {
  state.serving = serving ? serving.version : null;
  $("#model-badge").textContent = serving
    ? `模型 ${serving.version} · 真实文本宏F1 ${num(serving.headline_macro_f1, 3)}（未见部门）`
    : "尚无可用模型";
}

/* ---------- start ---------- */

async function start() {
  setupTabs();
  setupClassify();
  setupForms();
  setupStats();
  setupFindings();
  setupCategories();
  try {
    state.categories = await api("/v1/categories");
    state.names = Object.fromEntries(state.categories.map((c) => [c.code, c.name_zh]));
    const versions = await api("/v1/models");
    const serving = versions.find((v) => v.serving);
    updateBadge(serving);
    if (serving) state.threshold = serving.abstain_threshold;
  } catch (error) {
    showError(error);
  }
  const last = localStorage.getItem(LAST_DOCUMENT);
  if (last) {
    try {
      await openDocument(last);
    } catch (error) {
      localStorage.removeItem(LAST_DOCUMENT); // deleted, or another database
    }
  }
  showTab(location.hash.slice(1) || "classify");
  document.body.dataset.ready = "true";
}

document.addEventListener("DOMContentLoaded", start);
