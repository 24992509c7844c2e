"""Many allocations at once (`services.allocations_record_many`, the allocations import's path for new rows,
a wide form's row by row): the same rows, history and refusals as `allocation_record` one by one, in a
number of queries that does not grow with the batch, and the capital summary exact after it."""

import datetime
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from imports.engine import run_import
from kernel.access import JurisdictionLevelChoices as Level
from kernel.history import ChangePathChoices, change_path
from localities.choices import RoleChoices as Role
from programs.choices import CapitalEntryKindChoices, CapitalSourceChoices, CapitalTypeChoices
from tests.programs.factories import ComponentFactory
from tests.sheets.files import report_xlsx
from tests.tracker.imports.test_capital_kinds import ALLOCATION_HEADER, allocation, approve, csv_file
from tracker import capital_summary, services
from tracker.import_kinds.capital import ALLOCATION_KEY as KEY
from tracker.import_kinds.capital import AllocationImport, first_recorded
from tracker.models import Allocation, CapitalSummary

pytestmark = pytest.mark.django_db

ASSIGNED, ADJUSTMENT, EXTENSION = (
    CapitalEntryKindChoices.ASSIGNED,
    CapitalEntryKindChoices.ADJUSTMENT,
    CapitalEntryKindChoices.EXTENSION,
)
CENTRAL, PROVINCE = CapitalSourceChoices.CENTRAL, CapitalSourceChoices.PROVINCE
INVESTMENT, RECURRENT = CapitalTypeChoices.INVESTMENT, CapitalTypeChoices.RECURRENT
Q2, Q3 = datetime.date(2024, 5, 10), datetime.date(2024, 8, 15)


@pytest.fixture
def clerk(world, make_official):
    return make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)


@pytest.fixture
def funded(world, components):
    """The world's works (each with 1.000 million VND of 2024 central investment capital), also funded by
    NTP-T1 DA4.TDA1; 800 million VND of c1's paid."""
    for work in world.works.values():
        work.components.add(components["infra"])
    services.disbursement_record(
        work=world.works["c1"],
        year=2024,
        source=CENTRAL,
        capital_type=INVESTMENT,
        amount=800_000_000,
        voucher_number="PC-800",
        paid_on=datetime.date(2024, 3, 1),
    )
    return world.works


def entry(work, component, amount=100_000_000, *, kind=ASSIGNED, decided_on=Q3, **fields):
    values = {
        "work": work,
        "component": component,
        "year": 2024,
        "source": CENTRAL,
        "capital_type": INVESTMENT,
        "amount": amount,
        "kind": kind,
        "decided_on": decided_on,
    }
    return {**values, **fields}


def runs(together, count):
    if together is None:
        return [[index] for index in range(count)]
    groups = []
    for index, value in enumerate(together):
        if groups and together[index - 1] == value:
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups


def one_by_one(entries, user, together=None):
    """`allocation_record` for each entry, a group's in one savepoint up to its first refusal (as the wide form
    wrote a row before)."""
    outcomes = [None] * len(entries)
    for group in runs(together, len(entries)):
        saved = []
        try:
            with transaction.atomic():
                for index in group:
                    try:
                        saved.append((index, services.allocation_record(**entries[index], user=user)))
                    except (ValidationError, PermissionDenied) as error:
                        outcomes[index] = error
                        raise
        except (ValidationError, PermissionDenied):
            continue
        for index, saved_one in saved:
            outcomes[index] = saved_one
    return outcomes


def refusal(outcome):
    if outcome is None:
        return ("not written",)
    if isinstance(outcome, ValidationError):
        return ("invalid", outcome.message_dict if hasattr(outcome, "error_dict") else outcome.messages)
    if isinstance(outcome, PermissionDenied):
        return ("denied", str(outcome))
    assert outcome.pk is not None
    return ("saved", outcome.work.code, outcome.kind, outcome.amount)


