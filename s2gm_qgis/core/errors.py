"""Errors raised by the core. Each names the file or field at fault and what was expected,
so that the command line and the QGIS message bar can show it as is."""
from __future__ import annotations


class S2GMError(Exception):
    """Base of every error the core raises on purpose (bad input, not bugs)."""


class ProductError(S2GMError):
    """A Sentinel-2 product (or a file of it) cannot be read as expected.

    ``path`` is the file at fault; ``reason`` says what is wrong and what was expected.
    """

    def __init__(self, path: str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ValidationError(S2GMError):
    """Input fields are invalid. ``errors`` maps a field name to its reason."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        detail = "; ".join(f"{field}: {reason}" for field, reason in self.errors.items())
        super().__init__(f"invalid input: {detail}")


class CancelledError(S2GMError):
    """A long operation was cancelled by its caller; nothing was left behind."""


class NoProductsError(S2GMError):
    """No usable product covers the requested area and period (nothing to composite)."""


class RemoteReadError(ProductError):
    """A remote file (``/vsicurl/``, ``/vsis3/``, an HTTP URL) could not be read after retries.

    ``path`` is the asset's URL (or GDAL path); an order may skip the observation it belongs
    to instead of failing (see ``MosaicOrder.on_read_error``)."""


class SourceError(S2GMError):
    """An observation source (a STAC API) answered with an error or something unexpected;
    the message names the URL."""
