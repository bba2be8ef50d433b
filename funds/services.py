"""Every write that must keep the money consistent, even under concurrent entry.

The invariants:

* per project: 0 ≤ spent ≤ disbursed ≤ committed (reversals included);
* per pairing and programme year: the commitments to the pairing's projects of
  that year ≤ its allocations + the over-allocations an administrator approved;
* per investment: the amount in place ≤ the agreed amount, unless a note says why.

Each check runs after taking the lock that serialises the writes it depends
on: the project row for a project's stages, a transaction-scoped advisory lock
on (pairing, year) for everything that moves a pairing-year's commitments or
allowance, the investment row for its tranches. Locks are always taken in the
order project row → pairing-year, so two writers cannot deadlock.
"""

from datetime import date as date_type
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from aidtrack.core import scoping, summaries
from aidtrack.core.money import format_yuan
from funds.choices import TransactionKind
from funds.models import (
    FundAllocation,
    FundTransaction,
    Investment,
    InvestmentTranche,
    OverAllocation,
)
from funds.selectors import pairing_year_balance, project_stage_totals
from projects.models import Project

# Namespaces the advisory-lock keys of this module from any other user of them.
_LOCK_NAMESPACE = 0x46_44  # "FD"


def _lock_pairing_years(*scopes: tuple[int, int]) -> None:
    """Serialise every write that moves the commitments or allowance of these pairing-years.

    Several scopes are locked in a fixed order, so writers that need two never deadlock.
    """
    with connection.cursor() as cursor:
        for pairing_id, year in sorted(set(scopes)):
            key = (_LOCK_NAMESPACE << 48) | (pairing_id << 16) | year
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _check_pairing_year(pairing_id: int, year: int) -> None:
    balance = pairing_year_balance(pairing_id, year)
    if balance["committed"] > balance["allowed"]:
        raise ValidationError(
            _(
                "The commitments of this pairing for %(year)s (%(committed)s) would exceed its "
                "allocations and approved over-allocations (%(allowed)s). An administrator can "
                "approve an over-allocation with a reason."
            )
            % {
                "year": year,
                "committed": format_yuan(balance["committed"]),
                "allowed": format_yuan(balance["allowed"]),
            },
            code="over_allocated",
        )


def _require_scope(user, pairing_id: int, action: str, field: str) -> None:
    """The user may ``action`` records of this pairing; the refusal names the field."""
    if user is None:
        return  # internal callers (demo, tasks) act for the system
    if not user.may(action, FundTransaction):
        raise PermissionDenied(_("You may not record fund transactions."))
    allowed = user.pairing_ids_in_scope(action)
    if allowed is not None and pairing_id not in allowed:
        raise ValidationError(
            {field: _("This project belongs to a pairing you are not responsible for.")},
            code="out_of_scope",
        )


# -- fund transactions -----------------------------------------------------------


_STAGE_ORDER = (
    TransactionKind.COMMITMENT,
    TransactionKind.DISBURSEMENT,
    TransactionKind.EXPENDITURE,
)
_STAGE_NAMES = {
    TransactionKind.COMMITMENT: _("committed"),
    TransactionKind.DISBURSEMENT: _("disbursed"),
    TransactionKind.EXPENDITURE: _("spent"),
}


def _check_stages(totals: dict[str, Decimal]) -> None:
    """0 ≤ spent ≤ disbursed ≤ committed, naming the stage that would break."""
    for kind in _STAGE_ORDER:
        if totals[kind] < 0:
            raise ValidationError(
                {
                    "amount": _("The project's %(stage)s total would become negative.")
                    % {"stage": _STAGE_NAMES[kind]}
                },
                code="negative_total",
            )
    for earlier, later in zip(_STAGE_ORDER, _STAGE_ORDER[1:], strict=False):
        if totals[later] > totals[earlier]:
            raise ValidationError(
                {
                    "amount": _(
                        "The project's %(later)s total (%(later_total)s) would exceed its "
                        "%(earlier)s total (%(earlier_total)s)."
                    )
                    % {
                        "later": _STAGE_NAMES[later],
                        "later_total": format_yuan(totals[later]),
                        "earlier": _STAGE_NAMES[earlier],
                        "earlier_total": format_yuan(totals[earlier]),
                    }
                },
                code="stage_exceeded",
            )


@transaction.atomic
def fund_transaction_record(entry: FundTransaction, *, user) -> FundTransaction:
    """Record one step of a project's money (a new entry), keeping every invariant of this module.

    Entries are never changed: a mistake is cancelled by its reversal.
    """
    if entry.pk is not None:
        raise ValueError("fund transactions are recorded once, never changed")
    if isinstance(entry.amount, float):
        raise TypeError("money is never a float")  # a programming error, not user input
    # The row lock makes this project's stage totals ours until commit; it is
    # taken before the pairing-year lock, always in that order.
    locked = Project.objects.select_for_update().filter(pk=entry.project_id).first()
    if locked is None:
        raise ValidationError({"project": _("This project no longer exists.")})
    _require_scope(user, locked.pairing_id, scoping.ADD, "project")
    entry.project = locked
    entry.full_clean()
    if entry.kind == TransactionKind.COMMITMENT:
        _lock_pairing_years((locked.pairing_id, locked.year))
    totals = project_stage_totals([locked.pk]).get(locked.pk, _zero_stages())
    totals[entry.kind] += entry.amount
    _check_stages(totals)
    entry.save()
    if entry.kind == TransactionKind.COMMITMENT and entry.amount > 0:
        _check_pairing_year(locked.pairing_id, locked.year)
    return entry


