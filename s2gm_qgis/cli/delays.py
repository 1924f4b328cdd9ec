"""``python3 -m s2gm_qgis delays PRODUCT --x X --y Y``: detector, corrected inter-band delays and
sensing times at a point of a Sentinel-2 tile (see s2gm_qgis.core.delays)."""
from __future__ import annotations

import argparse
import json
import sys

from ..core.delays.ephemeris import SELECTIONS
from ..core.delays.granules import GranuleInspectors


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "delays",
        help="detector and corrected inter-band time delays at a point of a tile",
        description=(
            "Detector of each band at a point of a Sentinel-2 L1C tile and the inter-band time "
            "delays dt(src -> dst) = t(dst) - t(src) from the --from band, corrected for the "
            "detector and the orbit (CNES lookup table, Binet et al. 2022, and the datastrip "
            "ephemeris), with the LUT and ESA handbook values and each band's sensing time."
        ),
    )
    parser.add_argument("product", metavar="PRODUCT",
                        help="SAFE folder, .zip, AWS tile folder or zip, or a file inside (a file "
                             "in a granule selects that tile; else the point selects the tile "
                             "of a multi-tile product)")
    parser.add_argument("--x", type=float, required=True, help="x (easting or longitude)")
    parser.add_argument("--y", type=float, required=True, help="y (northing or latitude)")
    parser.add_argument("--crs", default=None,
                        help="CRS of X Y, e.g. EPSG:4326 (default: the tile's CRS)")
    parser.add_argument("--from", dest="source_band", default="B02", metavar="BAND",
                        help="source band of the delays (default B02)")
    parser.add_argument("--ephemeris", choices=SELECTIONS, default="tile-centre",
                        help="ephemeris sample nearest the tile centre (paper, default) or the point")
    parser.add_argument("--detector", type=int, default=None,
                        help="force the source detector (e.g. inside an overlap of two)")
    parser.add_argument("--tile", default=None, help="tile of a multi-tile product, e.g. 53HLA")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    inspector = GranuleInspectors(args.product, args.tile, ephemeris=args.ephemeris
                                  ).inspector_at(args.x, args.y, args.crs)
    readout = inspector.readout(args.x, args.y, crs=args.crs, source_band=args.source_band,
                                detector=args.detector)
    if args.json:
        json.dump(readout.to_json_dict(), sys.stdout)
        sys.stdout.write("\n")
        return 0
    sys.stdout.write(format_table(readout))
    return 0


def format_table(readout) -> str:
    """The readout as readable text."""
    p = readout.point
    lines = [
        f"product    {readout.product}",
        f"satellite  {readout.satellite}   tile {readout.tile}",
        f"point      x={p.x:.3f} y={p.y:.3f} ({p.crs})   lon={p.lon:.6f} lat={p.lat:.6f}",
        f"detector   {readout.detector if readout.detector is not None else '-'} "
        f"(band {readout.source_band})",
    ]
    eph = readout.ephemeris
    if eph is not None:
        lines.append(f"ephemeris  sample {eph.sample_index} ({eph.selection}), GPS {eph.gps_time}, "
                     f"UTC {eph.utc_time}: H_sat {eph.h_sat_m:.1f} m, "
                     f"V_ground {eph.v_ground_m_s:.2f} m/s")
    else:
        lines.append("ephemeris  none (delays not corrected for the orbit)")
    if readout.message:
        lines.append(f"note       {readout.message}")
    lines.append("")
    header = f"{'to':<4} {'detectors':<10} {'dt (s)':>10} {'LUT (s)':>10} {'ESA (s)':>8} " \
             f"{'corr %':>7}  sensing time (UTC)"
    lines.append(header)
    lines.append("-" * len(header))
    by_band = {d.dst: d for d in readout.delays}
    for band, dets in readout.detectors.items():
        seen = ",".join(map(str, dets)) or "-"
        when = (readout.sensing_time_utc or {}).get(band, "")
        delay = by_band.get(band)
        if delay is None:
            label = "(source)" if band == readout.source_band else ""
            lines.append(f"{band:<4} {seen:<10} {label:>10} {'':>10} {'':>8} {'':>7}  {when}")
        else:
            lines.append(f"{band:<4} {seen:<10} {delay.dt_s:>10.5f} {delay.dt_lut_s:>10.5f} "
                         f"{delay.dt_esa_s:>8.3f} {delay.correction_pct:>7.3f}  {when}")
    for warning in readout.warnings:
        lines.append(f"warning: {warning}")
    return "\n".join(lines) + "\n"
