"""Generic list, detail, edit, delete and history pages for every model.

An app declares a model's pages with an ``ObjectViews`` subclass and gets the
URLs from ``.urls()``::

    class PairingViews(ObjectViews):
        model = Pairing
        filterset_class = PairingFilterSet
        table_class = PairingTable
        form_class = PairingForm

Every page starts from ``Model.objects.for_user(user, action)``: a record
outside the user's scope is a 404, a role that may not act at all gets 403.
"""

import functools
import re

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import ProtectedError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import get_resolver, path, re_path, reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from aidtrack.core import paging, scoping, versions
from aidtrack.core.exports import EXPORT_FORMATS, export
from aidtrack.core.files import file_field_name, file_response
from aidtrack.core.forms import OUT_OF_SCOPE_MESSAGE, add_model_errors
from aidtrack.core.history import describe_changes, history_records
from aidtrack.core.locking import ensure_unlocked
from aidtrack.core.money import amount_input, without_unit
from aidtrack.core.tables import names_read_apart
from aidtrack.core.templatetags.aidtrack import money as money_html
from aidtrack.core.transitions import TransitionNotAllowed, transitions_of
from aidtrack.core.writes import delete_record, save_record

PAGE_SIZES = (25, 50, 100, 200)


class BrowserAccessMixin(LoginRequiredMixin):
    """Signed-in people only: partner accounts are for the API."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.uses_browser:
            raise PermissionDenied(_("This account may only use the API."))
        return super().dispatch(request, *args, **kwargs)


class ObjectViewMixin(BrowserAccessMixin):
    model = None
    config: "type[ObjectViews] | None" = None
    action = scoping.VIEW

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (
            user.may(self.action, self.model) and user.may(self.config.pages_need, self.model)
        ):
            # The role may not do this to any record: saying so reveals nothing.
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self, action=None):
        return self.model.objects.for_user(self.request.user, action or self.action)

    def get_object(self):
        queryset = self.config.detail_queryset(self.get_queryset())
        obj = get_object_or_404(queryset, pk=self.kwargs["pk"])
        if self.action in (scoping.CHANGE, scoping.DELETE):
            ensure_unlocked(obj, self.request.user)
        return obj

    def permissions(self):
        user = self.request.user
        return {
            action: user.may(action, self.model) and self.config.offers(action)
            for action in scoping.ACTIONS
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            model=self.model,
            opts=self.model._meta,
            config=self.config,
            can=self.permissions(),
        )
        return context


class FilterFormStatusMixin:
    """A page with a filter form answers 400 while the form shows errors.

    The page still renders (the form says which parameter is wrong), but a
    client or crawler sees that the request was refused.
    """

    def render_to_response(self, context, **kwargs):
        form = context.get("filter_form")
        if form is not None and form.is_bound and not form.is_valid():
            kwargs.setdefault("status", 400)
        return super().render_to_response(context, **kwargs)


class ObjectListView(FilterFormStatusMixin, ObjectViewMixin, TemplateView):
    """A filtered, sorted list: a page at a time by cursor (core.paging), and its exports.

    Nothing on the page grows with the table: the rows come from an index
    seek, the count stops at ``COUNT_CAP`` ("10,000+") and the totals row is
    computed only for a filtered set within that cap. Exports carry totals
    always (one aggregate per download).
    """

    template_name = "generic/object_list.html"

    def get(self, request, *args, **kwargs):
        table = self.config.table_class(self.model)
        filterset = self.config.filterset_class(
            request.GET or None, queryset=table.prepare(self.get_queryset()), request=request
        )
        queryset = filterset.filtered
        keys, sort = table.sort_keys(queryset, request.GET.get("sort"))
        fmt = request.GET.get("export")
        if fmt in EXPORT_FORMATS and not filterset.invalid:
            # With a refused filter, the page (400) says why instead of exporting every row.
            ordered = queryset.order_by(*(key.ordering for key in keys))
            return export(table, ordered, fmt, totals=lambda: table.totals(queryset))
        per_page = _page_size(request.GET.get("per_page"))
        page = paging.keyset_page(
            table.page_source(queryset, sort),
            keys,
            per_page,
            request.GET.get(paging.CURSOR_PARAM),
            # A cursor holds this list's sort values: it is refused on another list or sort.
            context=f"{self.model._meta.label_lower}:{sort}",
            ids_first=table.reads_ids_first(queryset, keys, sort),
        )
        if page.is_first and not page.has_next:
            count, over_cap = len(page.object_list), False  # all of it is on this page
        else:
            counted = queryset.order_by()
            if not filterset.narrowed:
                # The scope alone: the count reads the scope's index (core.scoping.scope_ordered).
                # Not with a filter: where it keeps few of the scope's rows, the ordered
                # count would read all of the scope's entries to find them, where the
                # unordered count stops at the cap.
                counted = scoping.scope_ordered(counted, request.user)
            count, over_cap = paging.capped_count(counted)
        totals = None if over_cap else table.totals(queryset)
        query = request.GET.copy()
        for key in (paging.CURSOR_PARAM, "page", "sort", "export"):
            query.pop(key, None)
        context = self.get_context_data(
            table=table,
            header=list(table.header(sort)),
            rows=table.rows(page.object_list),
            totals=totals,
            totals_withheld=over_cap and table.has_totals(),
            count=count,
            count_capped=over_cap,
            count_cap=paging.COUNT_CAP,
            page=page,
            per_page=per_page,
            page_sizes=PAGE_SIZES,
            filterset=filterset,
            filter_form=filterset.form,
            sort=sort,
            query=query.urlencode(),
            export_formats=EXPORT_FORMATS,
            import_url=import_link(self.config, request.user),
        )
        return self.render_to_response(context)


@functools.cache
def declared_pages() -> tuple[type, ...]:
    """Every app's ObjectViews classes (imports and search read their declarations).

    Loading the URLconf imports every app's views, declaring their pages; the
    walk is done once per process.
    """
    get_resolver().url_patterns  # noqa: B018
    found, pending = [], list(ObjectViews.__subclasses__())
    while pending:
        views = pending.pop()
        pending.extend(views.__subclasses__())
        found.append(views)
    return tuple(found)


def import_link(config, user) -> str:
    """The list page's Import button: for a model that declares an import the user may run."""
    if config.imports is None or config.form_class is None:
        return ""
    # Imported here: the import pages build on these views.
    from aidtrack.core.imports.jobs import may_import
    from aidtrack.core.imports.views import import_url

    return import_url(config.model._meta.label_lower) if may_import(user, config) else ""


