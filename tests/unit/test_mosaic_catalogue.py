"""Archive catalogue on real SQLite with synthetic L2A products, real metadata and broken files:
incremental re-scans, unusable products listed with their reason, queries by AOI and period."""
import os
import shutil
import sqlite3
import threading
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from s2gm_qgis.core.errors import CancelledError, S2GMError
from s2gm_qgis.core.mosaic.catalogue import Catalogue
from tests.conftest import L2A_METADATA, N0500_SAFE
from tests.synthetic import make_l2a

# The synthetic 32TQM window lies near (11.43 E, 42.42 N).
NEAR = "11.40,42.38,11.47,42.45"
FAR = "5.0,40.0,5.1,40.1"


@pytest.fixture(scope="module")
def products(tmp_path_factory):
    """Three small synthetic L2A products (two SAFE folders, one zip), made once."""
    root = tmp_path_factory.mktemp("made")
    return [
        make_l2a(root, size_10m=60, date="2024-06-02", spacecraft="S2A"),
        make_l2a(root, size_10m=60, date="2024-06-12", spacecraft="S2B", seed=1),
        make_l2a(root, size_10m=60, date="2024-06-22", spacecraft="S2A", seed=2, zip=True),
    ]


@pytest.fixture
def archive(tmp_path, products):
    folder = tmp_path / "archive"
    (folder / "2024" / "06").mkdir(parents=True)
    for product in products:
        target = folder / "2024" / "06" / product.name
        (shutil.copytree if product.is_dir() else shutil.copy2)(product, target)
    # unusable: a truncated zip, a SAFE with an empty metadata file, a real L1C product
    (folder / "S2B_MSIL2A_20240613T103629_N0510_R008_T32TQM_20240613T134016.zip").write_bytes(b"PK\x03\x04junk")
    empty = folder / "S2A_MSIL2A_20240614T103629_N0510_R008_T32TQM_20240614T134016.SAFE"
    empty.mkdir()
    (empty / "MTD_MSIL2A.xml").write_bytes(b"")
    shutil.copytree(N0500_SAFE, folder / N0500_SAFE.name)
    # ignored: an unrelated zip, a hidden staging folder
    (folder / "notes.zip").write_bytes(b"not a product")
    (folder / ".S2GM_x.partial-1").mkdir()
    return folder


def listing(folder: Path):
    return sorted((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns)
                  for p in folder.rglob("*"))


