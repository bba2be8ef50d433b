"""Deployments by pairing and time of change, for a scoped partner's sync.

``?updated_since=`` on a province coordinator's deployments walked the primary
key testing each row for the time and the scope's 438 pairings: 95,000 rows
read, 15-25 ms, for a page of 501 (1.96× the leader's page). The changed
rows' ids are now read first (``Deployment.changes_spread_over_ids``), and
this index gives them pairing by pairing, as fund transactions'
``(pairing, updated_at)`` does.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cadres", "0012_checkin_home_organization_updated_index")]

    operations = [
        migrations.AddIndex(
            model_name="deployment",
            index=models.Index(
                fields=["pairing", "updated_at"], name="deployment_pairing_updated_idx"
            ),
        )
    ]