def _page_size(raw) -> int:
    try:
        size = int(raw)
    except (TypeError, ValueError):
        return PAGE_SIZES[0]
    return size if size in PAGE_SIZES else PAGE_SIZES[0]


class ObjectDetailView(ObjectViewMixin, TemplateView):
    template_name = "generic/object_detail.html"

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        fields = [
            _labelled(obj, entry, money=entry in self.config.money_fields)
            for entry in self.config.get_detail_fields()
        ]
        context = self.get_context_data(
            object=obj,
            fields=fields,
            active_tab="detail",
            transition_links=transition_links(obj, request.user),
        )
        return self.render_to_response(context)


def transition_links(record, user) -> list[tuple[str, str]]:
    """``(url, label)`` of each status step the user may take on the record now."""
    name = type(record).url_name("transition")
    return [
        (reverse(name, args=[record.pk, transition.name]), transition.label)
        for transition in transitions_of(type(record)).offered(record, user)
    ]


def _labelled(obj, entry, money=False):
    """A model field name, or ``(label, attribute)`` for anything else (masked values)."""
    if isinstance(entry, tuple):
        label, attribute = entry
        return label, getattr(obj, attribute)
    value = _display(obj, entry)
    label = obj._meta.get_field(entry).verbose_name
    if money:
        value = money_html(value)  # 万元/亿元, the exact yuan on hover
        label = without_unit(label)  # the value names its unit; "（元）" would contradict it
    return label, value


def _display(obj, name):
    if obj._meta.get_field(name).many_to_many:
        return ", ".join(str(related) for related in getattr(obj, name).all())
    display = getattr(obj, f"get_{name}_display", None)
    return display() if display else getattr(obj, name)


class ObjectEditView(ObjectViewMixin, TemplateView):
    """Create (no pk) or change (pk) a record, re-checking scope after the save."""

    template_name = "generic/object_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.action = scoping.CHANGE if "pk" in kwargs else scoping.ADD
        return super().dispatch(request, *args, **kwargs)

    def get_instance(self):
        if self.action == scoping.ADD:
            return self.model()
        return self.get_object()

    def get_form(self, instance):
        data = self.request.POST if self.request.method == "POST" else None
        files = self.request.FILES if self.request.method == "POST" else None
        initial = self.request.GET.dict() if self.action == scoping.ADD else None
        form = self.config.form_class(
            data, files, instance=instance, initial=initial, user=self.request.user
        )
        for name in self.config.money_fields:
            if name in form.fields:
                amount_input(form.fields[name])
        return form

    def get(self, request, *args, **kwargs):
        instance = self.get_instance()
        return self.render_form(self.get_form(instance), instance)

    def post(self, request, *args, **kwargs):
        # Locked before it is read: the version compared is the one the save replaces.
        with versions.locked(self.model, kwargs.get("pk")):
            return self.submit(request)

    def submit(self, request):
        instance = self.get_instance()
        form = self.get_form(instance)
        posted = request.POST.get(versions.VERSION_FIELD)
        conflict = instance.pk and versions.edit_conflict(instance, posted)
        if not conflict and form.is_valid():
            try:
                obj = save_in_scope(
                    lambda: save_form(form, user=request.user),
                    user=request.user,
                    action=self.action,
                )
            except ValidationError as exc:
                # A service's errors land on the form's fields where it has them.
                add_model_errors(form, exc)
            else:
                done = (
                    _("Created %(object)s.")
                    if self.action == scoping.ADD
                    else _("Saved %(object)s.")
                )
                messages.success(request, done % {"object": obj})
                return HttpResponseRedirect(obj.get_absolute_url())
        return self.render_form(form, instance, status=409 if conflict else 400, conflict=conflict)

    def render_form(self, form, instance, status=200, conflict=None):
        context = self.get_context_data(
            form=form,
            object=instance if instance.pk else None,
            active_tab="edit",
            **versions.form_context(self.request, instance, conflict),
            return_url=self.request.GET.get("return_url")
            or (instance.get_absolute_url() if instance.pk else reverse(self.config.list_url())),
        )
        return self.render_to_response(context, status=status)


