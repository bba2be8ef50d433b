"""How AidTrack's values become IATI codes: every code the export writes comes from here.

Each table names the codelist its values belong to (``CODED``); the system
check ``publishing.checks`` and the tests verify every value against the
shipped list, so a wrong code fails at start-up, never in a file sent out.
docs/iati.md gives the same tables with the reasons.
"""

from django.conf import settings

from funds.choices import TransactionKind
from pairings.choices import OrganizationKind, PairingStatus, RegionLevel
from projects.choices import IndicatorUnit, ProjectCategory, ProjectStatus

CURRENCY = "CNY"
COUNTRY = "CN"
LANGUAGE = "zh"  # the activities' default xml:lang; English narratives say "en"
ENGLISH = "en"
# Organisations identified by their unified social credit code (统一社会信用代码).
CREDIT_CODE_AGENCY = "CN-USCI"

# Project categories → OECD DAC 5-digit purpose codes (SectorVocabulary 1).
SECTOR_VOCABULARY = "1"
SECTORS = {
    # 产业发展 in the western counties is mostly agriculture and its processing.
    ProjectCategory.INDUSTRY: "32161",  # Agro-industries
    ProjectCategory.LABOUR: "16020",  # Employment creation
    ProjectCategory.TRAINING: "11330",  # Vocational training
    ProjectCategory.RURAL_CONSTRUCTION: "43040",  # Rural development
    ProjectCategory.EDUCATION: "11120",  # Education facilities and training
    ProjectCategory.HEALTH: "12191",  # Medical services
    # 消费帮扶: the east buying and selling the west's produce.
    ProjectCategory.CONSUMPTION: "33120",  # Trade facilitation
    ProjectCategory.SOCIAL: "16010",  # Social protection
    ProjectCategory.DIGITAL: "22040",  # Information and communication technology
    ProjectCategory.OTHER: "43010",  # Multisector aid
}
# A pairing as a whole spans every category.
PAIRING_SECTOR = "43010"  # Multisector aid

# ActivityStatus: 1 pipeline, 2 implementation, 3 finalisation, 4 closed, 5 cancelled.
PROJECT_STATUS = {
    ProjectStatus.PLANNED: "1",
    ProjectStatus.APPROVED: "1",  # 立项 but not started: still pipeline
    ProjectStatus.IN_PROGRESS: "2",
    ProjectStatus.COMPLETED: "3",  # built, awaiting acceptance (验收)
    ProjectStatus.ACCEPTED: "4",
    ProjectStatus.CANCELLED: "5",
}
PAIRING_STATUS = {PairingStatus.ACTIVE: "2", PairingStatus.ENDED: "4"}

# ActivityDateType
PLANNED_START, ACTUAL_START, PLANNED_END, ACTUAL_END = "1", "2", "3", "4"

# TransactionType: the three stages of a project's money.
TRANSACTION_TYPE = {
    TransactionKind.COMMITMENT: "2",  # Outgoing commitment (下达)
    TransactionKind.DISBURSEMENT: "3",  # Disbursement (拨付)
    TransactionKind.EXPENDITURE: "4",  # Expenditure (支出)
}

# OrganisationRole
FUNDING, ACCOUNTABLE, EXTENDING, IMPLEMENTING = "1", "2", "3", "4"
# OrganisationType of AidTrack's organisation kinds; the helping side's government is local.
LOCAL_GOVERNMENT = "11"
ORGANIZATION_TYPE = {
    OrganizationKind.GOVERNMENT: "11",  # Local government
    OrganizationKind.TOWN: "11",
    OrganizationKind.SCHOOL: "80",  # Academic, training and research
    OrganizationKind.UNIVERSITY: "80",
    OrganizationKind.HOSPITAL: "15",  # Other public sector
    OrganizationKind.ENTERPRISE: "70",  # Private sector
    OrganizationKind.OTHER: "90",
}

# RelatedActivityType
PARENT, CHILD = "1", "2"
# Hierarchy: pairings are the parent activities, their projects the children.
PAIRING_HIERARCHY, PROJECT_HIERARCHY = "1", "2"

# DescriptionType 1: general.
GENERAL_DESCRIPTION = "1"
# BudgetType 1 original; BudgetStatus 1 indicative (a project's plan), 2 committed (allocations).
BUDGET_ORIGINAL = "1"
BUDGET_INDICATIVE, BUDGET_COMMITTED = "1", "2"

