"""The archive catalogue: an SQLite index of the Sentinel-2 L2A products held in local folders.

``Catalogue(db_path).scan(folders)`` walks the folders for ``*.SAFE`` folders, Sentinel-2
``.zip`` files and tiles in the AWS layout (folders or zips holding ``tileInfo.json`` and
``metadata.xml``), reads each new or changed product's metadata with the SAFE reader and records
one row per tile (granule): product id, tile, spacecraft, sensing time, relative orbit, processing
baseline, footprint, cloud cover, EPSG and path. Re-scans are incremental: a product is re-read
only when its signature changed (size and modification time of the zip, or of the SAFE folder's
main metadata file and the folder itself); products no longer found are removed. A product that
cannot be read, or is not L2A, is listed in ``ScanReport.failed`` with the reason and never stops
the scan. A folder that is missing (e.g. an unmounted drive) is reported and its products are kept.

``query(aoi, start, end)`` returns the tiles whose footprint intersects the AOI and whose
sensing time falls in the period. The database runs in WAL mode, so a QGIS dock can query while
a scan writes. Nothing is ever written inside the archive folders.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Sequence

from osgeo import ogr, osr

from ..gdal_io import srs_of_epsg
from ..errors import CancelledError, ProductError, S2GMError
from .aoi import Aoi, parse_aoi

SCHEMA_VERSION = 1
#: The file name of the catalogue wherever the plugin keeps one (the cache folder of the QGIS
#: preferences, an engine service's data folder, a temporary folder).
CATALOGUE_NAME = "catalogue.sqlite"
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # fixed width: text order is time order
_METADATA_NAMES = ("MTD_MSIL2A.xml", "MTD_MSIL1C.xml", "tileInfo.json")
#: A tile folder in the AWS layout (public Sentinel-2 buckets): tileInfo.json + metadata.xml.
_AWS_TILE_FILES = ("tileInfo.json", "metadata.xml")
_COMMIT_EVERY = 25

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS products (
    path TEXT NOT NULL,
    tile_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    spacecraft TEXT NOT NULL,
    sensing_time_utc TEXT NOT NULL,
    relative_orbit INTEGER,
    processing_baseline TEXT,
    footprint_wkt TEXT NOT NULL,
    min_lon REAL NOT NULL, min_lat REAL NOT NULL, max_lon REAL NOT NULL, max_lat REAL NOT NULL,
    cloud_cover_pct REAL,
    epsg INTEGER NOT NULL,
    root TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    scanned_utc TEXT NOT NULL,
    PRIMARY KEY (path, tile_id)
);
CREATE INDEX IF NOT EXISTS products_time ON products (sensing_time_utc);
CREATE INDEX IF NOT EXISTS products_root ON products (root);
CREATE TABLE IF NOT EXISTS failures (
    path TEXT PRIMARY KEY,
    root TEXT NOT NULL,
    reason TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    scanned_utc TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class CatalogueEntry:
    """One tile of one L2A product in the archive."""

    product_id: str  # product name without .SAFE / .zip
    path: str  # the SAFE folder or zip (open it with open_product(path, tile=tile_id))
    tile_id: str  # e.g. "32TQM"
    spacecraft: str  # "S2A" | "S2B" | "S2C"
    sensing_time_utc: datetime  # tile sensing time, timezone-aware UTC
    relative_orbit: Optional[int]
    processing_baseline: str
    footprint_wkt: str  # lon/lat polygon, EPSG:4326 (longitudes may pass 180 near the antimeridian)
    cloud_cover_pct: Optional[float]
    epsg: int


@dataclass(frozen=True)
class ScanReport:
    """Outcome of a scan: paths of products added, updated (changed on disk) and removed, the
    number left unchanged, and (path, reason) of every product that cannot be used."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    failed: tuple[tuple[str, str], ...] = field(default=())

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed,"
                f" {self.unchanged} unchanged, {len(self.failed)} unusable")


ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]


