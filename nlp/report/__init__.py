"""The department report: one Excel workbook an auditor can forward — a summary sheet with native Excel charts, the
causes per unit with points lost (unknown shown as "—"), the audit findings, and every deviation with its code and
confidence.

write_department_report(store, "部门报告.xlsx", department="上海市交通委员会", year=2023)
"""

from nlp.report.workbook import SHEETS, UNKNOWN, department_report, write_department_report

__all__ = ["SHEETS", "UNKNOWN", "department_report", "write_department_report"]
