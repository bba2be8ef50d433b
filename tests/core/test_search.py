"""The navbar's search (core.search): scoped, grouped, constant in queries, served by an index."""

from urllib.parse import urlencode

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aidtrack.core import search
from aidtrack.core.indexes import trigram_installed
from aidtrack.core.search import (
    Searchable,
    best_matches,
    check_declaration,
    searchables,
    site_search,
)
from aidtrack.core.testing import ADMIN, COORDINATOR, PARTNER
from cadres.models import Person
from cadres.validators import id_number_check_character
from cadres.views import PersonViews, TeamViews
from pairings.views import OrganizationViews, PairingViews
from projects.views import ProjectViews
from tests.cadres.conftest import make_team
from tests.cadres.test_people import ID_NUMBER, make_person, organisation
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def labels(groups) -> dict[str, list[str]]:
    return {group.model.split(".")[1]: [hit.label for hit in group.hits] for group in groups}


def make_project(world, in_scope=True, index=0, **fields):
    pairing = world.in_scope_pairing if in_scope else world.out_of_scope_pairing
    values = {
        "code": f"{'IN' if in_scope else 'OUT'}-{index:03d}",
        "name": f"{'' if in_scope else '外地'}茶园提质项目{index}",
        "pairing": pairing,
    }
    values.update(fields)
    return ProjectFactory(**values)


def test_the_five_kinds_join_by_declaration_in_their_order():
    assert searchables() == [PersonViews, ProjectViews, PairingViews, OrganizationViews, TeamViews]


def test_a_declared_field_must_be_one_the_list_searches():
    # Not an ObjectViews subclass: it would stay one for the other tests of the process.
    class Misdeclared:
        filterset_class = PersonViews.filterset_class
        search = Searchable(rank=99, fields=("name", "id_number"))

    with pytest.raises(ImproperlyConfigured, match="id_number"):
        check_declaration(Misdeclared)


def test_coordinator_finds_records_of_every_kind_within_scope_only(world):
    make_person(world, True, 0)
    make_person(world, False, 0)
    make_project(world, True)
    make_project(world, False)
    make_team(world, True)
    make_team(world, False)
    coordinator = world.user(COORDINATOR)

    assert labels(site_search(coordinator, "测试干部")) == {"person": ["测试干部0"]}
    assert labels(site_search(coordinator, "茶园")) == {"project": ["IN-000 茶园提质项目0"]}
    assert labels(site_search(coordinator, "医疗帮扶队")) == {"team": ["医疗帮扶队0"]}
    found = labels(site_search(coordinator, "乡村振兴局"))["organization"]
    assert "六枝特区乡村振兴局" in found and "大方县乡村振兴局" not in found
    pairings = labels(site_search(coordinator, "水城"))["pairing"]
    assert pairings == [str(world.in_scope_pairing)]
    assert site_search(coordinator, "七星关") == []  # 天河 → 七星关 lies outside

    everything = labels(site_search(world.user(ADMIN), "测试干部"))
    assert everything == {"person": ["测试干部0", "外地测试干部0"]}  # shortest first


def test_a_person_is_never_found_by_id_number_or_phone(world):
    make_person(world, True, 0)
    admin = world.user(ADMIN)
    assert site_search(admin, ID_NUMBER) == []
    assert site_search(admin, ID_NUMBER[-6:]) == []
    assert site_search(admin, "13800138000") == []


def test_hits_link_to_records_and_say_where_they_belong(world):
    person = make_person(world, True, 0)
    project = make_project(world, True, code="LPS-2023-001")
    groups = site_search(world.user(COORDINATOR), "LPS-2023")
    assert [(hit.label, hit.detail, hit.url) for hit in groups[0].hits] == [
        ("LPS-2023-001 茶园提质项目0", str(world.in_scope_pairing), project.get_absolute_url())
    ]
    (hit,) = site_search(world.user(COORDINATOR), "测试干部")[0].hits
    assert (hit.detail, hit.url) == (str(person.home_organization), person.get_absolute_url())


def test_under_two_characters_nothing_is_searched(world):
    make_person(world, True, 0)
    with CaptureQueriesContext(connection) as queries:
        assert site_search(world.user(ADMIN), " 测 ") == []
    assert len(queries) == 0


def _search_queries(user, text) -> int:
    with CaptureQueriesContext(connection) as queries:
        groups = site_search(user, text)
        for group in groups:
            for hit in group.hits:
                str(hit.label), str(hit.detail)
    return len(queries)


