"""``python3 -m s2gm_qgis engine serve|orders``: run the mosaic engine as an HTTP service, or list
the orders of a data folder.

Shutdown (SIGTERM or SIGINT): the server stops answering, running orders are stopped through the
engine's cancel hook, their partial output removed, and they go back to ``queued``; the next
``engine serve`` on the same ``--data`` resumes them. Orders of a service that was killed outright
are found ``processing`` at the next start and resumed (or failed after ``--max-attempts``).

``--dask ADDRESS`` runs the orders on a Dask cluster (``--dask local[:N]``: a local cluster of N
worker processes), see :mod:`s2gm_qgis.core.orders.dask_engine`; orders whose AOI is larger than
``--approval-above-km2`` wait for an operator's approval (``POST /orders/{id}/approve`` with the
token of ``--operator-token-file``).
"""
from __future__ import annotations

import argparse
import importlib
import json
import logging
import signal
import sys
import threading
from pathlib import Path

from ..core.errors import S2GMError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "engine", help="run the mosaic engine as an HTTP service; list its orders",
        description="The mosaic engine as an HTTP service (JSON API, OpenAPI at /openapi.json).",
    )
    commands = parser.add_subparsers(dest="engine_command", metavar="ENGINE_COMMAND")

    serve = commands.add_parser(
        "serve", help="serve the order API over HTTP",
        description="Serve the order API. Orders, their state and results live under --data "
                    "and survive restarts.",
    )
    serve.add_argument("--archive", action="append", required=True, metavar="DIR",
                       help="folder of Sentinel-2 L2A products (SAFE folders or zips); repeatable")
    serve.add_argument("--data", required=True, metavar="DIR",
                       help="folder for the order store, the catalogue and the results")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=8765,
                       help="port (default 8765; 0 picks a free one, printed at start)")
    serve.add_argument("--token-file", metavar="FILE",
                       help="file holding the token every request must send as "
                            "'Authorization: Bearer <token>'; other users must not be able to "
                            "read it (chmod 600)")
    serve.add_argument("--concurrency", type=int, default=1, metavar="N",
                       help="orders processed at the same time (default 1)")
    serve.add_argument("--workers", type=int, default=None, metavar="N",
                       help="threads per order in the engine (default: the engine's choice)")
    serve.add_argument("--max-attempts", type=int, default=3, metavar="N",
                       help="attempts of an order interrupted by crashes before it is failed "
                            "(default 3)")
    serve.add_argument("--engine", default=None, metavar="MODULE:FUNCTION",
                       help="engine function with run_mosaic's signature (default "
                            "s2gm_qgis.core.mosaic.engine:run_mosaic)")
    serve.add_argument("--dask", default=None, metavar="ADDRESS|local[:N]",
                       help="run orders on a Dask cluster: its scheduler's address "
                            "(tcp://host:8786), or local[:N] for N local worker processes "
                            "(default 2); needs 'pip install dask distributed'")
    serve.add_argument("--dask-memory-limit", default=None, metavar="SIZE",
                       help="memory limit of each local worker (--dask local; default 2GB)")
    serve.add_argument("--dask-part-px", type=int, default=None, metavar="PX",
                       help="edge of the largest part of an output grid run as one Dask task, "
                            "pixels (multiple of 512; default 4096)")
    serve.add_argument("--approval-above-km2", type=float, default=None, metavar="AREA",
                       help="orders whose area of interest is larger wait in 'needs approval' "
                            "until an operator approves them (default 1000000, as S2GM; inf: "
                            "never)")
    serve.add_argument("--operator-token-file", metavar="FILE",
                       help="file holding the operator token, the only one that approves "
                            "orders (POST /orders/{id}/approve); chmod 600")
    serve.add_argument("--quiet", action="store_true", help="log warnings and errors only")
    serve.set_defaults(run=run_serve)

    orders = commands.add_parser("orders", help="list the orders of a data folder",
                                 description="List orders, newest first.")
    orders.add_argument("--data", required=True, metavar="DIR", help="the service's data folder")
    orders.add_argument("--state", default=None, help="only orders in this state")
    orders.add_argument("--limit", type=int, default=None, metavar="N")
    orders.add_argument("--json", action="store_true", help="print the orders as JSON")
    orders.set_defaults(run=run_orders)

    parser.set_defaults(run=lambda args: _help(parser))


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def load_engine(spec: str):
    """``module:function`` -> the function."""
    module_name, _, function_name = spec.partition(":")
    if not module_name or not function_name:
        raise S2GMError(f"--engine {spec!r}: expected MODULE:FUNCTION")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise S2GMError(f"--engine {spec!r}: cannot import {module_name}: {exc}") from exc
    engine = getattr(module, function_name, None)
    if not callable(engine):
        raise S2GMError(f"--engine {spec!r}: {module_name} has no function {function_name}")
    return engine


