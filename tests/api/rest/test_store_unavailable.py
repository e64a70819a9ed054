"""A database that cannot be written: ``/readyz`` says not ready, extractions answer 503
``store_unavailable`` with the reason, reads keep working, nothing stored before is lost, and
the service recovers without a restart once the database is writable again.

How "read-only" and "disk full" are produced (as root, ``chmod`` does not stop writes):

* read-only, any user: a second platform opens the same SQLite file through a
  ``file:...?mode=ro`` URI (a replica started on a read-only copy);
* read-only while serving, root: the pool's connections are closed (SQLite then checkpoints
  and removes the WAL) and ``chattr +i`` makes the database file immutable, so the connections
  opened from then on are read-only. Connections opened before would keep writing (the kernel
  checks immutability at open), and making the WAL/SHM of open connections immutable crashes
  the process (SIGBUS). A read-only *directory* also stops reads of a WAL database (no SHM can
  be created). A kernel remount read-only cannot be simulated: ``mount -o remount,ro`` refuses
  while files are open for writing.
* disk full, root: the database lives on a 2 MiB tmpfs mounted for the test, which a filler
  file then fills to the last byte (real ENOSPC, as on a full disk).
* PostgreSQL read-only: the connection's ``default_transaction_read_only=on`` (a standby or a
  read-only role behaves the same).

The root-only variants skip where ``chattr``/``mount`` are not permitted.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from autoglm_ops.api.rest.app import create_app
from autoglm_ops.core.settings import Settings
from autoglm_ops.service.platform import Platform
from tests.conftest import LiveServer

TEXT = "我月均收入约1.8万元,有公积金缴纳记录"


def open_platform(data_dir: Path, url: str) -> Platform:
    return Platform.from_settings(Settings(data_dir=data_dir, database_url=url))


def extract(client: httpx.Client, key: str) -> httpx.Response:
    return client.post(
        "/v1/extract",
        json={"text": TEXT, "task": "income_parsing"},
        headers={"Authorization": f"Bearer {key}"},
    )


def fill_history(platform: Platform, key: str, n: int = 3) -> list[str]:
    """``n`` answered extractions through a live server; their request ids."""
    with (
        LiveServer(create_app(platform=platform)) as srv,
        httpx.Client(base_url=srv.url, timeout=10) as c,
    ):
        ids = []
        for _ in range(n):
            r = extract(c, key)
            assert r.status_code == 200, r.text
            ids.append(r.json()["request_id"])
    return ids


def assert_unavailable(client: httpx.Client, key: str, reason: str) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json() == {"ready": False, "checks": {"store": False}}
    assert client.get("/healthz").status_code == 200  # alive, just not ready
    r = extract(client, key)
    assert r.status_code == 503, r.text
    err = r.json()["error"]
    assert err["code"] == "store_unavailable"
    assert "storing a request" in err["message"] and reason in err["message"]
    assert TEXT not in r.text


def test_read_only_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "var" / "autoglm.db"
    rw = open_platform(tmp_path / "var", f"sqlite:///{db}")
    key = rw.store.create_key(["extract"]).secret
    ids = fill_history(rw, key)
    rw.close()

    ro = open_platform(tmp_path / "var", f"sqlite:///file:{db}?mode=ro&uri=true")
    try:
        with (
            LiveServer(create_app(platform=ro)) as srv,
            httpx.Client(base_url=srv.url, timeout=10) as c,
        ):
            assert_unavailable(c, key, "read-only")
            # what was stored is still served
            got = c.get(f"/v1/requests/{ids[0]}", headers={"Authorization": f"Bearer {key}"})
            assert got.status_code == 200
            metrics = c.get("/metrics").text
            assert 'code="store_unavailable"' in metrics and 'status="503"' in metrics
    finally:
        ro.close()
    again = open_platform(tmp_path / "var", f"sqlite:///{db}")
    try:
        assert again.store.request_ids() == set(ids)  # nothing lost, nothing half-written
    finally:
        again.close()


def _chattr(flag: str, *paths: Path) -> bool:
    tool = shutil.which("chattr")
    if tool is None:
        return False
    done = subprocess.run([tool, flag, *map(str, paths)], capture_output=True)
    return done.returncode == 0


def test_sqlite_made_read_only_while_serving(tmp_path: Path) -> None:
    data = tmp_path / "var"
    db = data / "autoglm.db"
    platform = open_platform(data, f"sqlite:///{db}")
    key = platform.store.create_key(["extract"]).secret
    try:
        with (
            LiveServer(create_app(platform=platform)) as srv,
            httpx.Client(base_url=srv.url, timeout=10) as c,
        ):
            ids = [extract(c, key).json()["request_id"] for _ in range(3)]
            # Close the pool's connections first: SQLite checkpoints and removes the WAL and
            # SHM files on the last close, and touching those of an immutable file from a
            # connection opened before is what crashes a process (SIGBUS on the mapped SHM).
            platform.store.engine.dispose()
            if not _chattr("+i", db):
                pytest.skip("chattr +i is not available or not permitted (needs root, ext4)")
            try:
                assert_unavailable(c, key, "read-only")
                headers = {"Authorization": f"Bearer {key}"}
                assert c.get(f"/v1/requests/{ids[1]}", headers=headers).status_code == 200
            finally:
                assert _chattr("-i", db)
            # writable again: the service recovers on its own (the pool drops read-only
            # connections on their first failure; readiness may need one more probe)
            ready = [c.get("/readyz").status_code for _ in range(3)]
            assert ready[-1] == 200, ready
            r = extract(c, key)
            assert r.status_code == 200, r.text
            ids.append(r.json()["request_id"])
        assert platform.store.request_ids() == set(ids)
    finally:
        _chattr("-i", db)
        platform.close()


@pytest.fixture
def tiny_volume(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs, mounted for this test only (root)."""
    mnt = tmp_path / "vol"
    mnt.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)")
    try:
        yield mnt
    finally:
        if subprocess.run(["umount", str(mnt)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def fill_disk(volume: Path) -> Path:
    """Write a filler file until the volume has no byte left."""
    filler = volume / "filler"
    chunk = b"\0" * 65536
    with open(filler, "wb", buffering=0) as f:
        while True:
            try:
                f.write(chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                break
        for size in (4096, 512, 1):  # the last partial chunk too
            try:
                while True:
                    f.write(b"\0" * size)
            except OSError:
                pass
    return filler


def test_sqlite_disk_full(tiny_volume: Path, tmp_path: Path) -> None:
    db = tiny_volume / "autoglm.db"
    platform = open_platform(tmp_path / "var", f"sqlite:///{db}")
    key = platform.store.create_key(["extract"]).secret
    try:
        with (
            LiveServer(create_app(platform=platform)) as srv,
            httpx.Client(base_url=srv.url, timeout=10) as c,
        ):
            ids = [extract(c, key).json()["request_id"] for _ in range(3)]
            filler = fill_disk(tiny_volume)
            assert os.statvfs(tiny_volume).f_bavail == 0
            assert_unavailable(c, key, "disk is full")
            headers = {"Authorization": f"Bearer {key}"}
            assert c.get(f"/v1/requests/{ids[2]}", headers=headers).status_code == 200
            filler.unlink()  # space again: no restart needed
            assert c.get("/readyz").status_code == 200
            r = extract(c, key)
            assert r.status_code == 200, r.text
            ids.append(r.json()["request_id"])
        assert platform.store.request_ids() == set(ids)
    finally:
        platform.close()


@pytest.mark.postgres
def test_read_only_postgres(tmp_path: Path, fresh_postgres_schema: str) -> None:
    rw = open_platform(tmp_path / "var", fresh_postgres_schema)
    key = rw.store.create_key(["extract"]).secret
    ids = fill_history(rw, key)
    rw.close()
    url = make_url(fresh_postgres_schema)
    options = f"{url.query['options']} -cdefault_transaction_read_only=on"
    ro_url = url.update_query_dict({"options": options}).render_as_string(hide_password=False)
    ro = open_platform(tmp_path / "var", ro_url)
    try:
        with (
            LiveServer(create_app(platform=ro)) as srv,
            httpx.Client(base_url=srv.url, timeout=10) as c,
        ):
            assert_unavailable(c, key, "read-only")
    finally:
        ro.close()
    again = open_platform(tmp_path / "var", fresh_postgres_schema)
    try:
        assert again.store.request_ids() == set(ids)
    finally:
        again.close()
