"""The cancel flag every long core call takes: a callable returning True once the caller wants
the work to stop, a ``threading.Event``, or None (never cancelled)."""
from __future__ import annotations

import threading
from typing import Callable, Union

CancelFlag = Union[Callable[[], bool], threading.Event, None]


def cancel_check(cancel: CancelFlag) -> Callable[[], bool]:
    """``cancel`` as a function returning a bool (TypeError for anything else)."""
    if cancel is None:
        return lambda: False
    if isinstance(cancel, threading.Event):
        return cancel.is_set
    if callable(cancel):
        return lambda: bool(cancel())
    raise TypeError("cancel must be a callable returning bool or a threading.Event")
