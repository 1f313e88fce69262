"""The audit log: append-only, hash-chained, verified; tampering and deletion are detected."""

from __future__ import annotations

import itertools
import threading

import pytest
from django.db import DatabaseError, close_old_connections, connection, transaction

from tests.factories.accounts import make_agent
from vigil.accounts.choices import Role
from vigil.audit.chain import chain_verify
from vigil.audit.models import AppendOnly, AuditEntry
from vigil.audit.services import audit_append
from vigil.cli import main


def _fill(n: int) -> list[AuditEntry]:
    actor = make_agent(role=Role.SUPERVISOR, display_name="Sue")
    return [
        audit_append(
            actor=actor if i % 2 else None,
            action="test.step",
            object_type="thing",
            object_id=i,
            summary=f"step {i} — 第{i}步",
            data={"i": i, "amount": 0.1 * i, "nested": {"b": [1, "x"], "a": None}},
        )
        for i in range(1, n + 1)
    ]


def _raw(sql: str, params: list[str]) -> None:
    """Change the table behind the ORM's back, as an attacker with database access would."""
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER audit_entry_append_only")
        cursor.execute(sql.format(table=table), params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER audit_entry_append_only")


@pytest.mark.django_db
def test_entries_chain_and_verify() -> None:
    entries = _fill(5)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert entries[2].data["amount"] == "0.30000000000000004"  # floats kept as text
    result = chain_verify()
    assert (result.ok, result.checked) == (True, 5)


@pytest.mark.django_db
def test_the_orm_refuses_changes_and_deletes() -> None:
    entry = _fill(1)[0]
    entry.summary = "nothing happened"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="x")
    with pytest.raises(AppendOnly):
        AuditEntry.objects.all().delete()
    assert chain_verify().ok


@pytest.mark.django_db
def test_postgresql_refuses_update_and_delete_in_sql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    _fill(2)
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    for sql in (f"UPDATE {table} SET summary = 'x'", f"DELETE FROM {table}"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AuditEntry.objects.count() == 2


@pytest.mark.django_db
def test_a_changed_entry_is_detected(capsys: pytest.CaptureFixture[str]) -> None:
    _fill(6)
    assert main(["audit", "verify"]) == 0
    assert "6 entries" in capsys.readouterr().out
    _raw("UPDATE {table} SET data = %s WHERE seq = 4", ['{"i": 4, "amount": "999"}'])
    result = chain_verify()
    assert (result.ok, result.bad_seq, result.checked) == (False, 4, 3)
    assert "content" in result.reason
    assert main(["audit", "verify"]) == 1
    assert "entry 4" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_rehashed_entry_still_breaks_the_link() -> None:
    entries = _fill(4)
    # Whoever rewrites entry 2 and recomputes its hash breaks entry 3's link to it.
    _raw("UPDATE {table} SET hash = %s WHERE seq = 2", ["f" * 64])
    result = chain_verify()
    assert not result.ok and result.bad_seq == 2
    assert entries[2].prev_hash != "f" * 64


@pytest.mark.django_db
def test_a_deleted_entry_is_detected(capsys: pytest.CaptureFixture[str]) -> None:
    _fill(5)
    _raw("DELETE FROM {table} WHERE seq = 3", [])
    result = chain_verify()
    assert (result.ok, result.bad_seq) == (False, 3)
    assert "missing" in result.reason
    assert main(["audit", "verify"]) == 1


@pytest.mark.django_db
def test_a_deleted_last_entry_is_detected_by_the_head() -> None:
    _fill(3)
    _raw("DELETE FROM {table} WHERE seq = 3", [])
    result = chain_verify()
    assert (result.ok, result.bad_seq) == (False, 3)


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_unbroken_chain() -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                with transaction.atomic():
                    audit_append(
                        actor=None, action="test.race", object_type="w", object_id=f"{n}-{i}"
                    )
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, 41))
    result = chain_verify()
    assert (result.ok, result.checked) == (True, 40)
