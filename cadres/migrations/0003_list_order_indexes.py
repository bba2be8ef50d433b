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
        ('cadres', '0002_teams_check_ins_leave_mentoring_awards_care'),
        ('pairings', '0002_files_by_content'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='checkin',
            index=models.Index(fields=['-date', '-slot', 'id'], name='checkin_list_order_idx'),
        ),
        AddIndexConcurrently(
            model_name='deployment',
            index=models.Index(fields=['-start_date', 'id'], name='deployment_list_order_idx'),
        ),
        AddIndexConcurrently(
            model_name='deployment',
            index=models.Index(fields=['pairing', '-start_date', 'id'], name='deployment_pairing_order_idx'),
        ),
        AddIndexConcurrently(
            model_name='deployment',
            index=models.Index(condition=models.Q(('status', 'on_post')), fields=['planned_end_date', 'id'], name='deployment_on_post_end_idx'),
        ),
        AddIndexConcurrently(
            model_name='person',
            index=models.Index(fields=['name', 'id'], name='person_list_order_idx'),
        ),
    ]
