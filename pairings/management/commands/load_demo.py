from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils.module_loading import module_has_submodule

from accounts.choices import Role
from aidtrack.core.audit import audit_context
from pairings.demo import DEMO_PASSWORD, DEMO_USERS, demo_load


class Command(BaseCommand):
    help = "Load the demo data of every app and the demo users (idempotent; development only)."

    def handle(self, *args, **options):
        with audit_context(None, source="command"):
            pairings = demo_load()
            self.stdout.write(f"Demo pairings: {len(pairings)}, users: {len(DEMO_USERS)}.")
            # Each later app's ``demo.demo_load(pairings)`` adds its records to the
            # demo pairings and returns a one-line summary; apps load in
            # INSTALLED_APPS order, so one may build on the records of another.
            for config in apps.get_app_configs():
                if config.name == "pairings" or not module_has_submodule(config.module, "demo"):
                    continue
                summary = import_module(f"{config.name}.demo").demo_load(pairings)
                self.stdout.write(f"Demo {config.label}: {summary}")
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}):")
        for user in DEMO_USERS:
            scope = ", ".join(str(pairings[key]) for key in user.scope) or (
                "own check-ins" if user.role == Role.MEMBER else "all pairings"
            )
            self.stdout.write(f"  {user.username:<10} {user.role:<12} {scope}")
