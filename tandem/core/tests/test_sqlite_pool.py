"""The SQLite backend hands a closed connection to the next request instead of reopening."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connections

from tandem.core.db.sqlite import base

pytestmark = pytest.mark.skipif(
    connections["default"].vendor != "sqlite",
    reason="the SQLite pool backend; PostgreSQL uses Django's own pool",
)


@pytest.fixture
def file_database(tmp_path, django_db_blocker):
    # Wrappers of our own on a file of our own: the test database is not involved.
    settings = dict(connections["default"].settings_dict)
    settings["NAME"] = str(tmp_path / "pool.sqlite3")
    made = []

    def make():
        wrapper = base.DatabaseWrapper(settings, alias=f"pool-test-{len(made)}")
        made.append(wrapper)
        return wrapper

    base.clear_pools()
    with django_db_blocker.unblock():
        yield make
        for wrapper in made:
            if wrapper.connection is not None:
                wrapper.close()
    base.clear_pools()


def raw(wrapper):
    wrapper.ensure_connection()
    return wrapper.connection


def test_a_closed_connection_is_reused_by_the_next_wrapper(file_database):
    first = file_database()
    handle = raw(first)
    first.close()
    assert first.connection is None
    second = file_database()
    assert raw(second) is handle


def test_reused_connections_run_statements_and_keep_the_pragmas(file_database):
    first = file_database()
    with first.cursor() as cursor:
        cursor.execute("CREATE TABLE t (x INTEGER)")
    first.close()
    second = file_database()
    with second.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (1)")
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone() == (1,)
        cursor.execute("SELECT count(*) FROM t")
        assert cursor.fetchone() == (1,)


def test_an_open_transaction_is_rolled_back_before_reuse(file_database):
    setup = file_database()
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE t (x INTEGER)")
    setup.close()
    writer = file_database()
    writer.set_autocommit(False)
    with writer.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (1)")
    handle = writer.connection
    assert handle.in_transaction
    writer.close()
    assert not handle.in_transaction
    reader = file_database()
    with reader.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM t")
        assert cursor.fetchone() == (0,)


def test_threads_at_the_same_time_get_different_connections(file_database):
    handles = []
    barrier = threading.Barrier(3)

    def work():
        wrapper = file_database()
        handles.append(raw(wrapper))
        barrier.wait()  # all three hold one at once
        wrapper.close()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(handle) for handle in handles}) == 3


def test_the_pool_keeps_a_bounded_number_of_idle_connections(file_database, monkeypatch):
    monkeypatch.setattr(base, "POOL_SIZE", 2)
    base.clear_pools()
    wrappers = [file_database() for _ in range(4)]
    handles = [raw(wrapper) for wrapper in wrappers]
    for wrapper in wrappers:
        wrapper.close()
    reused = [raw(file_database()) for _ in range(4)]
    assert len({id(h) for h in reused} & {id(h) for h in handles}) == 2


def test_a_forked_process_does_not_inherit_the_pool(file_database, monkeypatch):
    first = file_database()
    handle = raw(first)
    first.close()
    monkeypatch.setattr(base, "_pools_pid", os.getpid() + 1)  # as seen from a child
    assert raw(file_database()) is not handle


def test_in_memory_databases_are_not_pooled():
    settings = dict(connections["default"].settings_dict)
    settings["NAME"] = ":memory:"
    wrapper = base.DatabaseWrapper(settings, alias="pool-test-memory")
    assert wrapper._pool_key({"database": ":memory:"}) is None
