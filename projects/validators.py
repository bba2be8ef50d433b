"""Checks on uploaded files and on values reported against an indicator."""

import zipfile
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

UPLOAD_MAX_BYTES = 20 * 1024 * 1024

# What a file's first bytes must look like for its extension: the extension
# alone is what a user controls, the content is what a viewer will open.
_SIGNATURES = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
}
# Office files are zip archives; the part that makes them Word or Excel.
_OFFICE_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
UPLOAD_EXTENSIONS = tuple(_SIGNATURES)


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _content_matches(file, extension: str) -> bool:
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if not head.startswith(_SIGNATURES[extension]):
        return False
    part = _OFFICE_PART.get(extension)
    if part is None:
        return True
    try:
        with zipfile.ZipFile(file) as archive:
            return part in archive.namelist()
    except zipfile.BadZipFile:
        return False
    finally:
        file.seek(0)


def validate_upload(file) -> None:
    """PDF, JPEG, PNG, Word (docx) or Excel (xlsx) whose content is what its name says; ≤ 20 MB."""
    extension = _extension(file.name)
    if extension not in _SIGNATURES:
        raise ValidationError(
            _("Files of type “%(extension)s” are not accepted; use one of: %(allowed)s."),
            code="extension",
            params={"extension": extension or "?", "allowed": ", ".join(UPLOAD_EXTENSIONS)},
        )
    if file.size > UPLOAD_MAX_BYTES:
        raise ValidationError(_("The file is larger than 20 MB."), code="size")
    if not _content_matches(file, extension):
        raise ValidationError(
            _("The content of this file is not a %(extension)s file."),
            code="content",
            params={"extension": extension.upper()},
        )


def breakdown_errors(breakdown, schema: dict, value: Decimal | None, *, integer: bool) -> list:
    """What is wrong with ``breakdown`` under an indicator's ``schema``.

    ``schema`` names the ``parts`` that divide the value (east / in-province /
    elsewhere) and the ``of_whom`` figures that are subsets of it (formerly
    poor): parts together, and each subset alone, cannot exceed the value.
    """
    if breakdown in (None, {}):
        return []
    if not isinstance(breakdown, dict):
        return [_("The breakdown must be an object of named figures.")]
    parts = list(schema.get("parts", ()))
    of_whom = list(schema.get("of_whom", ()))
    allowed = parts + of_whom
    unknown = sorted(set(breakdown) - set(allowed))
    if unknown:
        if not allowed:
            return [_("This indicator takes no breakdown.")]
        return [
            _("Unknown breakdown entries: %(unknown)s; allowed: %(allowed)s.")
            % {"unknown": ", ".join(unknown), "allowed": ", ".join(allowed)}
        ]
    figures = {}
    errors = []
    for key, raw in breakdown.items():
        try:
            figure = Decimal(str(raw))
        except ArithmeticError:
            errors.append(_("“%(key)s” is not a number.") % {"key": key})
            continue
        if not figure.is_finite() or figure < 0:
            errors.append(_("“%(key)s” cannot be negative.") % {"key": key})
        elif integer and figure != figure.to_integral_value():
            errors.append(_("“%(key)s” must be a whole number.") % {"key": key})
        figures[key] = figure
    if errors or value is None:
        return errors
    parts_total = sum((figures[key] for key in parts if key in figures), Decimal(0))
    if parts_total > value:
        errors.append(
            _("The parts (%(parts)s) add up to %(total)s, more than the value %(value)s.")
            % {"parts": ", ".join(parts), "total": parts_total, "value": value}
        )
    for key in of_whom:
        if key in figures and figures[key] > value:
            errors.append(
                _("“%(key)s” (%(figure)s) cannot exceed the value %(value)s.")
                % {"key": key, "figure": figures[key], "value": value}
            )
    return errors
