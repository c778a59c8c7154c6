from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from kpi import store


@pytest.fixture
def warehouse(tmp_path) -> store.Warehouse:
    """An empty warehouse in a temp folder (nothing published until the first load)."""
    return store.Warehouse(tmp_path / "wh" / "kpi.duckdb")


def db_fingerprint(wh: store.Warehouse) -> str | None:
    """The warehouse file's bytes as a hash: 'unchanged' means byte-for-byte unchanged."""
    if not wh.path.exists():
        return None
    return hashlib.sha256(Path(wh.path).read_bytes()).hexdigest()


@pytest.fixture
def write_file(tmp_path):
    def _write(name: str, data: bytes) -> Path:
        path = tmp_path / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    return _write
