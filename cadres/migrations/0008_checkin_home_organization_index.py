"""Check-ins by home organisation, and the visibility map the copy's rewrite dropped.

A city coordinator's check-in list counts up to 10,001 rows (core.paging's
capped count). Their scope holds ~10 % of the check-ins, so a sequential
scan reads ~200,000 rows to find them (60-90 ms); the index reads the
scope's own 10,001 entries (~18 ms with a heap fetch each, less without).

0007 rewrote the copied tables (one ``ALTER … TYPE … USING``), which leaves
them with no visibility map: every index-only scan fetches each row from
the heap, and the planner, pricing those fetches, keeps the sequential scan.
On an insert-mostly table autovacuum may not come for weeks, so this
migration vacuums the rewritten tables itself; VACUUM cannot run inside a
transaction, hence ``atomic = False``.
"""

from django.db import migrations, models

REWRITTEN = (
    "cadres_checkin",
    "cadres_carerecord",
    "cadres_award",
    "cadres_mentorship",
    "cadres_teammember",
)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("cadres", "0007_copies")]

    operations = [
        migrations.AddIndex(
            model_name="checkin",
            index=models.Index(fields=["home_organization", "id"], name="checkin_home_org_id_idx"),
        ),
        *(
            migrations.RunSQL(f"VACUUM (ANALYZE) {table}", reverse_sql=migrations.RunSQL.noop)
            for table in REWRITTEN
        ),
    ]
