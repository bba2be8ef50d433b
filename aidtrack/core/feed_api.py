"""``GET /api/v1/changes/``: the change feed (core.feed) as partners read it.

A reader starts with ``GET /changes/`` (no ``after``), keeps the ``next``
link, pulls every resource in full, then follows ``next`` for as long as
``more`` is true, and again whenever they like. Each change names the
resource, the record id and what happened to it *as the reader sees it*:
a record that left their scope is "deleted", one that entered it "created".

The cursor is signed and carries, for a scoped reader, a fingerprint of
the scope it was handed out for. When that scope has changed (a pairing
moved in or out of theirs, their own scope edited, a pairing's sides
changed), or the cursor is older than the feed keeps, the answer is 410:
the reader pulls everything again and starts afresh.
"""

import hashlib
from urllib import parse

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from aidtrack.core import feed, scoping
from aidtrack.core.api_defaults import CappedCursorPagination
from aidtrack.core.params import StrictParametersMixin
from aidtrack.core.signed import BadToken, sign_token, unsign_token

SALT = "aidtrack.api.changes"


class FeedPageSize(CappedCursorPagination):
    """``page_size`` read as every list reads it (a 400 unless 1 or more; capped)."""

    page_size = 500
    max_page_size = 1000


class Gone(exceptions.APIException):
    status_code = 410
    default_code = "resync_required"
    default_detail = _(
        "This cursor is older than the change feed keeps: pull every resource again, "
        "then follow the feed from GET /api/v1/changes/."
    )


class ScopeChanged(Gone):
    default_code = "scope_changed"
    default_detail = _(
        "Your scope has changed since this cursor was handed out: pull every resource "
        "again, then follow the feed from GET /api/v1/changes/."
    )


class ChangeSerializer(serializers.Serializer):
    resource = serializers.CharField(help_text="The API resource, e.g. `projects`.")
    id = serializers.IntegerField(help_text="The record's id in that resource.")
    action = serializers.ChoiceField(
        choices=["created", "updated", "deleted"],
        help_text=(
            "As the reader sees it: a record that left the reader's scope is `deleted`, "
            "one that entered it `created`."
        ),
    )
    time = serializers.DateTimeField(help_text="When the change was made.")


class ChangePageSerializer(serializers.Serializer):
    results = ChangeSerializer(many=True)
    next = serializers.URLField(help_text="Where to read on from; keep it.")
    more = serializers.BooleanField(help_text="Whether more changes are waiting now.")
    resources = serializers.ListField(
        child=serializers.CharField(), help_text="The resources this feed covers for you."
    )


class ChangeFeedView(StrictParametersMixin, APIView):
    """Every create, update and delete of the records you can read, in commit order."""

    @extend_schema(
        operation_id="changes_list",
        parameters=[
            OpenApiParameter(
                "after",
                str,
                description="The cursor of a `next` link; without it, a starting cursor.",
            ),
            OpenApiParameter(
                "resource",
                str,
                description="Only these resources, comma-separated: `projects,needs`.",
            ),
            OpenApiParameter(
                "page_size",
                int,
                description=(
                    f"Changes per page (default {FeedPageSize.page_size}; "
                    f"more than {FeedPageSize.max_page_size} gives {FeedPageSize.max_page_size})."
                ),
            ),
        ],
        responses={
            200: ChangePageSerializer,
            410: OpenApiResponse(description="The cursor can no longer be followed: resync."),
        },
    )
    def get(self, request):
        user = request.user
        resources = self._resources(request)
        scope = user.pairing_ids_in_scope(scoping.VIEW)
        size = self._size(request)
        state = feed.state()
        raw = request.query_params.get("after")
        if raw is None:
            position = feed.start()
            changes, more = [], False
        else:
            position = self._position(raw, scope, state)
            page = feed.read(position, resources=resources, scope=scope, limit=size)
            changes, position, more = page.changes, page.position, page.more
        return Response(
            {
                "results": [
                    {"resource": c.resource, "id": c.id, "action": c.action, "time": c.time}
                    for c in changes
                ],
                "next": self._link(request, position, scope, state),
                "more": more,
                "resources": sorted(resources),
            }
        )

    # -- parameters ----------------------------------------------------------------

    def _resources(self, request) -> set[str]:
        readable = {
            name
            for name, model in feed.synced_resources().items()
            if request.user.may(scoping.VIEW, model)
        }
        raw = request.query_params.get("resource")
        if raw is None:
            return readable
        asked = {name.strip() for name in raw.split(",") if name.strip()}
        unknown = sorted(asked - set(feed.synced_resources()))
        if unknown or not asked:
            raise exceptions.ValidationError(
                {
                    "resource": [
                        _("Unknown resource: %(names)s. Known: %(known)s.")
                        % {
                            "names": ", ".join(unknown) or "''",
                            "known": ", ".join(sorted(feed.synced_resources())),
                        }
                    ]
                }
            )
        return asked & readable

    def _size(self, request) -> int:
        return FeedPageSize().get_page_size(request)

    # -- cursors -------------------------------------------------------------------

    def _fingerprint(self, scope, newest_pairing: int, scope_version: int) -> str:
        """The reader's scope among the pairings that existed when the cursor was made.

        Pairings created since do not change it (their records arrive as
        creations); a pairing moved in or out, or the reader's own scope
        edited, does.
        """
        if scope is None:
            return "all"
        known = ",".join(str(i) for i in sorted(scope) if i <= newest_pairing)
        digest = hashlib.sha256(f"{scope_version}:{known}".encode()).hexdigest()
        return digest[:32]

    def _link(self, request, position: feed.Position, scope, state: feed.State) -> str:
        newest = state.newest_pairing
        tokens = {
            "t": position.txid,
            "i": position.entry_id,
            "n": newest,
            "f": self._fingerprint(scope, newest, state.scope_version),
        }
        query = {"after": sign_token(parse.urlencode(tokens), salt=SALT)}
        if "resource" in request.query_params:
            query["resource"] = request.query_params["resource"]
        if "page_size" in request.query_params:
            query["page_size"] = request.query_params["page_size"]
        url = reverse("api:changes", request=request)
        return f"{url}?{parse.urlencode(query)}"

    def _position(self, raw: str, scope, state: feed.State) -> feed.Position:
        try:
            tokens = dict(parse.parse_qsl(unsign_token(raw, salt=SALT)))
            position = feed.Position(int(tokens["t"]), int(tokens["i"]))
            newest, fingerprint = int(tokens["n"]), tokens["f"]
        except (BadToken, KeyError, ValueError):
            raise exceptions.ValidationError(
                {"after": [_("This cursor is not valid: follow the next links.")]}
            ) from None
        if position.txid < state.pruned_below:
            raise Gone()
        if fingerprint != self._fingerprint(scope, newest, state.scope_version):
            raise ScopeChanged()
        return position
