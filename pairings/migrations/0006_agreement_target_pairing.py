"""The agreement's pairing on agreement targets, with a (pairing, id) index.

Their scope without a join; aidtrack.core.copies has the column, its triggers and why.
"""

from django.db import migrations

from aidtrack.core import copies


class Migration(migrations.Migration):
    dependencies = [("pairings", "0005_trigram_search")]

    operations = [
        *copies.pairing_operations(
            "agreementtarget",
            copies.Copy("pairings_agreementtarget", "pairing_id", "agreement_id", "pairings_agreement"),
            index="agreement_target_pairing_idx",
        )
    ]
