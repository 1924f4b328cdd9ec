"""The one way the plugin remembers things between sessions: a frozen dataclass per feature over
QgsSettings, one key per field (``<GROUP><field name>``).

    class MySettings(StoredSettings):               # a @dataclass(frozen=True)
        GROUP: ClassVar[str] = "s2gm_qgis/my_feature/"
        colour: str = "red"

    settings = MySettings.load()                    # defaults where nothing (valid) is stored
    dataclasses.replace(settings, colour="blue").save()

``load``/``save`` handle ``str``, ``bool``, ``int``, ``float``, ``tuple[str, ...]`` and ``dict``
(stored as JSON text) fields without further code. A subclass puts stale or hand-edited values
back to their defaults in :meth:`StoredSettings.normalised`, so a bad key never breaks a dock.
Keys at their default are not stored, so that a better default in a later version reaches users
who never changed it. Secrets never go here (see :mod:`.secrets`).
"""
from __future__ import annotations

import dataclasses
import json
import typing
from typing import Any, ClassVar, Optional

from qgis.core import QgsSettings

#: QgsSettings group of every key of the plugin.
PREFIX = "s2gm_qgis/"


class StoredSettings:
    """Base of the plugin's settings dataclasses (subclasses are frozen dataclasses)."""

    #: The QgsSettings group of the fields' keys (ends with "/").
    GROUP: ClassVar[str] = PREFIX

    @classmethod
    def load(cls, settings: Optional[QgsSettings] = None):
        """Read every field from QgsSettings, the default where a key is absent or unreadable."""
        settings = settings if settings is not None else QgsSettings()
        defaults = cls()
        hints = typing.get_type_hints(cls)
        values = {}
        for item in dataclasses.fields(cls):
            key = cls.GROUP + item.name
            if settings.contains(key):
                values[item.name] = _coerce(
                    settings.value(key), hints[item.name], getattr(defaults, item.name))
        return dataclasses.replace(defaults, **values).normalised()

    def normalised(self):
        """These settings with unusable values replaced by their defaults (none here)."""
        return self

    def save(self, settings: Optional[QgsSettings] = None) -> None:
        """Write the fields that differ from their defaults; remove the others' keys."""
        settings = settings if settings is not None else QgsSettings()
        defaults = type(self)()
        for item in dataclasses.fields(self):
            key = self.GROUP + item.name
            value = getattr(self, item.name)
            if value == getattr(defaults, item.name):
                settings.remove(key)
            else:
                settings.setValue(key, _stored(value))
        settings.sync()


def _stored(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return json.dumps(value)
    return value


def _coerce(raw, hint, default):
    """A stored QgsSettings value as the field's type (the ini format stores text)."""
    try:
        if hint is bool:
            return raw if isinstance(raw, bool) else str(raw).strip().lower() in ("true", "1", "yes")
        if hint in (int, float):
            return hint(raw)
        if typing.get_origin(hint) is tuple:
            # One-element lists come back from the ini file as a plain string, none as None.
            items = [] if raw is None else [raw] if isinstance(raw, str) else list(raw)
            return tuple(str(item) for item in items if str(item))
        if hint is dict or typing.get_origin(hint) is dict:
            value = raw if isinstance(raw, dict) else json.loads(str(raw or "{}"))
            return value if isinstance(value, dict) else default
        return "" if raw is None else str(raw)
    except (TypeError, ValueError):
        return default
