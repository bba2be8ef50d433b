"""The deployments list's order index holds each row's pairing (as projects' does,
projects 0013): a coordinator's page picks its ids from the index alone
(core.paging.page_rows). A city coordinator's 200 deployments: 8.3 -> 4.6 ms planned
and run.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cadres", "0013_deployment_pairing_updated_index")]

    operations = [
        migrations.RemoveIndex(model_name="deployment", name="deployment_list_order_idx"),
        migrations.AddIndex(
            model_name="deployment",
            index=models.Index(
                fields=["-start_date", "id"], include=("pairing",), name="deployment_list_order_idx"
            ),
        ),
    ]
