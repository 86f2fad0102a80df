"""Roll-ups kept in step by every write, inside its transaction.

form_causes: deviations rolled up per (form, effective code), refreshed whenever a form's deviations change.
project_summary_rows / project_totals: the unfiltered by-project summary, stored as summarise returns it,
refreshed for the projects of those forms (and of a deleted document's forms).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, select, text
from sqlalchemy.orm import Session, aliased

from nlp.store.models import (
    REASON_MISSING,
    DeviationRow,
    FormCauseRow,
    FormRow,
    IndicatorRow,
    ProjectSummaryRow,
    ProjectTotalRow,
)
from nlp.taxonomy import ABSTAIN, NO_CAUSE

_KEYS_PER_STATEMENT = 500
"""Form ids or project names in one IN (…) list: well below every driver's parameter limit."""
_PROJECT_LOCKS = 0x70_72_6A  # "prj": the advisory-lock key space of the projects (PostgreSQL)

Cell = tuple[str | None, str, int, float | None, int, str]
"""One (group, code) of a summary before it is shaped: group, code, count, points lost, forms, example."""


def group_order(group: str | None) -> tuple[bool, str]:
    """How a summary orders its groups: by name, None last."""
    return (group is None, group or "")


@dataclass(slots=True)
class SummaryRow:
    """One cause within one group."""

    group: str | None
    label: str
    label_zh: str
    count: int
    share: float
    """count / deviations of the group; a group's shares add up to 1."""
    points_lost: float | None
    """Sum of 分值−得分 over the rows where both are known; None (unknown, not 0) when no row has them."""
    forms: int
    example: str


@dataclass
class GroupTotal:
    """One group's totals: deviations, forms, points lost, missing reasons and how often the model abstained."""

    group: str | None
    deviations: int
    forms: int
    points_lost: float | None
    """Sum of the known points lost; None when no deviation of the group has them."""
    missing_reasons: int
    """Indicators that lost points (分值 > 得分) with no deviation text at all."""
    abstained: int
    abstain_rate: float
    no_cause: int
    points_lost_unknown: int = 0
    """Deviations whose points lost are unknown (分值 or 得分 missing, or not tied to the deviation)."""


def summary_rows(
    cells: Iterable[Cell], forms_of: Mapping[str | None, int], missing_of: Mapping[str | None, int]
) -> tuple[list[SummaryRow], list[GroupTotal]]:
    """A summary's rows and group totals from its (group, code) counts, the forms with deviations and the missing
    reasons per group. The rows' Chinese names (label_zh) are left empty for the caller to fill.

    Rows: groups by name with None last, codes by count (highest first) then code. Totals: in the same order; a
    group with missing reasons only is there too. Points lost are the sum of those known; None (unknown, never 0)
    when no deviation of the cell or group has them.
    """
    deviations: dict[str | None, int] = defaultdict(int)
    lost_of: dict[str | None, float] = {}  # only groups with some known points lost
    counted: dict[tuple[str | None, str], int] = {}
    shaped = []
    for group, code, n, lost, forms, example in cells:
        deviations[group] += n
        if lost is not None:
            lost_of[group] = lost_of.get(group, 0.0) + lost
        counted[group, code] = n
        shaped.append(SummaryRow(group, code, "", n, 0.0, None if lost is None else round(lost, 2), forms, example))
    shaped.sort(key=lambda r: (*group_order(r.group), -r.count, r.label))
    for cell in shaped:
        cell.share = cell.count / deviations[cell.group]
    groups = []
    for g in sorted(set(deviations) | set(missing_of), key=group_order):
        total, abstained = deviations.get(g, 0), counted.get((g, ABSTAIN), 0)
        groups.append(
            GroupTotal(
                group=g,
                deviations=total,
                forms=forms_of.get(g, 0),
                points_lost=round(lost_of[g], 2) if g in lost_of else None,
                missing_reasons=missing_of.get(g, 0),
                abstained=abstained,
                abstain_rate=abstained / total if total else 0.0,
                no_cause=counted.get((g, NO_CAUSE), 0),
            )
        )
    return shaped, groups


def refresh_form_causes(session: Session | Connection, form_ids: Iterable[int]) -> None:
    """Recompute the rolled-up rows of these forms from their deviations, and their projects' stored summary."""
    ids = sorted(set(form_ids))
    projects: set[str] = set()
    for start in range(0, len(ids), _KEYS_PER_STATEMENT):
        chunk = ids[start : start + _KEYS_PER_STATEMENT]
        session.execute(delete(FormCauseRow).where(FormCauseRow.form_id.in_(chunk)))
        d = DeviationRow
        rolled = (
            select(
                d.form_id,
                d.code,
                func.count(),
                func.sum(d.points_lost),
                func.min(d.id),
                func.min(d.department),
                func.min(d.unit),
                func.min(d.project),
                func.min(d.year),
            )
            .where(d.form_id.in_(chunk))
            .group_by(d.form_id, d.code)
        )
        columns = ["form_id", "code", "n", "points_lost", "first_id", "department", "unit", "project", "year"]
        session.execute(insert(FormCauseRow).from_select(columns, rolled))
        projects.update(session.execute(select(FormRow.project).where(FormRow.id.in_(chunk)).distinct()).scalars())
    refresh_project_summary(session, projects)


def _lock_projects(session: Session | Connection, names: list[str]) -> None:
    """PostgreSQL: one transaction at a time refreshes a project, the next then reads what the first committed.

    Without it two transactions touching one project (two files with a 信息化运维项目, a label set during an
    ingest) would each insert the project's rows, and the second fail on the primary key. The locks are taken
    in name order in every transaction, so no two wait for each other. SQLite has one writer at a time anyway.
    """
    connection = session.connection() if isinstance(session, Session) else session
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:space, hashtext(p)) FROM unnest(CAST(:names AS text[])) AS p"),
            {"space": _PROJECT_LOCKS, "names": names},
        )


def refresh_project_summary(session: Session | Connection, projects: Iterable[str]) -> None:
    """Recompute the stored by-project summary of these projects from form_causes (a project gone: its rows go)."""
    names = sorted(set(projects))
    fc = FormCauseRow
    for start in range(0, len(names), _KEYS_PER_STATEMENT):
        chunk = names[start : start + _KEYS_PER_STATEMENT]
        _lock_projects(session, chunk)
        session.execute(delete(ProjectSummaryRow).where(ProjectSummaryRow.project.in_(chunk)))
        session.execute(delete(ProjectTotalRow).where(ProjectTotalRow.project.in_(chunk)))
        cells = (
            select(
                fc.project,
                fc.code,
                func.sum(fc.n).label("n"),
                func.sum(fc.points_lost).label("lost"),
                func.count().label("forms"),
                func.min(fc.first_id).label("first"),
            )
            .where(fc.project.in_(chunk))
            .group_by(fc.project, fc.code)
            .subquery()
        )
        first = aliased(DeviationRow)
        c = cells.c
        found = session.execute(
            select(c.project, c.code, c.n, c.lost, c.forms, first.text).join(first, first.id == c.first)
        ).all()
        forms_of = dict(  # the forms with at least one deviation: those with form_causes
            session.execute(
                select(fc.project, func.count(fc.form_id.distinct())).where(fc.project.in_(chunk)).group_by(fc.project)
            ).all()
        )
        i = IndicatorRow
        missing_of = dict(
            session.execute(
                select(i.project, func.count()).where(REASON_MISSING, i.project.in_(chunk)).group_by(i.project)
            ).all()
        )
        shaped, groups = summary_rows(found, forms_of, missing_of)
        causes: dict[str | None, int] = defaultdict(int)
        stored = []
        for cell in shaped:
            stored.append(
                {
                    "project": cell.group,
                    "rank": causes[cell.group],
                    "code": cell.label,
                    "n": cell.count,
                    "share": cell.share,
                    "points_lost": cell.points_lost,
                    "forms": cell.forms,
                    "example": cell.example,
                }
            )
            causes[cell.group] += 1
        totals = [
            {
                "project": g.group,
                "causes": causes[g.group],
                "deviations": g.deviations,
                "forms": g.forms,
                "points_lost": g.points_lost,
                "missing_reasons": g.missing_reasons,
                "abstained": g.abstained,
                "abstain_rate": g.abstain_rate,
                "no_cause": g.no_cause,
            }
            for g in groups
        ]
        if stored:
            session.execute(insert(ProjectSummaryRow), stored)
        if totals:
            session.execute(insert(ProjectTotalRow), totals)
