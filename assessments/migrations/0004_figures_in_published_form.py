"""Stored figures take the API's form: every number with two decimals ("316" becomes
"316.00"), so the API writes them as they are (assessments.figures).

No value changes, only how it is written. The form is spelt out here as it was when
this migration was made: a migration does not import the app's code, which may change.
"""

from decimal import Decimal

from django.db import migrations

NUMBERS = (
    "weight",
    "cap_percent",
    "actual",
    "target",
    "completion",
    "previous",
    "change",
    "points",
)
CENT = Decimal("0.01")
BATCH = 1000


def _cents(value):
    return None if value is None else str(Decimal(value).quantize(CENT))


def figures_in_cents(apps, schema_editor):
    summary_model = apps.get_model("assessments", "PairingYearSummary")
    changed = []
    for summary in summary_model.objects.only("id", "figures").iterator(chunk_size=BATCH):
        figures = [
            {**figure, **{key: _cents(figure[key]) for key in NUMBERS if key in figure}}
            for figure in summary.figures
        ]
        if figures != summary.figures:
            summary.figures = figures
            changed.append(summary)
        if len(changed) == BATCH:
            summary_model.objects.bulk_update(changed, ["figures"])
            changed = []
    summary_model.objects.bulk_update(changed, ["figures"])


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0003_summary_map_points"),
    ]

    operations = [
        migrations.RunPython(figures_in_cents, migrations.RunPython.noop, elidable=True),
    ]
