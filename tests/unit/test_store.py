import duckdb
import pytest

from kpi import sql, store


def test_migrations_are_named_recorded_and_applied_once(tmp_path):
    con = duckdb.connect(str(tmp_path / "m.duckdb"))
    assert store.migrate(con) == [name for name, _ in sql.MIGRATIONS]
    assert store.migrate(con) == []
    recorded = [r[0] for r in con.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()]
    assert recorded == sorted(name for name, _ in sql.MIGRATIONS)


def test_a_new_migration_upgrades_an_existing_file(tmp_path, monkeypatch):
    path = tmp_path / "m.duckdb"
    con = duckdb.connect(str(path))
    store.migrate(con)
    monkeypatch.setattr(sql, "MIGRATIONS", sql.MIGRATIONS + [("9999_test", "ALTER TABLE loads ADD COLUMN note VARCHAR")])
    assert store.migrate(con) == ["9999_test"]
    assert "note" in [r[0] for r in con.execute("DESCRIBE loads").fetchall()]


def test_missing_warehouse_says_how_to_build_it(tmp_path):
    wh = store.Warehouse(tmp_path / "none.duckdb")
    with pytest.raises(store.WarehouseMissing, match="python -m etl build-demo"):
        wh.connect()


def test_writer_lock_is_exclusive(tmp_path):
    wh = store.Warehouse(tmp_path / "k.duckdb")
    with wh.writer_lock():
        other = store.Warehouse(tmp_path / "k.duckdb")
        with pytest.raises(store.WarehouseBusy, match="另一个导入任务正在写入数据库"):
            with other.writer_lock(timeout=0.2):
                pass


def test_readers_move_to_a_new_snapshot_and_old_cursors_keep_working(tmp_path):
    wh = store.Warehouse(tmp_path / "k.duckdb")
    with wh.writing() as con:
        store.next_event(con, "load", 1, "t")
    old = wh.connect()
    assert store.current_version(old) == 1
    with wh.writing() as con:
        store.next_event(con, "load", 2, "t")
    assert store.current_version(wh.connect()) == 2
    # A cursor opened before the replace still reads its own, consistent snapshot.
    assert store.current_version(old) == 1
