"""``manage.py export_iati``: the IATI file the API gives, written to a file.

    manage.py export_iati --pairing 2 --year 2023 --output liupanshui-2023.xml

Without ``--user`` it publishes every pairing (an operator's export); with it,
what that user's scope reaches, byte for byte what the API answers them.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from accounts.models import User
from aidtrack.core import scoping
from pairings.models import Pairing
from projects.models import Project
from publishing.iati import export
from publishing.selection import NothingToPublish, selection_make


class Command(BaseCommand):
    help = "Write the IATI 2.03 activity file of the pairings and projects asked for."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="The file to write.")
        parser.add_argument("--pairing", help="A pairing's id: it and the pairings below it.")
        parser.add_argument("--year", help="Programme year of the projects.")
        parser.add_argument("--from-year", dest="from_year", help="With --year: a range.")
        parser.add_argument("--status", help="Project status, e.g. in_progress.")
        parser.add_argument("--user", help="Export what this user may read.")

    def handle(self, *args, **options):
        data = QueryDict(mutable=True)
        for name in ("pairing", "year", "from_year", "status"):
            if options[name] is not None:
                data[name] = options[name]
        pairings, projects = Pairing.objects.all(), Project.objects.all()
        if options["user"]:
            user = User.objects.with_scope().filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
            pairings = Pairing.objects.for_user(user, scoping.VIEW)
            projects = Project.objects.for_user(user, scoping.VIEW)
        try:
            selection = selection_make(pairings=pairings, projects=projects, data=data)
        except ValidationError as error:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in error)) from error
        except NothingToPublish:
            raise CommandError("No pairing to publish.") from None
        count = 0
        with open(options["output"], "wb") as out:
            for piece in export(selection):
                out.write(piece)
                count += len(piece)
        self.stdout.write(f"Wrote {count:,} bytes to {options['output']}.")
