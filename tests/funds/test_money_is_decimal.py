"""Money never passes through a float: models, serializers, JSON, selectors and the code."""

import ast
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.db import models
from rest_framework import serializers

from aidtrack.core.testing import ADMIN
from funds import api
from funds.models import ConsumptionSupport, Donation, Park
from funds.selectors import MONEY_KEYS, funds_growth, funds_summary
from tests.funds.conftest import funded_project, in_place, investment, record

FUNDS_DIR = Path(apps.get_app_config("funds").path)
ENDPOINTS = [
    "/api/v1/fund-allocations/",
    "/api/v1/over-allocations/",
    "/api/v1/fund-transactions/",
    "/api/v1/donations/",
    "/api/v1/parks/",
    "/api/v1/investments/",
    "/api/v1/investment-tranches/",
    "/api/v1/consumption/",
]
MONEY_FIELDS = {"amount", "amount_agreed", "amount_in_place"}


def test_no_float_fields_in_funds_models():
    for model in apps.get_app_config("funds").get_models():
        for field in model._meta.get_fields():
            assert not isinstance(field, models.FloatField), f"{model.__name__}.{field.name}"
        for name in MONEY_FIELDS & {f.name for f in model._meta.concrete_fields}:
            field = model._meta.get_field(name)
            assert isinstance(field, models.DecimalField) and field.decimal_places == 2


def test_serializers_use_decimal_fields_that_render_strings():
    serializer_classes = [
        obj
        for obj in vars(api).values()
        if isinstance(obj, type)
        and issubclass(obj, serializers.ModelSerializer)
        and obj.__module__ == api.__name__
    ]
    checked = 0
    for serializer_class in serializer_classes:
        for name, field in serializer_class().fields.items():
            assert not isinstance(field, serializers.FloatField), f"{serializer_class} {name}"
            if name in MONEY_FIELDS:
                assert isinstance(field, serializers.DecimalField), f"{serializer_class} {name}"
                assert getattr(field, "coerce_to_string", True) is not False
                checked += 1
    assert checked >= 7


def test_no_float_conversions_in_the_funds_code():
    """No ``float(...)`` call and no float literal anywhere in the app's source."""
    for path in FUNDS_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "float":
                raise AssertionError(f"float() in {path}:{node.lineno}")
            if isinstance(node, ast.Constant) and type(node.value) is float:
                raise AssertionError(f"float literal in {path}:{node.lineno}")


def _money_values(payload):
    """Every value of a money key anywhere in a JSON document."""
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key in MONEY_FIELDS:
                yield key, value
            yield from _money_values(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from _money_values(item)


def test_every_endpoint_sends_money_as_decimal_strings(world, api_as):
    project = funded_project(world, allocation="1234567.89")
    record(project, "commitment", "1000000.01")
    deal = investment(world, agreed="3591000000.00")
    in_place(deal, "0.10")
    Donation.objects.create(
        pairing=world.in_scope_pairing,
        date=date(2023, 1, 1),
        donor_name="甲",
        recipient_name="乙",
        amount=Decimal("0.30"),
    )
    ConsumptionSupport.objects.create(
        pairing=world.in_scope_pairing,
        channel="门店",
        product="茶",
        amount=Decimal("99999999999999.99"),
        year=2023,
    )
    Park.objects.create(
        name="园", kind="industrial", pairing=world.in_scope_pairing, region=world.regions["sc"]
    )
    client = api_as(ADMIN)
    seen = set()
    for url in ENDPOINTS:
        response = client.get(url)
        assert response.status_code == 200
        body = json.loads(response.content)  # a JSON number would arrive as a float
        for key, value in _money_values(body["results"]):
            assert isinstance(value, str), (url, key, value)
            assert Decimal(value) == Decimal(value).quantize(Decimal("0.01"))
            seen.add((url, key))
    assert len(seen) >= 6
    huge = client.get("/api/v1/consumption/").json()["results"][0]["amount"]
    assert huge == "99999999999999.99"  # a float would have rounded it


def test_selectors_return_decimals(world):
    project = funded_project(world, allocation="100.10")
    record(project, "commitment", "100.10")
    summary = funds_summary([world.in_scope_pairing.pk], 2023)
    for key in MONEY_KEYS:
        assert type(summary[key]) is Decimal, key
    assert summary["execution_rate"] == Decimal("0.00")  # committed, nothing spent yet
    record(project, "disbursement", "100.10")
    record(project, "expenditure", "33.37")
    assert funds_summary([world.in_scope_pairing.pk], 2023)["execution_rate"] == Decimal("33.34")
    for value in funds_growth([world.in_scope_pairing.pk], 2023).values():
        assert value is None or type(value) is Decimal
