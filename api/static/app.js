/* piancha dashboard: vanilla JS over the HTTP API (/v1/...), charts with the app-served plotly.min.js. */
"use strict";

const KEY_STORAGE = "piancha.apiKey";
const DEFAULT_THRESHOLD = 0.35;
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
  threshold: DEFAULT_THRESHOLD,
  serving: null,       // the serving model's version
  documentId: null,
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

function setStatus(message, isError = false) {
  const node = $("#status");
  node.textContent = message || "";
  node.classList.toggle("error", Boolean(isError));
}

/** The message of an error answer: FastAPI's detail (a string, or a list of validation errors). */
function detailOf(body, response) {
  const d = body && body.detail;
  if (typeof d === "string") return d;
  if (Array.isArray(d)) return d.map((e) => `${(e.loc || []).slice(1).join(".")}: ${e.msg}`).join("; ");
  return `${response.status} ${response.statusText}`;
}

async function api(path, options = {}) {
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

/** A write route: sends the API key kept in sessionStorage; on 401 asks for it once and retries. */
async function writeApi(path, options = {}) {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const key = sessionStorage.getItem(KEY_STORAGE);
    const headers = { ...(options.headers || {}) };
    if (key) headers["X-API-Key"] = key;
    try {
      return await api(path, { ...options, headers });
    } catch (error) {
      if (error.status !== 401 || attempt > 0) throw error;
      sessionStorage.removeItem(KEY_STORAGE);
      const entered = (window.prompt("此操作需要 API 密钥（X-API-Key）。请输入：", "") || "").trim();
      if (!entered) throw new Error("未输入 API 密钥，操作已取消 / cancelled: no API key");
      // An HTTP header carries only ISO-8859-1; a key the browser cannot send is refused here, not by fetch.
      if (!/^[\x20-\x7e]+$/.test(entered)) {
        throw new Error("API 密钥只能包含 ASCII 字符（字母、数字、符号） / the API key must be ASCII");
      }
      sessionStorage.setItem(KEY_STORAGE, entered);
    }
  }
  throw new Error("API 密钥错误 / wrong API key");
}

function jsonBody(data) {
  return { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) };
}

/* ---------- tabs ---------- */

const TABS = ["classify", "forms", "stats", "model"];

function showTab(name, focus = false) {
  if (!TABS.includes(name)) name = "classify";
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
  console.error(error);
  setStatus(`出错了：${error.message}`, true);
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

function renderClassification(text, result) {
  $("#classify-result").hidden = false;
  $("#result-name").textContent = result.label_zh;
  $("#result-code").textContent = result.label;
  $("#result-confidence").textContent = pct(result.confidence);
  const abstain = $("#result-abstain");
  abstain.hidden = !result.abstained;
  if (result.abstained && result.ranking.length) {
    const top = result.ranking[0];
    abstain.textContent = `模型不确定（置信度低于阈值），暂归为“其他”。最可能：${top.label_zh} ${top.label}（${pct(top.confidence)}）`;
  }
  const terms = (result.evidence || []).map((e) => e.term);
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
        el("td", {}, el("code", {}, r.label)),
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
      ? evidence.map((e) => el("tr", {}, el("td", {}, el("mark", { class: "ev" }, e.term)), el("td", { class: "num" }, num(e.weight, 3))))
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
      setStatus(`分类完成：${result.label_zh}（${result.label}）`);
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
    const option = el("option", { value: code }, `${nameOf(code)} ${code}`);
    if (code === d.code) option.selected = true;
    select.append(option);
  }
  select.dataset.current = d.code;
  select.addEventListener("change", () => correct(d, select));
  return select;
}

function deviationRow(d) {
  const low = isLowConfidence(d);
  const corrected = Boolean(d.corrected_code);
  const codeTd = el("td", { class: "code" }, codeSelect(d));
  if (low) codeTd.append(el("div", {}, el("span", { class: "flag" }, "低置信度，请复核")));
  if (corrected) {
    const was = `模型预测：${nameOf(d.predicted_code)} ${d.predicted_code}`;
    codeTd.append(el("div", {}, el("span", { class: "flag human", title: was }, "已人工更正")));
  }
  return el(
    "tr",
    { class: low ? "low-confidence" : null, "data-deviation": d.id },
    el("td", { class: "project" }, d.project),
    el("td", {}, d.indicator),
    el("td", { class: "text" }, d.text || el("span", { class: "hint" }, "（未填写原因）")),
    codeTd,
    el("td", { class: "num" }, d.abstained ? `${pct(d.confidence)}（弃权）` : pct(d.confidence)),
    el("td", { class: "num" }, num(d.points_lost)),
  );
}

