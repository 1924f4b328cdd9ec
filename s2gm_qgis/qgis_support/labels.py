"""The translated names of the order's choices (periods, layers, products, cloud masks,
preferences, layer presets, data sources), shared by the dock, the orders list, the result
loader and the Processing algorithms. Called when the text is shown, never at import time (see
:mod:`.i18n`)."""
from __future__ import annotations

from ..core.mosaic.sources.spec import CDSE, CUSTOM, EARTH_SEARCH
from .i18n import tr
from .preferences import LOCAL


def preset_labels() -> dict[str, str]:
    return {
        "true_colour": tr("True colour (B04, B03, B02)"),
        "true_colour_quality": tr("True colour with scene classes and validation layers"),
        "bands_10m": tr("10 m bands (B02, B03, B04, B08)"),
        "all_bands_quality": tr("All bands with quality and validation layers"),
        "everything": tr("Every layer"),
        "custom": tr("Custom selection"),
    }


def product_labels() -> dict[str, str]:
    return {"temporal": tr("Temporal mosaic (all bands, quality layers)"),
            "brightearth": tr("BrightEarth (RGB for viewing)")}


def cloud_mask_labels() -> dict[str, str]:
    return {"scl": tr("ESA scene classification (SCL)"),
            "brightearth": tr("BrightEarth (temporal cloud, haze and shadow tests)")}


def preference_labels() -> dict[str, str]:
    return {"STD": tr("Standard (medoid)"),
            "VEG": tr("Vegetation (greenest: highest NDVI)"),
            "SOI": tr("Bare soil (lowest NDVI over land)")}


def period_labels() -> dict[str, str]:
    return {"day": tr("Day"), "dekad": tr("10 days (dekad)"), "month": tr("Month"),
            "quarter": tr("Quarter"), "year": tr("Year")}


def layer_label(name: str) -> str:
    """What the checklists show for a layer."""
    labels = {
        "quality_aot": tr("Aerosol optical thickness (AOT)"),
        "quality_cloud_confidence": tr("Cloud probability"),
        "quality_snow_confidence": tr("Snow probability"),
        "quality_scene_classification": tr("Scene classification (SCL)"),
        "view_zenith_mean": tr("View zenith angle"),
        "view_azimuth_mean": tr("View azimuth angle"),
        "sun_zenith": tr("Sun zenith angle"),
        "sun_azimuth": tr("Sun azimuth angle"),
        "source_index": tr("Source product index"),
        "valid_obs": tr("Number of valid observations"),
        "medoid_mos": tr("Medoid spread"),
    }
    return labels.get(name, name)


def source_labels() -> dict[str, str]:
    return {
        LOCAL: tr("Local archive folders"),
        EARTH_SEARCH.name: tr("Earth Search (Element 84, no login)"),
        CDSE.name: tr("Copernicus Data Space (S3 keys)"),
        CUSTOM: tr("Custom STAC API"),
    }
