"""Care records, awards and mentorships by home organisation.

A coordinator's list of them counts up to 10,001 rows (core.paging's capped
count) among the rows of their scope's organisations (2,069 for 广东→贵州).
With no index on the copied column, the count read the whole table and tested
each row against those ids: a province coordinator's care records took 10 ms
against the leader's 2 ms. Ordered by the column (scoping.scope_ordered), it
reads the scope's entries of this index, as check-ins do (0008).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cadres", "0010_leave_request_pairing")]

    operations = [
        migrations.AddIndex(
            model_name=model,
            index=models.Index(fields=["home_organization", "id"], name=f"{model}_home_org_id_idx"),
        )
        for model in ("award", "carerecord", "mentorship")
    ]
