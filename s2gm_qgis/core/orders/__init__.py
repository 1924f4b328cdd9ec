"""Mosaic orders: the SQLite order store, the runner that executes orders with the mosaic engine,
the HTTP engine service and its client (no Qt; used by the QGIS dock and by
``python3 -m s2gm_qgis engine serve``).

Modules: :mod:`.store` (OrderStore, states, restart recovery), :mod:`.runner` (execute_order,
OrderRunner), :mod:`.datadir` (the data folder layout), :mod:`.service` (HTTP API),
:mod:`.openapi` (its description), :mod:`.client` (EngineClient), :mod:`.dask_engine` (the
engine on a Dask cluster; Dask is imported only when it is used).
"""
from .datadir import DataDir, remove_order_output, results_dir, staging_dir
from .store import (
    CANCELLED, FAILED, FINISHED, IN_PROGRESS_STATES, NEEDS_APPROVAL, PARTIALLY_FINISHED, PLACED,
    PROCESSING, QUEUED, RESULT_STATES, RETRYABLE_STATES, STATES, TERMINAL_STATES, OrderFile,
    OrderMessage, OrderNotFound, OrderRecord, OrderState, OrderStateError, OrderStore, OrderTask,
    Recovery, StoreError,
)
from .runner import OrderRunner, execute_order, run_order

__all__ = [
    "DataDir", "remove_order_output", "results_dir", "staging_dir",
    "CANCELLED", "FAILED", "FINISHED", "IN_PROGRESS_STATES", "NEEDS_APPROVAL",
    "PARTIALLY_FINISHED", "PLACED", "PROCESSING", "QUEUED", "RESULT_STATES", "RETRYABLE_STATES",
    "STATES", "TERMINAL_STATES", "OrderFile", "OrderMessage", "OrderNotFound", "OrderRecord",
    "OrderState", "OrderStateError", "OrderStore", "OrderTask", "Recovery", "StoreError",
    "OrderRunner", "execute_order", "run_order",
]
