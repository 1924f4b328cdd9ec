"""Names of the layers an observation gives, whatever its source."""

#: Product layers an observation can read, beyond the reflectance bands.
SCL = "SCL"
AOT = "AOT"
CLOUD_PROBABILITY = "MSK_CLDPRB"
SNOW_PROBABILITY = "MSK_SNWPRB"
#: Angle layers (computed from the metadata, not read from rasters).
VIEW_ZENITH = "view_zenith_mean"
VIEW_AZIMUTH = "view_azimuth_mean"
SUN_ZENITH = "sun_zenith"
SUN_AZIMUTH = "sun_azimuth"
ANGLE_LAYERS = (VIEW_ZENITH, VIEW_AZIMUTH, SUN_ZENITH, SUN_AZIMUTH)
MASK_LAYERS = (CLOUD_PROBABILITY, SNOW_PROBABILITY)
#: Fill of the class layer where the product has nothing (SCL 0 = NO_DATA).
SCL_NODATA = 0
