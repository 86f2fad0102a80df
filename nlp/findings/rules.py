"""The rules: each a small named function from the stored rows (StoredData) to its findings.

Unknown is never zero: a deviation whose points lost are unknown (NULL, as text-format forms often leave them) and a
form whose 执行率 is unknown make no rule fire.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import pandas as pd

from nlp.findings._load import StoredData
from nlp.findings.records import RULES_ZH, Finding, finding_id
from nlp.findings.similarity import MEASURE_SIMILARITY, MIN_MEASURE_CHARS, bigrams, dice, measure_key
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
_CONTENT = re.compile(r"[^\u3400-\u9fff\uf900-\ufaff0-9A-Za-z]+")
_MAX_LISTED = 20

Rule = Callable[[StoredData], list[Finding]]


def _unique_map(values: pd.Series, function: Callable[[str], object]) -> pd.Series:
    """`function` over each distinct value once (a million texts have far fewer distinct ones)."""
    distinct = pd.unique(values)
    return values.map(dict(zip(distinct, map(function, distinct))))


def text_key(text: str) -> str:
    """A text as compared for pasting: normalised, punctuation and spaces removed."""
    return _CONTENT.sub("", normalise(text or ""))


def _before_measure(text: str, measure: str) -> str:
    """The part of a text before its improvement measure: the restated shortfall and the cause."""
    whole = normalise(text or "")
    if measure and whole.endswith(measure):
        return whole[: -len(measure)]
    return whole


def _texts(data: StoredData) -> pd.DataFrame:
    """The deviations that have a text."""
    d = data.deviations
    return d[d["text"].str.strip().astype(bool)]


def _listed(names: Iterable[str]) -> list[str]:
    """Names in first-seen order, each once."""
    return list(dict.fromkeys(n if n else "（未对应到三级指标的扣分行）" for n in names))


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _name_zh(code: str) -> str:
    try:
        return load_taxonomy().name_zh(code)
    except KeyError:  # a code a later taxonomy dropped
        return code


def _forms(data: StoredData) -> pd.DataFrame:
    return data.forms.set_index("form_id")


def _form_finding(
    rule: str,
    form: pd.Series,
    form_id: int,
    indicators: list[str],
    ids: list[int],
    evidence: str,
    *,
    text: str = "",
    id_parts: tuple = (),
) -> Finding:
    """A finding about one form (its id: the rule, the document's sha256 and the form's place, `id_parts`)."""
    return Finding(
        id=finding_id(rule, form["form_key"], *id_parts),
        rule=rule,
        title_zh=RULES_ZH[rule],
        department=form["department"],
        unit=form["unit"],
        project=form["project"],
        year=None if pd.isna(form["year"]) else int(form["year"]),
        form_id=int(form_id),
        document_id=int(form["document_id"]),
        indicators=indicators,
        deviation_ids=[int(i) for i in ids],
        evidence=evidence,
        text=text,
    )


def pasted_explanation(data: StoredData) -> list[Finding]:
    """同一说明套用于多个指标: one (normalised) text under 3 or more indicators of one form."""
    d = _texts(data).assign(key=lambda x: _unique_map(x["text"], text_key))
    d = d[d["key"] != ""]
    sizes = d.groupby(["form_id", "key"], sort=False)["indicator"].transform("nunique")
    pasted = d[sizes >= PASTED_MIN_INDICATORS]
    forms = _forms(data)
    found = []
    for (form_id, _key), group in pasted.groupby(["form_id", "key"], sort=True):
        indicators = _listed(group["indicator"])
        found.append(
            _form_finding(
                "pasted_explanation",
                forms.loc[form_id],
                form_id,
                indicators,
                group["id"].tolist(),
                f"同一段说明出现在本表 {len(indicators)} 个三级指标下：{'、'.join(indicators[:_MAX_LISTED])}",
                text=group["text"].iloc[0],
                id_parts=tuple(sorted(indicators)),
            )
        )
    return found


def pasted_across_projects(data: StoredData) -> list[Finding]:
    """同一说明套用于多个项目: one (normalised) text under 2 or more projects of one unit in one year."""
    d = _texts(data).dropna(subset=["unit"]).assign(key=lambda x: _unique_map(x["text"], text_key))
    d = d[d["key"] != ""]
    sizes = d.groupby(["unit", "year", "key"], sort=False, dropna=False)["form_id"].transform("nunique")
    projects = d.groupby(["unit", "year", "key"], sort=False, dropna=False)["project"].transform("nunique")
    pasted = d[(sizes >= PASTED_MIN_PROJECTS) & (projects >= PASTED_MIN_PROJECTS)]
    found = []
    for (unit, year, key), group in pasted.groupby(["unit", "year", "key"], sort=True, dropna=False):
        names = _listed(group["project"])
        form_ids = list(dict.fromkeys(int(i) for i in group["form_id"]))
        indicators = _listed(f"{p}：{i}" for p, i in zip(group["project"], group["indicator"]))
        year = None if pd.isna(year) else int(year)
        found.append(
            Finding(
                id=finding_id("pasted_across_projects", unit, year, key),
                rule="pasted_across_projects",
                title_zh=RULES_ZH["pasted_across_projects"],
                department=group["department"].iloc[0],
                unit=unit,
                project=None,
                year=year,
                form_id=form_ids[0],
                document_id=None,
                indicators=indicators,
                deviation_ids=[int(i) for i in group["id"]],
                evidence=f"同一段说明出现在本单位 {len(names)} 个项目中：{'、'.join(names[:_MAX_LISTED])}",
                text=group["text"].iloc[0],
                related_form_ids=form_ids[1:],
            )
        )
    return found


def repeated_promise(data: StoredData) -> list[Finding]:
    """整改措施重复承诺: a unit gives the same cause code in consecutive years with nearly the same measure.

    Nearly the same: Sørensen–Dice of the measures' character bigrams ≥ MEASURE_SIMILARITY (0.7), digits and
    punctuation removed. Pairs of the same project and indicator are preferred as the evidence, then the same project.
    One finding per unit, code and pair of years."""
    d = data.deviations
    d = d[(d["measure_text"] != "") & (d["code"] != ABSTAIN) & d["unit"].notna() & d["year"].notna()]
    d = d.assign(mkey=lambda x: _unique_map(x["measure_text"], measure_key))
    d = d[d["mkey"].str.len() >= MIN_MEASURE_CHARS]
    columns = ["id", "form_id", "unit", "code", "year", "project", "indicator", "measure_text", "mkey", "department"]
    earlier = d[columns].assign(next_year=lambda x: x["year"] + 1)
    pairs = earlier.merge(
        d[columns], left_on=["unit", "code", "next_year"], right_on=["unit", "code", "year"], suffixes=("_a", "_b")
    )
    if pairs.empty:
        return []
    grams: dict[str, frozenset[str]] = {}
    keys = pairs[["mkey_a", "mkey_b"]].drop_duplicates()
    scores = {}
    for a, b in zip(keys["mkey_a"], keys["mkey_b"]):
        ga = grams.get(a) or grams.setdefault(a, bigrams(a))
        gb = grams.get(b) or grams.setdefault(b, bigrams(b))
        scores[a, b] = dice(ga, gb)
    pairs["similarity"] = [scores[a, b] for a, b in zip(pairs["mkey_a"], pairs["mkey_b"])]
    pairs = pairs[pairs["similarity"] >= MEASURE_SIMILARITY]
    if pairs.empty:
        return []
    pairs["same_project"] = pairs["project_a"] == pairs["project_b"]
    pairs["same_indicator"] = pairs["same_project"] & (pairs["indicator_a"] == pairs["indicator_b"])
    pairs = pairs.sort_values(
        ["same_indicator", "same_project", "similarity", "id_b", "id_a"], ascending=[False, False, False, True, True]
    )
    found = []
    for (unit, code, year_a), group in pairs.groupby(["unit", "code", "year_a"], sort=True):
        best = group.iloc[0]
        year_a, year_b = int(year_a), int(best["year_b"])
        where = "同一项目同一指标" if best["same_indicator"] else ("同一项目" if best["same_project"] else "本单位")
        ids = list(dict.fromkeys([*map(int, group["id_a"]), *map(int, group["id_b"])]))
        indicators = _listed(
            [
                *(f"{year_a}年 {p}：{i}" for p, i in zip(group["project_a"], group["indicator_a"])),
                *(f"{year_b}年 {p}：{i}" for p, i in zip(group["project_b"], group["indicator_b"])),
            ]
        )
        later_forms = list(dict.fromkeys(int(i) for i in group["form_id_b"]))
        earlier_forms = list(dict.fromkeys(int(i) for i in group["form_id_a"]))
        found.append(
            Finding(
                id=finding_id("repeated_promise", unit, code, year_a, year_b),
                rule="repeated_promise",
                title_zh=RULES_ZH["repeated_promise"],
                department=best["department_b"],
                unit=unit,
                project=best["project_b"] if best["same_project"] else None,
                year=year_b,
                form_id=int(best["form_id_b"]),
                document_id=None,
                indicators=indicators,
                deviation_ids=ids,
                evidence=(
                    f"{year_a}年与{year_b}年{where}均归因于“{_name_zh(code)}”，改进措施几乎相同"
                    f"（相似度 {best['similarity']:.2f}）："
                    f"{year_a}年“{_short(best['measure_text_a'])}”；{year_b}年“{_short(best['measure_text_b'])}”"
                ),
                text=best["measure_text_b"],
                related_form_ids=[f for f in [*later_forms[1:], *earlier_forms] if f != int(best["form_id_b"])],
                count=len(group),
            )
        )
    return found


def _per_form(
    rule: str,
    rows: pd.DataFrame,
    data: StoredData,
    evidence: Callable[[pd.DataFrame, pd.Series], str],
    indicator: str = "indicator",
) -> list[Finding]:
    """One finding per form of `rows` (deviations or indicators of one rule), its indicators listed."""
    forms = _forms(data)
    found = []
    for form_id, group in rows.groupby("form_id", sort=True):
        form = forms.loc[form_id]
        ids = group["id"].tolist() if "id" in group else []
        text = group["text"].iloc[0] if "text" in group else ""
        found.append(
            _form_finding(rule, form, form_id, _listed(group[indicator]), ids, evidence(group, form), text=text)
        )
    return found


def funding_despite_execution(data: StoredData) -> list[Finding]:
    """归因资金但预算执行率达标: a text's code is `funding` while the form's 执行率 is ≥ 99 % (unknown: no finding)."""
    rates = data.forms.set_index("form_id")["execution_rate"]
    d = data.deviations[data.deviations["code"] == FUNDING]
    d = d[d["form_id"].map(rates) >= FULL_EXECUTION]  # NaN (unknown rate) compares False
    return _per_form(
        "funding_despite_execution",
        d,
        data,
        lambda g, f: (
            f"{len(g)} 条说明归因于资金（funding），但本表预算执行率为 {f['execution_rate']:g}%（≥{FULL_EXECUTION:g}%）"
        ),
    )


def met_but_lost(data: StoredData) -> list[Finding]:
    """称已完成目标但指标失分: the text before its measure says 已完成 / 达到预期 while the indicator lost points."""
    d = _texts(data)
    d = d[d["points_lost"] > 0]  # NaN (unknown) compares False
    keys = d[["text", "measure_text"]].drop_duplicates()
    claims = (MET.search(_before_measure(t, m)) for t, m in zip(keys["text"], keys["measure_text"]))
    keys["said"] = [None if c is None else c.group() for c in claims]
    d = d.merge(keys.dropna(subset=["said"]), on=["text", "measure_text"])
    return _per_form(
        "met_but_lost",
        d,
        data,
        lambda g, f: "；".join(
            f"{i}：说明称“{s}”，但扣 {lost:g} 分" for i, s, lost in zip(g["indicator"], g["said"], g["points_lost"])
        ),
    )


def lost_without_text(data: StoredData) -> list[Finding]:
    """指标失分但未说明原因: an indicator lost points (分值 > 得分) and has no 偏差原因 text at all."""
    return _per_form(
        "lost_without_text",
        data.missing,
        data,
        lambda g, f: f"{len(g)} 个三级指标失分，但没有填写偏差原因分析",
        indicator="name",
    )


def text_without_loss(data: StoredData) -> list[Finding]:
    """指标未失分却填写偏差说明: a text stands under an indicator whose points lost are known to be 0."""
    d = _texts(data)
    d = d[d["points_lost"] == 0]  # NaN (unknown) is not 0
    return _per_form(
        "text_without_loss", d, data, lambda g, f: f"{len(g)} 个三级指标未失分（得分等于分值），却填写了偏差说明"
    )


def no_cause_rate(data: StoredData) -> list[Finding]:
    """未说明真实原因: per unit and year, the texts coded `no_cause` (restatement or measure only, boilerplate)."""
    d = _texts(data).assign(no_cause=lambda x: x["code"] == NO_CAUSE)
    d = d.dropna(subset=["unit"])
    found = []
    for (unit, year), group in d.groupby(["unit", "year"], sort=True, dropna=False):
        bad = group[group["no_cause"]]
        if bad.empty:
            continue
        rate = len(bad) / len(group)
        year = None if pd.isna(year) else int(year)
        forms = list(dict.fromkeys(int(i) for i in bad["form_id"]))
        found.append(
            Finding(
                id=finding_id("no_cause_rate", unit, year),
                rule="no_cause_rate",
                title_zh=RULES_ZH["no_cause_rate"],
                department=group["department"].iloc[0],
                unit=unit,
                project=None,
                year=year,
                form_id=forms[0],
                document_id=None,
                indicators=_listed(f"{p}：{i}" for p, i in zip(bad["project"], bad["indicator"])),
                deviation_ids=[int(i) for i in bad["id"]],
                evidence=(
                    f"{len(group)} 条偏差说明中有 {len(bad)} 条未说明真实原因（仅复述差距、仅写措施或套话），"
                    f"占 {rate:.1%}"
                ),
                text=bad["text"].iloc[0],
                related_form_ids=forms[1:],
                count=len(bad),
                rate=rate,
            )
        )
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
