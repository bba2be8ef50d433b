"""Generated access tests for every model of the projects app."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from aidtrack.core.testing import (
    ADMIN,
    COORDINATOR,
    ObjectAccessTests,
    TransitionTests,
    expected_write,
)
from projects.choices import NeedStatus
from projects.models import Need, OutcomeEvidence, OutcomeReport, Project, ProjectAttachment
from projects.services import project_approve, project_start
from projects.views import (
    IndicatorViews,
    NeedViews,
    OutcomeEvidenceViews,
    OutcomeReportViews,
    ProgressUpdateViews,
    ProjectAttachmentViews,
    ProjectViews,
)
from tests.projects.conftest import (
    make_indicator,
    make_need,
    make_project,
    make_report,
    pairing_of,
    pdf_upload,
)


class TestIndicatorAccess(ObjectAccessTests):
    """Reference data: everyone reads, only administrators write."""

    views = IndicatorViews
    api_url = "api:indicator"
    update_changes = {"name_en": "Changed name"}

    def make_object(self, world, in_scope, index=0):
        return make_indicator(f"{'a' if in_scope else 'b'}_{index}")

    def create_data(self, world, in_scope):
        return {
            "code": f"new_{'a' if in_scope else 'b'}",
            "name_zh": "新指标",
            "name_en": "New indicator",
            "unit": "个",
            "category": "industry",
            "aggregation": "sum",
            "higher_is_better": True,
        }


class TestProjectAccess(ObjectAccessTests, TransitionTests):
    views = ProjectViews
    api_url = "api:project"
    update_changes = {"name": "改名后的项目"}
    steps = {
        "approve": {},
        "start": {"on": "2023-03-10"},
        "complete": {"on": "2023-09-30"},
        "accept": {"on": "2023-11-01"},
        "cancel": {"reason": "选址调整"},
    }

    def make_object(self, world, in_scope, index=0):
        # With a budget and planned dates, as approval needs.
        return make_project(world, in_scope, index)

    def ready_object(self, world, transition, in_scope=True):
        project = super().ready_object(world, transition, in_scope)
        # A project under way has started; a completed one has ended.
        dates = {
            "complete": {"actual_start_date": date(2023, 3, 10)},
            "accept": {
                "actual_start_date": date(2023, 3, 10),
                "actual_end_date": date(2023, 9, 30),
            },
        }.get(transition.name)
        if dates:
            Project.objects.filter(pk=project.pk).update(**dates)
            project.refresh_from_db()
        return project

    def create_data(self, world, in_scope):
        pairing = pairing_of(world, in_scope)
        return {
            "name": "新建项目",
            "pairing": pairing.pk,
            "region": pairing.helped_region.code,
            "category": "industry",
            "year": 2023,
            "budget": "1200000.00",
            "beneficiaries": 100,
            "beneficiaries_formerly_poor": 30,
        }


def started_project(world, in_scope, index):
    project = make_project(world, in_scope, 100 + index)
    project_approve(project)
    return project_start(project, on=project.planned_start_date)


class TestProgressUpdateAccess(ObjectAccessTests):
    views = ProgressUpdateViews
    api_url = "api:progressupdate"
    update_changes = {"note": "主体完工"}

    def make_object(self, world, in_scope, index=0):
        project = started_project(world, in_scope, index)
        return project.progress_updates.create(date=project.actual_start_date, percent=10)

    def create_data(self, world, in_scope):
        project = started_project(world, in_scope, 50)
        return {"project": project.pk, "date": "2023-05-01", "percent": 40, "note": "基础施工"}


class TestProjectAttachmentAccess(ObjectAccessTests):
    views = ProjectAttachmentViews
    api_url = "api:projectattachment"
    update_changes = {"title": "竣工验收报告"}

    def make_object(self, world, in_scope, index=0):
        project = make_project(world, in_scope, index)
        title = f"{'水城' if in_scope else '七星关'}报告{index}"
        return ProjectAttachment.objects.create(project=project, file=pdf_upload(), title=title)

    def create_data(self, world, in_scope):
        return {
            "project": make_project(world, in_scope, 60).pk,
            "title": "照片",
            "file": pdf_upload(),
        }

    @pytest.mark.parametrize("in_scope", [True, False], ids=["in_scope", "out_of_scope"])
    @pytest.mark.parametrize("role", ["admin", "coordinator", "leader", "partner", "anonymous"])
    def test_api_create(self, world, role, in_scope):
        """Files travel as multipart, not JSON."""
        before = ProjectAttachment.objects.count()
        response = self.api(world, role).post(
            self.api_url_for(), self.create_data(world, in_scope), format="multipart"
        )
        expect = expected_write(role, in_scope, ProjectAttachment)
        assert response.status_code == {200: 201, 404: 400}.get(expect.api, expect.api)
        assert ProjectAttachment.objects.count() == before + (1 if expect.changes else 0)


class TestOutcomeReportAccess(ObjectAccessTests, TransitionTests):
    views = OutcomeReportViews
    api_url = "api:outcomereport"
    update_changes = {"note": "数据来源:县人社局"}
    steps = {
        "submit": {},
        "approve": {"comment": "核实无误"},
        "return": {"comment": "请补充花名册"},
        "reopen": {"reason": "县人社局更正数据"},
    }

    def ready_object(self, world, transition, in_scope=True):
        report = super().ready_object(world, transition, in_scope)
        if transition.name in ("approve", "return"):
            # Submitted by someone else, so the coordinator may review it (four eyes).
            OutcomeReport.objects.filter(pk=report.pk).update(submitted_by=world.user(ADMIN))
            report.refresh_from_db()
        return report

    def make_object(self, world, in_scope, index=0):
        # Distinct indicators, so an export shows which report is which.
        indicator = make_indicator("inside_count" if in_scope else "outside_count")
        return make_report(world, in_scope, index, indicator=indicator)

    def create_data(self, world, in_scope):
        indicator = make_indicator()
        return {
            "indicator": indicator.code if self._api_payload else indicator.pk,
            "pairing": pairing_of(world, in_scope).pk,
            "year": 2022,
            "value": "12",
        }

    _api_payload = False

    @pytest.fixture(autouse=True)
    def _payload_kind(self, request):
        # The API names indicators by code (as partners do), the form by choice.
        self._api_payload = request.node.name.startswith("test_api")


class TestOutcomeEvidenceAccess(ObjectAccessTests):
    views = OutcomeEvidenceViews
    api_url = "api:outcomeevidence"
    update_changes = {"title": "花名册"}

    def make_object(self, world, in_scope, index=0):
        report = make_report(world, in_scope, index)
        title = f"{'水城' if in_scope else '七星关'}证明{index}"
        return OutcomeEvidence.objects.create(report=report, file=pdf_upload(), title=title)

    def create_data(self, world, in_scope):
        return {
            "report": make_report(world, in_scope, 11).pk,
            "title": "证明",
            "file": pdf_upload(),
        }

    @pytest.mark.parametrize("in_scope", [True, False], ids=["in_scope", "out_of_scope"])
    @pytest.mark.parametrize("role", ["admin", "coordinator", "leader", "partner", "anonymous"])
    def test_api_create(self, world, role, in_scope):
        before = OutcomeEvidence.objects.count()
        response = self.api(world, role).post(
            self.api_url_for(), self.create_data(world, in_scope), format="multipart"
        )
        expect = expected_write(role, in_scope, OutcomeEvidence)
        assert response.status_code == {200: 201, 404: 400}.get(expect.api, expect.api)
        assert OutcomeEvidence.objects.count() == before + (1 if expect.changes else 0)


class TestNeedAccess(ObjectAccessTests, TransitionTests):
    views = NeedViews
    api_url = "api:need"
    update_changes = {"raised_by_department": "县科技局"}
    steps = {
        "match": {},  # the project depends on the need: see payload()
        "resolve": {"on": "2023-05-01", "note": "专家现场指导"},
        "withdraw": {"reason": "已由省级统筹解决"},
    }

    def make_object(self, world, in_scope, index=0):
        return make_need(world, in_scope, index)

    def answering_project(self, world, need):
        """A project of the need's own pairing: in the need's scope, so it may answer it."""
        code = f"NEED-{need.pk}"
        in_scope = need.pairing_id == world.in_scope_pairing.pk
        return Project.objects.filter(code=code).first() or make_project(world, in_scope, code=code)

    def ready_object(self, world, transition, in_scope=True):
        need = super().ready_object(world, transition, in_scope)
        if transition.name == "resolve":
            Need.objects.filter(pk=need.pk).update(
                matched_project=self.answering_project(world, need), matched_on=date(2023, 3, 20)
            )
            need.refresh_from_db()
        return need

    def _set_status(self, record, status):
        # A resolved need has a resolution date (a database constraint).
        resolved_on = date(2023, 5, 1) if status == NeedStatus.RESOLVED else None
        Need.objects.filter(pk=record.pk).update(status=status, resolved_on=resolved_on)
        record.refresh_from_db()

    def payload(self, world, transition, record):
        if transition.name == "match":
            return {"project": self.answering_project(world, record).pk, "on": "2023-03-20"}
        return super().payload(world, transition, record)

    def create_data(self, world, in_scope):
        pairing = pairing_of(world, in_scope)
        return {
            "pairing": pairing.pk,
            "raised_by_region": pairing.helped_region.code,
            "raised_by_department": "县教育局",
            "collected_on": "2023-04-01",
            "category": "education",
            "priority": "high",
            "description": "骨干教师跟岗学习",
        }


def test_coordinator_cannot_write_the_catalogue(world, indicators):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {world.token(COORDINATOR)}")
    response = api.patch(f"/api/v1/indicators/{indicators['people_trained'].pk}/", {"unit": "人"})
    assert response.status_code == 403