FIELDS = [f.attname for f in Allocation._meta.concrete_fields if f.attname not in {"id", "created_at"}]
TRACKED = [f.attname for f in Allocation.history.model.tracked_fields if f.attname not in {"id", "created_at"}]


def written(since: int):
    """The allocations added after the key `since`, in order, each with its history: what does not depend on
    when or under which key they were written."""
    return [
        (
            {name: getattr(a, name) for name in FIELDS},
            [
                (r.history_type, r.history_user_id, r.history_path, r.history_change_reason)
                + tuple(getattr(r, name) for name in TRACKED)
                for r in a.history.order_by("history_date", "history_id")
            ],
        )
        for a in Allocation.objects.filter(pk__gt=since).order_by("pk")
    ]


def both_ways(entries, user, together=None):
    """(one by one, at once): each path's outcomes and what it wrote, the first undone."""
    since = Allocation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with change_path(ChangePathChoices.IMPORT):
        with transaction.atomic():
            single = [refusal(o) for o in one_by_one(entries, user, together)]
            single_rows = written(since)
            transaction.set_rollback(True)
        since = Allocation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        many = [refusal(o) for o in services.allocations_record_many(entries, user=user, together=together)]
    return (single, single_rows), (many, written(since))


def test_the_batch_writes_the_rows_and_history_one_by_one_writes(world, funded, clerk, components):
    infra = components["infra"]
    c1, c2, l1 = funded["c1"], funded["c2"], funded["l1"]
    entries = [
        entry(c1, infra, 194_600_000, note="Giao vốn đợt 1"),
        entry(l1, infra, 173_000_000, source=PROVINCE, capital_type=RECURRENT),
        entry(c2, infra, 50_000_000, kind=EXTENSION, extended_until=datetime.date(2025, 12, 31)),
        # c1: 1.194,6 million allocated, 800 paid: a reduction of 300 leaves enough, then 100 more does not ...
        entry(c1, infra, -300_000_000, kind=ADJUSTMENT),
        entry(c1, infra, -100_000_000, kind=ADJUSTMENT, decided_on=datetime.date(2024, 9, 1)),
        # ... until 500 more are allocated (an extension adds nothing)
        entry(c1, infra, 20_000_000, kind=EXTENSION, extended_until=datetime.date(2025, 3, 31)),
        entry(c1, c1.components.exclude(pk=infra.pk).first(), 500_000_000, decided_on=datetime.date(2024, 9, 2)),
        entry(c1, infra, -100_000_000, kind=ADJUSTMENT, decided_on=datetime.date(2024, 9, 3)),
    ]
    (single, single_rows), (many, many_rows) = both_ways(entries, clerk)
    assert many == single
    assert [o[0] for o in many] == ["saved"] * 4 + ["invalid"] + ["saved"] * 3
    assert "already disbursed" in many[4][1]["amount"][0]
    assert many_rows == single_rows
    assert len(many_rows) == 7
    assert [history[0][:4] for _, history in many_rows] == [("+", clerk.pk, ChangePathChoices.IMPORT, None)] * 7
    assert all(len(history) == 1 for _, history in many_rows)
    assert capital_summary.differences() == []


def refused_entries(world, funded, components, make_official):
    """Entries each refused for one reason (and a few accepted), with what the service answers them."""
    approve(world, make_official, world.c1, 2024, 2)  # c1 (and l1, merged into it) locked for Q2
    infra = components["infra"]
    c1, c2, l1 = funded["c1"], funded["c2"], funded["l1"]
    return [
        entry(c2, infra),  # accepted
        entry(c2, ComponentFactory(), note="not a component of the work"),
        entry(c1, infra, decided_on=Q2),  # locked
        entry(l1, infra, decided_on=datetime.date(2024, 6, 30)),  # locked by its successor's report
        entry(c1, infra, decided_on=datetime.date(2024, 4, 2), kind=ADJUSTMENT, amount=-5),  # locked, checked first
        entry(c1, infra, -300_000_000, kind=ADJUSTMENT),  # below the 800 million paid
        entry(c1, infra, -5),  # a negative assignment: `full_clean`'s constraint
        entry(c1, infra, kind=EXTENSION),  # an extension without its date
        entry(c1, infra, year=1999, note="x" * 501),  # fields
        entry(c2, infra, kind=ADJUSTMENT, amount=0),
        entry(c1, infra, 10_000_000, decided_on=Q3),  # accepted
    ]


