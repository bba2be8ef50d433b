"""The rubric written by ``load_default_rubric``: a starting point administrators then edit.

It follows what DOMAIN.md says leadership asks of a pairing each year — money
put in and its growth, cadres and talents sent, people trained, labour
transferred, enterprises, investment and parks, consumption support,
projects completed and needs resolved — against the agreement's targets.
Weights add up to 100; completion counts up to 120 % (rates up to 100 %).
"""

from dataclasses import dataclass
from decimal import Decimal

from assessments.choices import ScoringMethod

COMPLETION, GROWTH = ScoringMethod.COMPLETION, ScoringMethod.GROWTH


@dataclass(frozen=True)
class DefaultItem:
    indicator_code: str
    weight: Decimal
    method: str = COMPLETION
    cap_percent: Decimal = Decimal(120)


DEFAULT_RUBRIC_NAME = "东西部协作年度考核(默认)"

DEFAULT_ITEMS = [
    # Funds
    DefaultItem("fiscal_aid", Decimal(12)),
    DefaultItem("fiscal_aid", Decimal(4), GROWTH, Decimal(10)),
    DefaultItem("fund_execution_rate", Decimal(6), cap_percent=Decimal(100)),
    DefaultItem("donations", Decimal(4)),
    # Cadres and talents
    DefaultItem("cadres_sent", Decimal(8)),
    DefaultItem("talents_sent", Decimal(6)),
    DefaultItem("professional_person_times", Decimal(6)),
    # Training
    DefaultItem("people_trained", Decimal(5)),
    DefaultItem("cadres_trained", Decimal(4)),
    # Labour cooperation
    DefaultItem("labour_transferred", Decimal(8)),
    # Industry
    DefaultItem("enterprises_invested", Decimal(6)),
    DefaultItem("investment_in_place", Decimal(8)),
    DefaultItem("parks_built", Decimal(4)),
    # Consumption support
    DefaultItem("consumption_support", Decimal(8)),
    # Projects and needs
    DefaultItem("projects_completed", Decimal(6)),
    DefaultItem("needs_resolved", Decimal(5)),
]

# (label, minimum score), best first.
DEFAULT_THRESHOLDS = [
    ("好", Decimal(90)),
    ("较好", Decimal(80)),
    ("一般", Decimal(60)),
    ("较差", Decimal(0)),
]
