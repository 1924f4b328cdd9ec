"""Synthetic Sentinel-2 L1C / L2A products for tests, the demo and benchmarks (not shipped).

Products follow the real compact SAFE layout and metadata (../shared/data/s2-samples); what
lies where is given by a ``Scene``, and ``expected_reflectance`` / ``expected_layer`` say what
was written, so tests know the right answer.
"""
from .l1c import make_l1c
from .l2a import make_l2a
from .radiometry import expected_dn, expected_layer, expected_reflectance
from .scene import Scene, Surface
from .series import make_l2a_overlap, make_l2a_series

__all__ = [
    "Scene", "Surface", "make_l1c", "make_l2a", "make_l2a_series", "make_l2a_overlap",
    "expected_dn", "expected_reflectance", "expected_layer",
]
