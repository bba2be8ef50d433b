"""The investment's pairing on its tranches, indexed with the id.

Their scope without a join, and a scope's id range for the API's id walk
(core.scoping.scope_id_bound); aidtrack.core.copies has the column, its
triggers and why.
"""

from django.db import migrations

from aidtrack.core import copies


class Migration(migrations.Migration):
    dependencies = [("funds", "0006_pairing_copy")]

    operations = copies.pairing_operations(
        "investmenttranche",
        copies.Copy("funds_investmenttranche", "pairing_id", "investment_id", "funds_investment"),
        index="tranche_pairing_id_idx",
    )
