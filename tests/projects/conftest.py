"""Builders for the projects tests: projects, reports, needs and uploads."""

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from projects.models import Indicator, Need, OutcomeReport, Project
from tests.factories import ProjectFactory


@pytest.fixture(autouse=True)
def media_and_language(settings, tmp_path):
    """Uploaded files go to a temporary folder; messages are compared in English."""
    settings.MEDIA_ROOT = tmp_path
    settings.LANGUAGE_CODE = "en"


def pairing_of(world, in_scope: bool):
    return world.in_scope_pairing if in_scope else world.out_of_scope_pairing


def make_project(world, in_scope=True, index=0, **fields) -> Project:
    values = {
        "pairing": pairing_of(world, in_scope),
        "code": f"{'IN' if in_scope else 'OUT'}-{index:04d}",
        "name": f"{'水城区' if in_scope else '七星关区'}测试项目{index}",
        "planned_start_date": date(2023, 3, 1),
        "planned_end_date": date(2023, 12, 31),
    }
    values.update(fields)
    return ProjectFactory(**values)


def make_indicator(code="test_count", unit="个", **fields) -> Indicator:
    values = {"name_zh": f"测试{code}", "name_en": code, "category": "industry", "unit": unit}
    values.update(fields)
    return Indicator.objects.get_or_create(code=code, defaults=values)[0]


def make_report(world=None, in_scope=True, index=0, **fields) -> OutcomeReport:
    values = {
        "indicator": make_indicator(),
        "year": 2023,
        "month": index + 1 if index < 12 else None,
        "value": Decimal(10),
    }
    if "project" not in fields and "pairing" not in fields:
        values["pairing"] = pairing_of(world, in_scope)
    values.update(fields)
    return OutcomeReport.objects.create(**values)


def make_need(world, in_scope=True, index=0, **fields) -> Need:
    pairing = pairing_of(world, in_scope)
    values = {
        "pairing": pairing,
        "raised_by_region": pairing.helped_region,
        "raised_by_department": "农业农村局",
        "collected_on": date(2023, 3, 1),
        "category": "science",
        "description": f"{'水城' if in_scope else '七星关'}需求{index}:病虫害防治技术",
    }
    values.update(fields)
    return Need.objects.create(**values)


def pdf_upload(name="验收报告.pdf", size=None) -> SimpleUploadedFile:
    content = b"%PDF-1.7\n" + (b"0" * (size - 9) if size else b"body")
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png_upload(name="现场.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"pixels", content_type="image/png")


def office_upload(name: str, part: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(part, "<xml/>")
    return SimpleUploadedFile(name, buffer.getvalue())
