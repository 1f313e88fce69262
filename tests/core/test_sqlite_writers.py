"""The SQLite backend's in-process writer lock (vigil/core/sqlite/base.py): one transaction at a
time per process, released however the transaction ends."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from vigil.core.models import EventStream
from vigil.core.sqlite.base import writer_lock

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _sqlite_only() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the writer lock is SQLite's")


def _lock() -> threading.Lock:
    return writer_lock(str(connection.settings_dict["NAME"]))


def test_held_for_the_transaction_and_released_on_commit() -> None:
    assert not _lock().locked()
    with transaction.atomic():
        EventStream.objects.create(name="writers-commit")
        assert _lock().locked()
        with transaction.atomic():  # a savepoint takes nothing more
            EventStream.objects.filter(name="writers-commit").update(last_seq=1)
        assert _lock().locked()
    assert not _lock().locked()
    assert EventStream.objects.get(name="writers-commit").last_seq == 1


def test_released_on_rollback() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        EventStream.objects.create(name="writers-rollback")
        raise RuntimeError("undo")
    assert not _lock().locked()
    assert not EventStream.objects.filter(name="writers-rollback").exists()


def test_released_when_the_connection_closes_inside_a_transaction() -> None:
    atomic = transaction.atomic()
    atomic.__enter__()
    assert _lock().locked()
    connection.close()
    assert not _lock().locked()
    atomic.__exit__(None, None, None)  # Django rolls back what the closed connection left
    assert not _lock().locked()


def test_a_second_writer_waits_for_the_first_to_commit() -> None:
    order: list[str] = []
    inside = threading.Event()
    errors: list[BaseException] = []

    def second() -> None:
        try:
            inside.wait(5)
            with transaction.atomic():
                order.append("second began")
                EventStream.objects.create(name="writers-second")
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=second)
    thread.start()
    with transaction.atomic():
        EventStream.objects.create(name="writers-first")
        inside.set()
        thread.join(0.3)  # the second thread is blocked on the lock meanwhile
        assert thread.is_alive()
        order.append("first committing")
    thread.join(10)
    assert not errors
    assert order == ["first committing", "second began"]
    assert EventStream.objects.filter(name__startswith="writers-").count() == 2


def test_a_write_outside_a_transaction_waits_on_the_lock_and_reads_do_not() -> None:
    EventStream.objects.create(name="writers-autocommit")
    done = threading.Event()
    errors: list[BaseException] = []

    def autocommit_update() -> None:
        try:
            assert EventStream.objects.filter(name="writers-autocommit").count() == 1  # a read
            EventStream.objects.filter(name="writers-autocommit").update(last_seq=7)
            done.set()
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    lock = _lock()
    lock.acquire()  # as if another thread of this process were mid-transaction
    try:
        thread = threading.Thread(target=autocommit_update)
        thread.start()
        assert not done.wait(0.3)  # the UPDATE waits for the lock, not SQLite's busy handler
    finally:
        lock.release()
    thread.join(5)
    assert not errors
    assert done.is_set()
    assert not lock.locked()
    assert EventStream.objects.get(name="writers-autocommit").last_seq == 7