async function correct(d, select) {
  const label = select.value;
  const previous = select.dataset.current;
  select.disabled = true;
  setStatus(`正在更正偏差 ${d.id}：${nameOf(previous)} → ${nameOf(label)}…`);
  try {
    const stored = await writeApi("/v1/labels", jsonBody({ deviation_id: d.id, label, who: "dashboard" }));
    Object.assign(d, stored);
    select.closest("tr").replaceWith(deviationRow(d));
    setStatus(`已更正：偏差 ${d.id} 改为 ${nameOf(label)}（${label}），统计已按更正计算`);
  } catch (error) {
    select.value = previous;
    select.disabled = false;
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
  const warnings = [...new Set([...(doc.warnings || []), ...forms.flatMap((f) => f.warnings || [])])];
  $("#document-warnings").replaceChildren(...warnings.map((w) => el("li", {}, w)));

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
  const low = deviations.filter(isLowConfidence).length;
  $("#deviation-summary").textContent = `共 ${deviations.length} 条，其中 ${low} 条低置信度`;
  $("#deviations-table tbody").replaceChildren(...deviations.map(deviationRow));
  $("#document-select").value = String(doc.id);
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

const PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
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
      name: `${nameOf(code)} ${code}`,
      meta: code,
      y: groups,
      x: groups.map((g) => (byGroup.has(g) ? byGroup.get(g).count : 0)),
      customdata: groups.map((g) => (byGroup.has(g) ? byGroup.get(g).points_lost : 0)),
      marker: { color: COLORS[code] || "#999" },
      hovertemplate: `%{y}<br>${nameOf(code)} ${code}：%{x} 条，扣分 %{customdata}<extra></extra>`,
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
      ticktext: groups.map((g) => shortName(g)),
    },
    legend: { orientation: "h", x: 0, y: 1, yanchor: "bottom", traceorder: "normal" },
  };
  if (Math.max(0, ...totals.values()) <= 20) layout.xaxis.dtick = 1;
  $("#chart-groups-title").textContent = `各${GROUP_NAMES[groupBy] || groupBy}的原因频次（堆积）`;
  Plotly.react("chart-groups", traces, layout, PLOT_CONFIG);
}

function drawPoints(rows) {
  const sums = new Map();
  for (const r of rows) sums.set(r.label, (sums.get(r.label) || 0) + (r.points_lost || 0));
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
        y: codes.map((c) => `${nameOf(c)} ${c}`),
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
  const traces = codesIn(rows).map((code) => {
    const byYear = new Map(rows.filter((r) => r.label === code).map((r) => [Number(r.group), r.count]));
    return {
      type: "scatter",
      mode: "lines+markers",
      name: `${nameOf(code)} ${code}`,
      x: years,
      y: years.map((y) => byYear.get(y) || 0),
      line: { color: COLORS[code] || "#999" },
      marker: { size: 8 },
      hovertemplate: `%{x} 年 ${nameOf(code)} ${code}：%{y} 条<extra></extra>`,
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

function renderStatsTable(rows) {
  $("#stats-table tbody").replaceChildren(
    ...rows.map((r) =>
      el(
        "tr",
        {},
        el("td", {}, r.group ?? "（未填）"),
        el("td", {}, r.label_zh ?? nameOf(r.label)),
        el("td", {}, el("code", {}, r.label ?? "")),
        el("td", { class: "num" }, r.count),
        el("td", { class: "num" }, pct(r.share)),
        el("td", { class: "num" }, num(r.points_lost)),
        el("td", { class: "num" }, r.forms ?? ""),
        el("td", { class: "text" }, r.example ?? ""),
      ),
    ),
  );
}

async function loadFilters() {
  const [years, departments] = await Promise.all([
    api("/v1/stats/causes?group_by=year"),
    api("/v1/stats/causes?group_by=department"),
  ]);
  const uniq = (rows) => [...new Set(rowsOf(rows).map((r) => r.group).filter((g) => g !== null && g !== undefined && g !== ""))];
  fillFilter($("#filter-year"), uniq(years).map(Number).sort((a, b) => b - a), (y) => `${y} 年`);
  fillFilter($("#filter-department"), uniq(departments).sort());
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

/* ---------- 模型 ---------- */

/** An ISO time as "YYYY-MM-DD HH:MM" in the browser's time zone. */
function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

function metric(label, value) {
  return el("div", {}, el("dt", {}, label), el("dd", {}, value));
}

function drawConfusion(cv) {
  const labels = cv.labels || [];
  const names = labels.map((c) => `${nameOf(c)} ${c}`);
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
    metric("分类器 classifier", meta.classifier || "—"),
    metric("训练样本 examples", meta.n_examples ?? "—"),
    metric("弃权阈值 threshold", num(meta.abstain_threshold, 2)),
    metric("训练时间 trained", when(meta.created_at)),
  );
  if (head.what_zh) $("#model-metrics").append(metric("评估方式", head.what_zh));
  const perCode = cv.per_code || {};
  $("#per-code-table tbody").replaceChildren(
    ...Object.entries(perCode).map(([code, m]) =>
      el(
        "tr",
        {},
        el("td", {}, nameOf(code)),
        el("td", {}, el("code", {}, code)),
        el("td", { class: "num" }, num(m.precision, 3)),
        el("td", { class: "num" }, num(m.recall, 3)),
        el("td", { class: "num" }, num(m.f1, 3)),
        el("td", { class: "num" }, m.support),
      ),
    ),
  );
  if (window.Plotly && cv.confusion) drawConfusion(cv);
}

function renderVersions(versions) {
  $("#versions-table tbody").replaceChildren(
    ...versions.map((v) => {
      const status = [];
      if (v.serving) status.push(el("span", { class: "pill" }, "服务中 serving"));
      if (v.current && !v.serving) status.push(el("span", { class: "pill" }, "当前 current"));
      const action = v.serving
        ? el("span", { class: "hint" }, "—")
        : el("button", { type: "button", class: "rollback", "data-version": v.version, onclick: () => rollback(v.version) }, "切换到此版本（回滚）");
      return el(
        "tr",
        { "data-version": v.version },
        el("td", {}, el("code", {}, v.version)),
        el("td", {}, when(v.created_at)),
        el("td", {}, v.classifier || ""),
        el("td", { class: "num" }, v.n_examples ?? ""),
        el("td", { class: "num" }, num(v.headline_macro_f1, 3)),
        el("td", { class: "num" }, num(v.transfer_macro_f1, 3)),
        el("td", {}, status),
        el("td", {}, action),
      );
    }),
  );
}

async function rollback(version) {
  if (!window.confirm(`确定将服务模型切换到版本 ${version} 吗？`)) return;
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
  renderVersions(versions);
  updateBadge(serving);
  if (serving) renderModel(await api(`/v1/models/${encodeURIComponent(serving.version)}`));
}

function updateBadge(serving) {
  state.serving = serving ? serving.version : null;
  $("#model-badge").textContent = serving
    ? `模型 ${serving.version} · 真实文本宏F1 ${num(serving.headline_macro_f1, 3)}（未见部门）`
    : "尚无可用模型 / no model";
}

/* ---------- start ---------- */

async function start() {
  setupTabs();
  setupClassify();
  setupForms();
  setupStats();
  try {
    state.categories = await api("/v1/categories");
    state.names = Object.fromEntries(state.categories.map((c) => [c.code, c.name_zh]));
    const versions = await api("/v1/models");
    const serving = versions.find((v) => v.serving);
    updateBadge(serving);
    if (serving) {
      const meta = await api(`/v1/models/${encodeURIComponent(serving.version)}`);
      if (typeof meta.abstain_threshold === "number") state.threshold = meta.abstain_threshold;
    }
  } catch (error) {
    showError(error);
  }
  showTab(location.hash.slice(1) || "classify");
  document.body.dataset.ready = "true";
}

document.addEventListener("DOMContentLoaded", start);
