"""The team's pairing (with a (pairing, id) index) on leave requests.

Their scope without a join; aidtrack.core.copies has the column, its triggers and why.
"""

from django.db import migrations

from aidtrack.core import copies


class Migration(migrations.Migration):
    dependencies = [
        ("cadres", "0009_scope_column_statistics"),
    ]

    operations = copies.pairing_operations(
        "leaverequest",
        copies.Copy("cadres_leaverequest", "pairing_id", "team_id", "cadres_team"),
        index="leave_request_pairing_id_idx",
    )