class Catalogue:
    """An SQLite catalogue of L2A products (see the module docstring)."""

    def __init__(self, db_path: str | os.PathLike):
        self.db_path = Path(db_path)
        try:
            self.db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise S2GMError(f"{self.db_path.parent}: cannot create it ({exc.strerror})") from None
        self._lock = threading.Lock()  # one scan at a time per Catalogue object
        with self._connect() as db:
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
                row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            except sqlite3.DatabaseError as exc:
                raise S2GMError(f"{self.db_path}: not a catalogue database ({exc})") from None
            if row is None:
                db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            elif row[0] != str(SCHEMA_VERSION):
                raise S2GMError(
                    f"{self.db_path}: catalogue schema version {row[0]}, this software reads"
                    f" version {SCHEMA_VERSION}; delete the file to rebuild it"
                )

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(str(self.db_path), timeout=30.0)
        db.execute("PRAGMA foreign_keys=ON")
        return db

    # -- scanning ------------------------------------------------------------------------------
    def scan(self, folders: Sequence[str | os.PathLike] | str | os.PathLike,
             progress: Optional[ProgressFn] = None,
             cancel: Optional[CancelFn | threading.Event] = None) -> ScanReport:
        """Index new and changed products under ``folders``, drop removed ones.

        ``progress(fraction, message)`` is called as products are read; ``cancel()`` (or a set
        ``threading.Event``) stops the scan: what was indexed so far is kept and CancelledError
        is raised.
        """
        if isinstance(folders, (str, os.PathLike)):
            folders = [folders]
        is_cancelled = _cancel_fn(cancel)
        from ..safe import open_product  # the reader is only needed to scan

        with self._lock, _closing(self._connect()) as db:
            failed: list[tuple[str, str]] = []
            roots: list[str] = []
            candidates: list[tuple[str, str, tuple[int, int]]] = []
            indexed = [row[0] for row in db.execute("SELECT DISTINCT path FROM products")]
            for root in _outermost(os.path.abspath(os.fspath(f)) for f in folders):
                if not os.path.isdir(root):
                    kept = sum(1 for path in indexed if _is_under(path, root))
                    failed.append((root, f"archive folder not found; its {kept} indexed products"
                                         " are kept"))
                    continue
                roots.append(root)
                for path in _find_products(root):
                    try:
                        candidates.append((root, path, _signature(path)))
                    except OSError as exc:
                        failed.append((path, f"cannot read it ({exc.strerror})"))

            known = {row[0]: (row[1], row[2]) for row in db.execute(
                "SELECT path, size, mtime_ns FROM products GROUP BY path")}
            seen = {path for _, path, _ in candidates}
            added: list[str] = []
            updated: list[str] = []
            removed: list[str] = []
            # Products that failed before are not in `known`, so they are always retried.
            todo = [(root, path, sig) for root, path, sig in candidates if known.get(path) != sig]
            unchanged = len(candidates) - len(todo)
            stamp = _utc_now()
            for index, (root, path, sig) in enumerate(todo):
                if is_cancelled():
                    db.commit()
                    raise CancelledError(
                        f"scan cancelled after {index} of {len(todo)} products; those are kept"
                    )
                if progress:
                    progress(index / max(1, len(todo)), f"reading {os.path.basename(path)}")
                db.execute("DELETE FROM failures WHERE path=?", (path,))
                try:
                    rows = _rows_of(open_product(path), path)
                except Exception as exc:  # noqa: BLE001 - a bad product must never stop the scan
                    reason = _reason(exc, path)
                    db.execute("DELETE FROM products WHERE path=?", (path,))
                    db.execute("INSERT INTO failures VALUES (?,?,?,?,?,?)",
                               (path, root, reason, sig[0], sig[1], stamp))
                    failed.append((path, reason))
                    if path in known:  # readable before, unusable now: out of the index
                        removed.append(path)
                    continue
                db.execute("DELETE FROM products WHERE path=?", (path,))
                db.executemany(
                    "INSERT INTO products VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [row + (root, sig[0], sig[1], stamp) for row in rows],
                )
                (updated if path in known else added).append(path)
                if index % _COMMIT_EVERY == _COMMIT_EVERY - 1:
                    db.commit()

            # Gone: indexed under a scanned folder (whichever folder indexed it) and not found.
            for (path,) in db.execute("SELECT DISTINCT path FROM products ORDER BY path"
                                      ).fetchall():
                if path not in seen and any(_is_under(path, root) for root in roots):
                    removed.append(path)
                    db.execute("DELETE FROM products WHERE path=?", (path,))
            for (path,) in db.execute("SELECT path FROM failures").fetchall():
                if path not in seen and any(_is_under(path, root) for root in roots):
                    db.execute("DELETE FROM failures WHERE path=?", (path,))
            db.commit()
            if progress:
                progress(1.0, "scan complete")
        return ScanReport(tuple(added), tuple(updated), tuple(removed), unchanged,
                          tuple(sorted(failed)))

    # -- querying ------------------------------------------------------------------------------
    def query(self, aoi, start: date | datetime, end: date | datetime,
              roots: Optional[Iterable[str | os.PathLike]] = None) -> list[CatalogueEntry]:
        """Tiles intersecting ``aoi`` (anything :func:`parse_aoi` accepts) sensed in the period,
        oldest first; with ``roots``, only products inside those folders (a catalogue may index
        more archives than a run uses).

        Dates are inclusive calendar days (UTC): ``query(aoi, date(2023, 8, 1), date(2023, 8,
        31))`` is August. Aware datetimes give the half-open interval ``[start, end)``.
        """
        folders = None if roots is None else [os.path.abspath(os.fspath(r)) for r in roots]
        aoi = parse_aoi(aoi)
        lower, upper = _time_bounds(start, end)
        shapes = _aoi_shapes(aoi)
        sql = ["SELECT product_id, path, tile_id, spacecraft, sensing_time_utc, relative_orbit,"
               " processing_baseline, footprint_wkt, cloud_cover_pct, epsg FROM products"
               " WHERE sensing_time_utc >= ? AND sensing_time_utc < ? AND ("]
        args: list = [lower, upper]
        boxes = []
        for geometry in shapes:
            minx, maxx, miny, maxy = geometry.GetEnvelope()
            boxes.append("(max_lon >= ? AND min_lon <= ? AND max_lat >= ? AND min_lat <= ?)")
            args += [minx, maxx, miny, maxy]
        sql.append(" OR ".join(boxes) + ") ORDER BY sensing_time_utc, tile_id, path")
        with _closing(self._connect()) as db:
            rows = db.execute("".join(sql), args).fetchall()
        out = []
        for row in rows:
            footprint = ogr.CreateGeometryFromWkt(row[7])
            if footprint is None or not any(shape.Intersects(footprint) for shape in shapes):
                continue
            if folders is not None and not any(_is_under(row[1], f) for f in folders):
                continue
            out.append(_entry(row))
        return out

    def entries(self) -> list[CatalogueEntry]:
        """Every indexed tile, oldest first."""
        with _closing(self._connect()) as db:
            rows = db.execute(
                "SELECT product_id, path, tile_id, spacecraft, sensing_time_utc, relative_orbit,"
                " processing_baseline, footprint_wkt, cloud_cover_pct, epsg FROM products"
                " ORDER BY sensing_time_utc, tile_id, path").fetchall()
        return [_entry(row) for row in rows]

    def failures(self) -> list[tuple[str, str]]:
        """(path, reason) of every product found unusable by the last scans."""
        with _closing(self._connect()) as db:
            return [tuple(r) for r in db.execute("SELECT path, reason FROM failures ORDER BY path")]