@pytest.mark.parametrize("fallback", [False, True], ids=["batch", "one-by-one"])
@pytest.mark.parametrize("who", ["clerk", "viewer", "system"])
def test_the_batch_refuses_what_one_by_one_refuses_with_the_same_messages(
    world, funded, components, make_official, who, fallback
):
    user = {
        "clerk": lambda: make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1),
        "viewer": lambda: make_official(Role.VIEWER, Level.PROVINCE, world.p1),
        "system": lambda: None,
    }[who]()
    entries = refused_entries(world, funded, components, make_official)
    if fallback:  # a work outside the clerk's province: only the saved row says so, and the batch is redone
        entries.append(entry(funded["c3"], components["infra"]))
    (single, single_rows), (many, many_rows) = both_ways(entries, user)
    assert many == single
    assert many_rows == single_rows
    kinds = [o[0] for o in many]
    if who == "viewer":
        assert set(kinds) == {"invalid", "denied"}
        assert many[0][1].startswith("Your role does not allow you to add")
    else:
        assert kinds[:10] == ["saved", *["invalid"] * 9] and kinds[10] == "saved"
        assert "is not one of the components that fund work" in many[1][1]["component"][0]
        for locked in (2, 3, 4):
            assert "is locked" in " ".join(many[locked][1])
        assert "already disbursed" in many[5][1]["amount"][0]
        assert "cannot be negative" in many[6][1]["__all__"][0]
        assert set(many[8][1]) == {"year", "note"}
        if fallback:
            expected = "denied" if who == "clerk" else "saved"
            assert kinds[11] == expected
            if who == "clerk":
                assert "outside your jurisdiction" in many[11][1]


def test_a_group_is_written_together_or_not_at_all_and_what_follows_sees_it_unwritten(world, funded, clerk, components):
    infra = components["infra"]
    c1, c2 = funded["c1"], funded["c2"]
    entries = [
        # A row of c1: 300 more, then an entry of another component refused: none of the row is written ...
        entry(c1, infra, 300_000_000),
        entry(c1, ComponentFactory()),
        entry(c1, infra, 10_000_000, source=PROVINCE),
        # ... so a later row's reduction of 400 finds 1.000 allocated, not 1.300, against the 800 paid.
        entry(c1, infra, -400_000_000, kind=ADJUSTMENT),
        # A row of two entries written, the second's reduction counting the first's capital.
        entry(c2, infra, 50_000_000, source=PROVINCE),
        entry(c2, infra, -50_000_000, kind=ADJUSTMENT, source=PROVINCE),
    ]
    together = ["row 1", "row 1", "row 1", "row 2", "row 3", "row 3"]
    (single, single_rows), (many, many_rows) = both_ways(entries, clerk, together)
    assert many == single
    assert many_rows == single_rows
    assert [o[0] for o in many] == ["not written", "invalid", "not written", "invalid", "saved", "saved"]
    assert "already disbursed" in many[3][1]["amount"][0]
    with pytest.raises(ValueError):
        services.allocations_record_many(entries, user=clerk, together=together[:-1])


