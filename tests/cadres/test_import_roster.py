"""A roster (人员台账): each row a person and, where its columns are filled, their deployment."""

import io

from aidtrack.core.imports.engine import Run
from aidtrack.core.imports.reading import open_sheet
from aidtrack.core.imports.spec import ImportPlan
from aidtrack.core.testing import ADMIN, COORDINATOR
from cadres.models import Deployment, Person
from cadres.views import PersonViews
from tests.cadres.test_deployments import host
from tests.cadres.test_people import id_number, organisation

HEADER = (
    "名称,性别,出生日期,民族,政治面貌,学历,身份证号,联系电话,类别,专业领域,"
    "派出单位,结对关系,派驻方向,类型,挂职单位,挂职职务,开始日期,计划结束日期"
)


def roster(world, *lines, commit=True):
    data = ("\n".join((HEADER, *lines)) + "\n").encode("gb18030")
    with open_sheet(io.BytesIO(data), name="人员台账.csv") as sheet:
        run = Run(PersonViews, world.user(COORDINATOR))
        return run.commit(sheet) if commit else run.check(sheet)


def line(world, n, *, pairing=None, deployed=True, in_scope=True):
    person = (
        f"干部{n},男,1985-03-12,汉族,中共党员,大学本科,{id_number(800 + n)},,党政干部,"
        f"{'医疗' if n % 2 else '教育'},{organisation(world, True).name}"
    )
    if not deployed:
        return person + ",,,,,,,"
    pairing = pairing or (world.in_scope_pairing if in_scope else world.out_of_scope_pairing)
    return (
        f"{person},{pairing},东部→西部,长期挂职,{host(world, in_scope).name},"
        f"副县长,2024年3月1日,2026/2/28"
    )


def test_people_and_their_deployments_come_in_together_and_once(world):
    lines = (line(world, 1), line(world, 2, deployed=False))
    outcome = roster(world, *lines)
    assert outcome.errors == [], outcome.errors
    assert outcome.counts["new"] == 2 and outcome.companion_counts["new"] == 1
    deployment = Deployment.objects.get()
    assert deployment.person.id_number == id_number(801)
    assert (
        deployment.pairing == world.in_scope_pairing and str(deployment.start_date) == "2024-03-01"
    )
    assert Person.objects.filter(id_number=id_number(802)).exists()
    again = roster(world, *lines)
    assert again.counts["unchanged"] == 2 and again.companion_counts["unchanged"] == 1
    assert Deployment.objects.count() == 1 and Person.objects.count() == 2


def test_a_deployment_out_of_scope_makes_its_row_invalid_and_nothing_is_written(world):
    outcome = roster(world, line(world, 1), line(world, 2, in_scope=False))
    assert outcome.counts["invalid"] == 1
    assert {error.row for error in outcome.errors} == {3}
    assert Person.objects.count() == 0 and Deployment.objects.count() == 0


def test_the_roster_template_offers_the_deployment_columns_as_optional(world):
    columns = ImportPlan(PersonViews, world.user(ADMIN)).template_columns()
    by_name = {column.name: column for column in columns}
    assert by_name["id_number"].required
    assert "pairing" in by_name and not by_name["pairing"].required
    assert "person" not in by_name


def test_the_job_page_counts_the_deployments_the_roster_carried(
    world, client, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from aidtrack.core.imports.jobs import job_start

    data = ("\n".join((HEADER, line(world, 1))) + "\n").encode("utf-8-sig")
    coordinator = world.user(COORDINATOR)
    with django_capture_on_commit_callbacks(execute=True):  # the check runs after the commit
        job = job_start(
            user=coordinator,
            model_key="cadres.person",
            uploaded=SimpleUploadedFile("人员台账.csv", data, content_type="text/csv"),
        )
    job.refresh_from_db()
    assert job.status == "checked" and job.companion_counts["new"] == 1
    client.force_login(coordinator)
    page = client.get(reverse("imports:job_detail", args=[job.pk])).content.decode()
    assert 'id="import-companion-counts"' in page
