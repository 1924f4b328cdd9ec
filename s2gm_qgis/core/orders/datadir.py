"""Where the engine keeps its state: one folder holding the order store, the archive catalogue and
one results folder per order.

::

    DATA/orders.sqlite              the order store (SQLite, WAL)
    DATA/catalogue.sqlite           the archive catalogue the engine scans into
    DATA/results/<order id>/        the results of an order: the engine writes the mosaic folder
                                    under a hidden name there and renames it when complete
    DATA/results/.<order id>.staging/   left by earlier versions (which staged twice); removed
                                    with the order's output
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..mosaic.catalogue import CATALOGUE_NAME

STORE_NAME = "orders.sqlite"
RESULTS_NAME = "results"


def results_dir(results_root: str | os.PathLike, order_id: str) -> Path:
    """The folder holding the results of order ``order_id``."""
    return Path(results_root) / order_id


def staging_dir(results_root: str | os.PathLike, order_id: str) -> Path:
    """The hidden folder earlier versions ran an order in; still removed with its output, so
    that a store written by them leaves nothing behind."""
    return Path(results_root) / f".{order_id}.staging"


def remove_order_output(results_root: str | os.PathLike, order_id: str) -> None:
    """Remove the staging and results folders of an order (absent ones are fine)."""
    for folder in (staging_dir(results_root, order_id), results_dir(results_root, order_id)):
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder)
        elif folder.exists() or folder.is_symlink():
            folder.unlink()


@dataclass(frozen=True)
class DataDir:
    """The layout above, rooted at ``root``."""

    root: Path

    @property
    def store_path(self) -> Path:
        return self.root / STORE_NAME

    @property
    def catalogue_path(self) -> Path:
        return self.root / CATALOGUE_NAME

    @property
    def results_root(self) -> Path:
        return self.root / RESULTS_NAME

    def create(self) -> "DataDir":
        """Make the folders (idempotent); returns self."""
        self.results_root.mkdir(parents=True, exist_ok=True)
        return self


class DataDirLock:
    """An exclusive lock on a data folder (``DATA/service.lock``), held while a service runs, so
    that two services never run the same orders. The operating system releases it when the
    process dies, so a killed service never leaves a stale lock."""

    def __init__(self, root: str | os.PathLike):
        self.path = Path(root) / "service.lock"
        self._handle = None

    def acquire(self) -> "DataDirLock":
        from ..errors import S2GMError

        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")
        try:
            if os.name == "nt":
                import msvcrt

                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            raise S2GMError(
                f"{self.path.parent}: another engine service uses this data folder"
                + (f" ({holder})" if holder else "") + "; stop it or choose another --data"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        self._handle = handle
        return self

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the descriptor releases the lock
            self._handle = None

    def __enter__(self) -> "DataDirLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
