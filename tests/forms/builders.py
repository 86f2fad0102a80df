"""Build .xlsx and .pdf forms in the 自评表 template layout from the seed's own values."""

from __future__ import annotations

from pathlib import Path

from nlp.forms.records import Budget, Deviation, Form, Indicator
from tests.fixtures.seed_forms_expected import DEPARTMENT, FORMS, TEMPLATE_ROWS, UNIT
from tests.support.render import render_pdf, render_xlsx


def seed_form(project: str) -> Form:
    """The seed form of `project` as a record: its values and the template rows written out for it."""
    form = next(f for f in FORMS if f["project"] == project)
    spec = TEMPLATE_ROWS[project]
    indicators = [Indicator(l1, l2, name, t, a, w, s) for l1, l2, name, t, a, w, s, _ in spec["rows"]]
    deviations = [Deviation(name, text) for _, _, name, *_, text in spec["rows"] if text]
    return Form(
        project=project,
        department=DEPARTMENT,
        unit=UNIT,
        year=2023,
        budget=Budget(**form["budget"]),
        overall_target=spec["target"],
        overall_actual=spec["actual"],
        indicators=indicators,
        deviations=deviations,
        total_score=form["total_score"],
        grade=form["grade"],
    )


def build_xlsx(path: Path, projects: list[str]) -> Path:
    """An .xlsx with one sheet per project in the template layout, merged cells and all."""
    return render_xlsx([seed_form(p) for p in projects], path)


def build_pdf(path: Path, projects: list[str]) -> Path:
    """A PDF with one ruled table per project (CID font), laid out like the template."""
    return render_pdf([seed_form(p) for p in projects], path)


def build_text_pdf(path: Path, text: str) -> Path:
    """A PDF with no ruled table: the extracted text drawn back, box by box, page by page."""
    import re

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    height = 1400.0  # tall pages: one extracted page never spills onto two
    pdf = canvas.Canvas(str(path), pagesize=(A4[0], height))
    for page in re.split(r"\n(?:[ \t]*\n){2,}", text):
        y = height - 20
        for box in re.split(r"\n[ \t]*\n", page):
            lines = [line.strip() for line in box.split("\n") if line.strip()]
            for line in lines:
                pdf.setFont("STSong-Light", 6)
                pdf.drawString(20, y, line)
                y -= 7
            y -= 9
        pdf.showPage()
    pdf.save()
    return path
