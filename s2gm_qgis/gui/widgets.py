"""Small widget makers the docks and dialogs share."""
from __future__ import annotations

from qgis.PyQt.QtWidgets import QLabel

#: The text colour of a problem the user must solve.
ERROR_STYLE = "color: #b00020;"


def message_label(parent, object_name: str, text: str = "", *, error: bool = False,
                  hidden: bool = False) -> QLabel:
    """A word-wrapped label named ``object_name`` (tests find it by name), red for ``error``."""
    label = QLabel(text, parent)
    label.setObjectName(object_name)
    label.setWordWrap(True)
    if error:
        label.setStyleSheet(ERROR_STYLE)
    if hidden:
        label.hide()
    return label