def save_form(form, *, user):
    """Save a validated model form's record the way its model declares (core.writes)."""
    record = save_record(form.save(commit=False), user=user, **form.service_arguments())
    form.save_m2m()
    return record


def save_in_scope(save, *, user, action):
    """Run ``save()`` and keep its result only if the row is still in scope.

    Choices are already scoped, but a record can leave a scope through any
    field that decides it; the check runs on the saved row, inside the
    transaction, so a write out of (or into another) scope is rolled back.
    """
    with transaction.atomic():
        obj = save()
        if not scoping.is_in_scope(obj, user, action):
            raise ValidationError(OUT_OF_SCOPE_MESSAGE, code="out_of_scope")
    return obj


class ObjectDeleteView(ObjectViewMixin, TemplateView):
    template_name = "generic/object_confirm_delete.html"
    action = scoping.DELETE

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        return self.render_to_response(self.get_context_data(object=obj, active_tab="delete"))

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        label = str(obj)
        try:
            delete_record(obj, user=request.user)
        except ProtectedError as exc:
            blockers = ", ".join(sorted({str(o) for o in list(exc.protected_objects)[:5]}))
            messages.error(
                request,
                _("%(object)s cannot be deleted because other records refer to it: %(blockers)s")
                % {"object": label, "blockers": blockers},
            )
            return HttpResponseRedirect(obj.get_absolute_url())
        except ValidationError as exc:
            # The delete service refused (it would break an invariant): nothing changed.
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(obj.get_absolute_url())
        messages.success(request, _("Deleted: %(object)s") % {"object": label})
        return HttpResponseRedirect(reverse(self.config.list_url()))


