"""Needs by (pairing, id): a scope's id range bounds the API's id walk.

A province coordinator's needs are ids 1–8,760 of 40,000 at national scale:
the page after their last row walked the other 31,240 to find no next row
(2.2× page 1). With the index, core.scoping.scope_id_bound stops it at the
scope's last id.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("projects", "0009_outcome_report_scope_pairing")]

    operations = [
        migrations.AddIndex(
            model_name="need",
            index=models.Index(fields=["pairing", "id"], name="need_pairing_id_idx"),
        )
    ]
