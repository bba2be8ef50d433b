"""Indexes in the order the big lists are read (see each model's Meta.indexes).

The list pages page by cursor in their default order (core.paging): with an
index on that order a page is an index seek wherever it lies; without one,
every page sorts the whole table. Built CONCURRENTLY: on a national database
(millions of rows) a plain CREATE INDEX would block writes to the table
while it builds.
"""

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction


    dependencies = [
        ('funds', '0001_initial'),
        ('pairings', '0002_files_by_content'),
        ('projects', '0003_files_by_content'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='fundtransaction',
            index=models.Index(fields=['-date', '-id'], name='fundtx_list_order_idx'),
        ),
    ]