class TransitionView(ObjectViewMixin, TemplateView):
    """One status step of the model's transition table: its payload form, then its service.

    The record's lock does not apply: the steps are what move a locked record
    on (approve a submitted report), and each service checks the status.
    """

    template_name = "generic/transition.html"

    def dispatch(self, request, *args, **kwargs):
        # The URL pattern admits only the table's names (ObjectViews.urls).
        self.transition = transitions_of(self.model)[kwargs["transition"]]
        self.action = self.transition.action
        if request.user.is_authenticated and not self.transition.permitted(
            request.user, self.model
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_object(self):
        queryset = self.config.detail_queryset(self.get_queryset())
        return get_object_or_404(queryset, pk=self.kwargs["pk"])

    def get_form(self, record):
        data = self.request.POST if self.request.method == "POST" else None
        return self.transition.form_class(data, record=record, user=self.request.user)

    def get(self, request, *args, **kwargs):
        record = self.get_object()
        return self.render(record, self.get_form(record))

    def post(self, request, *args, **kwargs):
        with versions.locked(self.model, kwargs["pk"]):
            return self.submit(request)

    def submit(self, request):
        record = self.get_object()
        form = self.get_form(record)
        conflict = versions.edit_conflict(record, request.POST.get(versions.VERSION_FIELD))
        status = 409 if conflict else 400
        if not conflict and form.is_valid():
            try:
                self.transition.run(record, user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_model_errors(form, exc)
                if isinstance(exc, TransitionNotAllowed):
                    status = 409
            else:
                label = self.transition.label
                messages.success(request, _("%(action)s: done.") % {"action": label})
                return HttpResponseRedirect(record.get_absolute_url())
        return self.render(record, form, status=status, conflict=conflict)

    def render(self, record, form, status=200, conflict=None):
        context = self.get_context_data(
            object=record,
            form=form,
            label=self.transition.label,
            **versions.form_context(self.request, record, conflict),
        )
        return self.render_to_response(context, status=status)


class ObjectDownloadView(ObjectViewMixin, View):
    """The record's file, for people who may see the record (core.files.file_response)."""

    def get(self, request, *args, **kwargs):
        return file_response(self.get_object(), user=request.user)


class ObjectHistoryView(ObjectViewMixin, TemplateView):
    template_name = "generic/object_history.html"

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        page = Paginator(history_records(obj), 50).get_page(request.GET.get("page"))
        describe_changes(self.model, page.object_list)
        context = self.get_context_data(object=obj, page=page, active_tab="history")
        return self.render_to_response(context)


class ObjectViews:
    """Declares one model's pages; ``urls()`` wires them."""

    model = None
    filterset_class = None
    table_class = None
    # No form: the model is read-only in the browser (reference data).
    form_class = None
    # The writes the pages offer: entries corrected only by reversal offer
    # "add" alone, approvals that are withdrawn but never edited "add" and "delete".
    writes_offered: tuple[str, ...] = (scoping.ADD, scoping.CHANGE, scoping.DELETE)
    # Fields on the detail page, in order; by default those of the edit form.
    # An entry may be ``(label, attribute)`` to show something that is not a field.
    detail_fields: tuple = ()
    # Amount fields the detail page shows in 万元/亿元 (the exact yuan on hover).
    money_fields: tuple[str, ...] = ()
    # Related rows the detail page reads, fetched with the record.
    detail_select_related: tuple[str, ...] = ()
    # What a role must be allowed to do to the model to open any of its pages:
    # CHANGE for pages that administer records (accounts), not just show them.
    pages_need = scoping.VIEW
    # The URL segment; the model name plus "s" unless that is not English.
    path_prefix: str | None = None
    # Spreadsheet import (core.imports.spec.Importable); None: not imported.
    imports = None
    # The navbar's search (core.search.Searchable); None: not searched.
    search = None

    list_view = ObjectListView
    detail_view = ObjectDetailView
    edit_view = ObjectEditView
    delete_view = ObjectDeleteView
    history_view = ObjectHistoryView
    transition_view = TransitionView
    download_view = ObjectDownloadView

    @classmethod
    def get_detail_fields(cls) -> tuple[str, ...]:
        if cls.detail_fields or cls.form_class is None:
            return cls.detail_fields
        return tuple(cls.form_class._meta.fields)

    @classmethod
    def detail_queryset(cls, queryset):
        # A pairing's name in a query of its own, as on the list (tables.names_read_apart):
        # joined, a deployment's page took 8.8 ms to plan its one row, 1.7 ms apart.
        return names_read_apart(queryset.select_related(*cls.detail_select_related))

    @classmethod
    def list_url(cls) -> str:
        return cls.model.url_name("list")

    @classmethod
    def offers(cls, action: str) -> bool:
        return action == scoping.VIEW or (
            cls.form_class is not None and action in cls.writes_offered
        )

    @classmethod
    def has_history(cls) -> bool:
        return getattr(cls.model, "audit_changes", False)

    @classmethod
    def urls(cls):
        name = cls.model._meta.model_name
        plural = cls.path_prefix or f"{name}s"

        def view(view_class):
            return view_class.as_view(model=cls.model, config=cls)

        urls = [
            path(f"{plural}/", view(cls.list_view), name=f"{name}_list"),
            path(f"{plural}/<int:pk>/", view(cls.detail_view), name=f"{name}_detail"),
        ]
        if cls.offers(scoping.ADD):
            urls.append(path(f"{plural}/add/", view(cls.edit_view), name=f"{name}_add"))
        if cls.offers(scoping.CHANGE):
            urls.append(path(f"{plural}/<int:pk>/edit/", view(cls.edit_view), name=f"{name}_edit"))
        if cls.offers(scoping.DELETE):
            urls.append(
                path(f"{plural}/<int:pk>/delete/", view(cls.delete_view), name=f"{name}_delete")
            )
        if cls.has_history():
            urls.append(
                path(f"{plural}/<int:pk>/history/", view(cls.history_view), name=f"{name}_history")
            )
        if file_field_name(cls.model):
            # The only way to a stored file (nothing serves MEDIA_ROOT).
            urls.append(
                path(
                    f"{plural}/<int:pk>/download/",
                    view(cls.download_view),
                    name=f"{name}_download",
                )
            )
        table = transitions_of(cls.model)
        if table:
            # Only the declared names, so the app's own pages under a record stay reachable.
            names = "|".join(re.escape(transition.name) for transition in table)
            urls.append(
                re_path(
                    rf"^{plural}/(?P<pk>[0-9]+)/(?P<transition>{names})/$",
                    view(cls.transition_view),
                    name=f"{name}_transition",
                )
            )
        return urls
