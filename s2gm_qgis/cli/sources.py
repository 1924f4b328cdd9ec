"""The ``--archive DIR ... | --stac URL`` options shared by the commands that read observations."""
from __future__ import annotations

import argparse
import os
from typing import Optional

from ..core.errors import ValidationError
from ..core.mosaic.sources.spec import CUSTOM, ON_READ_ERROR, PROVIDERS, SourceSpec


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--archive", action="append", metavar="DIR",
                       help="folder of L2A products (SAFE folders or zips); repeat for several")
    group.add_argument("--stac", metavar="URL",
                       help="a STAC API instead of local folders: its URL, or earth-search"
                            " (Element 84, no login) or cdse (Copernicus Data Space; S3 keys in"
                            " AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)")
    parser.add_argument("--collection", default=None,
                        help="STAC collection (default: sentinel-2-c1-l2a on Earth Search,"
                             " sentinel-2-l2a on CDSE)")
    parser.add_argument("--max-cloud", type=float, default=None, metavar="PCT",
                        help="STAC search: only items with eo:cloud_cover at most PCT %%")
    parser.add_argument("--tile-cache", default=None, metavar="DIR",
                        help="keep the tiles fetched from a STAC source in DIR (at most"
                             " --tile-cache-mb), so a later run over the same scenes reads"
                             " them from disk")
    parser.add_argument("--tile-cache-mb", type=int, default=2048, metavar="MB",
                        help="size bound of --tile-cache (default 2048)")


def add_read_error_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--on-read-error", default="fail", choices=ON_READ_ERROR,
                        help="a remote read failing after retries fails the run (default) or"
                             " skips that observation (listed in the metadata JSON)")


def stac_spec(args: argparse.Namespace) -> Optional[SourceSpec]:
    """The STAC source of ``--stac`` (None with ``--archive``); ValidationError per option."""
    if not args.stac:
        for option, value in (("--collection", args.collection), ("--max-cloud", args.max_cloud)):
            if value is not None:
                raise ValidationError({option: "only with --stac"})
        return None
    name = args.stac.strip().lower()
    provider = name if name in PROVIDERS else next(
        (p.name for p in PROVIDERS.values() if p.url == args.stac.rstrip("/")), CUSTOM)
    url = "" if name in PROVIDERS else args.stac
    try:
        return SourceSpec(provider=provider, url=url, collection=args.collection or "",
                          max_cloud_pct=args.max_cloud)
    except ValidationError as exc:
        option = {"source.url": "--stac", "source.collection": "--collection",
                  "source.max_cloud_pct": "--max-cloud", "source.provider": "--stac"}
        raise ValidationError({option.get(k, k): v for k, v in exc.errors.items()}) from None


def configure_tile_cache(args: argparse.Namespace) -> None:
    if getattr(args, "tile_cache", None):
        from ..core.mosaic.sources.tile_cache import set_default_tile_cache

        set_default_tile_cache(args.tile_cache, max(1, args.tile_cache_mb) * 2**20)


def archive_errors(args: argparse.Namespace) -> dict[str, str]:
    problems = [f"{folder}: {'not a folder' if os.path.exists(folder) else 'no such folder'}"
                for folder in (args.archive or ()) if not os.path.isdir(folder)]
    return {"--archive": "; ".join(problems)} if problems else {}
