"""``python3 -m s2gm_qgis ...``: the command line over the core."""
import sys

from .cli import main

sys.exit(main())
