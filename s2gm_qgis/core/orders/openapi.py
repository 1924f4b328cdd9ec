"""The OpenAPI 3.0 description of the engine service, served at ``GET /openapi.json``.

Enumerations (states, periods, layers, formats...) come from the modules that define them, so the
description cannot drift from what the service accepts.
"""
from __future__ import annotations

from typing import Any

from ... import __version__
from .store import NEEDS_APPROVAL, STATES, TASK_STATES


def _error(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _order_ok(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}}


def _order_spec_schema() -> dict[str, Any]:
    from ..mosaic.layers import LAYER_NAMES
    from ..mosaic.order import BIT_DEPTHS, CLOUD_MASKS, CRS_CHOICES, FORMATS, PREFERENCES, \
        PRODUCTS, RESOLUTIONS_M
    from ..mosaic.periods import PERIOD_TYPES
    from ..mosaic.sources.spec import CUSTOM, ON_READ_ERROR, PROVIDERS

    return {
        "type": "object",
        "description": (
            "A mosaic order (MosaicOrder.to_dict). Loose spellings are accepted on input "
            "('20m', 'TENDAYS', 'GEO_TIFF', 'AOT') and answered in canonical form. The AOI is "
            "GeoJSON (geometry, Feature or FeatureCollection) in EPSG:4326, WKT, or a bbox "
            "'minx,miny,maxx,maxy' / [minx, miny, maxx, maxy]; file paths are refused."
        ),
        "required": ["aoi", "period", "start", "resolution_m"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "pattern": "^[A-Za-z0-9-]{1,64}$", "default": "mosaic"},
            "aoi": {"oneOf": [{"type": "object"}, {"type": "string"},
                              {"type": "array", "items": {"type": "number"},
                               "minItems": 4, "maxItems": 4}]},
            "period": {"type": "string", "enum": list(PERIOD_TYPES)},
            "start": {"type": "string", "format": "date",
                      "description": "any day of the period; snapped to its first day"},
            "resolution_m": {"type": "integer", "enum": list(RESOLUTIONS_M)},
            "crs": {"type": "string", "enum": list(CRS_CHOICES), "default": "utm"},
            "bands": {"type": "array", "items": {"type": "string", "enum": list(LAYER_NAMES)},
                      "minItems": 1, "description": "output layers; default: all"},
            "format": {"type": "string", "enum": list(FORMATS), "default": "gtiff"},
            "bit_depth": {"type": "integer", "enum": list(BIT_DEPTHS), "default": 16},
            "preference": {"type": "string", "enum": list(PREFERENCES), "default": "STD"},
            "cloud_mask": {"type": "string", "enum": list(CLOUD_MASKS), "default": "scl",
                           "description": "scl: Sen2Cor's scene classes (ESA); brightearth: "
                                          "temporal cloud / haze / shadow tests"},
            "product": {"type": "string", "enum": list(PRODUCTS), "default": "temporal",
                        "description": "temporal mosaic, or BrightEarth RGB mosaic (bands "
                                       "B02, B03, B04, source_index, valid_obs)"},
            "source": {
                "type": "object", "additionalProperties": False,
                "description": (
                    "Where the observations come from: a STAC API (Earth Search, Copernicus "
                    "Data Space, or any STAC API URL with the same asset conventions). Without "
                    "it, the service's own local archive folders. CDSE S3 keys are the "
                    "service host's (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), never part "
                    "of an order."),
                "properties": {
                    "type": {"type": "string", "enum": ["stac"], "default": "stac"},
                    "provider": {"type": "string", "enum": [*PROVIDERS, CUSTOM]},
                    "url": {"type": "string", "format": "uri"},
                    "collection": {"type": "string"},
                    "max_cloud_pct": {"type": "number", "minimum": 0, "maximum": 100},
                },
            },
            "on_read_error": {"type": "string", "enum": list(ON_READ_ERROR), "default": "fail",
                              "description": "a remote read failing after retries: fail the"
                                             " order, or skip the observation (listed in the"
                                             " metadata JSON)"},
        },
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.0.3 document of the API served by :mod:`s2gm_qgis.core.orders.service`."""
    order_id = {"name": "order_id", "in": "path", "required": True,
                "schema": {"type": "string"}, "description": "the order's id"}
    unauthorized = _error("token missing or not valid (when the service has one)")
    not_found = _error("no order with this id")
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "S2GM engine service",
            "version": __version__,
            "description": (
                "Mosaic orders composited the way the Copernicus Sentinel-2 Global Mosaic "
                "service does, from local Sentinel-2 L2A archives or STAC APIs. Orders survive "
                "restarts: an order interrupted by a crash is resumed or failed with its reason."
            ),
        },
        "servers": [{"url": "http://127.0.0.1:8765"}],
        "security": [{"bearer": []}],
        "paths": {
            "/orders": {
                "post": {
                    "summary": "Create an order",
                    "operationId": "createOrder",
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/OrderSpec"}}}},
                    "responses": {
                        "201": {**_order_ok("the order, queued"), "headers": {
                            "Location": {"schema": {"type": "string"},
                                         "description": "/orders/{order_id}"}}},
                        "400": _error("malformed JSON, or not a JSON object"),
                        "401": unauthorized,
                        "411": _error("no Content-Length"),
                        "413": _error("body too large"),
                        "422": _error("invalid order fields; 'fields' maps each to its reason"),
                    },
                },
                "get": {
                    "summary": "List orders, newest first",
                    "operationId": "listOrders",
                    "parameters": [
                        {"name": "state", "in": "query", "required": False,
                         "schema": {"type": "string", "enum": list(STATES)}},
                        {"name": "limit", "in": "query", "required": False,
                         "schema": {"type": "integer", "minimum": 1, "maximum": 10000,
                                    "default": 1000}},
                    ],
                    "responses": {
                        "200": {"description": "the orders", "content": {"application/json": {
                            "schema": {"type": "object", "required": ["orders"], "properties": {
                                "orders": {"type": "array", "items": {
                                    "$ref": "#/components/schemas/Order"}}}}}}},
                        "400": _error("invalid state or limit"),
                        "401": unauthorized,
                    },
                },
            },
            "/orders/{order_id}": {
                "parameters": [order_id],
                "get": {
                    "summary": "Get an order",
                    "operationId": "getOrder",
                    "responses": {"200": _order_ok("the order"), "401": unauthorized,
                                  "404": not_found},
                },
                "delete": {
                    "summary": "Delete an order that is not processing, with its results",
                    "operationId": "deleteOrder",
                    "responses": {"204": {"description": "deleted"}, "401": unauthorized,
                                  "404": not_found,
                                  "409": _error("the order is processing: cancel it first")},
                },
            },
            "/orders/{order_id}/cancel": {
                "parameters": [order_id],
                "post": {
                    "summary": "Cancel an order",
                    "description": "A placed or queued order is cancelled at once (200); a "
                                   "processing one stops at the engine's next check (202, "
                                   "cancel_requested true, then state cancelled).",
                    "operationId": "cancelOrder",
                    "responses": {"200": _order_ok("cancelled"),
                                  "202": _order_ok("cancel requested; the run is stopping"),
                                  "401": unauthorized, "404": not_found,
                                  "409": _error("the order has already ended")},
                },
            },
            "/orders/{order_id}/retry": {
                "parameters": [order_id],
                "post": {
                    "summary": "Queue a failed, cancelled or partially finished order again",
                    "operationId": "retryOrder",
                    "responses": {"200": _order_ok("queued again"), "401": unauthorized,
                                  "404": not_found,
                                  "409": _error("the order is not failed, cancelled or "
                                                "partially finished")},
                },
            },
            "/orders/{order_id}/approve": {
                "parameters": [order_id],
                "post": {
                    "summary": "Approve an order waiting for an operator's approval",
                    "description": (
                        f"Orders whose area of interest is larger than the service's threshold "
                        f"(default 1,000,000 km2, as S2GM) wait in state {NEEDS_APPROVAL!r} "
                        "until an operator approves them; they are then queued. Only the "
                        "operator token approves (the service's --operator-token-file); "
                        "cancel refuses such an order."),
                    "operationId": "approveOrder",
                    "security": [{"operatorBearer": []}],
                    "responses": {"200": _order_ok("approved and queued"),
                                  "401": unauthorized,
                                  "403": _error("not the operator token, or the service has no "
                                                "operator token"),
                                  "404": not_found,
                                  "409": _error("the order is not waiting for approval")},
                },
            },
            "/orders/{order_id}/files": {
                "parameters": [order_id],
                "get": {
                    "summary": "List the result files of an order",
                    "operationId": "listFiles",
                    "responses": {
                        "200": {"description": "the files (empty until the order finishes)",
                                "content": {"application/json": {"schema": {
                                    "$ref": "#/components/schemas/FileList"}}}},
                        "401": unauthorized, "404": not_found,
                    },
                },
            },
            "/orders/{order_id}/files/{path}": {
                "parameters": [order_id, {
                    "name": "path", "in": "path", "required": True,
                    "schema": {"type": "string"},
                    "description": "a file's path as listed (may contain '/'); '..' is refused"}],
                "get": {
                    "summary": "Download a result file (streamed; single byte ranges)",
                    "operationId": "downloadFile",
                    "parameters": [
                        {"name": "Range", "in": "header", "required": False,
                         "schema": {"type": "string", "example": "bytes=1048576-"}},
                        {"name": "If-Range", "in": "header", "required": False,
                         "schema": {"type": "string"},
                         "description": "the ETag of the file: the range is only served if "
                                        "the file is unchanged, else the whole file"},
                    ],
                    "responses": {
                        "200": {"description": "the whole file", "headers": {
                            "ETag": {"schema": {"type": "string"}},
                            "Accept-Ranges": {"schema": {"type": "string"}}},
                            "content": {"application/octet-stream": {
                                "schema": {"type": "string", "format": "binary"}}}},
                        "206": {"description": "the requested range", "headers": {
                            "Content-Range": {"schema": {"type": "string"}}},
                            "content": {"application/octet-stream": {
                                "schema": {"type": "string", "format": "binary"}}}},
                        "400": _error("path traversal refused"),
                        "401": unauthorized,
                        "404": _error("no such order or file"),
                        "416": _error("range outside the file"),
                    },
                },
            },
            "/health": {
                "get": {
                    "summary": "Service state",
                    "operationId": "health",
                    "responses": {"200": {"description": "up", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Health"}}}},
                        "401": unauthorized},
                },
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "responses": {"200": {"description": "OpenAPI 3.0 document",
                                          "content": {"application/json": {
                                              "schema": {"type": "object"}}}},
                                  "401": unauthorized},
                },
            },
        },
        "components": {
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "required on every call when the service was started with "
                               "--token-file"},
                "operatorBearer": {
                    "type": "http", "scheme": "bearer",
                    "description": "the operator token (--operator-token-file): accepted "
                                   "wherever the token is, and the only one that approves "
                                   "orders"}},
            "schemas": {
                "OrderSpec": _order_spec_schema(),
                "Message": {"type": "object", "properties": {
                    "time_utc": {"type": "string", "format": "date-time"},
                    "level": {"type": "string", "enum": ["info", "warning", "error"]},
                    "text": {"type": "string"}}},
                "Order": {
                    "type": "object",
                    "required": ["id", "name", "state", "progress", "spec", "created_utc"],
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "state": {"type": "string", "enum": list(STATES)},
                        "progress": {"type": "number", "minimum": 0, "maximum": 1},
                        "progress_message": {"type": "string"},
                        "attempts": {"type": "integer"},
                        "cancel_requested": {"type": "boolean"},
                        "created_utc": {"type": "string", "format": "date-time"},
                        "updated_utc": {"type": "string", "format": "date-time"},
                        "queued_utc": {"type": "string", "format": "date-time",
                                       "nullable": True},
                        "started_utc": {"type": "string", "format": "date-time",
                                        "nullable": True},
                        "finished_utc": {"type": "string", "format": "date-time",
                                         "nullable": True},
                        "spec": {"$ref": "#/components/schemas/OrderSpec"},
                        "result": {"type": "object", "nullable": True,
                                   "description": "the engine's result (files per layer, "
                                                  "source products, pixel counts), paths "
                                                  "relative to the order's results"},
                        "error": {"type": "string", "nullable": True},
                        "messages": {"type": "array",
                                     "items": {"$ref": "#/components/schemas/Message"}},
                        "links": {"type": "object",
                                  "additionalProperties": {"type": "string"}},
                        "area_km2": {"type": "number", "nullable": True,
                                     "description": "geodesic area of the AOI"},
                        "approval": {"type": "object", "properties": {
                            "required": {"type": "boolean"},
                            "approved_utc": {"type": "string", "format": "date-time",
                                             "nullable": True},
                            "approved_by": {"type": "string", "nullable": True}}},
                        "tasks": {"type": "array",
                                  "description": "the order's tasks on a Dask cluster (one "
                                                 "per output grid or group of its blocks); "
                                                 "empty for the single-process engine",
                                  "items": {"$ref": "#/components/schemas/Task"}},
                    },
                },
                "Task": {"type": "object", "properties": {
                    "key": {"type": "string"},
                    "label": {"type": "string"},
                    "state": {"type": "string", "enum": list(TASK_STATES)},
                    "progress": {"type": "number", "minimum": 0, "maximum": 1},
                    "message": {"type": "string"},
                    "worker": {"type": "string", "nullable": True},
                    "attempts": {"type": "integer",
                                 "description": "starts of the task: more than 1 after its "
                                                "worker died and it was re-run"}}},
                "FileList": {"type": "object", "properties": {
                    "order_id": {"type": "string"},
                    "state": {"type": "string", "enum": list(STATES)},
                    "files": {"type": "array", "items": {"type": "object", "properties": {
                        "path": {"type": "string"},
                        "layer": {"type": "string", "nullable": True},
                        "size_bytes": {"type": "integer"},
                        "href": {"type": "string"}}}}}},
                "Health": {"type": "object", "properties": {
                    "status": {"type": "string", "enum": ["ok"]},
                    "version": {"type": "string"},
                    "schema_version": {"type": "integer"},
                    "running": {"type": "array", "items": {"type": "string"}},
                    "queued": {"type": "integer"},
                    "needs_approval": {"type": "integer"},
                    "approval_above_km2": {"type": "number", "nullable": True},
                    "concurrency": {"type": "integer"},
                    "engine": {"type": "object", "description": "{type: local} or {type: dask, "
                                                                 "scheduler, workers}"}}},
                "Error": {
                    "type": "object", "required": ["error", "fields"],
                    "properties": {
                        "error": {"type": "string"},
                        "fields": {"type": "object", "additionalProperties": {"type": "string"},
                                   "description": "field -> reason (empty when not about "
                                                  "fields)"}},
                },
            },
        },
    }