# Location: the county (or township) of a project. GB/T 2260 is not one of the
# GeographicVocabulary lists, so the code travels in location/@ref, not location-id.
LOCATION_REACH_ACTIVITY = "1"
EXACTNESS_APPROXIMATE = "2"  # the region's centre, not the site
LOCATION_CLASS_ADMINISTRATIVE = "1"
FEATURE_DESIGNATION = {  # LocationType
    RegionLevel.PROVINCE: "ADM1",
    RegionLevel.PREFECTURE: "ADM2",
    RegionLevel.COUNTY: "ADM3",
    RegionLevel.TOWNSHIP: "ADM4",
}
LOCATION_REF_PREFIX = "GB/T2260:"
WGS84 = "http://www.opengis.net/def/crs/EPSG/0/4326"

# Results: ResultType 1 output, 2 outcome; IndicatorMeasure 1 unit, 2 percentage.
RESULT_OUTPUT, RESULT_OUTCOME = "1", "2"
MEASURE_UNIT, MEASURE_PERCENTAGE = "1", "2"


def measure(unit: str) -> str:
    return MEASURE_PERCENTAGE if unit == IndicatorUnit.PERCENT else MEASURE_UNIT


def result_type(unit: str) -> str:
    """Rates (percentages) describe outcomes; counts of people, items and money, outputs."""
    return RESULT_OUTCOME if unit == IndicatorUnit.PERCENT else RESULT_OUTPUT


def reporting_org() -> tuple[str, str, str]:
    """(identifier, name, OrganisationType) of the deployment's reporting organisation."""
    return (
        settings.IATI_REPORTING_ORG_REF,
        settings.IATI_REPORTING_ORG_NAME,
        settings.IATI_REPORTING_ORG_TYPE,
    )


# Every value above that is a code, with its list: what publishing.checks verifies.
def coded() -> list[tuple[str, str, object]]:
    """(codelist, what, code) for every code the export can write."""
    ref, _name, org_type = reporting_org()
    rows = [
        ("Currency", "currency", CURRENCY),
        ("Country", "recipient country", COUNTRY),
        ("Language", "default language", LANGUAGE),
        ("Language", "English", ENGLISH),
        ("OrganisationRegistrationAgency", "credit code agency", CREDIT_CODE_AGENCY),
        ("OrganisationType", "reporting organisation type", org_type),
        ("OrganisationType", "helping government", LOCAL_GOVERNMENT),
        ("SectorVocabulary", "sector vocabulary", SECTOR_VOCABULARY),
        ("Sector", "pairing sector", PAIRING_SECTOR),
        ("DescriptionType", "description", GENERAL_DESCRIPTION),
        ("BudgetType", "budget", BUDGET_ORIGINAL),
        ("BudgetStatus", "indicative budget", BUDGET_INDICATIVE),
        ("BudgetStatus", "committed budget", BUDGET_COMMITTED),
        ("GeographicLocationReach", "location reach", LOCATION_REACH_ACTIVITY),
        ("GeographicExactness", "exactness", EXACTNESS_APPROXIMATE),
        ("GeographicLocationClass", "location class", LOCATION_CLASS_ADMINISTRATIVE),
        ("ResultType", "output", RESULT_OUTPUT),
        ("ResultType", "outcome", RESULT_OUTCOME),
        ("IndicatorMeasure", "unit", MEASURE_UNIT),
        ("IndicatorMeasure", "percentage", MEASURE_PERCENTAGE),
    ]
    from publishing.codelists import registration_agency

    rows.append(
        ("OrganisationRegistrationAgency", "reporting organisation", registration_agency(ref))
    )
    rows += [("ActivityDateType", "date", code) for code in (PLANNED_START, ACTUAL_START)]
    rows += [("ActivityDateType", "date", code) for code in (PLANNED_END, ACTUAL_END)]
    rows += [("OrganisationRole", "role", c) for c in (FUNDING, ACCOUNTABLE, EXTENDING)]
    rows += [("OrganisationRole", "role", IMPLEMENTING)]
    rows += [("RelatedActivityType", "relation", code) for code in (PARENT, CHILD)]
    tables = (
        ("Sector", SECTORS),
        ("ActivityStatus", PROJECT_STATUS),
        ("ActivityStatus", PAIRING_STATUS),
        ("TransactionType", TRANSACTION_TYPE),
        ("OrganisationType", ORGANIZATION_TYPE),
        ("LocationType", FEATURE_DESIGNATION),
    )
    for codelist, table in tables:
        rows += [(codelist, str(key), code) for key, code in table.items()]
    return rows


def complete_tables() -> list[str]:
    """The choices a table forgets: a new project category must get its sector, etc."""
    missing = []
    for choices, table in (
        (ProjectCategory, SECTORS),
        (ProjectStatus, PROJECT_STATUS),
        (PairingStatus, PAIRING_STATUS),
        (TransactionKind, TRANSACTION_TYPE),
        (OrganizationKind, ORGANIZATION_TYPE),
        (RegionLevel, FEATURE_DESIGNATION),
    ):
        missing += [f"{choices.__name__}.{value}" for value in choices.values if value not in table]
    return missing
