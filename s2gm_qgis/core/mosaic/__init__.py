"""The S2GM temporal mosaic engine: orders, compositing and outputs, without Qt.

Algorithm: ../shared/docs/mosaic-algorithm.md (S2GM ATBD v1.3.3). Orders are
:class:`~s2gm_qgis.core.mosaic.order.MosaicOrder`; output layers are described in
:mod:`~s2gm_qgis.core.mosaic.layers`.
"""
