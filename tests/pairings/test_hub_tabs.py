"""The pairing hub's tabs cost the same however large the tree below the pairing.

Each tab shows counts and sums for the whole subtree and a first page of rows
(aidtrack.core.hub.first_page) with the filtered list for the rest; its query
count does not grow with pairings or rows below.
"""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aidtrack.core import hub
from aidtrack.core.hub import PAIRING_HUB, hub_tabs
from aidtrack.core.testing import ADMIN, COORDINATOR
from cadres.services import deployment_start
from pairings.models import Organization
from tests.cadres.conftest import make_team
from tests.cadres.test_deployments import make_deployment
from tests.factories import PairingFactory, ProjectFactory
from tests.funds.conftest import allocate

# County pairings that can be added below 中山 → 六盘水 (helping, helped).
NEW_COUNTIES = [("nq", "sc"), ("zsg", "lz"), ("nq", "lz"), ("zsg", "pz"), ("nq", "pz")]


def grow(world, start: int, count: int) -> None:
    """``count`` more county pairings below the city, each with people on post and money."""
    today = timezone.localdate()
    city = world.pairings["zs-lps"]
    for offset, (helping, helped) in enumerate(NEW_COUNTIES[start : start + count]):
        county = PairingFactory(
            helping_region=world.regions[helping],
            helped_region=world.regions[helped],
            parent=city,
        )
        index = 100 + 10 * (start + offset)
        region = world.regions[helped]
        host = Organization.objects.get_or_create(
            name=f"{region.name}乡村振兴局", region=region, defaults={"kind": "government"}
        )[0]
        for n in range(2):
            deployment = make_deployment(
                world,
                True,
                index + n,
                pairing=county,
                host_organization=host,
                start_date=date(today.year - 1, 1, 1),
                planned_end_date=today.replace(year=today.year + 1),
            )
            deployment_start(deployment=deployment, on=deployment.start_date)
        make_team(world, index=index, pairing=county, host_organization=host)
        allocate(county, today.year)
        ProjectFactory(pairing=county, year=today.year)


def tab_keys(user) -> list[str]:
    return ["", *(tab.key for tab in hub_tabs(user, PAIRING_HUB))]


@pytest.mark.parametrize("role", [COORDINATOR, ADMIN])
def test_no_tab_grows_with_the_tree(world, client, role):
    user = world.user(role)
    client.force_login(user)
    url = world.pairings["zs-lps"].get_absolute_url()
    grow(world, 0, 1)
    keys = tab_keys(user)
    assert {"people", "funds", "projects", "outcomes", "needs", "assessment"} <= set(keys)
    few = {}
    for key in keys:
        client.get(url, {"tab": key})  # warm caches (sessions, content types)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"tab": key}).status_code == 200
        few[key] = len(queries)
    grow(world, 1, 4)
    client.get(url)  # the new pairings moved the scope mark: it is read again, once
    for key in keys:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"tab": key}).status_code == 200
        assert len(queries) == few[key], (key, [q["sql"] for q in queries.captured_queries])


def test_people_tab_shows_a_first_page_and_counts_everyone(world, client, monkeypatch):
    client.force_login(world.user(COORDINATOR))
    grow(world, 0, 3)  # six people on post
    monkeypatch.setattr(hub, "FIRST_PAGE_SIZE", 4)
    city = world.pairings["zs-lps"]
    response = client.get(city.get_absolute_url(), {"tab": "people"})
    on_post = response.context["on_post"]
    assert (len(on_post.rows), on_post.count, on_post.more) == (4, 6, True)
    assert response.context["summary"]["total"] == 6
    assert response.context["teams"].count == 3
    html = response.content.decode()
    assert "共 6 条，显示前 4 条。" in html  # the interface speaks Chinese first
    # The rest is the deployment list filtered to the subtree and today.
    assert on_post.url.endswith(f"?pairing={city.pk}&on_post_on={timezone.localdate():%Y-%m-%d}")
