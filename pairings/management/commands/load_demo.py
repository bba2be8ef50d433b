from django.core.management.base import BaseCommand

from aidtrack.core.audit import audit_context
from pairings.demo import DEMO_PASSWORD, DEMO_USERS, demo_load


class Command(BaseCommand):
    help = "Load the demo pairings and demo users (idempotent; development only)."

    def handle(self, *args, **options):
        with audit_context(None, source="command"):
            pairings = demo_load()
        self.stdout.write(f"Demo data ready: {len(pairings)} pairings, {len(DEMO_USERS)} users.")
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}):")
        for user in DEMO_USERS:
            scope = ", ".join(str(pairings[key]) for key in user.scope) or "all pairings"
            self.stdout.write(f"  {user.username:<10} {user.role:<12} {scope}")
