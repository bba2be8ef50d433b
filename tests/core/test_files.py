"""Uploaded files: checked by content, stored under unguessable names, served only in scope."""

import importlib
from urllib.parse import quote

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import override_settings
from django.urls import Resolver404, clear_url_caches, resolve, reverse
from django.utils import translation
from rest_framework.test import APIClient

import aidtrack.urls
from aidtrack.core.files import safe_name, upload_path, validate_upload
from aidtrack.core.models import ImportJob
from aidtrack.core.testing import ADMIN, COORDINATOR
from pairings.models import Agreement
from projects.models import OutcomeEvidence, ProjectAttachment
from tests.projects.conftest import make_project, make_report, office_upload, pdf_upload

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\nbody"
NAME = "验收报告（终稿）.pdf"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def api(world, role) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token(role)}")
    return client


def attachment(world, in_scope=True, index=0) -> ProjectAttachment:
    project = make_project(world, in_scope, index)
    return ProjectAttachment.objects.create(
        project=project, file=SimpleUploadedFile(NAME, PDF, content_type="application/pdf")
    )


def evidence(world, in_scope=True) -> OutcomeEvidence:
    report = make_report(world, in_scope)
    return OutcomeEvidence.objects.create(report=report, file=pdf_upload())


def agreement(world, in_scope=True) -> Agreement:
    pairing = world.in_scope_pairing if in_scope else world.out_of_scope_pairing
    return Agreement.objects.create(pairing=pairing, year=2023, attachment=pdf_upload("协议.pdf"))


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


# -- every file field, one rule ----------------------------------------------------------


def _file_fields():
    """Files attached to records (an import's stored sheet is the reader's and the job's)."""
    for model in apps.get_models():
        if model is ImportJob:
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                yield model, field


def test_every_file_field_is_checked_stored_and_served_the_same_way():
    fields = list(_file_fields())
    assert {model for model, _ in fields} >= {Agreement, ProjectAttachment, OutcomeEvidence}
    for model, field in fields:
        assert validate_upload in field.validators, model
        assert field.upload_to is upload_path, model
        reverse(model.url_name("download"), args=[1])  # a download page exists
        reverse(f"api:{model._meta.model_name}-download", args=[1])  # and an API action


def test_stored_under_an_unguessable_folder_with_the_readable_name(world):
    record = attachment(world)
    app, folder, name = record.file.name.split("/")
    assert app == "projects" and len(folder) == 32
    assert name == "验收报告_终稿.pdf"
    assert record.title == "验收报告_终稿.pdf"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\张三\\协议 (最终版).PDF", "协议_最终版.pdf"),
        (".htaccess", "file.htaccess"),
        ("<script>alert(1)</script>.doc", "script.doc"),  # "/" starts a path part
        ("报告<img src=x onerror=alert(1)>.doc", "报告_img_src_x_onerror_alert_1.doc"),
        ("a" * 300 + ".pdf", "a" * 96 + ".pdf"),
    ],
)
def test_names_are_normalised(given, stored):
    assert safe_name(given) == stored


# -- checked by content -------------------------------------------------------------------

EXE_AS_PDF = ("安装包.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "application/pdf")
HTML_AS_DOC = (
    "通知.doc",
    b"<html><body><script>alert(document.cookie)</script></body></html>",
    "application/msword",
)


def _upload(spec) -> SimpleUploadedFile:
    name, content, content_type = spec
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize("spec", [EXE_AS_PDF, HTML_AS_DOC], ids=["exe-as-pdf", "html-as-doc"])
def test_disguised_agreement_attachment_is_refused_in_the_form(world, client, spec):
    client.force_login(world.user(COORDINATOR))
    response = client.post(
        "/pairings/agreements/add/",
        {"pairing": world.in_scope_pairing.pk, "year": 2023, "attachment": _upload(spec)},
    )
    assert response.status_code == 400
    extension = spec[0].rsplit(".", 1)[1].upper()
    with translation.override("zh-hans"):
        expected = translation.gettext("The content of this file is not a %(extension)s file.")
    assert response.context["form"].errors["attachment"] == [expected % {"extension": extension}]
    assert "该文件的内容不是" in expected  # translated, Chinese by default
    assert not Agreement.objects.exists()


@pytest.mark.parametrize("spec", [EXE_AS_PDF, HTML_AS_DOC], ids=["exe-as-pdf", "html-as-doc"])
def test_disguised_upload_is_refused_by_the_api(world, spec):
    project = make_project(world)
    response = api(world, COORDINATOR).post(
        "/api/v1/project-attachments/",
        {"project": project.pk, "file": _upload(spec)},
        format="multipart",
    )
    assert response.status_code == 400
    assert "file" in response.json()["errors"]
    assert not ProjectAttachment.objects.exists()


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def test_real_word_and_ofd_files_are_accepted():
    word_97 = OLE2 + b"\x00" * 512 + "WordDocument".encode("utf-16-le")
    validate_upload(SimpleUploadedFile("旧协议.doc", word_97))
    validate_upload(office_upload("协议.docx", "word/document.xml"))
    validate_upload(office_upload("协议.ofd", "OFD.xml"))
    with pytest.raises(ValidationError):  # an OLE2 file that is not Word (an .xls, an .msi)
        validate_upload(SimpleUploadedFile("表.doc", OLE2 + b"\0" * 99))


# -- served only through the scoped download -------------------------------------------


def test_in_scope_download_is_an_attachment_with_its_type_and_nosniff(world, client):
    record = attachment(world)
    client.force_login(world.user(COORDINATOR))
    response = client.get(f"/projects/attachments/{record.pk}/download/")
    assert response.status_code == 200
    assert response.streaming  # a FileResponse, not read into memory
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('验收报告_终稿.pdf')}" in disposition
    assert _body(response) == PDF


