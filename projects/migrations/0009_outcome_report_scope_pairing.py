"""An outcome report's scope pairing (its pairing, or else its project's) and
evidence's copy of it, with (pairing, id) indexes: each scope one column.

projects.pairing_copy has the columns, their triggers and why.
"""

from django.db import migrations

from projects import pairing_copy


class Migration(migrations.Migration):
    dependencies = [
        ("pairings", "0005_trigram_search"),
        ("projects", "0008_own_table_list_orders"),
    ]

    operations = pairing_copy.report_scope_operations()
