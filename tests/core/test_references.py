"""Records chosen by name: the suggestion endpoint, the filters' and forms' type-ahead boxes."""

import re

import django_filters
import pytest
from django import forms
from django.utils.translation import override

from aidtrack.core import references
from aidtrack.core.filters import IdFilter, ScopedFilterSet
from aidtrack.core.forms import scope_choice_fields
from aidtrack.core.references import ReferenceInput
from cadres.models import Person
from pairings.models import Organization, Pairing
from tests.cadres.test_people import make_person
from tests.factories import region


def suggest(client, model, text, **extra):
    return client.get(f"/suggest/{model}/", {"q": text, **extra})


def options(response) -> list[tuple[str, str]]:
    """(value, label) of each suggestion."""
    html = response.content.decode()
    return re.findall(r'<option value="([^"]*)" data-value="([^"]*)">', html)


def test_pairings_are_suggested_by_the_names_of_their_sides_within_scope(world, client):
    client.force_login(world.user("coordinator"))
    found = options(suggest(client, "pairings.pairing", "中山港 水城"))
    assert found == [("中山港街道 → 水城区", str(world.in_scope_pairing.pk))]
    # Outside the coordinator's pairings: nothing, not even its name.
    assert options(suggest(client, "pairings.pairing", "七星关")) == []
    client.force_login(world.user("admin"))
    assert len(options(suggest(client, "pairings.pairing", "七星关"))) == 1


def test_people_are_told_apart_by_their_home_organisation(world, client):
    home = Organization.objects.create(
        name="中山市人民医院", kind="hospital", region=world.regions["zs"]
    )
    person = make_person(world, name="张三", home_organization=home)
    client.force_login(world.user("admin"))
    assert options(suggest(client, "cadres.person", "张三")) == [
        ("张三（中山市人民医院）", str(person.pk))
    ]


def test_at_most_twenty_suggestions(world, client):
    for index in range(25):
        region(f"4420001{index:02d}", f"测试镇{index}", world.regions["zs"])
    client.force_login(world.user("admin"))
    found = options(suggest(client, "pairings.region", "测试镇", to_field="code"))
    assert len(found) == references.SUGGESTION_LIMIT
    # Regions are picked by code: the value is the code, the label code and full name.
    assert all(label.startswith(value + " ") for label, value in found)


def test_the_endpoint_serves_only_models_that_declare_it_and_only_browser_users(world, client):
    client.force_login(world.user("admin"))
    assert suggest(client, "funds.fundtransaction", "x").status_code == 404
    assert suggest(client, "nosuch.model", "x").status_code == 404
    # Only the values a model offers, never any column (a person's ID number).
    assert suggest(client, "cadres.person", "x", to_field="id_number").status_code == 400
    assert suggest(client, "pairings.pairing", "a\x00b").status_code == 400
    client.force_login(world.user("partner"))
    assert suggest(client, "pairings.pairing", "中山").status_code == 403
    client.logout()
    assert suggest(client, "pairings.pairing", "中山").status_code == 302


def _filtersets():
    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    # Importing the URLs imports every app's FilterSets.
    import aidtrack.urls  # noqa: F401

    return [cls for cls in walk(ScopedFilterSet) if cls._meta.model is not None]


def test_no_filter_asks_for_an_id():
    filtersets = _filtersets()
    assert len(filtersets) > 20
    for cls in filtersets:
        for name, filter_ in cls.base_filters.items():
            with override("en"):
                label = str(filter_.label or "")
            assert "(id" not in label, f"{cls.__name__}.{name}: {label}"
            if isinstance(filter_, IdFilter):
                widget = filter_.extra.get("widget")
                assert isinstance(widget, ReferenceInput), f"{cls.__name__}.{name}"
                assert references.is_suggestible(widget.model), f"{cls.__name__}.{name}"


def test_a_filter_set_by_url_shows_the_name_and_submits_the_id(world, client):
    client.force_login(world.user("coordinator"))
    pairing = world.in_scope_pairing
    page = client.get("/projects/projects/", {"pairing": pairing.pk}).content.decode()
    assert f'name="pairing" id="id_pairing-value" value="{pairing.pk}"' in page
    assert 'value="中山港街道 → 水城区"' in page
    # An id outside the scope shows only itself, never the pairing's name.
    outside = world.out_of_scope_pairing
    page = client.get("/projects/projects/", {"pairing": outside.pk}).content.decode()
    assert "七星关区" not in page


def test_region_filters_take_the_code_and_show_the_full_name(world, client):
    client.force_login(world.user("admin"))
    page = client.get("/pairings/pairings/", {"helped": "520200"}).content.decode()
    assert 'name="helped" id="id_helped-value" value="520200"' in page
    assert 'value="520200 贵州省 › 六盘水市"' in page


class _OrganizationChoice(forms.Form):
    organization = forms.ModelChoiceField(Organization.objects.all())
    pairing = forms.ModelChoiceField(Pairing.objects.all())


def test_a_long_select_becomes_a_type_ahead_box(world):
    form = _OrganizationChoice()
    scope_choice_fields(form.fields, world.user("admin"))
    assert isinstance(form.fields["pairing"].widget, forms.Select)  # five pairings: a select
    Organization.objects.bulk_create(
        Organization(name=f"单位{index}", kind="government", region=world.regions["zs"])
        for index in range(references.LONGEST_SELECT + 1)
    )
    form = _OrganizationChoice()
    scope_choice_fields(form.fields, world.user("admin"))
    widget = form.fields["organization"].widget
    assert isinstance(widget, ReferenceInput)
    first = Organization.objects.get(name="单位0")
    html = form.__class__(initial={"organization": first.pk})
    scope_choice_fields(html.fields, world.user("admin"))
    rendered = str(html["organization"])
    assert f'value="{first.pk}"' in rendered and 'value="单位0（中山市）"' in rendered


def test_a_filter_of_another_value_than_the_id():
    class PersonFilterSet(ScopedFilterSet):
        home = IdFilter(field_name="home_organization", model="pairings.Organization")
        text = django_filters.CharFilter()

        class Meta:
            model = Person
            fields = ["home", "text"]

    assert isinstance(PersonFilterSet.base_filters["home"].extra["widget"], ReferenceInput)
    assert "widget" not in PersonFilterSet.base_filters["text"].extra


@pytest.mark.parametrize(
    ("label", "expected"),
    [("amount (yuan)", "amount (10,000 yuan)"), ("金额（元）", "金额 (10,000 yuan)")],
)
def test_money_headers_name_the_unit_of_their_cells(label, expected):
    from aidtrack.core.money import in_wan

    with override("en"):
        assert in_wan(label) == expected