def test_a_batch_of_many_takes_the_queries_of_a_batch_of_two(world, funded, clerk, components, make_official):
    approve(world, make_official, world.c1, 2024, 2)  # c1 has an approved period (not the entries')
    infra = components["infra"]
    works = [funded["c1"], funded["l1"], funded["c2"]]

    def batch(size, day):
        entries = [entry(works[i % 3], infra, 1_000_000 + i, decided_on=day) for i in range(size - 1)]
        return [*entries, entry(works[0], infra, -1_000_000, kind=ADJUSTMENT, decided_on=day)]

    services.allocations_record_many(batch(2, Q3), user=clerk)  # the official's permissions, read once
    counts = []
    for size, day in ((2, datetime.date(2024, 7, 1)), (10, datetime.date(2024, 8, 1)), (40, datetime.date(2024, 9, 1))):
        with CaptureQueriesContext(connection) as queries:
            outcomes = services.allocations_record_many(batch(size, day), user=clerk)
        assert all(isinstance(o, Allocation) for o in outcomes)
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2], counts
    assert counts[0] <= 16, [q["sql"] for q in queries]
    assert Allocation.history.filter(decided_on=datetime.date(2024, 9, 1)).count() == 40


# -- the import -----------------------------------------------------------------------------------------------


def wide_form(rows) -> bytes:
    """A plan of 2024: one row per work (code, decision date, entry kind, then the amounts), an amount column per
    kind of capital."""
    return report_xlsx(
        [
            ["KẾ HOẠCH VỐN NĂM 2024"],
            [None, None, None, None, None, "ĐVT: triệu đồng"],
            ["STT", "Mã công trình", "Mã hợp phần", "Ngày quyết định", "Loại bút toán", "Kế hoạch vốn năm 2024"],
            [None, None, None, None, None, "Tổng số", "NSTW - Vốn ĐTPT", "NSTW - Vốn SN", "NSĐP - Vốn ĐTPT"],
            *[[i, row[0], "DA4.TDA1", *row[1:3], sum(row[3:]), *row[3:]] for i, row in enumerate(rows, 1)],
        ],
        ["A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:E4", "F3:I3"],
    )


def import_both_ways(monkeypatch, data, user):
    """The import's result and what it wrote, row by row through `allocation_record` (as before) and batched."""

    def run():
        since = Allocation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        result = run_import("allocations", data, user=user)
        summary = (result.new, result.unchanged, result.error_rows, result.created, result.written)
        return summary, sorted((e.row, e.column, e.message) for e in result.errors), written(since)

    with transaction.atomic():
        with monkeypatch.context() as patch:
            patch.setattr(AllocationImport, "batched", False)
            patch.setattr(
                AllocationImport, "existing", lambda self, values, ctx: first_recorded(Allocation, values, KEY)
            )
            single = run()
        transaction.set_rollback(True)
    return single, run()


def test_a_wide_form_imports_as_row_by_row_refusing_a_row_whole_on_its_entrys_column(
    world, funded, clerk, make_official, monkeypatch
):
    approve(world, make_official, world.c1, 2024, 2)
    c1, c2, l1 = funded["c1"].code, funded["c2"].code, funded["l1"].code
    rows = [
        [c2, "15/08/2024", "Giao", 100, 20, 30],
        [l1, "15/08/2024", "Giao", 50, 0, 10],
        # c1: 1.000 allocated, 800 paid; a reduction of 100 and 50 central leaves 850, but none of the province's
        [c1, "20/08/2024", "Điều chỉnh", -100, -50, -10],
        [c1, "10/05/2024", "Giao", 5, 5, 5],  # in the approved quarter
        [c2, "15/08/2024", "Giao", 7, 0, 0],  # the same capital as row 1's first column
        [c1, "21/08/2024", "Điều chỉnh", -150, -50, 0],  # the central reduction of row 3 was not written: 800 left
    ]
    single, many = import_both_ways(monkeypatch, wide_form(rows), clerk)
    assert many == single
    (new, unchanged, error_rows, created, was_written), errors, rows_written = many
    assert (new, error_rows, was_written, rows_written) == (3, 3, False, [])
    assert created == {"capital entries": 7}
    by_row = {row: (column, message) for row, column, message in errors}
    assert by_row[7][0] == "Kế hoạch vốn năm 2024 / NSĐP - Vốn ĐTPT"  # the entry refused: its column
    assert "already disbursed" in by_row[7][1] and "province" in by_row[7][1]
    assert "is locked" in by_row[8][1]
    assert by_row[9][1].startswith("Duplicate of row 5")

    # Without the refused rows, written; the same file again changes nothing.
    good = wide_form([rows[0], rows[1], rows[5]])
    single, many = import_both_ways(monkeypatch, good, clerk)
    assert many == single
    assert many[0][:3] == (3, 0, 0) and many[0][4] is True
    assert len(many[2]) == 7
    again = run_import("allocations", good, user=clerk)
    assert (again.new, again.unchanged, again.written) == (0, 3, True)
    assert capital_summary.differences() == []