@transaction.atomic
def fund_transaction_reverse(
    entry: FundTransaction, *, date: date_type, note: str = "", user
) -> FundTransaction:
    """Cancel ``entry`` with a new entry of the negated amount (never an edit)."""
    original = FundTransaction.transitions.begin(entry, "reverse")
    if date < original.date:
        raise ValidationError(
            {"date": _("A reversal cannot be dated before the entry it cancels.")}
        )
    reversal = FundTransaction(
        project=original.project,
        kind=original.kind,
        amount=-original.amount,
        date=date,
        payer=original.payer,
        payee=original.payee,
        voucher_number=original.voucher_number,
        note=note,
        reverses=original,
    )
    return fund_transaction_record(reversal, user=user)


def _zero_stages() -> dict[str, Decimal]:
    return dict.fromkeys(TransactionKind.values, Decimal(0))


# -- allocations and over-allocations ----------------------------------------------


def _saved_scope(model, pk) -> tuple[int, int] | None:
    if pk is None:
        return None
    row = model.objects.filter(pk=pk).values_list("pairing_id", "year").first()
    return tuple(row) if row else None


@transaction.atomic
def fund_allocation_save(allocation: FundAllocation, *, user=None) -> FundAllocation:
    """Create or change an allocation; a smaller allowance must still cover the commitments."""
    allocation.full_clean()
    before = _saved_scope(FundAllocation, allocation.pk)
    after = (allocation.pairing_id, allocation.year)
    scopes = [after] + ([before] if before else [])
    _lock_pairing_years(*scopes)
    allocation.save()
    if before and before != after:
        _check_pairing_year(*before)
    _check_pairing_year(*after)
    return allocation


@transaction.atomic
def fund_allocation_delete(allocation: FundAllocation, *, user=None) -> None:
    scope = _saved_scope(FundAllocation, allocation.pk)
    _lock_pairing_years(scope)
    # Deleted by query so the caller's instance keeps its id if the check rolls back.
    FundAllocation.objects.filter(pk=allocation.pk).delete()
    summaries.announce([scope])
    _check_pairing_year(*scope)


@transaction.atomic
def over_allocation_approve(approval: OverAllocation, *, user) -> OverAllocation:
    """Allow a pairing-year to commit ``amount`` more than allocated, approved by ``user``.

    Who may approve is the model's ``write_roles`` (administrators).
    """
    approval.reason = approval.reason.strip()
    approval.approved_by = user
    approval.full_clean()
    _lock_pairing_years((approval.pairing_id, approval.year))
    approval.save()
    return approval


@transaction.atomic
def over_allocation_withdraw(approval: OverAllocation, *, user=None) -> None:
    """Withdraw an approval, unless commitments already rely on it."""
    scope = _saved_scope(OverAllocation, approval.pk)
    _lock_pairing_years(scope)
    OverAllocation.objects.filter(pk=approval.pk).delete()
    _check_pairing_year(*scope)


# -- investments -----------------------------------------------------------------


def _in_place_total(investment_id: int) -> Decimal:
    total = InvestmentTranche.objects.filter(investment_id=investment_id).aggregate(
        total=Sum("amount")
    )["total"]
    return total or Decimal(0)


def _refresh_in_place(investment: Investment) -> None:
    """Store the tranches' sum; the check constraint refuses more than agreed without a note."""
    investment.amount_in_place = _in_place_total(investment.pk)
    if investment.amount_in_place > investment.amount_agreed and not (
        investment.over_agreed_note.strip()
    ):
        raise ValidationError(
            {
                "amount": _(
                    "In place would be %(in_place)s, more than the agreed %(agreed)s; "
                    "note on the investment why before recording it."
                )
                % {
                    "in_place": format_yuan(investment.amount_in_place),
                    "agreed": format_yuan(investment.amount_agreed),
                }
            },
            code="over_agreed",
        )
    investment.save(update_fields=["amount_in_place", "updated_at"])


def _lock_investment(pk: int) -> Investment:
    return Investment.objects.select_for_update().get(pk=pk)


@transaction.atomic
def investment_save(investment: Investment, *, user=None) -> Investment:
    """Create or change an investment without overwriting its amount in place."""
    if investment.pk is not None:
        investment.amount_in_place = _lock_investment(investment.pk).amount_in_place
    investment.full_clean()
    investment.save()
    return investment


@transaction.atomic
def investment_tranche_save(tranche: InvestmentTranche, *, user=None) -> InvestmentTranche:
    """Record (or correct) money in place and update the investment's total under its lock."""
    previous = (
        InvestmentTranche.objects.filter(pk=tranche.pk).values_list("investment_id", flat=True)
    ).first()
    ids = sorted({tranche.investment_id, *([previous] if previous else [])})
    locked = {pk: _lock_investment(pk) for pk in ids}
    tranche.investment = locked[tranche.investment_id]
    tranche.full_clean()
    tranche.save()
    for investment in locked.values():
        _refresh_in_place(investment)
    return tranche


@transaction.atomic
def investment_tranche_delete(tranche: InvestmentTranche, *, user=None) -> None:
    investment = _lock_investment(tranche.investment_id)
    InvestmentTranche.objects.filter(pk=tranche.pk).delete()
    summaries.announce(tranche.summary_keys())
    _refresh_in_place(investment)
