"""The project's pairing on progress updates and attachments, and (pairing, id) indexes.

A scope's id range bounds the API's id walk (core.scoping.scope_id_bound);
projects.pairing_copy has the column, its triggers and why.
"""

from django.db import migrations, models

from projects import pairing_copy


class Migration(migrations.Migration):
    dependencies = [
        ("pairings", "0005_trigram_search"),
        ("projects", "0006_trigram_search"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="project",
            index=models.Index(fields=["pairing", "id"], name="project_pairing_id_idx"),
        ),
        *pairing_copy.operations(
            "progressupdate", "projects_progressupdate", "progress_pairing_id_idx"
        ),
        *pairing_copy.operations(
            "projectattachment", "projects_projectattachment", "attachment_pairing_id_idx"
        ),
    ]
