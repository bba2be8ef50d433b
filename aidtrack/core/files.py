"""Uploaded files: one check for every upload, unguessable storage names, one way out.

- ``validate_upload`` is the validator of every ``FileField`` (and of the
  multi-file inputs): the type is decided by the content (its first bytes, the
  parts of an Office or OFD archive), must be one of ``UPLOAD_KINDS`` and agree
  with the name's extension, and the size is bounded. The extension alone is
  what a user controls; the content is what a viewer will open.
- ``upload_path`` stores a file as ``<app>/<random folder>/<normalised name>``:
  nobody can guess where a file lies, and the user's own name (Chinese
  included) is kept for the download.
- ``file_response`` is the only answer that carries a file: always an
  attachment, with the type of its kind and ``nosniff``, streamed. The
  browser's ``<plural>/<pk>/download/`` page (core.views) and the API's
  ``…/{id}/download/`` action (core.api) reach the record through
  ``for_user`` first, so a file outside the user's scope is a 404. Nothing
  serves MEDIA_ROOT directly, in development or production.
"""

import logging
import posixpath
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.db import models
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger("aidtrack.files")

UPLOAD_MAX_BYTES = 20 * 1024 * 1024
UPLOAD_HELP = gettext_lazy("PDF, OFD, Word (doc, docx), Excel (xlsx), JPEG or PNG; at most 20 MB.")
# A normalised name is at most this long (the storage path adds app and folder).
NAME_MAX_LENGTH = 100


# The first bytes of the kinds known by them. Shared with the spreadsheet import
# (core.imports.reading), which refuses a "CSV" that starts with any of them.
PDF_SIGNATURE = b"%PDF-"
ZIP_SIGNATURE = b"PK\x03\x04"
# Legacy Office files (.doc, .xls) are OLE2 compound files; so is an encrypted .xlsx.
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
JPEG_SIGNATURE = b"\xff\xd8\xff"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BINARY_SIGNATURES = (PDF_SIGNATURE, ZIP_SIGNATURE, OLE2_SIGNATURE, JPEG_SIGNATURE, PNG_SIGNATURE)


def _starts_with(signature: bytes) -> Callable:
    return lambda file, head: head.startswith(signature)


def _zip_with(part: str) -> Callable:
    """Office Open XML and OFD files are zip archives; this part makes them what they are."""

    def matches(file, head) -> bool:
        if not head.startswith(ZIP_SIGNATURE):
            return False
        try:
            with zipfile.ZipFile(file) as archive:
                return part in archive.namelist()
        except (zipfile.BadZipFile, OSError):
            return False

    return matches


# In a legacy Word file the "WordDocument" stream (its name in UTF-16 in the
# OLE2 directory) tells Word from Excel or an installer.
_WORD_STREAM = "WordDocument".encode("utf-16-le")


def _word_97(file, head) -> bool:
    return head.startswith(OLE2_SIGNATURE) and _WORD_STREAM in file.read(UPLOAD_MAX_BYTES + 1)


@dataclass(frozen=True)
class FileKind:
    content_type: str
    matches: Callable


_JPEG = FileKind("image/jpeg", _starts_with(JPEG_SIGNATURE))
# Extension → what its content must be. One list for every upload.
UPLOAD_KINDS = {
    "pdf": FileKind("application/pdf", _starts_with(PDF_SIGNATURE)),
    "ofd": FileKind("application/ofd", _zip_with("OFD.xml")),
    "doc": FileKind("application/msword", _word_97),
    "docx": FileKind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _zip_with("word/document.xml"),
    ),
    "xlsx": FileKind(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _zip_with("xl/workbook.xml"),
    ),
    "jpg": _JPEG,
    "jpeg": _JPEG,
    "png": FileKind("image/png", _starts_with(PNG_SIGNATURE)),
}
ACCEPT_UPLOADS = ",".join(f".{extension}" for extension in UPLOAD_KINDS)


def extension_of(name: str) -> str:
    base = posixpath.basename(str(name).replace("\\", "/"))
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def _content_matches(file, kind: FileKind) -> bool:
    file.seek(0)
    try:
        head = file.read(16)
        file.seek(0)
        return kind.matches(file, head)
    finally:
        file.seek(0)


def validate_upload(file) -> None:
    """Refuse a new upload whose content is not an accepted kind matching its name, or > 20 MB.

    A file already stored (a record saved again without a new upload) was
    checked when it arrived and is not read again.
    """
    if getattr(file, "_committed", False):
        return
    # The extension the file will be stored and downloaded under.
    extension = extension_of(safe_name(file.name))
    kind = UPLOAD_KINDS.get(extension)
    if kind is None:
        raise ValidationError(
            _("Files of type “%(extension)s” are not accepted; use one of: %(allowed)s."),
            code="extension",
            params={"extension": extension or "?", "allowed": ", ".join(UPLOAD_KINDS)},
        )
    if file.size > UPLOAD_MAX_BYTES:
        raise ValidationError(_("The file is larger than 20 MB."), code="size")
    if not _content_matches(file, kind):
        raise ValidationError(
            _("The content of this file is not a %(extension)s file."),
            code="content",
            params={"extension": extension.upper()},
        )


# Anything but letters and digits of any script (Chinese included), "-", "_"
# and ".": the same set Django's storage keeps, so the stored name is ours.
_UNSAFE = re.compile(r"[^\w.\-]+")


def safe_name(name: str) -> str:
    """The last path part of ``name``, in safe characters, readable, at most 100 long."""
    name = unicodedata.normalize("NFC", str(name)).replace("\\", "/")
    name = _UNSAFE.sub("_", posixpath.basename(name))
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = extension, ""
    extension = extension.strip("_").lower()[:10]
    # No hidden or relative names (".htaccess", ".."), no edge underscores.
    stem = stem.strip("._") or "file"
    stem = stem[: NAME_MAX_LENGTH - len(extension) - 1]
    return f"{stem}.{extension}" if extension else stem


def upload_path(instance, filename: str) -> str:
    """``<app>/<random folder>/<name>``: unguessable, and the name stays the user's."""
    return f"{instance._meta.app_label}/{uuid.uuid4().hex}/{safe_name(filename)}"


def file_field_name(model) -> str | None:
    """The model's file field, if it has one (each model has at most one)."""
    for field in model._meta.get_fields():
        if isinstance(field, models.FileField):
            return field.name
    return None


def download_name(field_file) -> str:
    return posixpath.basename(field_file.name)


def content_disposition(name: str) -> str:
    """``attachment`` with the UTF-8 name (RFC 6266) and an ASCII stand-in for old clients."""
    fallback = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_response(record, *, user) -> FileResponse:
    """The record's file as a download; the caller has found ``record`` through ``for_user``."""
    field_file = getattr(record, file_field_name(type(record)) or "", None)
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        logger.error("file missing from storage: %s", field_file.name)
        raise Http404 from exc
    name = download_name(field_file)
    kind = UPLOAD_KINDS.get(extension_of(name))
    response = FileResponse(
        handle, content_type=kind.content_type if kind else "application/octet-stream"
    )
    response["Content-Disposition"] = content_disposition(name)
    # Never rendered by the browser as something else (an "image" that is HTML).
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    logger.info(
        "file downloaded",
        extra={"model": record._meta.label, "pk": record.pk, "user_id": user.pk},
    )
    return response
