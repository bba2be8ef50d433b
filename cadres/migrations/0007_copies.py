"""The person's home organisation on check-ins, care records, awards and mentorships,
and the team's pairing (with a (pairing, id) index) on team members.

Their scope without a join; aidtrack.core.copies has the columns, their triggers and why.
"""

from django.db import migrations

from aidtrack.core import copies


def home_organization(model_name: str, table: str, via: str = "person_id"):
    return copies.operations(
        model_name,
        "home_organization",
        copies.home_organization_field(),
        copies.Copy(table, "home_organization_id", via, "cadres_person"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cadres", "0006_list_order_indexes"),
        ("pairings", "0005_trigram_search"),
    ]

    operations = [
        *home_organization("checkin", "cadres_checkin"),
        *home_organization("carerecord", "cadres_carerecord"),
        *home_organization("award", "cadres_award"),
        *home_organization("mentorship", "cadres_mentorship", via="mentor_id"),
        *copies.pairing_operations(
            "teammember",
            copies.Copy("cadres_teammember", "pairing_id", "team_id", "cadres_team"),
            index="team_member_pairing_id_idx",
        ),
    ]
