"""Which catalogue an order's observations come from: a serialisable source specification.

An order without one is composited from the engine's own local archives (the folders the user
or the service host configured). An order with one names a STAC API: Earth Search (Element 84,
public), the Copernicus Data Space Ecosystem (CDSE, JPEG 2000 on ``s3://eodata``, read with the
user's S3 keys) or any STAC API URL with the same asset conventions. No secret is ever part of
a specification (keys live in the QGIS authentication database or the environment, see
:mod:`.credentials`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Optional
from urllib.parse import urlparse

from ...errors import ValidationError


@dataclass(frozen=True)
class Provider:
    """A known STAC API and how its items are laid out."""

    name: str
    title: str
    url: str
    collections: tuple[str, ...]  # the first is the default
    #: True when its assets are on S3 and need the user's keys (CDSE).
    needs_s3_keys: bool = False
    s3_endpoint: Optional[str] = None


EARTH_SEARCH = Provider(
    "earth-search", "Earth Search (Element 84)", "https://earth-search.aws.element84.com/v1",
    ("sentinel-2-c1-l2a", "sentinel-2-l2a"))
CDSE = Provider(
    "cdse", "Copernicus Data Space Ecosystem", "https://stac.dataspace.copernicus.eu/v1",
    ("sentinel-2-l2a",), needs_s3_keys=True, s3_endpoint="eodata.dataspace.copernicus.eu")
PROVIDERS: dict[str, Provider] = {p.name: p for p in (EARTH_SEARCH, CDSE)}
#: A STAC API the user adds: same asset conventions as Earth Search or CDSE.
CUSTOM = "custom"
ON_READ_ERROR = ("fail", "skip")


@dataclass(frozen=True)
class SourceSpec:
    """A STAC API source: provider, API URL, collection, optional cloud-cover ceiling (%)."""

    provider: str = EARTH_SEARCH.name
    url: str = ""
    collection: str = ""
    max_cloud_pct: Optional[float] = None

    def __post_init__(self) -> None:
        errors: dict[str, str] = {}
        provider = str(self.provider or "").strip().lower().replace("_", "-")
        if provider in ("earthsearch", "element84"):
            provider = EARTH_SEARCH.name
        if provider in ("copernicus", "dataspace", "copernicus-data-space"):
            provider = CDSE.name
        if provider not in PROVIDERS and provider != CUSTOM:
            errors["source.provider"] = (f"{self.provider!r} is not one of "
                                         f"{', '.join([*PROVIDERS, CUSTOM])}")
        known = PROVIDERS.get(provider)
        url = str(self.url or "").strip().rstrip("/") or (known.url if known else "")
        parsed = urlparse(url)
        if not url:
            errors["source.url"] = "required for a custom STAC API (http:// or https:// URL)"
        elif parsed.scheme not in ("http", "https") or not parsed.netloc:
            errors["source.url"] = f"{url!r} is not an http:// or https:// URL"
        collection = str(self.collection or "").strip() or (
            known.collections[0] if known else "")
        if not collection:
            errors["source.collection"] = "required for a custom STAC API"
        cloud = self.max_cloud_pct
        if cloud is not None and cloud != "":
            try:
                cloud = float(cloud)
            except (TypeError, ValueError):
                errors["source.max_cloud_pct"] = f"{self.max_cloud_pct!r} is not a number"
            else:
                if not math.isfinite(cloud) or not 0.0 <= cloud <= 100.0:
                    errors["source.max_cloud_pct"] = f"{cloud} is not between 0 and 100 (%)"
        else:
            cloud = None
        if errors:
            raise ValidationError(errors)
        object.__setattr__(self, "provider", provider)
        object.__setattr__(self, "url", url)
        object.__setattr__(self, "collection", collection)
        object.__setattr__(self, "max_cloud_pct", cloud)

    @property
    def known(self) -> Optional[Provider]:
        return PROVIDERS.get(self.provider)

    @property
    def title(self) -> str:
        return self.known.title if self.known else self.url

    @property
    def needs_s3_keys(self) -> bool:
        return bool(self.known and self.known.needs_s3_keys)

    def to_dict(self) -> dict[str, Any]:
        out = {"type": "stac", "provider": self.provider, "url": self.url,
               "collection": self.collection}
        if self.max_cloud_pct is not None:
            out["max_cloud_pct"] = self.max_cloud_pct
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SourceSpec":
        if isinstance(data, SourceSpec):
            return data
        if not isinstance(data, Mapping):
            raise ValidationError({"source": f"expected an object, got {type(data).__name__}"})
        kind = str(data.get("type", "stac")).lower()
        if kind != "stac":
            raise ValidationError({"source.type": f"{kind!r}: only 'stac' sources go in an order"
                                   " (local archives are the engine's own folders)"})
        unknown = set(data) - {"type", "provider", "url", "collection", "max_cloud_pct"}
        if unknown:
            raise ValidationError({f"source.{k}": "unknown field" for k in sorted(unknown)})
        return cls(provider=data.get("provider") or (CUSTOM if data.get("url") else
                                                    EARTH_SEARCH.name),
                   url=data.get("url") or "", collection=data.get("collection") or "",
                   max_cloud_pct=data.get("max_cloud_pct"))

    def open(self, *, catalogue_path=None):
        """The :class:`~.stac.StacSource` of this specification."""
        from .stac import StacSource

        return StacSource(self)
