from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import api_token_create
from aidtrack.core.audit import audit_context


class Command(BaseCommand):
    help = (
        "Create an API token for USERNAME and print it. The key is shown only once "
        "and printed alone on the last line, so scripts can capture it with `tail -n 1`."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--write", action="store_true", help="allow writes (default: read-only)"
        )
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="validity in days (default: API_TOKEN_DEFAULT_DAYS, 365)",
        )
        parser.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args, username, write, days, name, **options):
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"no user named {username!r}") from exc
        if not user.is_active:
            raise CommandError(f"user {username!r} is inactive")
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1")
        with audit_context(None, source="command"):
            token, key = api_token_create(user=user, name=name, can_write=write, days=days)
        access = "read-write" if token.can_write else "read-only"
        self.stderr.write(
            f"Token {token.prefix}… for {user.username} ({access}), "
            f"expires {token.expires_at:%Y-%m-%d}. Store it now: it cannot be shown again."
        )
        self.stdout.write(key)