def run_serve(args: argparse.Namespace) -> int:
    from ..core.orders.datadir import DataDir, DataDirLock
    from ..core.orders.runner import OrderRunner
    from ..core.orders.service import (
        EngineService, is_loopback_host, make_server, parse_service_order, read_token_file,
    )
    from ..core.orders.store import OrderStore
    from ..core.mosaic.order import MAX_AOI_KM2

    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    archives = [Path(a) for a in args.archive]
    missing = [str(a) for a in archives if not a.is_dir()]
    if missing:
        raise S2GMError(f"--archive: not a folder: {', '.join(missing)}")
    for name, value in (("--concurrency", args.concurrency), ("--max-attempts", args.max_attempts)):
        if value < 1:
            raise S2GMError(f"{name} must be at least 1, got {value}")
    if not 0 <= args.port <= 65535:
        raise S2GMError(f"--port must be 0-65535, got {args.port}")
    token = read_token_file(args.token_file) if args.token_file else None
    operator_token = read_token_file(args.operator_token_file) if args.operator_token_file \
        else None
    if operator_token is not None and operator_token == token:
        raise S2GMError("--operator-token-file: the operator token must differ from the token "
                        "of --token-file (every user would be an operator)")
    approval_km2 = MAX_AOI_KM2 if args.approval_above_km2 is None else args.approval_above_km2
    if not approval_km2 > 0:
        raise S2GMError(f"--approval-above-km2 must be positive (inf: never), got {approval_km2}")
    if args.dask and args.engine:
        raise S2GMError("--dask and --engine: choose one engine")
    for name in ("dask_memory_limit", "dask_part_px"):
        if getattr(args, name) is not None and not args.dask:
            raise S2GMError(f"--{name.replace('_', '-')} needs --dask")
    engine = load_engine(args.engine) if args.engine else None
    if not is_loopback_host(args.host) and not token:
        print(f"warning: listening on {args.host} without --token-file: anyone who can reach "
              "this address can place, cancel and download orders", file=sys.stderr)

    if approval_km2 != float("inf") and not operator_token:
        print(f"warning: orders above {approval_km2:,.0f} km2 wait for an operator's approval, "
              "but without --operator-token-file nobody can approve them", file=sys.stderr)

    data = DataDir(Path(args.data).resolve()).create()
    lock = DataDirLock(data.root).acquire()
    dask_engine = None
    try:
        if args.dask:
            from ..core.orders.dask_engine import DaskEngine

            options = {}
            if args.dask_memory_limit:
                options["worker_memory"] = args.dask_memory_limit
            if args.dask_part_px is not None:
                options["part_px"] = args.dask_part_px
            try:
                dask_engine = DaskEngine(args.dask, **options)
            except ValueError as exc:
                raise S2GMError(f"--dask-part-px: {exc}") from None
            engine = dask_engine.start()
            print(f"engine on the Dask cluster at {dask_engine.address} "
                  f"({dask_engine.describe().get('workers', '?')} worker(s))", flush=True)
        store = OrderStore(data.store_path)
        runner = OrderRunner(
            store, data.results_root, archives, engine, catalogue_path=data.catalogue_path,
            parse_order=parse_service_order, concurrency=args.concurrency, workers=args.workers,
            max_attempts=args.max_attempts,
            approval_above_km2=None if approval_km2 == float("inf") else approval_km2,
        )
        server = make_server(EngineService(runner, token=token, operator_token=operator_token),
                             args.host, args.port)
        for recovery in runner.start():
            print(f"order {recovery.order_id}: {recovery.message}", file=sys.stderr)
        stop = threading.Event()
        previous = {sig: signal.signal(sig, lambda signum, frame: stop.set())
                    for sig in (signal.SIGTERM, signal.SIGINT)}
        thread = threading.Thread(target=server.serve_forever, name="s2gm-http", daemon=True)
        thread.start()
        print(f"engine service listening on {server.url} (data {data.root}; archives "
              f"{', '.join(str(a) for a in archives)}; token {'required' if token else 'none'})",
              flush=True)
        try:
            while not stop.wait(0.5):
                if not thread.is_alive():
                    raise S2GMError("the HTTP server stopped unexpectedly")
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            server.shutdown()
            server.server_close()
            requeued = runner.stop(timeout_s=30.0)
            print("engine service stopped" + (
                f"; {len(requeued)} running order(s) re-queued for the next start: "
                f"{', '.join(requeued)}" if requeued else ""), file=sys.stderr, flush=True)
    finally:
        if dask_engine is not None:
            dask_engine.close()
        lock.release()
    return 0


def run_orders(args: argparse.Namespace) -> int:
    from ..core.orders.datadir import DataDir
    from ..core.orders.store import STATES, OrderStore

    data = DataDir(Path(args.data))
    if not data.store_path.is_file():
        raise S2GMError(f"--data {args.data}: no order store ({data.store_path.name}) there")
    if args.state is not None and args.state not in STATES:
        raise S2GMError(f"--state {args.state!r}: expected one of {', '.join(STATES)}")
    records = OrderStore(data.store_path).orders(state=args.state, limit=args.limit)
    if args.json:
        json.dump([r.to_json_dict() for r in records], sys.stdout, indent=1)
        print()
        return 0
    for r in records:
        last = r.error or (r.messages[-1].text if r.messages else "")
        print(f"{r.id}  {r.state:<18} {r.progress * 100:5.1f}%  {r.created_utc}  {r.name}  {last}")
    if not records:
        print("no orders", file=sys.stderr)
    return 0
