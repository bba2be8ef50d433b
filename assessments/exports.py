"""The assessment as an Excel workbook: one sheet per pairing, then the rubric.

Written in the interface's language: indicator names, grade labels and units
go through the dashboards' own filters (``indicator_name``, ``grade_label``,
``unit_label``), so the workbook reads as the page it was exported from.
"""

import io
import re
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from aidtrack.core.exports import xlsx_row
from aidtrack.core.templatetags.aidtrack import indicator_name
from assessments.choices import GradeLevel, ScoringMethod
from assessments.templatetags.assessments import grade_label, unit_label

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_BOLD = Font(bold=True)


def _sheet_title(name: str, taken: set[str]) -> str:
    """Excel allows 31 characters, none of []:*?/\\, and no duplicates."""
    base = _SHEET_FORBIDDEN.sub("-", name)[:31] or "-"
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def _append(sheet, values) -> None:
    # Names, notes and labels are typed by users: text cells, never formulas.
    sheet.append(xlsx_row(sheet, values))


def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def _pairing_sheet(sheet, entry) -> None:
    pairing, summary, grades = entry["pairing"], entry["summary"], entry["official"]
    levels = dict(GradeLevel.choices)
    _append(sheet, [str(pairing)])
    sheet["A1"].font = Font(bold=True, size=13)
    _append(sheet, [_("Year"), entry["year"]])
    if summary is None:
        _append(sheet, [_("Not computed yet.")])
        return
    _append(sheet, [_("Score"), summary["score"]])
    _append(sheet, [_("Computed grade"), grade_label(summary["grade"])])
    for level, label in levels.items():
        grade = grades.get(level)
        _append(
            sheet,
            [
                _("Official grade (%(level)s)") % {"level": label},
                grade_label(grade.grade) if grade else "",
                grade.document_reference if grade else "",
            ],
        )
    _append(sheet, [_("Refreshed at"), _local(summary["refreshed_at"])])
    if summary["failed"]:
        _append(sheet, [_("The last refresh failed"), summary["last_error"]])
    _append(sheet, [])
    header = [
        _("Indicator"),
        _("Unit"),
        _("Actual"),
        _("Target"),
        _("Completion (%)"),
        _("Previous year"),
        _("Change (%)"),
        _("Scoring method"),
        _("Weight"),
        _("Points"),
    ]
    _append(sheet, header)
    for cell in sheet[sheet.max_row]:
        cell.font = _BOLD
    methods = dict(ScoringMethod.choices)
    for figure in summary["figures"]:
        _append(
            sheet,
            [
                indicator_name(figure),
                unit_label(figure["unit"]),
                figure["actual"],
                figure["target"],
                figure["completion"],
                figure["previous"],
                figure["change"],
                str(methods.get(figure["method"], figure["method"])),
                figure["weight"],
                figure["points"],
            ],
        )
    sheet.column_dimensions["A"].width = 28
    for column in "BCDEFGHIJ":
        sheet.column_dimensions[column].width = 14


def _rubric_sheet(sheet, rubric) -> None:
    if rubric is None:
        _append(sheet, [_("No rubric for this year.")])
        return
    _append(sheet, [str(rubric)])
    sheet["A1"].font = Font(bold=True, size=13)
    if rubric.note:
        _append(sheet, [rubric.note])
    _append(sheet, [])
    _append(
        sheet,
        [
            _("Indicator"),
            _("Unit"),
            _("Weight"),
            _("Scoring method"),
            _("Cap (%)"),
            _("Pairings below"),
        ],
    )
    for cell in sheet[sheet.max_row]:
        cell.font = _BOLD
    methods = dict(ScoringMethod.choices)
    total = Decimal(0)
    for item in rubric.items.all():
        total += item.weight
        _append(
            sheet,
            [
                indicator_name(item.indicator),
                unit_label(item.indicator.unit),
                item.weight,
                str(methods[item.method]),
                item.cap_percent,
                _("Yes") if item.aggregate_descendants else _("No"),
            ],
        )
    _append(sheet, [_("Total"), "", total])
    _append(sheet, [])
    _append(sheet, [_("Grade"), _("Minimum score")])
    for cell in sheet[sheet.max_row]:
        cell.font = _BOLD
    for threshold in rubric.thresholds.all():
        _append(sheet, [grade_label(threshold.label), threshold.min_score])
    sheet.column_dimensions["A"].width = 28


def assessment_workbook(entries: list[dict], rubrics) -> bytes:
    """``entries``: ``{"pairing", "year", "summary", "official"}`` each, one sheet apiece
    (named with the year when the entries span several); then each year's rubric."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    several_years = len({entry["year"] for entry in entries}) > 1
    for entry in entries:
        name = str(entry["pairing"])
        if several_years:
            name = f"{entry['year']} {name}"
        _pairing_sheet(workbook.create_sheet(_sheet_title(name, taken)), entry)
    rubrics = list(rubrics) or [None]
    for rubric in rubrics:
        title = str(_("Rubric")) if len(rubrics) == 1 else f"{_('Rubric')} {rubric.year}"
        _rubric_sheet(workbook.create_sheet(_sheet_title(title, taken)), rubric)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
