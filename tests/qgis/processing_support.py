"""Layers the Processing tests feed the algorithms."""
from __future__ import annotations

from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer


def points_layer(crs: str, points) -> QgsVectorLayer:
    """A memory layer of named points: ``points`` is [(name, (x, y)), ...] in ``crs``."""
    layer = QgsVectorLayer(f"Point?crs={crs}&field=name:string", "points", "memory")
    features = []
    for name, (x, y) in points:
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        feature.setAttributes([name])
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer
