"""pyproj in QgsTask threads, run after run on the same pooled threads (issue "Test on the QGIS
versions users run"): with pyproj 3.7 (Debian trixie, QGIS 3.40) the second task that used
pyproj on a pool thread crashed QGIS, its thread's PROJ context freed with the first run's Python
thread state (see ``keep_pyproj_context``). Here the plugin's own task paths run several times on
a one-thread pool in a fresh QGIS, so a crash fails the test instead of the test session: the
delay inspector's open task and the Processing algorithm "delays at points" in Processing's task
(``QgsProcessingAlgRunnerTask``, as the toolbox runs it in the background)."""
from __future__ import annotations

from .conftest import run_in_fresh_qgis

CODE = r"""
import faulthandler
faulthandler.enable()
from qgis.core import (QgsFeature, QgsGeometry, QgsPointXY, QgsProcessingAlgRunnerTask,
                       QgsProcessingContext, QgsProcessingFeedback, QgsProject, QgsVectorLayer)
from s2gm_qgis.gui.delays.recognition import ProductRef
from s2gm_qgis.gui.delays.task import OpenInspectorTask
from s2gm_qgis.processing.provider import S2gmProvider

manager = QgsApplication.taskManager()
QgsApplication.instance().setMaxThreads(1)  # every run on the same pooled thread

for run in range(3):
    task = OpenInspectorTask(ProductRef(PRODUCT), PRODUCT)
    manager.addTask(task)
    assert task.waitForFinished(120000)
    assert task.inspector is not None, (task.error, task.details)
    print("open", run, task.inspector.tile_id, flush=True)

provider = S2gmProvider()
QgsApplication.processingRegistry().addProvider(provider)
layer = QgsVectorLayer("Point?crs=EPSG:32748&field=name:string", "points", "memory")
feature = QgsFeature(layer.fields())
feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(554880, 8845120)))
feature.setAttributes(["centre"])
layer.dataProvider().addFeatures([feature])
for run in range(3):
    algorithm = QgsApplication.processingRegistry().createAlgorithmById("s2gm:delaysatpoints")
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = QgsProcessingFeedback()
    task = QgsProcessingAlgRunnerTask(algorithm, {"PRODUCT": PRODUCT, "INPUT": layer,
                                                  "OUTPUT": "memory:"}, context, feedback)
    manager.addTask(task)
    assert task.waitForFinished(120000)
    print("algorithm", run, flush=True)
print("done", flush=True)
# End as QGIS itself does: without exitQgis, this script crashed at interpreter exit on QGIS 3.44
# after the Processing tasks (all output printed; with exitQgis, or without the Processing part,
# it exits cleanly).
app.exitQgis()
"""


def test_plugin_tasks_use_pyproj_run_after_run_on_one_pool_thread(n0301_zip, tmp_path):
    result = run_in_fresh_qgis(f"PRODUCT = {str(n0301_zip)!r}\n" + CODE, tmp_path,
                               timeout_s=300)
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr[-4000:])
    assert result.stdout.count("open ") == 3 and "algorithm 2" in result.stdout
    assert result.stdout.rstrip().endswith("done")
