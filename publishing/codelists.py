"""The IATI 2.03 schema and codelists shipped in ``publishing/iati/`` (public reference data).

``codes(name)`` is the set of codes of one list (``codes("TransactionType")``),
read once per process from the official file. The export writes only codes
its mapping tables hold, and those tables are checked against these lists
when Django starts (``publishing.checks``) and by the tests; the tests also
read every code back out of real exports and look it up here.
"""

from functools import cache
from pathlib import Path

from lxml import etree

DIRECTORY = Path(__file__).resolve().parent / "iati"
SCHEMA_FILE = DIRECTORY / "iati-activities-schema.xsd"
VERSION = "2.03"


@cache
def codes(name: str) -> frozenset[str]:
    """The codes of the codelist ``name`` (its file ``iati/codelists/<name>.xml``)."""
    tree = etree.parse(str(DIRECTORY / "codelists" / f"{name}.xml"))  # noqa: S320 - our own file
    return frozenset(
        item.findtext("code").strip()
        for item in tree.iter("codelist-item")
        if item.get("status", "active") != "withdrawn"
    )


@cache
def schema() -> etree.XMLSchema:
    """The activity schema, which imports iati-common.xsd and xml.xsd from the same folder."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_FILE)))  # noqa: S320 - our own file


def registration_agency(identifier: str) -> str:
    """The agency prefix of an organisation identifier: ``CN-USCI`` of ``CN-USCI-9144…``."""
    return "-".join(identifier.split("-", 2)[:2])