@pytest.mark.parametrize(
    ("make", "url"),
    [
        (attachment, "/projects/attachments/{}/download/"),
        (evidence, "/projects/evidence/{}/download/"),
        (agreement, "/pairings/agreements/{}/download/"),
    ],
    ids=["attachment", "evidence", "agreement"],
)
def test_outside_scope_is_404_and_anonymous_must_sign_in(world, client, make, url):
    inside, outside = make(world, True), make(world, False)
    client.force_login(world.user(COORDINATOR))
    assert client.get(url.format(outside.pk)).status_code == 404
    assert client.get(url.format(inside.pk)).status_code == 200
    client.logout()
    response = client.get(url.format(inside.pk))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_outcome_evidence_url_is_what_the_model_says(world):
    record = evidence(world)
    assert record.get_download_url() == f"/projects/evidence/{record.pk}/download/"


def test_api_file_urls_lead_to_the_scoped_download(world):
    inside, outside = attachment(world, True, 1), attachment(world, False, 2)
    client = api(world, COORDINATOR)
    data = client.get(f"/api/v1/project-attachments/{inside.pk}/").json()
    expected = f"http://testserver/api/v1/project-attachments/{inside.pk}/download/"
    assert data["file"] == expected
    response = client.get(data["file"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert _body(response) == PDF
    assert client.get(f"/api/v1/project-attachments/{outside.pk}/download/").status_code == 404
    assert APIClient().get(data["file"]).status_code == 401
    # The nested lists carry the same URLs.
    report = make_report(world)
    OutcomeEvidence.objects.create(report=report, file=pdf_upload())
    nested = client.get(f"/api/v1/outcome-reports/{report.pk}/").json()["evidence"][0]["file"]
    assert nested.startswith("http://testserver/api/v1/outcome-evidence/")
    assert nested.endswith("/download/")


def test_agreement_attachment_url_in_the_api(world):
    record = agreement(world)
    data = api(world, ADMIN).get(f"/api/v1/agreements/{record.pk}/").json()
    assert data["attachment"] == f"http://testserver/api/v1/agreements/{record.pk}/download/"
    assert api(world, ADMIN).get(data["attachment"]).status_code == 200


def test_nothing_is_served_from_media_even_in_development(world, client):
    record = attachment(world)
    client.force_login(world.user(ADMIN))
    assert client.get(f"/media/{record.file.name}").status_code == 404
    # The URLconf as development (DEBUG) builds it has no /media/ route either.
    try:
        with override_settings(DEBUG=True):
            importlib.reload(aidtrack.urls)
            clear_url_caches()
            with pytest.raises(Resolver404):
                resolve(f"/media/{record.file.name}")
    finally:
        importlib.reload(aidtrack.urls)
        clear_url_caches()


def test_pages_link_to_the_download_never_to_media(world, client):
    record = attachment(world)
    signed = agreement(world)
    client.force_login(world.user(COORDINATOR))
    pages = {
        record.get_absolute_url(): record.get_download_url(),  # generic detail page
        record.project.get_absolute_url(): record.get_download_url(),
        signed.get_absolute_url(): signed.get_download_url(),
        signed.pairing.get_absolute_url(): signed.get_download_url(),  # the hub's overview
    }
    for page, download in pages.items():
        html = client.get(page).content.decode()
        assert download in html, page
        assert "/media/" not in html, page


def test_the_checked_extension_is_the_stored_one():
    validate_upload(SimpleUploadedFile("扫描件.PDF ", PDF))  # stored as 扫描件.pdf
    with pytest.raises(ValidationError):
        validate_upload(SimpleUploadedFile("扫描件.pdf.exe", PDF))