def test_query_count_does_not_grow_with_the_matches(world):
    """One query per kind, whether one record matches or more than a page of each."""
    coordinator = world.user(COORDINATOR)
    make_person(world, True, 0, name="同名甲")
    make_project(world, True, 0, name="同名甲项目")
    make_team(world, True, 0, name="同名甲队")
    _search_queries(coordinator, "同名甲")  # a request's user comes with its scope loaded
    few = _search_queries(coordinator, "同名甲")

    for index in range(1, search.PAGE_LIMIT + 3):
        make_person(world, True, index, name=f"同名甲{index}")
        make_project(world, True, index, name=f"同名甲项目{index}")
        make_team(world, True, index, name=f"同名甲队{index}")
    many = _search_queries(coordinator, "同名甲")
    assert many == few
    groups = site_search(coordinator, "同名甲")
    assert [len(group.hits) for group in groups] == [search.PAGE_LIMIT] * 3


def test_results_page_groups_hits_and_links_more_to_the_filtered_list(world, client):
    for index in range(search.PAGE_LIMIT + 1):
        make_person(world, True, index)
    make_project(world, True)
    client.force_login(world.user(COORDINATOR))

    response = client.get(reverse("search"), {"q": "测试干部"})
    assert response.status_code == 200
    page = response.content.decode()
    more = f"{reverse('cadres:person_list')}?{urlencode({'q': '测试干部'})}"
    assert more in page and "10" in page.split(more)[1][:200]  # "more than 10"
    assert Person.objects.get(name="测试干部0").get_absolute_url() in page
    assert "外地" not in page

    listed = client.get(more)  # the list behind "more" holds every person the search found
    assert listed.status_code == 200
    assert all(f"测试干部{index}" in listed.content.decode() for index in range(11))


def test_results_page_asks_for_two_characters_and_says_when_nothing_is_found(world, client):
    client.force_login(world.user(COORDINATOR))
    assert 'id="search-too-short"' in client.get(reverse("search"), {"q": "测"}).content.decode()
    nothing = client.get(reverse("search"), {"q": "外地测试干部"}).content.decode()
    assert 'id="search-nothing"' in nothing
    assert client.get(reverse("search"), {"q": "a\x00b"}).status_code == 400


def test_suggestions_are_a_fragment_of_links_and_empty_below_two_characters(world, client):
    person = make_person(world, True, 0)
    client.force_login(world.user(COORDINATOR))
    fragment = client.get(reverse("search_suggest"), {"q": "测试"}).content.decode()
    assert "<html" not in fragment and person.get_absolute_url() in fragment
    assert f"{reverse('search')}?q=%E6%B5%8B%E8%AF%95" in fragment
    assert client.get(reverse("search_suggest"), {"q": "测"}).content.decode().strip() == ""


def test_every_page_has_the_search_box_and_partners_cannot_search(world, client):
    client.force_login(world.user(COORDINATOR))
    assert 'id="navbar-search"' in client.get(reverse("cadres:person_list")).content.decode()
    client.force_login(world.user(PARTNER))
    assert client.get(reverse("search"), {"q": "测试"}).status_code == 403
    client.logout()
    assert client.get(reverse("search"), {"q": "测试"}).status_code == 302


def test_each_searched_column_has_its_trigram_index():
    names = {
        "cadres_person": {"person_name_trgm"},
        "cadres_team": {"team_name_trgm"},
        "projects_project": {"project_name_trgm", "project_code_trgm"},
        "pairings_organization": {"organization_name_trgm", "organization_credit_code_trgm"},
    }
    if not trigram_installed(connection):
        pytest.skip("this PostgreSQL has no pg_trgm (the embedded pgserver)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE indexname LIKE %s",
            ["%_trgm"],
        )
        found = {}
        for table, name, definition in cursor.fetchall():
            assert "gin_trgm_ops" in definition and "upper(" in definition
            found.setdefault(table, set()).add(name)
    assert found == names


def unique_id_number(index: int) -> str:
    first_17 = f"{110000 + index // 1000:06d}19850312{index % 1000:03d}"
    return first_17 + id_number_check_character(first_17)


def test_a_name_search_on_many_people_reads_the_trigram_index(world):
    if not trigram_installed(connection):
        pytest.skip("this PostgreSQL has no pg_trgm (the embedded pgserver)")
    template = make_person(world, True, 0)
    home = organisation(world, True)
    surnames, given = "王李张刘陈杨黄赵吴周", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
    Person.objects.bulk_create(
        Person(
            name=surnames[index % 10] + given[index % 20] + given[(index // 20) % 20],
            gender=template.gender,
            birth_date=template.birth_date,
            political_status=template.political_status,
            education=template.education,
            id_number=unique_id_number(index),
            category=template.category,
            specialty=template.specialty,
            home_organization=home,
        )
        for index in range(20_000)
    )
    with connection.cursor() as cursor:
        # What VACUUM does after a bulk load: fold GIN's pending list into the index.
        cursor.execute("SELECT gin_clean_pending_list('person_name_trgm'::regclass)")
        cursor.execute("ANALYZE cadres_person")
    queryset = best_matches(PersonViews, world.user(ADMIN), "测试干部", search.PAGE_LIMIT + 1)
    plan = queryset.explain()
    assert "person_name_trgm" in plan, plan
