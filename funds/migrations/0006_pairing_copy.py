"""The project's pairing on fund transactions, indexed with the id.

A scope's id range bounds the API's id walk (core.scoping.scope_id_bound);
projects.pairing_copy has the column, its triggers and why.
"""

from django.db import migrations

from projects import pairing_copy


class Migration(migrations.Migration):
    dependencies = [
        ("funds", "0005_fund_transaction_stage_totals_index"),
        ("projects", "0007_pairing_copy"),
    ]

    operations = pairing_copy.operations(
        "fundtransaction", "funds_fundtransaction", "fundtx_pairing_id_idx"
    )