# -- helpers ---------------------------------------------------------------------------------
class _closing:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        return self.db

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            self.db.commit()
        self.db.close()
        return False


def _reason(exc: Exception, product_path: str) -> str:
    """Why a product is unusable, naming the file inside it when that is where the fault is."""
    if isinstance(exc, ProductError):
        inner = exc.path
        if inner and os.path.normpath(inner) != os.path.normpath(product_path):
            return f"{inner}: {exc.reason}"
        return exc.reason
    if isinstance(exc, S2GMError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _cancel_fn(cancel) -> CancelFn:
    if cancel is None:
        return lambda: False
    if isinstance(cancel, threading.Event):
        return cancel.is_set
    return lambda: bool(cancel())


def _utc_now() -> str:
    return datetime.now(timezone.utc).strftime(_TIME_FORMAT)


def _is_under(path: str, folder: str) -> bool:
    """True if ``path`` is ``folder`` or inside it (both absolute)."""
    return path == folder or path.startswith(os.path.join(folder, ""))


def _outermost(folders: Iterable[str]) -> list[str]:
    """Absolute folders without repeats nor folders inside another one of them (scanned
    once, by the outer one), in their first order."""
    unique = list(dict.fromkeys(folders))
    return [f for f in unique if not any(f != g and _is_under(f, g) for g in unique)]


def _find_products(root: str) -> Iterator[str]:
    """SAFE folders, AWS tile folders (tileInfo.json + metadata.xml) and Sentinel-2 zips under
    root (sorted; hidden folders skipped; never descends into a product). A zip counts when its
    name is a Sentinel-2 product's (S2*_MSI*) or when it holds an AWS tile's tileInfo.json."""
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        if all(name in files for name in _AWS_TILE_FILES):
            dirs[:] = []
            yield folder
            continue
        keep = []
        for name in dirs:
            if name.startswith("."):
                continue
            if name.upper().endswith(".SAFE"):
                yield os.path.join(folder, name)
            else:
                keep.append(name)
        dirs[:] = keep
        for name in sorted(files):
            upper = name.upper()
            if not upper.endswith(".ZIP"):
                continue
            path = os.path.join(folder, name)
            if (upper.startswith("S2") and "_MSI" in upper) or _holds_aws_tile(path):
                yield path


def _holds_aws_tile(zip_path: str) -> bool:
    """True when the zip's directory lists an AWS tile's tileInfo.json (nothing is extracted)."""
    try:
        with zipfile.ZipFile(zip_path) as archive:
            return any(n.rsplit("/", 1)[-1] == _AWS_TILE_FILES[0] for n in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def _signature(path: str) -> tuple[int, int]:
    """(size, mtime_ns) of a zip; for a SAFE folder those of its main metadata file, with the
    latest of that file's and the folder's modification times."""
    info = os.stat(path)
    if not os.path.isdir(path):
        return (info.st_size, info.st_mtime_ns)
    for name in _METADATA_NAMES:
        candidate = os.path.join(path, name)
        if os.path.isfile(candidate):
            meta = os.stat(candidate)
            return (meta.st_size, max(meta.st_mtime_ns, info.st_mtime_ns))
    return (0, info.st_mtime_ns)


def _rows_of(product, path: str) -> list[tuple]:
    if product.level != "L2A":
        raise S2GMError(f"{product.level} product: mosaics are made from L2A (surface reflectance)")
    if not product.granules:
        raise S2GMError("the product lists no tile (granule)")
    rows = []
    for granule in product.granules:
        ring = granule.footprint_lonlat
        if not ring and len(product.granules) == 1:
            ring = product.footprint_lonlat
        if not ring:
            ring = _tile_footprint(granule)
        footprint = _footprint(ring)
        minx, maxx, miny, maxy = footprint.GetEnvelope()
        rows.append((
            path, granule.tile_id, product.name, product.spacecraft,
            granule.sensing_time_utc.astimezone(timezone.utc).strftime(_TIME_FORMAT),
            product.relative_orbit, product.processing_baseline, footprint.ExportToWkt(),
            minx, miny, maxx, maxy, product.cloud_cover_pct, granule.epsg,
        ))
    return rows


def _tile_footprint(granule) -> tuple[tuple[float, float], ...]:
    """Lon/lat corners of the tile's 10 m (or coarsest available) grid."""
    grid = granule.grids[min(granule.grids)]
    xmin, ymin, xmax, ymax = grid.bounds_m
    transform = osr.CoordinateTransformation(srs_of_epsg(granule.epsg), srs_of_epsg(4326))
    corners = [(xmin, ymax), (xmax, ymax), (xmax, ymin), (xmin, ymin), (xmin, ymax)]
    return tuple(transform.TransformPoint(x, y)[:2] for x, y in corners)


def _footprint(ring: Iterable[tuple[float, float]]) -> ogr.Geometry:
    """A lon/lat polygon; a ring crossing the antimeridian gets continuous longitudes (>180)."""
    points = [(float(x), float(y)) for x, y in ring]
    lons = [x for x, _ in points]
    if max(lons) - min(lons) > 180.0:
        points = [(x + 360.0 if x < 0 else x, y) for x, y in points]
    if points[0] != points[-1]:
        points.append(points[0])
    linear = ogr.Geometry(ogr.wkbLinearRing)
    for x, y in points:
        linear.AddPoint_2D(x, y)
    polygon = ogr.Geometry(ogr.wkbPolygon)
    polygon.AddGeometry(linear)
    if not polygon.IsValid():
        polygon = polygon.MakeValid()
    return polygon


def _aoi_shapes(aoi: Aoi) -> list[ogr.Geometry]:
    """The AOI, and a copy shifted by +360 degrees for footprints stored past 180."""
    geometry = aoi.ogr_geometry()
    coords = [[[[x + 360.0, y] for x, y in ring] for ring in poly]
              for poly in aoi.geojson()["coordinates"]]
    shifted = ogr.CreateGeometryFromJson(json.dumps({"type": "MultiPolygon", "coordinates": coords}))
    return [geometry, shifted]


def _time_bounds(start: date | datetime, end: date | datetime) -> tuple[str, str]:
    def as_utc(value: date | datetime, is_end: bool) -> datetime:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError(f"{value!r} has no time zone; give an aware UTC datetime")
            return value.astimezone(timezone.utc)
        day = value + timedelta(days=1) if is_end else value
        return datetime.combine(day, time(0), tzinfo=timezone.utc)

    lower, upper = as_utc(start, False), as_utc(end, True)
    if upper <= lower:
        raise ValueError(f"period end {end} is not after its start {start}")
    return lower.strftime(_TIME_FORMAT), upper.strftime(_TIME_FORMAT)


def _entry(row: tuple) -> CatalogueEntry:
    when = datetime.strptime(row[4], _TIME_FORMAT).replace(tzinfo=timezone.utc)
    return CatalogueEntry(row[0], row[1], row[2], row[3], when, row[5], row[6], row[7], row[8],
                          int(row[9]))