def test_an_allocations_file_imports_as_row_by_row(world, funded, clerk, make_official, monkeypatch):
    approve(world, make_official, world.c1, 2024, 1)
    other = ComponentFactory(program=funded["c1"].components.get(code="DA4.TDA1").program, code="DA5")
    data = csv_file(
        ALLOCATION_HEADER,
        allocation(funded["c2"], decided="15/08/2024"),
        allocation(funded["c2"], component=other.code, decided="16/08/2024"),
        allocation(funded["l1"]),  # in c1's approved first quarter
        allocation(funded["c1"], kind="Điều chỉnh", amount="-300", decided="20/08/2024"),
        allocation(funded["c1"], kind="Điều chỉnh", amount="-200", decided="21/08/2024"),
        allocation(funded["c2"], decided="15/08/2024"),
        allocation(funded["c3"], decided="15/08/2024"),
    )
    single, many = import_both_ways(monkeypatch, data, clerk)
    assert many == single
    messages = {row: message for row, _column, message in many[1]}
    assert "is not one of the components that fund work" in messages[3]
    assert "is locked" in messages[4]
    assert "already disbursed" in messages[5]
    assert messages[7].startswith("Duplicate of row 2")
    assert "outside your jurisdiction" in messages[8]
    assert 6 not in messages

    good = csv_file(ALLOCATION_HEADER, *[allocation(funded[name], decided="15/08/2024") for name in ("c1", "c2", "l1")])
    single, many = import_both_ways(monkeypatch, good, clerk)
    assert many == single and many[0][4] is True and len(many[2]) == 3
    again = run_import("allocations", good, user=clerk)
    assert (again.new, again.unchanged) == (0, 3)


def test_the_capital_summary_is_exact_after_a_bulk_import(world, funded, clerk):
    codes = [funded[name].code for name in ("c1", "c2", "l1")]
    rows = [
        [code, f"{day:02d}/0{month}/2024", "Giao", 10 + day, day, 2]
        for code in codes
        for month, day in ((3, 1), (3, 31), (8, 15))
    ]
    before = CapitalSummary.objects.count()
    result = run_import("allocations", wide_form(rows), user=clerk)
    assert result.written and result.created == {"capital entries": 27}, "\n".join(result.summary())
    adjustments = csv_file(
        ALLOCATION_HEADER,
        *[allocation(code, kind="Điều chỉnh", amount="-1", decided="16/08/2024") for code in codes],
    )
    assert run_import("allocations", adjustments, user=clerk).written
    assert capital_summary.differences() == []
    out = StringIO()
    call_command("capital_summary", "--check", stdout=out)
    assert "agrees with the ledgers" in out.getvalue()
    assert CapitalSummary.objects.count() > before
    line = CapitalSummary.objects.get(
        work=funded["c2"], year=2024, source=CENTRAL, capital_type=INVESTMENT, month=datetime.date(2024, 8, 1)
    )
    assert (line.allocated, line.allocation_entries) == (25_000_000 - 1_000_000, 2)
