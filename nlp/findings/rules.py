"""The rules: each a small named function from the stored rows (StoredData) to its findings.

Selecting what fires is pandas over whole columns; only the rows that fire are grouped into findings, as plain tuples.
Unknown is never zero: a deviation whose points lost are unknown (NULL, as text-format forms often leave them) and a
form whose 执行率 is unknown make no rule fire.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import groupby
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from nlp.findings._load import StoredData
from nlp.findings.records import RULES_ZH, Finding, finding_id
from nlp.findings.similarity import MEASURE_SIMILARITY, MIN_MEASURE_CHARS, bigrams, content_hashes, content_keys, dice
from nlp.taxonomy import ABSTAIN, NO_CAUSE, load_taxonomy
from nlp.text import normalise

PASTED_MIN_INDICATORS = 3
"""A text under this many indicators of one form or more is pasted."""
PASTED_MIN_PROJECTS = 2
"""A text under this many projects of one unit (in one year) or more is pasted across projects."""
FULL_EXECUTION = 99.0
"""执行率 (%) at or above which blaming funds contradicts the numbers."""
FUNDING = "funding"
MET = re.compile(
    r"(?<![未没不])(?<!未能)(?<!没有)(?:"
    r"已(?:全部|按期|如期|按时)?完成(?=[，。；！,.;]|$|了?(?:年度|全年|全部|既定|预期)?(?:目标|任务|指标|计划))"
    r"|达到了?(?:预期|目标|年度目标)|完成了?(?:年度|全年|预期|既定)?目标(?!值))"
)
"""The text says the target was met: 已完成 (at a clause end, or 已完成年度目标/任务/计划), 达到预期, 完成年度目标 —
not 未完成, 未能达到预期, 已完成招标 (one step, not the target) or 已完成整改 (a measure)."""
UNNAMED = "（未对应到三级指标的扣分行）"
_MAX_LISTED = 20

Rule = Callable[[StoredData], list[Finding]]


class FormRef(NamedTuple):
    """What a finding says about its form."""

    key: str
    document_id: int
    project: str
    department: str | None
    unit: str | None
    year: int | None
    execution_rate: float | None


def _form_refs(data: StoredData) -> dict[int, FormRef]:
    """form id → FormRef, built once per StoredData."""
    if "forms" not in data.cache:
        f = data.forms
        columns = ["form_key", "document_id", "project", "department", "unit", "year", "execution_rate"]
        refs = map(FormRef._make, zip(*(f[c].tolist() for c in columns)))
        data.cache["forms"] = dict(zip(f["form_id"].tolist(), refs))
    return data.cache["forms"]


def _grouped(frame: pd.DataFrame, keys: Sequence[str], columns: Sequence[str]) -> Iterator[tuple[Any, list[tuple]]]:
    """(key values, the rows' `columns` as tuples) per group of `keys`, groups in key order, rows in id order."""
    frame = frame.sort_values([*keys, "id"] if "id" in frame else list(keys), kind="stable")
    rows = list(zip(*(frame[c].tolist() for c in columns)))
    key_of = list(zip(*(frame[k].tolist() for k in keys)))
    for key, positions in groupby(range(len(rows)), key=key_of.__getitem__):
        yield key, [rows[i] for i in positions]


def _unique_map(values: pd.Series, function: Callable[[str], object]) -> pd.Series:
    """`function` over each distinct value once (a million texts have far fewer distinct ones)."""
    distinct = pd.unique(values)
    return values.map(dict(zip(distinct, map(function, distinct))))


def text_key(text: str) -> str:
    """A text as compared for pasting: full/half-width forms unified (NFKC), punctuation and spaces removed (what
    nlp.text.normalise does besides NFKC is join spaces and punctuation, which go anyway)."""
    return content_keys([text or ""])[0]


def _before_measure(text: str, measure: str) -> str:
    """The part of a text before its improvement measure: the restated shortfall and the cause."""
    whole = normalise(text or "")
    if measure and whole.endswith(measure):
        return whole[: -len(measure)]
    return whole


def _texts(data: StoredData, columns: Sequence[str], where: pd.Series | None = None) -> pd.DataFrame:
    """`columns` of the deviations that have a text (and meet `where`): selecting columns first copies less."""
    d = data.deviations
    mask = d["has_text"] if where is None else d["has_text"] & where
    return d.loc[mask.to_numpy(dtype=bool), list(columns)]


def _listed(names: Iterable[str]) -> list[str]:
    """Names in first-seen order, each once."""
    return list(dict.fromkeys(names))


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _name_zh(code: str) -> str:
    try:
        return load_taxonomy().name_zh(code)
    except KeyError:  # a code a later taxonomy dropped
        return code


def _form_finding(
    rule: str, form_id: int, form: FormRef, indicators: list[str], ids: list[int], evidence: str, **extra: Any
) -> Finding:
    """A finding about one form; its id: the rule, the document's sha256 and the form's place (and `id_parts`)."""
    id_parts = extra.pop("id_parts", ())
    return Finding(
        id=finding_id(rule, form.key, *id_parts),
        rule=rule,
        title_zh=RULES_ZH[rule],
        department=form.department,
        unit=form.unit,
        project=form.project,
        year=form.year,
        form_id=form_id,
        document_id=form.document_id,
        indicators=indicators,
        deviation_ids=ids,
        evidence=evidence,
        **extra,
    )


def _unit_finding(rule: str, unit: str, year: int | None, rows: list[tuple], evidence: str, **extra: Any) -> Finding:
    """A finding about a unit in a year, over `rows` (id, form_id, project, indicator, department, text)."""
    forms = list(dict.fromkeys(r[1] for r in rows))
    id_parts = extra.pop("id_parts", ())
    return Finding(
        id=finding_id(rule, unit, year, *id_parts),
        rule=rule,
        title_zh=RULES_ZH[rule],
        department=rows[0][4],
        unit=unit,
        project=extra.pop("project", None),
        year=year,
        form_id=forms[0],
        document_id=None,
        indicators=_listed(f"{r[2]}：{r[3]}" for r in rows),
        deviation_ids=[r[0] for r in rows],
        evidence=evidence,
        text=rows[0][5],
        related_form_ids=forms[1:],
        **extra,
    )


def _keys_of(values: pd.Series, *, digits: bool) -> pd.Series:
    """content_keys of a column, computed once per distinct value."""
    codes, distinct = pd.factorize(values)
    keys = np.array(content_keys(list(distinct), digits=digits), dtype=object)
    return pd.Series(keys[codes], index=values.index, dtype=object)


TEXT_COLUMNS = ["id", "form_id", "indicator", "text", "unit", "year", "project", "department", "unit_year"]


def _keyed_texts(data: StoredData) -> pd.DataFrame:
    """The deviations with a text (TEXT_COLUMNS) and `key`, the hash of its content (content_hashes); once per data."""
    if "keyed" not in data.cache:
        d = _texts(data, TEXT_COLUMNS)
        codes, distinct = pd.factorize(d["text"])
        d = d.assign(key=content_hashes(list(distinct))[codes])
        data.cache["keyed"] = d[d["key"] != 0]
    return data.cache["keyed"]


def pasted_explanation(data: StoredData) -> list[Finding]:
    """同一说明套用于多个指标: one (normalised) text under 3 or more indicators of one form."""
    d = _keyed_texts(data)
    sizes = d.groupby(["form_id", "key"], sort=False)["id"].transform("size")  # distinct indicators: below
    forms = _form_refs(data)
    found = []
    for (form_id, _key), rows in _grouped(
        d[sizes >= PASTED_MIN_INDICATORS], ["form_id", "key"], ["id", "indicator", "text"]
    ):
        indicators = _listed(r[1] for r in rows)
        if len(indicators) < PASTED_MIN_INDICATORS:
            continue
        evidence = f"同一段说明出现在本表 {len(indicators)} 个三级指标下：{'、'.join(indicators[:_MAX_LISTED])}"
        ids = [r[0] for r in rows]
        found.append(
            _form_finding(
                "pasted_explanation",
                form_id,
                forms[form_id],
                indicators,
                ids,
                evidence,
                text=rows[0][2],
                id_parts=tuple(sorted(indicators)),
            )
        )
    return found


UNIT_ROW = ["id", "form_id", "project", "indicator", "department", "text"]


def pasted_across_projects(data: StoredData) -> list[Finding]:
    """同一说明套用于多个项目: one (normalised) text under 2 or more projects of one unit in one year."""
    d = _keyed_texts(data)
    d = d[d["unit"].notna()]
    forms = d.groupby(["unit_year", "key"], sort=False)["form_id"].transform("nunique")  # distinct projects: below
    found = []
    candidates = d[forms >= PASTED_MIN_PROJECTS]
    for (_, key), rows in _grouped(candidates, ["unit_year", "key"], [*UNIT_ROW, "unit", "year"]):
        names = _listed(r[2] for r in rows)
        if len(names) < PASTED_MIN_PROJECTS:
            continue
        unit, year = rows[0][-2:]
        evidence = f"同一段说明出现在本单位 {len(names)} 个项目中：{'、'.join(names[:_MAX_LISTED])}"
        found.append(_unit_finding("pasted_across_projects", unit, year, rows, evidence, id_parts=(f"{key:x}",)))
    return found


def _similar_pairs(d: pd.DataFrame) -> pd.DataFrame:
    """Pairs (a in one year, b in the next) of one unit and code whose measures are nearly the same."""
    columns = ["id", "form_id", "unit", "code", "year", "project", "indicator", "measure_text", "mkey", "department"]
    d = d[columns].assign(mcode=pd.factorize(d["mkey"])[0])  # a number per distinct measure key
    earlier = d.assign(next_year=d["year"] + 1)
    pairs = earlier.merge(
        d, left_on=["unit", "code", "next_year"], right_on=["unit", "code", "year"], suffixes=("_a", "_b")
    )
    if pairs.empty:
        return pairs
    # each distinct pair of keys scored once (a million pairs have few distinct ones), then spread by NumPy
    pair = pairs["mcode_a"].to_numpy(np.int64) * (int(d["mcode"].max()) + 1) + pairs["mcode_b"].to_numpy(np.int64)
    _, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
    grams = {k: bigrams(k) for k in pd.unique(d["mkey"])}
    scores = np.array(
        [dice(grams[a], grams[b]) for a, b in zip(pairs["mkey_a"].to_numpy()[first], pairs["mkey_b"].to_numpy()[first])]
    )
    similarity = scores[inverse.ravel()]
    keep = similarity >= MEASURE_SIMILARITY
    pairs = pairs[keep].assign(similarity=similarity[keep])
    pairs["same_project"] = pairs["project_a"] == pairs["project_b"]
    pairs["same_indicator"] = pairs["same_project"] & (pairs["indicator_a"] == pairs["indicator_b"])
    # the evidence first: same project and indicator, then same project, then the most alike
    return pairs.sort_values(
        ["same_indicator", "same_project", "similarity", "id_b", "id_a"], ascending=[False, False, False, True, True]
    )


PAIR_ROW = [
    "id_a",
    "id_b",
    "form_id_a",
    "form_id_b",
    "year_b",
    "project_a",
    "project_b",
    "indicator_a",
    "indicator_b",
    "measure_text_a",
    "measure_text_b",
    "similarity",
    "same_project",
    "same_indicator",
    "department_b",
]


def repeated_promise(data: StoredData) -> list[Finding]:
    """整改措施重复承诺: a unit gives the same cause code in consecutive years with nearly the same measure.

    Nearly the same: Sørensen–Dice of the measures' character bigrams ≥ MEASURE_SIMILARITY (0.7), digits and
    punctuation removed. Pairs of the same project and indicator are preferred as the evidence, then the same project.
    One finding per unit, code and pair of years."""
    d = data.deviations
    columns = ["id", "form_id", "unit", "code", "year", "project", "indicator", "measure_text", "department"]
    d = d.loc[((d["measure_text"] != "") & (d["code"] != ABSTAIN) & d["unit"].notna() & d["year"].notna()), columns]
    if d.empty:
        return []
    d = d.assign(mkey=_keys_of(d["measure_text"], digits=False), year=d["year"].astype(int))
    pairs = _similar_pairs(d[d["mkey"].str.len() >= MIN_MEASURE_CHARS])
    if pairs.empty:
        return []
    pairs = pairs.assign(order=range(len(pairs)))  # _grouped sorts by the keys, then keeps this order
    found = []
    for (unit, code, year_a), rows in _grouped(pairs, ["unit", "code", "year_a"], ["order", *PAIR_ROW]):
        rows = [r[1:] for r in sorted(rows)]
        a, b, form_a, form_b, year_b, p_a, p_b, i_a, i_b, m_a, m_b, similarity, same_project, same_indicator, dept = (
            rows[0]
        )
        where = "同一项目同一指标" if same_indicator else ("同一项目" if same_project else "本单位")
        ids = list(dict.fromkeys([*(r[0] for r in rows), *(r[1] for r in rows)]))
        indicators = _listed(
            [*(f"{year_a}年 {r[5]}：{r[7]}" for r in rows), *(f"{year_b}年 {r[6]}：{r[8]}" for r in rows)]
        )
        forms = list(dict.fromkeys([*(r[3] for r in rows), *(r[2] for r in rows)]))
        evidence = (
            f"{year_a}年与{year_b}年{where}均归因于“{_name_zh(code)}”，改进措施几乎相同（相似度 {similarity:.2f}）："
            f"{year_a}年“{_short(m_a)}”；{year_b}年“{_short(m_b)}”"
        )
        found.append(
            Finding(
                id=finding_id("repeated_promise", unit, code, year_a, year_b),
                rule="repeated_promise",
                title_zh=RULES_ZH["repeated_promise"],
                department=dept,
                unit=unit,
                project=p_b if same_project else None,
                year=year_b,
                form_id=form_b,
                document_id=None,
                indicators=indicators,
                deviation_ids=ids,
                evidence=evidence,
                text=m_b,
                related_form_ids=[f for f in forms if f != form_b],
                count=len(rows),
            )
        )
    return found


def _per_form(
    rule: str,
    rows: pd.DataFrame,
    data: StoredData,
    evidence: Callable[[list[tuple], FormRef], str],
    columns: Sequence[str] = ("id", "indicator", "text"),
) -> list[Finding]:
    """One finding per form of `rows` (deviations or indicators: id, name, text, …), its indicators listed."""
    forms = _form_refs(data)
    found = []
    for (form_id,), group in _grouped(rows, ["form_id"], list(columns)):
        form = forms[form_id]
        ids = [r[0] for r in group if r[0] is not None]
        found.append(
            _form_finding(
                rule, form_id, form, _listed(r[1] for r in group), ids, evidence(group, form), text=group[0][2] or ""
            )
        )
    return found


def funding_despite_execution(data: StoredData) -> list[Finding]:
    """归因资金但预算执行率达标: a text's code is `funding` while the form's 执行率 is ≥ 99 % (unknown: no finding)."""
    rates = data.forms.set_index("form_id")["execution_rate"]
    d = data.deviations
    d = d.loc[d["code"] == FUNDING, ["id", "form_id", "indicator", "text"]]
    d = d[d["form_id"].map(rates) >= FULL_EXECUTION]  # NaN (unknown rate) compares False
    return _per_form(
        "funding_despite_execution",
        d,
        data,
        lambda g, f: f"{len(g)} 条说明归因于资金，但本表预算执行率为 {f.execution_rate:g}%（≥{FULL_EXECUTION:g}%）",
    )


def _claim(text: str, measure: str) -> str | None:
    """What the text says was met (MET), before its improvement measure; None when it says nothing of the kind."""
    head = text
    if measure:  # the stored measure is the normalised tail of the text: cut at its first characters
        cut = text.find(measure[:4])
        head = text[:cut] if cut >= 0 else _before_measure(text, measure)
    if "完成" not in head and "达到" not in head:  # what every MET match holds: most heads need no regex
        return None
    found = MET.search(head)
    return None if found is None else found.group()


def met_but_lost(data: StoredData) -> list[Finding]:
    """称已完成目标但指标失分: the text before its measure says 已完成 / 达到预期 while the indicator lost points."""
    lost = data.deviations["points_lost"] > 0  # NaN (unknown) compares False
    d = _texts(data, ["id", "form_id", "indicator", "text", "measure_text", "points_lost"], lost)
    maybe = [("完成" in t or "达到" in t) for t in d["text"].tolist()]  # what MET needs, checked cheaply first
    d = d[maybe]
    if d.empty:
        return []
    said = pd.Series([_claim(t, m) for t, m in zip(d["text"].tolist(), d["measure_text"].tolist())], index=d.index)
    d = d.assign(said=said)[said.notna()]  # texts are mostly distinct: a claim per row costs less than a merge
    return _per_form(
        "met_but_lost",
        d,
        data,
        lambda g, f: "；".join(f"{r[1]}：说明称“{r[3]}”，但扣 {r[4]:g} 分" for r in g),
        columns=("id", "indicator", "text", "said", "points_lost"),
    )


def lost_without_text(data: StoredData) -> list[Finding]:
    """指标失分但未说明原因: an indicator lost points (分值 > 得分) and has no 偏差原因 text at all."""
    missing = data.missing.assign(id=None, text="", name=data.missing["name"].replace("", UNNAMED))
    return _per_form(
        "lost_without_text",
        missing,
        data,
        lambda g, f: f"{len(g)} 个三级指标失分，但没有填写偏差原因分析",
        columns=("id", "name", "text"),
    )


def text_without_loss(data: StoredData) -> list[Finding]:
    """指标未失分却填写偏差说明: a text stands under an indicator whose points lost are known to be 0."""
    d = _texts(data, ["id", "form_id", "indicator", "text"], data.deviations["points_lost"] == 0)  # NaN is not 0
    return _per_form(
        "text_without_loss", d, data, lambda g, f: f"{len(g)} 个三级指标未失分（得分等于分值），却填写了偏差说明"
    )


def no_cause_rate(data: StoredData) -> list[Finding]:
    """未说明真实原因: per unit and year, the texts coded `no_cause` (restatement or measure only, boilerplate)."""
    d = _texts(data, [*UNIT_ROW, "unit", "year", "code", "unit_year"], data.deviations["unit"].notna())
    totals = d.groupby("unit_year").size()
    found = []
    for (unit_year,), rows in _grouped(d[d["code"] == NO_CAUSE], ["unit_year"], [*UNIT_ROW, "unit", "year"]):
        texts = int(totals[unit_year])
        unit, year = rows[0][-2:]
        rate = len(rows) / texts
        evidence = f"{texts} 条偏差说明中有 {len(rows)} 条未说明真实原因（仅复述差距、仅写措施或套话），占 {rate:.1%}"
        found.append(_unit_finding("no_cause_rate", unit, year, rows, evidence, count=len(rows), rate=rate))
    return found


RULES: dict[str, Rule] = {
    "pasted_explanation": pasted_explanation,
    "pasted_across_projects": pasted_across_projects,
    "repeated_promise": repeated_promise,
    "funding_despite_execution": funding_despite_execution,
    "met_but_lost": met_but_lost,
    "lost_without_text": lost_without_text,
    "text_without_loss": text_without_loss,
    "no_cause_rate": no_cause_rate,
}
"""Every rule by its code, in the order of RULES_ZH."""
