"""Change history for every write path.

History is written by PostgreSQL triggers, not by Python code, so that every
path that changes a row — forms, the API, the admin, services, bulk
``QuerySet.update()``, ``bulk_create`` and raw SQL — is recorded the same way.
Python only tells the database *who* is writing and *why* by setting three
session variables (``aidtrack.actor_id``, ``aidtrack.request_id``,
``aidtrack.source``) that the trigger reads.

Models opt in with ``audit_changes = True`` (every ``BaseModel`` does);
columns listed in ``audit_redact`` are recorded as changed but never with
their values (password hashes).
"""

import contextlib
import contextvars
from dataclasses import dataclass

from django.apps import apps
from django.db import DatabaseError, connections, transaction

AUDIT_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION aidtrack_audit_row() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    old_row jsonb;
    new_row jsonb;
    changes jsonb;
    redacted text;
BEGIN
    IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD); END IF;
    IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW); END IF;

    IF TG_OP = 'UPDATE' THEN
        -- Only the columns that changed, as [old, new]; bookkeeping columns
        -- alone do not make a change worth recording.
        SELECT jsonb_object_agg(n.key, jsonb_build_array(old_row -> n.key, n.value))
          INTO changes
          FROM jsonb_each(new_row) AS n
         WHERE n.value IS DISTINCT FROM old_row -> n.key
           AND n.key NOT IN ('updated_at', 'updated_by_id', 'last_login', 'last_used_at');
        IF changes IS NULL THEN RETURN NULL; END IF;
    ELSE
        changes := coalesce(new_row, old_row);
    END IF;

    IF TG_NARGS > 0 THEN
        FOREACH redacted IN ARRAY TG_ARGV LOOP
            IF changes ? redacted THEN
                changes := jsonb_set(changes, ARRAY[redacted], '"***"');
            END IF;
        END LOOP;
    END IF;

    INSERT INTO core_changerecord
        (time, table_name, object_id, action, changes, actor_id, request_id, source)
    VALUES (
        clock_timestamp(),
        TG_TABLE_NAME,
        coalesce(new_row, old_row) ->> 'id',
        CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END,
        changes,
        nullif(current_setting('aidtrack.actor_id', true), '')::bigint,
        coalesce(current_setting('aidtrack.request_id', true), ''),
        coalesce(nullif(current_setting('aidtrack.source', true), ''), 'sql')
    );
    RETURN NULL;
END;
$$;
"""


# A transaction that will be rolled back (an import's check) writes no history:
# the history and the feed triggers of every table fire only without this
# transaction-local setting, tested by the trigger's WHEN in C, not by entering
# its function. Set only by ``rehearse()``.
REHEARSAL_SETTING = "aidtrack.rehearsal"
RECORDED_ONLY = f"WHEN (current_setting('{REHEARSAL_SETTING}', true) IS DISTINCT FROM 'on')"


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    source: str
    request_id: str


# The Python side of the same information, for created_by/updated_by.
current_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar(
    "current_actor", default=None
)


def audited_models():
    # Auto-created many-to-many tables count: a scope change is a write too.
    models = apps.get_models(include_auto_created=True)
    return [m for m in models if getattr(m, "audit_changes", False)]


def install_audit_triggers(using: str = "default", **_kwargs) -> None:
    """(Re)install the trigger function and one trigger per audited table.

    Runs after every ``migrate`` (post_migrate), so a new audited model is
    covered without writing a migration for it.
    """
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(AUDIT_FUNCTION_SQL)
        for model in audited_models():
            table = connection.ops.quote_name(model._meta.db_table)
            redact = ", ".join(f"'{column}'" for column in getattr(model, "audit_redact", ()))
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER aidtrack_audit AFTER INSERT OR UPDATE OR DELETE "
                f"ON {table} FOR EACH ROW {RECORDED_ONLY} "
                f"EXECUTE FUNCTION aidtrack_audit_row({redact})"
            )


def _set_database_actor(actor: Actor | None, using: str = "default") -> None:
    values = (
        ("", "", "")
        if actor is None
        else (
            "" if actor.user_id is None else str(actor.user_id),
            actor.request_id,
            actor.source,
        )
    )
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT set_config('aidtrack.actor_id', %s, false),"
            " set_config('aidtrack.request_id', %s, false),"
            " set_config('aidtrack.source', %s, false)",
            values,
        )


def set_actor(user, *, source: str, request_id: str = "") -> None:
    """Name the writer for the rest of the current audit context."""
    user_id = user.pk if user is not None and user.is_authenticated else None
    actor = Actor(user_id=user_id, source=source, request_id=request_id)
    current_actor.set(actor)
    _set_database_actor(actor)


@contextlib.contextmanager
def audit_context(user=None, *, source: str, request_id: str = ""):
    """Attribute every write inside the block to ``user`` (None: the system).

    Used by the request middleware, management commands and Celery tasks. The
    database variables are session-wide, so they are cleared on the way out:
    a pooled connection must not carry one request's actor into the next.
    """
    token = current_actor.set(None)
    try:
        set_actor(user, source=source, request_id=request_id)
        yield
    finally:
        current_actor.reset(token)
        # If the connection is in a failed transaction or gone, Django rolls
        # it back or discards it, and the variables go with it.
        with contextlib.suppress(DatabaseError):
            _set_database_actor(None)


@contextlib.contextmanager
def rehearse(using: str = "default"):
    """Run the block's writes in a transaction that is rolled back, recording no history.

    For a dry run that must meet every rule of the real writes (an import's
    check) without paying for history rows that are thrown away. The block is
    its own ``atomic`` block, always rolled back, so nothing written under
    the setting can be committed.
    """
    with transaction.atomic(using=using):
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', true)", [REHEARSAL_SETTING])
        try:
            yield
        finally:
            transaction.set_rollback(True, using=using)
