"""The checks auditors apply to a form, reported as warnings (never failures)."""

from __future__ import annotations

from nlp.forms.records import Form

_TOLERANCE = 0.011


def audit(form: Form) -> list[str]:
    """Warnings for lost points without explanation, scores not adding up, and a wrong 执行率."""
    warnings: list[str] = []
    explained = {d.indicator for d in form.deviations}
    tied = [i for i in form.indicators if i.weight is not None and i.score is not None]
    for indicator in tied:
        lost = indicator.points_lost or 0.0
        if lost > 0 and indicator.name not in explained:
            warnings.append(
                f"三级指标 {indicator.name} lost {lost:g} points but has no deviation text "
                f"/ 扣{lost:g}分但未填写偏差原因"
            )
    rows = form.value_rows or tied
    lossy = sum(1 for r in rows if r.weight is not None and r.score is not None and r.score < r.weight)
    untied_lossy = lossy - sum(1 for i in tied if i.score < i.weight)  # type: ignore[operator]
    if form.value_rows and untied_lossy > 0 and lossy > len(explained):
        warnings.append(
            f"{lossy} value rows lost points but only {len(explained)} 三级指标 have a deviation text "
            f"/ {lossy}个指标扣分，仅{len(explained)}个填写了偏差原因"
        )
    scores = [r.score for r in rows if r.score is not None]
    if form.total_score is not None and scores:
        total = sum(scores) + (form.budget.score or 0.0)
        if abs(total - form.total_score) > _TOLERANCE:
            warnings.append(
                f"indicator scores add up to {total:.2f}, not 总分 {form.total_score:g} "
                f"/ 各项得分合计{total:.2f}，与总分{form.total_score:g}不符"
            )
    budget = form.budget
    if budget.executed is not None and budget.full_year and budget.execution_rate is not None:
        rate = budget.executed / budget.full_year * 100
        if abs(rate - budget.execution_rate) > _TOLERANCE:
            warnings.append(
                f"执行率 {budget.execution_rate:g} does not match 全年执行数/全年预算数 = {rate:.2f} "
                f"/ 执行率与执行数÷预算数（{rate:.2f}）不符"
            )
    return warnings
