"""System check: every code the IATI export can write is a code of its shipped list.

Run at every start (``manage.py check``, runserver, the test session), so a
mapping edited wrongly, or a reporting organisation set to an identifier of an
unknown registration agency, stops the deployment rather than an export.
"""

from django.core import checks

from publishing import codelists, mapping


@checks.register()
def iati_codes(app_configs=None, **kwargs):
    errors = []
    for codelist, what, code in mapping.coded():
        if str(code) not in codelists.codes(codelist):
            errors.append(
                checks.Error(
                    f"IATI export: {what} writes {code!r}, which is not a code of {codelist}.",
                    hint="Correct publishing/mapping.py or the IATI_REPORTING_ORG_* settings.",
                    id="publishing.E001",
                )
            )
    for missing in mapping.complete_tables():
        errors.append(
            checks.Error(
                f"IATI export: no IATI code for {missing}.",
                hint="Add it to its table in publishing/mapping.py (and docs/iati.md).",
                id="publishing.E002",
            )
        )
    return errors