def test_scan_indexes_products_and_lists_unusable_ones_with_reasons(tmp_path, archive):
    before = listing(archive)
    catalogue = Catalogue(tmp_path / "db" / "catalogue.sqlite")
    messages = []
    report = catalogue.scan([archive], progress=lambda f, m: messages.append((f, m)))
    assert len(report.added) == 3 and report.updated == report.removed == ()
    assert report.unchanged == 0
    reasons = dict(report.failed)
    assert len(reasons) == 3
    assert any("L1C product" in r for p, r in reasons.items() if "MSIL1C" in p)
    assert any(p.endswith("T134016.zip") for p in reasons)
    empty = next(r for p, r in reasons.items() if p.endswith("20240614T134016.SAFE"))
    assert empty  # the reader says what is wrong with the empty MTD_MSIL2A.xml
    assert messages[-1] == (1.0, "scan complete")
    assert listing(archive) == before  # nothing written in the archive
    entries = catalogue.entries()
    assert [e.spacecraft for e in entries] == ["S2A", "S2B", "S2A"]
    first = entries[0]
    assert first.tile_id == "32TQM" and first.epsg == 32632
    assert first.processing_baseline == "05.10" and first.relative_orbit == 8
    assert first.product_id.startswith("S2A_MSIL2A_20240602")
    assert first.sensing_time_utc.tzinfo is not None
    assert first.footprint_wkt.startswith("POLYGON")
    assert entries[2].path.endswith(".zip")
    with sqlite3.connect(catalogue.db_path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_rescan_is_incremental(tmp_path, archive, products):
    catalogue = Catalogue(tmp_path / "catalogue.sqlite")
    catalogue.scan([archive])
    again = catalogue.scan([archive])
    assert again.added == again.updated == again.removed == ()
    assert again.unchanged == 3 and len(again.failed) == 3

    zipped = next(archive.rglob("*.zip"))
    if not zipped.name.startswith("S2A_MSIL2A_20240622"):
        zipped = next(p for p in archive.rglob("S2A_MSIL2A_20240622*.zip"))
    os.utime(zipped, ns=(zipped.stat().st_atime_ns, zipped.stat().st_mtime_ns + 10**9))
    gone = next(archive.rglob("S2A_MSIL2A_20240602*.SAFE"))
    shutil.rmtree(gone)
    fixed = archive / "S2B_MSIL2A_20240613T103629_N0510_R008_T32TQM_20240613T134016.zip"
    fixed.unlink()
    new = make_l2a(archive / "new", size_10m=60, date="2024-06-27", spacecraft="S2B", seed=3)
    report = catalogue.scan([archive])
    assert report.updated == (str(zipped),)
    assert report.removed == (str(gone),)
    assert report.added == (str(new),)
    assert report.unchanged == 1
    assert len(report.failed) == 2 and str(fixed) not in dict(report.failed)
    assert len(catalogue.entries()) == 3
    assert str(fixed) not in dict(catalogue.failures())


def test_a_folder_given_twice_or_inside_another_is_scanned_once(tmp_path, archive):
    catalogue = Catalogue(tmp_path / "catalogue.sqlite")
    report = catalogue.scan([archive, f"{archive}/", archive / "2024", archive / ".." / "archive"])
    assert len(report.added) == len(set(report.added)) == 3
    assert len(report.failed) == len(set(report.failed)) == 3
    assert len(catalogue.entries()) == 3
    again = catalogue.scan([archive / "2024", archive])
    assert (again.added, again.removed, again.unchanged) == ((), (), 3)
    # Indexed through a sub-folder, deleted, re-scanned through the parent: removed.
    inner = Catalogue(tmp_path / "inner.sqlite")
    inner.scan(archive / "2024")
    gone = sorted((archive / "2024" / "06").iterdir())[0]
    shutil.rmtree(gone)
    assert inner.scan(archive).removed == (str(gone),)
    assert len(inner.entries()) == 2


def test_missing_folder_keeps_its_products(tmp_path, archive):
    catalogue = Catalogue(tmp_path / "catalogue.sqlite")
    catalogue.scan([archive])
    moved = tmp_path / "unmounted"
    archive.rename(moved)
    report = catalogue.scan([archive])
    assert report.removed == ()
    assert "archive folder not found; its 3 indexed products are kept" in dict(report.failed)[str(archive)]
    assert len(catalogue.entries()) == 3


def test_query_by_aoi_and_period(tmp_path, archive):
    catalogue = Catalogue(tmp_path / "catalogue.sqlite")
    catalogue.scan(archive)
    june = catalogue.query(NEAR, date(2024, 6, 1), date(2024, 6, 30))
    assert [e.sensing_time_utc.day for e in june] == [2, 12, 22]
    assert catalogue.query(FAR, date(2024, 6, 1), date(2024, 6, 30)) == []
    assert catalogue.query(NEAR, date(2024, 7, 1), date(2024, 7, 31)) == []
    # dates are whole days, inclusive
    assert len(catalogue.query(NEAR, date(2024, 6, 12), date(2024, 6, 12))) == 1
    # datetimes are half-open
    start = datetime(2024, 6, 2, tzinfo=timezone.utc)
    end = june[1].sensing_time_utc
    assert len(catalogue.query(NEAR, start, end)) == 1
    with pytest.raises(ValueError, match="not after"):
        catalogue.query(NEAR, date(2024, 6, 30), date(2024, 6, 1))


def test_query_can_be_limited_to_some_archive_folders(tmp_path, archive, products):
    """One catalogue shared by several archives: a run over some folders must not pick the
    products of the others (nor of a folder that merely shares a name prefix)."""
    other = tmp_path / "archive-2"
    other.mkdir()
    shutil.copytree(products[0], other / products[0].name)
    catalogue = Catalogue(tmp_path / "catalogue.sqlite")
    catalogue.scan([archive, other])
    june = (date(2024, 6, 1), date(2024, 6, 30))
    assert len(catalogue.query(NEAR, *june)) == 4
    only_other = catalogue.query(NEAR, *june, roots=[other])
    assert [Path(e.path).parent for e in only_other] == [other]
    in_archive = catalogue.query(NEAR, *june, roots=[str(archive)])
    assert [e.sensing_time_utc.day for e in in_archive] == [2, 12, 22]
    assert all(Path(e.path).is_relative_to(archive) for e in in_archive)
    sub = catalogue.query(NEAR, *june, roots=[archive / "2024" / "06"])
    assert len(sub) == 3


def test_antimeridian_footprint_of_a_real_l2a_product(tmp_path):
    folder = tmp_path / "pacific"
    safe = folder / (L2A_METADATA.name.removesuffix(".metadata") + ".SAFE")
    granule = safe / "GRANULE" / "L2A_T01KAB_A042640_20230821T221944"
    granule.mkdir(parents=True)
    shutil.copy(L2A_METADATA / "MTD_MSIL2A.xml", safe)
    shutil.copy(L2A_METADATA / "MTD_TL.xml", granule)
    catalogue = Catalogue(tmp_path / "catalogue.sqlite")
    report = catalogue.scan([folder])
    assert report.added == (str(safe),), report.failed
    (entry,) = catalogue.entries()
    assert entry.tile_id == "01KAB" and entry.epsg == 32701
    assert entry.cloud_cover_pct == pytest.approx(59.050727)
    when = (date(2023, 8, 21), date(2023, 8, 21))
    assert len(catalogue.query("179.5,-17,179.6,-16.9", *when)) == 1  # west of 180
    assert len(catalogue.query("-179.9,-17,-179.8,-16.9", *when)) == 1  # east of 180
    assert catalogue.query("170,-17,171,-16.9", *when) == []
    assert catalogue.query("-170,-17,-169,-16.9", *when) == []


def test_cancel_keeps_what_was_indexed(tmp_path, archive):
    catalogue = Catalogue(tmp_path / "catalogue.sqlite")
    stop = threading.Event()
    calls = []

    def progress(fraction, message):
        calls.append(message)
        if len(calls) == 2:
            stop.set()

    with pytest.raises(CancelledError, match="kept"):
        catalogue.scan([archive], progress=progress, cancel=stop)
    done = len(catalogue.entries()) + len(catalogue.failures())
    assert done == 2
    report = catalogue.scan([archive])
    assert len(catalogue.entries()) == 3 and len(report.failed) == 3


def test_a_file_that_is_not_a_catalogue_is_refused(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(S2GMError, match="not a catalogue"):
        Catalogue(bad)
    with sqlite3.connect(tmp_path / "other.sqlite") as db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('schema_version', '99')")
    with pytest.raises(S2GMError, match="schema version 99"):
        Catalogue(tmp_path / "other.sqlite")
