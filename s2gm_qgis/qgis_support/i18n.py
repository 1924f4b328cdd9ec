"""Translations: the ``tr()`` helper and the translator that matches the QGIS locale.

Every user-visible string of the GUI and of the Processing provider goes through ``tr("...")``
(a plain call with a literal string, so that ``pylupdate5`` finds it; see ``.ci/translations.py``).
Call ``tr()`` when the text is shown, never at import time: the translator is installed by the
plugin when it starts, after its modules are imported.

The sources are ``i18n/s2gm_qgis_<lang>.ts``; ``make translations`` refreshes them and compiles
``s2gm_qgis_<lang>.qm``, which the plugin ships and loads here.
"""
from __future__ import annotations

from typing import Optional

from qgis.core import Qgis, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

from ..resources import i18n_dir
from .messages import log_message

#: The translation context of every string of the plugin. ``pylupdate5`` files a plain
#: ``tr("...")`` call (one that is not ``self.tr``) under the context ``@default``, and
#: ``lrelease`` keeps that name, so the runtime lookup must use it too.
CONTEXT = "@default"

#: File name stem of the compiled translations: ``s2gm_qgis_fr.qm``.
QM_PREFIX = "s2gm_qgis_"


def tr(text: str, disambiguation: Optional[str] = None, n: int = -1) -> str:
    """Translate ``text`` with the installed translator (QCoreApplication.translate).

    ``disambiguation`` tells apart identical source texts with different meanings; ``n`` selects
    a plural form for texts holding ``%n``.
    """
    return QCoreApplication.translate(CONTEXT, text, disambiguation, n)


def qgis_locale() -> str:
    """The locale QGIS translates its interface into, e.g. ``"fr_FR"`` or ``"fr"``.

    QGIS (src/app/main.cpp) translates into ``locale/userLocale`` when ``locale/overrideFlag`` is
    set and into the system locale otherwise, and in both cases writes the code it chose (or the
    ``--lang`` argument) back to ``locale/userLocale`` "so that third party plugins always use the
    same locale". Reading that key therefore honours the override flag without reading it. Outside
    the QGIS desktop (tests, scripts) nothing writes the key; an empty value means the system
    locale.
    """
    user_locale = str(QgsSettings().value("locale/userLocale", "") or "")
    return user_locale or QLocale.system().name()


def translation_file(locale: str) -> Optional[str]:
    """The ``.qm`` file for ``locale`` (``fr_FR`` falls back to ``fr``), or None if not shipped."""
    try:
        folder = i18n_dir()
    except FileNotFoundError:
        return None
    names = [locale, locale.split("_")[0]] if locale else []
    for name in dict.fromkeys(names):
        candidate = folder / f"{QM_PREFIX}{name}.qm"
        if candidate.is_file():
            return str(candidate)
    return None


def install_translator(locale: Optional[str] = None) -> Optional[QTranslator]:
    """Install the translator for ``locale`` (default: the QGIS locale) into the application.

    Returns the installed translator (remove it with ``QCoreApplication.removeTranslator``), or
    None when the plugin ships no translation for that locale, or an unreadable one (logged): the
    interface then stays in English rather than the plugin failing to start.
    """
    path = translation_file(locale if locale is not None else qgis_locale())
    if path is None:
        return None
    translator = QTranslator()
    if not translator.load(path):
        log_message(f"{path}: not a valid compiled Qt translation (.qm); interface left in English",
                    Qgis.MessageLevel.Warning)
        return None
    QCoreApplication.installTranslator(translator)
    return translator
