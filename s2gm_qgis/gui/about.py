"""The About dialog: what the plugin does, its version, links, license and the sources of its
methods and data."""
from __future__ import annotations

import html
from typing import Optional

from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..resources import icon_path, plugin_metadata
from ..qgis_support.i18n import tr


def about_html(metadata: dict[str, str]) -> str:
    """The dialog's text: description, version, links, license and credits, as Qt rich text."""
    version = html.escape(metadata.get("version", "?"))
    homepage = html.escape(metadata.get("homepage", ""), quote=True)
    tracker = html.escape(metadata.get("tracker", ""), quote=True)
    # tr() stays outside f-strings: pylupdate5 does not look inside string literals.
    home_text, tracker_text = tr("Home page"), tr("Report a problem")
    paragraphs = [
        "<h2>S2GM for QGIS</h2><p>" + tr("Version {version}").format(version=version) + "</p>",
        "<p>" + tr(
            "Cloud-free Sentinel-2 mosaics on demand, composited the way the Copernicus "
            "Sentinel-2 Global Mosaic service (S2GM) does, from your local L2A archive or from "
            "an engine service."
        ) + "</p>",
        "<p>" + tr(
            "Inter-band time delays at any pixel of an L1C tile, corrected for its detector and "
            "its orbit, to turn a displacement between two bands into a velocity."
        ) + "</p>",
        "<p>" + tr(
            "Delay tables: CNES values (Binet et al., 2022) from the S2Shores project "
            "(Apache-2.0). Mosaic method: S2GM, Copernicus Sentinel-2 Global Mosaic service."
        ) + "</p>",
        "<p>" + tr(
            "Free software under the GNU General Public License, version 2 or later."
        ) + "</p>",
        f'<p><a href="{homepage}">{home_text}</a> · <a href="{tracker}">{tracker_text}</a></p>',
    ]
    return "".join(paragraphs)


class AboutDialog(QDialog):
    """Modal dialog opened by "S2GM > About S2GM…"."""

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("s2gm_qgis_about_dialog")
        self.setWindowTitle(tr("About S2GM"))
        self.setMinimumWidth(460)
        icon = QLabel(self)
        icon.setPixmap(QIcon(icon_path("s2gm.svg")).pixmap(64, 64))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.text_label = QLabel(about_html(plugin_metadata()), self)
        self.text_label.setObjectName("about_text")
        self.text_label.setWordWrap(True)
        self.text_label.setTextFormat(Qt.TextFormat.RichText)
        self.text_label.setOpenExternalLinks(True)
        body = QHBoxLayout()
        body.addWidget(icon)
        body.addWidget(self.text_label, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(body)
        layout.addWidget(buttons)
