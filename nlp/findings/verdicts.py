"""An analyst's verdict on a finding (已核实 / 不成立), kept with who and when by the finding's stable id."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import delete, select

from nlp.errors import PianchaError
from nlp.findings.records import VERDICTS_ZH
from nlp.store import Store
from nlp.store.models import FindingVerdictRow

log = logging.getLogger(__name__)


class VerdictError(PianchaError, ValueError):
    """A verdict that cannot be recorded (unknown verdict, nobody named)."""


@dataclass
class Verdict:
    """What an analyst said about one finding, who and when."""

    finding_id: str
    rule: str
    verdict: str
    verdict_zh: str
    who: str
    at: datetime
    note: str | None = None


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _of(row: FindingVerdictRow) -> Verdict:
    return Verdict(row.finding_id, row.rule, row.verdict, VERDICTS_ZH[row.verdict], row.who, _utc(row.at), row.note)


def read_verdicts(store: Store) -> dict[str, Verdict]:
    """Every recorded verdict by finding id."""
    with store.sessions() as session:
        return {r.finding_id: _of(r) for r in session.scalars(select(FindingVerdictRow))}


def record_verdict(
    store: Store, finding_id: str, rule: str, verdict: str | None, who: str, note: str | None = None
) -> Verdict | None:
    """Record (or with `verdict` None, remove) an analyst's verdict on a finding; the finding is not checked here."""
    if verdict is not None and verdict not in VERDICTS_ZH:
        raise VerdictError(
            f"finding {finding_id}: unknown verdict {verdict!r}; use {' or '.join(VERDICTS_ZH)} / 未知的核实结论"
        )
    if verdict is not None and not (who or "").strip():
        raise VerdictError(f"finding {finding_id}: say who gives the verdict / 需要填写核实人")
    with store.transaction() as session:
        session.execute(delete(FindingVerdictRow).where(FindingVerdictRow.finding_id == finding_id))
        if verdict is None:
            log.info("finding %s: verdict removed", finding_id)
            return None
        row = FindingVerdictRow(
            finding_id=finding_id, rule=rule, verdict=verdict, who=who.strip(), at=datetime.now(timezone.utc), note=note
        )
        session.add(row)
        session.flush()
        result = _of(row)
    log.info("finding %s: %s by %s", finding_id, verdict, who)
    return result
