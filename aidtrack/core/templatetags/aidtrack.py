"""Template helpers shared by every page."""

from datetime import date, datetime

from django import template
from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from aidtrack.core.files import download_name
from aidtrack.core.languages import in_language
from aidtrack.core.money import format_money, format_wan, format_yuan

register = template.Library()


@register.filter
def wan(yuan):
    """A figure under a header naming 万元: the number alone, the exact yuan on hover."""
    if yuan is None:
        return ""
    return format_html('<span title="{}">{}</span>', format_yuan(yuan), format_wan(yuan))


@register.filter
def money(yuan):
    """Rounded to 万元/亿元, the exact amount on hover."""
    if yuan is None:
        return "—"
    return format_html('<span title="{}">{}</span>', format_yuan(yuan), format_money(yuan))


@register.filter
def cell(value, plain=False):
    """One table cell or detail value, displayed consistently across pages.

    Related records link to their own page unless ``plain`` (inside a link).
    """
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(value, date):
        return date_format(value, "Y-m-d")
    if isinstance(value, FieldFile):
        # A stored file: its download page (never a storage path or URL), under its own name.
        name = download_name(value)
        if plain:
            return name
        return format_html('<a href="{}">{}</a>', value.instance.get_download_url(), name)
    if not plain and isinstance(value, Model) and hasattr(value, "get_absolute_url"):
        url = value.get_absolute_url()
        if url:
            return format_html('<a href="{}">{}</a>', url, value)
    return value


@register.simple_tag
def model_url(model, action, *args):
    return reverse(model.url_name(action), args=args)


@register.filter
def indicator_name(entry) -> str:
    """An indicator's name in the interface's language, from the indicator or a figure
    (``{"name": …, "name_en": …}`` as assessment summaries store it)."""
    if isinstance(entry, dict):
        return in_language(entry.get("name", ""), entry.get("name_en", ""))
    return in_language(entry.name_zh, entry.name_en)
