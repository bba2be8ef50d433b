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

Fund transactions are recorded many at once (``fund_transactions_record``,
an import) or one at a time (the same service for one entry), so each rule
is written once and costs the same few queries for one entry or 100,000
(the entries are inserted with one ``COPY``, ``core.bulk``).
"""

from datetime import date as date_type
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aidtrack.core import natural_keys, scoping, summaries
from aidtrack.core.bulk import copy_insert
from aidtrack.core.money import format_yuan
from aidtrack.core.writes import RecordErrors
from funds.choices import TransactionKind
from funds.models import (
    FundAllocation,
    FundTransaction,
    Investment,
    InvestmentTranche,
    OverAllocation,
)
from funds.selectors import pairing_year_balance, pairing_year_balances, project_stage_totals
from projects.models import Project

# Namespaces the advisory-lock keys of this module from any other user of them.
_LOCK_NAMESPACE = 0x46_44  # "FD"


def _lock_pairing_years(*scopes: tuple[int, int]) -> None:
    """Serialise every write that moves the commitments or allowance of these pairing-years.

    Several scopes are locked in a fixed order (by pairing, then year), so
    writers that need more than one never deadlock; all in one statement,
    which takes them in the order of the array it is given.
    """
    keys = [(_LOCK_NAMESPACE << 48) | (p << 16) | year for p, year in sorted(set(scopes))]
    if keys:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(key) FROM unnest(%s::bigint[]) AS key", [keys]
            )


def _balance_refusal(year: int, committed: Decimal, allowed: Decimal) -> ValidationError | None:
    """Why a pairing-year whose commitments would reach ``committed`` is refused, if it is."""
    if committed <= allowed:
        return None
    return ValidationError(
        _(
            "The commitments of this pairing for %(year)s (%(committed)s) would exceed its "
            "allocations and approved over-allocations (%(allowed)s). An administrator can "
            "approve an over-allocation with a reason."
        )
        % {"year": year, "committed": format_yuan(committed), "allowed": format_yuan(allowed)},
        code="over_allocated",
    )


def _check_pairing_year(pairing_id: int, year: int) -> None:
    balance = pairing_year_balance(pairing_id, year)
    refusal = _balance_refusal(year, balance["committed"], balance["allowed"])
    if refusal is not None:
        raise refusal


def _pairings_in_scope(user, action: str) -> frozenset[int] | None:
    """The pairings whose fund transactions ``user`` may ``action``; None: all of them."""
    if user is None:
        return None  # internal callers (demo, tasks) act for the system
    if not user.may(action, FundTransaction):
        raise PermissionDenied(_("You may not record fund transactions."))
    return user.pairing_ids_in_scope(action)


def _out_of_scope() -> ValidationError:
    return ValidationError(
        {"project": _("This project belongs to a pairing you are not responsible for.")},
        code="out_of_scope",
    )


# -- fund transactions -----------------------------------------------------------


_STAGE_ORDER = (
    TransactionKind.COMMITMENT,
    TransactionKind.DISBURSEMENT,
    TransactionKind.EXPENDITURE,
)
# Lazy: read when a message is made, in the language of its reader.
_STAGE_NAMES = {
    TransactionKind.COMMITMENT: gettext_lazy("committed"),
    TransactionKind.DISBURSEMENT: gettext_lazy("disbursed"),
    TransactionKind.EXPENDITURE: gettext_lazy("spent"),
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


def fund_transaction_record(entry: FundTransaction, *, user) -> FundTransaction:
    """Record one step of a project's money (a new entry), keeping every invariant of this module.

    Entries are never changed: a mistake is cancelled by its reversal. The
    rules are those of ``fund_transactions_record``, for one entry.
    """
    try:
        return fund_transactions_record([entry], user=user)[0]
    except RecordErrors as refused:
        raise refused.errors[0] from None


def fund_transactions_record(entries: list[FundTransaction], *, user) -> list[FundTransaction]:
    """Record many new entries at once, keeping every invariant of this module, or none of them.

    Entries are judged in the order given, each against the totals the entries
    before it leave: a commitment lets a later disbursement of its project
    through. A refused entry counts for none after it. Every refused entry is
    named in the ``RecordErrors`` raised (its index → the ``ValidationError``
    recording it alone would raise) and nothing is saved; otherwise all are
    inserted with one ``COPY`` (``copy_insert``) and their yearly figures announced once.

    The locks are those of a single entry, taken for all at once and in the
    same order: the project rows (one ``SELECT … FOR UPDATE`` in id order),
    then the pairing-years of the commitments. The number of queries does not
    grow with the entries.

    A voucher already stored is left to its unique constraint: looking for
    100,000 keys costs an import as much as inserting them, and such a
    duplicate is rare. When the insert meets the constraint, or entries are
    refused while a voucher is taken, the entries are judged again looking
    for them, so each duplicate is named with its record and counts for none
    of the totals after it.
    """
    if not entries:
        return []
    try:
        return _record(entries, user, stored_vouchers=False)
    except IntegrityError as error:
        if natural_keys.natural_key_violation(error, FundTransaction) is None:
            raise
    return _record(entries, user, stored_vouchers=True)


@transaction.atomic
def _record(entries: list[FundTransaction], user, *, stored_vouchers: bool):
    for entry in entries:
        _require_new(entry)
    in_scope = _pairings_in_scope(user, scoping.ADD)
    projects = _lock_projects({entry.project_id for entry in entries})
    pairings = {project.pairing_id for project in projects.values()}
    refused_pairings = set() if in_scope is None else {p for p in pairings if p not in in_scope}
    errors: dict[int, ValidationError] = {}
    placed: dict[int, FundTransaction] = {}
    for index, entry in enumerate(entries):
        project = projects.get(entry.project_id)
        if project is None:
            errors[index] = ValidationError({"project": _("This project no longer exists.")})
        elif project.pairing_id in refused_pairings:
            # Refused before any other check, so nothing is told about the
            # records of a pairing the user may not see (a voucher taken there).
            errors[index] = _out_of_scope()
        else:
            placed[index] = entry
    errors |= _judged(placed, projects, stored_vouchers=stored_vouchers)
    if errors and not stored_vouchers and _vouchers_taken(_voucher_keys(placed).values()):
        return _record(entries, user, stored_vouchers=True)  # the refusals named in full
    if errors:
        raise RecordErrors(dict(sorted(errors.items())))
    _load_projects(entries)
    for entry in entries:
        entry.stamp_authorship()  # what save() would do; a COPY does not call it
    copy_insert(entries)
    summaries.announce({key for entry in entries for key in entry.summary_keys()})
    return entries


# Fields clean_fields() leaves to the service. The relations' rows are looked
# up for all entries at once, not one query per entry and field (the project
# is found by its lock); fields that are not editable (id, timestamps,
# authorship) are not validated by Django either: naming them here spares a
# large import a good part of its per-entry time.
_NOT_CLEANED_ONE_BY_ONE = frozenset(
    {"project", "payer", "payee", "reverses"}
    | {field.name for field in FundTransaction._meta.concrete_fields if not field.editable}
)


def _require_new(entry: FundTransaction) -> None:
    """Programming errors, not user input: refused for the whole call."""
    if entry.pk is not None:
        raise ValueError("fund transactions are recorded once, never changed")
    if isinstance(entry.amount, float):
        raise TypeError("money is never a float")


class _LockedProject(NamedTuple):
    pairing_id: int
    year: int


def _lock_projects(ids) -> dict[int, _LockedProject]:
    """The projects' pairing and year, their rows locked until commit, in id order as every
    writer takes them.

    A project's row lock makes its stage totals ours; it is always taken
    before any pairing-year lock. Only the columns the rules read are fetched:
    an import locks its projects again for each batch of rows.
    """
    wanted = sorted(pk for pk in ids if pk is not None)
    locked = (
        Project.objects.select_for_update()
        .filter(pk__any_id=wanted)
        .order_by("pk")
        .values_list("pk", "pairing_id", "year")
    )
    return {pk: _LockedProject(pairing_id, year) for pk, pairing_id, year in locked}


def _load_projects(entries: list[FundTransaction]) -> None:
    """Give entries named by project id their project (their summary keys read it), in one query."""
    missing = {e.project_id for e in entries if not FundTransaction.project.is_cached(e)}
    if missing:
        found = Project.objects.in_bulk(missing)
        for entry in entries:
            if not FundTransaction.project.is_cached(entry):
                entry.project = found[entry.project_id]


def _judged(
    entries: dict[int, FundTransaction], projects: dict, *, stored_vouchers: bool
) -> dict[int, ValidationError]:
    """The entries refused by their own rules, then by the totals the ones before them leave."""
    errors = _entry_errors(entries, stored_vouchers=stored_vouchers)
    errors.update(_totals_errors({i: e for i, e in entries.items() if i not in errors}, projects))
    return errors


def _entry_errors(
    entries: dict[int, FundTransaction], *, stored_vouchers: bool
) -> dict[int, ValidationError]:
    """What ``full_clean()`` says of each entry, with a few queries for all of them.

    Each entry's own fields and ``clean()`` as ``full_clean()`` runs them; the
    rows its relations name, whether its original is already reversed and
    whether its voucher is taken (earlier in the batch; among the stored
    entries too with ``stored_vouchers``), for all entries at once. The check
    constraints are not run: on a new entry, ``clean()`` states them (a
    positive amount, or a reversal's negated one).
    """
    originals = _originals(entries.values())
    # Read before the entries are pointed at their originals, which sets each
    # original's reverse accessor to the entry pointing at it.
    reversed_already = {
        pk for pk, original in originals.items() if original.reversed_by is not None
    }
    unknown = {name: _unknown_references(entries.values(), name) for name in ("payer", "payee")}
    unknown["reverses"] = {e.reverses_id for e in entries.values()} - {None, *originals}
    found = {index: _field_errors(entry, unknown, originals) for index, entry in entries.items()}
    _refuse_second_reversals(entries, found, reversed_already)
    duplicates = _refuse_taken_vouchers(entries, found, stored=stored_vouchers)
    refused = {}
    for index, errors in found.items():
        if index in duplicates:  # the stored entry is named, as full_clean() names it
            refused[index] = natural_keys.DuplicateRecord(
                errors, existing=duplicates[index], constraint=_VOUCHER_KEY
            )
        elif errors:
            refused[index] = ValidationError(errors)
    return refused


def _refuse_second_reversals(
    entries: dict[int, FundTransaction], found: dict, reversed_already: set[int]
) -> None:
    """An entry is reversed once: by a stored reversal, or by the first entry of the batch.

    Checked, like ``full_clean()``'s unique check, only where ``reverses`` has no error yet.
    """
    seen = set()
    for index, entry in entries.items():
        errors = found[index]
        if entry.reverses_id is None or "reverses" in errors:
            continue
        if entry.reverses_id in reversed_already:
            errors["reverses"] = [entry.unique_error_message(FundTransaction, ("reverses",))]
        elif entry.reverses_id in seen:
            message = _("An earlier entry of this batch already reverses this entry.")
            errors["reverses"] = [ValidationError(message, code="unique")]
        seen.add(entry.reverses_id)


def _refuse_taken_vouchers(
    entries: dict[int, FundTransaction], found: dict, *, stored: bool
) -> dict[int, FundTransaction]:
    """Refuse a voucher earlier in the batch or, with ``stored``, already stored (returned:
    index → that entry).

    Checked, like ``full_clean()``'s constraint check, only where the key's
    fields have no error yet; with the constraint's message and code.
    """
    key_fields = {*_VOUCHER_KEY.fields, "reverses"}
    claims = _voucher_keys({i: e for i, e in entries.items() if not found[i].keys() & key_fields})
    taken = _vouchers_taken(claims.values()) if stored else {}
    seen, duplicates = set(), {}
    for index, key in claims.items():
        message = None
        if key in taken:
            duplicates[index] = taken[key]
            message = _VOUCHER_KEY.get_violation_error_message()
        elif key in seen:
            message = _(
                "An earlier entry of this batch has the same project, kind and voucher number."
            )
        if message is not None:
            refusal = ValidationError(message, code=_VOUCHER_KEY.violation_error_code)
            found[index].setdefault(NON_FIELD_ERRORS, []).append(refusal)
        seen.add(key)
    return duplicates


def _field_errors(entry, unknown: dict[str, set], originals: dict) -> dict[str, list]:
    """``full_clean()``'s field and ``clean()`` errors of one entry, without a query."""
    errors: dict[str, list] = {}
    try:
        entry.clean_fields(exclude=_NOT_CLEANED_ONE_BY_ONE)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    for name, ids in unknown.items():
        field = FundTransaction._meta.get_field(name)
        value = getattr(entry, field.attname)
        if value in ids:
            errors.setdefault(name, []).append(_unknown_reference(field, value))
    if entry.reverses_id is not None:
        if entry.reverses_id not in originals:
            return errors  # clean() reads the original; its absence is the error
        entry.reverses = originals[entry.reverses_id]
    try:
        entry.clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    return errors


def _originals(entries) -> dict[int, FundTransaction]:
    """The entries these reverse, each with its reversal if it has one (one query)."""
    ids = {entry.reverses_id for entry in entries} - {None}
    if not ids:
        return {}
    rows = FundTransaction._base_manager.select_related("reversal").filter(pk__any_id=ids)
    return {row.pk: row for row in rows}


def _unknown_references(entries, name: str) -> set:
    """The ids the relation ``name`` of these entries names that no row holds (one query)."""
    field = FundTransaction._meta.get_field(name)
    ids = {getattr(entry, field.attname) for entry in entries} - {None}
    if not ids:
        return set()
    target = field.remote_field
    found = (
        target.model._base_manager.filter(**{f"{target.field_name}__any_id": ids})
        .complex_filter(field.get_limit_choices_to())
        .values_list(target.field_name, flat=True)
    )
    return ids - set(found)


def _unknown_reference(field, value) -> ValidationError:
    """``ForeignKey.validate``'s refusal of an id no row holds: its message and code."""
    target = field.remote_field
    return ValidationError(
        field.error_messages["invalid"],
        code="invalid",
        params={
            "model": target.model._meta.verbose_name,
            "pk": value,
            "field": target.field_name,
            "value": value,
        },
    )


# The natural key of an entry (project, kind, voucher), backed by a partial unique constraint.
_VOUCHER_KEY = natural_keys.constraints_of(FundTransaction)[0]
_VOUCHER_COLUMNS = [FundTransaction._meta.get_field(name).attname for name in _VOUCHER_KEY.fields]


def _voucher_keys(entries: dict[int, FundTransaction]) -> dict[int, tuple]:
    """Index → natural key, of the entries the constraint covers (see its declaration).

    Blank vouchers and reversals (which carry the voucher they cancel) repeat.
    """
    return {
        index: tuple(getattr(entry, column) for column in _VOUCHER_COLUMNS)
        for index, entry in entries.items()
        if entry.voucher_number != "" and entry.reverses_id is None
    }


def _vouchers_taken(keys) -> dict[tuple, FundTransaction]:
    """The stored entries holding any of these natural keys, the first of each (one query)."""
    keys = set(keys)
    if not keys:
        return {}
    stored = FundTransaction._base_manager.filter(_VOUCHER_KEY.condition)
    taken = {}
    for row in natural_keys.holding(stored, _VOUCHER_KEY.fields, keys).order_by("pk"):
        taken.setdefault(tuple(getattr(row, column) for column in _VOUCHER_COLUMNS), row)
    return taken


def _totals_errors(
    entries: dict[int, FundTransaction], projects: dict[int, _LockedProject]
) -> dict[int, ValidationError]:
    """The entries their project's stages or their pairing-year's allowance refuse, in order."""
    commitments = [e for e in entries.values() if e.kind == TransactionKind.COMMITMENT]
    scopes = {tuple(projects[e.project_id]) for e in commitments}
    _lock_pairing_years(*scopes)
    stages = project_stage_totals({entry.project_id for entry in entries.values()})
    balances = pairing_year_balances(scopes)
    errors = {}
    for index, entry in entries.items():
        totals = dict(stages.get(entry.project_id) or _zero_stages())
        totals[entry.kind] += entry.amount
        try:
            _check_stages(totals)
        except ValidationError as error:
            errors[index] = error
            continue
        if entry.kind == TransactionKind.COMMITMENT:
            pairing_id, year = projects[entry.project_id]
            balance = balances[(pairing_id, year)]
            committed = balance["committed"] + entry.amount
            if entry.amount > 0:  # a reversal only lowers the commitments
                refusal = _balance_refusal(year, committed, balance["allowed"])
                if refusal is not None:
                    errors[index] = refusal
                    continue
            balance["committed"] = committed
        stages[entry.project_id] = totals
    return errors


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
