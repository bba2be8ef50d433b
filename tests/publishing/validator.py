"""An IATI validator for the tests: the schema with lxml, then every code against its list.

Written from the standard's side, not from the export's code: a table of the
coded attributes of IATI 2.03 and their codelists. Any coded attribute the
table does not know fails too, so a new element cannot slip past the check.
"""

from lxml import etree

from publishing import codelists

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# (element, attribute) → codelist; "*" for any element.
CODES = {
    ("iati-activities", "version"): "Version",
    ("iati-activity", XML_LANG): "Language",
    ("iati-activity", "default-currency"): "Currency",
    ("narrative", XML_LANG): "Language",
    ("reporting-org", "type"): "OrganisationType",
    ("participating-org", "role"): "OrganisationRole",
    ("participating-org", "type"): "OrganisationType",
    ("provider-org", "type"): "OrganisationType",
    ("receiver-org", "type"): "OrganisationType",
    ("description", "type"): "DescriptionType",
    ("activity-status", "code"): "ActivityStatus",
    ("activity-date", "type"): "ActivityDateType",
    ("recipient-country", "code"): "Country",
    ("location-reach", "code"): "GeographicLocationReach",
    ("exactness", "code"): "GeographicExactness",
    ("location-class", "code"): "GeographicLocationClass",
    ("feature-designation", "code"): "LocationType",
    ("sector", "vocabulary"): "SectorVocabulary",
    ("budget", "type"): "BudgetType",
    ("budget", "status"): "BudgetStatus",
    ("value", "currency"): "Currency",
    ("transaction-type", "code"): "TransactionType",
    ("related-activity", "type"): "RelatedActivityType",
    ("result", "type"): "ResultType",
    ("indicator", "measure"): "IndicatorMeasure",
}
# Organisation identifiers: their registration agency must be on its list.
AGENCY_REFS = {"reporting-org", "participating-org", "provider-org", "receiver-org"}
# Attributes that hold a code somewhere in the standard; each must be in CODES.
CODED_NAMES = {"code", "type", "role", "vocabulary", "measure", "currency", "status", XML_LANG}
# Sector codes by vocabulary (1: DAC 5-digit).
SECTOR_LISTS = {"1": "Sector"}
# Attributes not looked up by the table above.
NOT_CODES = {("location", "ref"), ("sector", "code")}  # sector: by its vocabulary, below


def validate(data: bytes) -> etree._Element:
    """The parsed document; fails unless schema-valid with every code on its list."""
    root = etree.fromstring(data)  # noqa: S320 - our own export
    schema = codelists.schema()
    assert schema.validate(etree.ElementTree(root)), [str(e) for e in schema.error_log][:5]
    problems = []
    for element in root.iter():
        tag = etree.QName(element).localname
        for name, value in element.attrib.items():
            if name == "ref" and tag in AGENCY_REFS:
                agency = codelists.registration_agency(value)
                if agency not in codelists.codes("OrganisationRegistrationAgency"):
                    problems.append(f"{tag}/@ref {value}: unknown agency {agency}")
                continue
            codelist = CODES.get((tag, name))
            if codelist is None:
                if name in CODED_NAMES and (tag, name) not in NOT_CODES:
                    problems.append(f"{tag}/@{name}={value}: a code this validator cannot check")
                continue
            if value not in codelists.codes(codelist):
                problems.append(f"{tag}/@{name}={value}: not in {codelist}")
        if tag == "sector":
            vocabulary = element.get("vocabulary", "1")
            if element.get("code") not in codelists.codes(SECTOR_LISTS[vocabulary]):
                problems.append(f"sector {element.get('code')}: not in {SECTOR_LISTS[vocabulary]}")
    assert not problems, problems[:10]
    identifiers = [a.findtext("iati-identifier") for a in root.iter("iati-activity")]
    assert len(identifiers) == len(set(identifiers)), "an identifier repeats"
    known = set(identifiers)
    dangling = [r.get("ref") for r in root.iter("related-activity") if r.get("ref") not in known]
    assert not dangling, f"related activities not in the file: {dangling[:5]}"
    return root


def activities(root, hierarchy: str) -> list:
    return [a for a in root.iter("iati-activity") if a.get("hierarchy") == hierarchy]


def transactions_total(root, code: str):
    from decimal import Decimal

    return sum(
        (
            Decimal(t.findtext("value"))
            for t in root.iter("transaction")
            if t.find("transaction-type").get("code") == code
        ),
        Decimal(0),
    )
