"""``Region.path``: the ids from the province down to each region, kept by a trigger.

Organisation scope ("inside one of these regions") becomes one GIN lookup on
``path`` instead of a ``full_name`` prefix match per side region. The trigger
fills the path on every insert or update, whoever writes the row (the loader's
bulk upserts, a COPY, the test factories); ``REGION_PATHS_REFRESH`` rebuilds
every path at once, for existing rows here and after a reload that moved a
region under another parent.
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.db import migrations, models

from pairings.paths import REGION_PATH_TRIGGER, REGION_PATHS_REFRESH


class Migration(migrations.Migration):
    dependencies = [
        ("pairings", "0002_files_by_content"),
    ]

    operations = [
        migrations.AddField(
            model_name="region",
            name="path",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.BigIntegerField(),
                default=list,
                editable=False,
                size=None,
                verbose_name="path",
            ),
        ),
        migrations.RunSQL(
            REGION_PATH_TRIGGER,
            reverse_sql=(
                "DROP TRIGGER IF EXISTS region_path ON pairings_region;"
                "DROP FUNCTION IF EXISTS pairings_region_path();"
            ),
        ),
        migrations.RunSQL(REGION_PATHS_REFRESH, reverse_sql=migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="region",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["path"], name="region_path_gin"
            ),
        ),
    ]
