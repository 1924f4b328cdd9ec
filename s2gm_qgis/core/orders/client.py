"""A client of the engine service (:mod:`s2gm_qgis.core.orders.service`) on ``requests``, used by
the plugin when the engine runs as a service.

- Proxies: the plugin passes the proxy QGIS would use for the service as a ``requests`` proxies
  mapping (``{}``: a direct connection); it is used as given and the environment's proxy
  variables are then ignored (QGIS settings win). Without a mapping (``None``, scripts)
  ``requests`` follows the environment. A service on a loopback address is always reached
  directly: a proxy cannot reach the user's own 127.0.0.1.
- Timeouts: ``timeout_s=(connect, read)`` on every call; a service that does not answer raises
  :class:`ServiceUnavailable` saying so, instead of hanging QGIS.
- Errors: the service's ``{"error", "fields"}`` answers become :class:`ServiceError` with the HTTP
  status, message and field errors; anything that is not the service (down, refused, a proxy's
  HTML page) gets a sentence naming the URL.
- Downloads stream to ``dest + ".part"`` and are renamed when complete; an interrupted download
  resumes with ``Range`` / ``If-Range`` (the validator is kept in ``dest + ".part.etag"``).
"""
from __future__ import annotations

import errno
import ipaddress
import json
import os
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Union
from urllib.parse import quote, urlsplit

import requests

from ..errors import S2GMError

#: Bytes per piece when streaming a download to disk.
DOWNLOAD_CHUNK_BYTES = 256 * 1024
#: How many times a broken download is resumed within one :meth:`EngineClient.download` call.
DOWNLOAD_RESUMES = 3


class ServiceUnavailable(S2GMError):
    """The service cannot be reached or does not answer (down, refused, timeout, not a service)."""

    def __init__(self, base_url: str, reason: str):
        self.base_url = base_url
        self.reason = reason
        super().__init__(f"the engine service at {base_url} is not reachable: {reason}")


class ServiceError(S2GMError):
    """The service answered with an error: ``status`` (HTTP), ``message``, ``fields`` (field ->
    reason, for invalid orders)."""

    def __init__(self, status: int, message: str, fields: Optional[Mapping[str, str]] = None):
        self.status = int(status)
        self.message = message
        self.fields = dict(fields or {})
        super().__init__(f"engine service error {self.status}: {message}")


Timeout = Union[float, tuple[float, float]]


def _is_loopback_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _reason(exc: requests.RequestException, timeout: Timeout) -> str:
    """A short human reason for a transport failure."""
    connect_s, read_s = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    if isinstance(exc, requests.ConnectTimeout):
        return f"no connection within {connect_s:g} s"
    if isinstance(exc, requests.ReadTimeout):
        return f"no answer within {read_s:g} s"
    if isinstance(exc, requests.exceptions.ProxyError):
        return f"the proxy failed: {exc}"
    if isinstance(exc, requests.exceptions.SSLError):
        return f"TLS error: {exc}"
    if isinstance(exc, requests.ConnectionError):
        text = str(exc).lower()
        cause = exc.__context__
        while cause is not None:
            if isinstance(cause, ConnectionRefusedError) or getattr(
                    cause, "errno", None) == errno.ECONNREFUSED:
                return "connection refused"
            cause = cause.__context__
        if "refused" in text:
            return "connection refused"
        if "name or service not known" in text or "nodename nor servname" in text or \
                "getaddrinfo failed" in text or "name resolution" in text:
            return "unknown host name"
        if "reset" in text or "aborted" in text or "remotedisconnected" in text:
            return "the connection was closed by the service"
        return f"connection failed ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc}"


class EngineClient:
    """Talks to the engine service at ``base_url`` (e.g. ``http://127.0.0.1:8765``)."""

    def __init__(self, base_url: str, token: Optional[str] = None,
                 proxies: Optional[Mapping[str, str]] = None, timeout_s: Timeout = (3.05, 30),
                 verify: Union[bool, str] = True):
        base_url = base_url.strip().rstrip("/")
        if urlsplit(base_url).scheme not in ("http", "https") or not urlsplit(base_url).hostname:
            raise S2GMError(f"engine service URL {base_url!r}: expected http://host:port or "
                            "https://host:port")
        self.base_url = base_url
        self.timeout_s = timeout_s
        self.session = requests.Session()
        self.session.verify = verify
        if _is_loopback_url(base_url):
            self.session.trust_env = False
            self.session.proxies = {}
        elif proxies is not None:
            self.session.trust_env = False
            self.session.proxies = dict(proxies)
        self.session.headers["Accept"] = "application/json"
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "EngineClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- transport -----------------------------------------------------------------------------

    def _url(self, *parts: str) -> str:
        return self.base_url + "/" + "/".join(quote(p, safe="") for p in parts)

    def _request(self, method: str, url: str, *, expect_json: bool = True, **kwargs: Any
                 ) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout_s)
        try:
            response = self.session.request(method, url, **kwargs)
        except requests.RequestException as exc:
            raise ServiceUnavailable(self.base_url, _reason(exc, self.timeout_s)) from exc
        if response.status_code >= 400:
            self._raise_for(response)
        if expect_json and response.status_code != 204:
            if "json" not in response.headers.get("Content-Type", ""):
                raise ServiceUnavailable(
                    self.base_url, f"it answered {response.status_code} with "
                    f"{response.headers.get('Content-Type') or 'no content type'}, not JSON; "
                    "is this URL an engine service?")
        return response

    def _raise_for(self, response: requests.Response) -> None:
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if isinstance(payload, dict) and "error" in payload:
            raise ServiceError(response.status_code, str(payload["error"]),
                               payload.get("fields") or {})
        snippet = " ".join(response.text[:200].split())
        if response.status_code in (502, 503, 504):
            raise ServiceUnavailable(self.base_url, f"HTTP {response.status_code} "
                                     f"{response.reason} (from a proxy?) {snippet}".strip())
        raise ServiceError(response.status_code,
                           f"{response.reason or 'error'}: {snippet}" if snippet
                           else str(response.reason or "error"))

    def _json(self, method: str, *parts: str, **kwargs: Any) -> Any:
        response = self._request(method, self._url(*parts), **kwargs)
        if response.status_code == 204:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise ServiceUnavailable(self.base_url, f"the answer is not valid JSON ({exc})") \
                from exc

    # -- API -----------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """``GET /health``: version, running and queued orders."""
        return self._json("GET", "health")

    def openapi(self) -> dict[str, Any]:
        return self._json("GET", "openapi.json")

    def create_order(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /orders`` with ``spec`` (``MosaicOrder.to_dict()``); returns the queued order.
        Invalid fields raise ServiceError(422) with ``fields``."""
        body = json.dumps(dict(spec)).encode("utf-8")
        return self._json("POST", "orders", data=body,
                          headers={"Content-Type": "application/json"})

    def list_orders(self, state: Optional[str] = None, limit: Optional[int] = None
                    ) -> list[dict[str, Any]]:
        params = {}
        if state:
            params["state"] = state
        if limit:
            params["limit"] = str(int(limit))
        return self._json("GET", "orders", params=params)["orders"]

    def get_order(self, order_id: str) -> dict[str, Any]:
        return self._json("GET", "orders", order_id)

    def cancel(self, order_id: str) -> dict[str, Any]:
        return self._json("POST", "orders", order_id, "cancel")

    def retry(self, order_id: str) -> dict[str, Any]:
        return self._json("POST", "orders", order_id, "retry")

    def delete(self, order_id: str) -> None:
        self._json("DELETE", "orders", order_id)

    def list_files(self, order_id: str) -> list[dict[str, Any]]:
        """The result files: ``[{"path", "layer", "size_bytes", "href"}]``."""
        return self._json("GET", "orders", order_id, "files")["files"]

    def download(self, order_id: str, rel_path: str, dest: str | os.PathLike,
                 progress: Optional[Callable[[int, Optional[int]], None]] = None) -> Path:
        """Stream result file ``rel_path`` of an order to ``dest``; returns ``dest``.

        ``progress(bytes_done, bytes_total or None)`` is called after every chunk. A previous
        partial download (``dest.part``) is resumed when the file on the service is unchanged;
        a connection broken mid-way is resumed up to :data:`DOWNLOAD_RESUMES` times.
        """
        dest = Path(dest)
        part = dest.with_name(dest.name + ".part")
        etag_file = dest.with_name(dest.name + ".part.etag")
        dest.parent.mkdir(parents=True, exist_ok=True)
        url = self._url("orders", order_id, "files", *rel_path.split("/"))
        resumes = 0
        while True:
            try:
                if self._download_once(url, part, etag_file, progress):
                    break
            except ServiceUnavailable:
                if resumes >= DOWNLOAD_RESUMES or not part.exists():
                    raise
            resumes += 1
            if resumes > DOWNLOAD_RESUMES:
                raise ServiceUnavailable(self.base_url,
                                         f"the download of {rel_path} kept breaking off")
        os.replace(part, dest)
        etag_file.unlink(missing_ok=True)
        return dest

    def _download_once(self, url: str, part: Path, etag_file: Path,
                       progress: Optional[Callable[[int, Optional[int]], None]]) -> bool:
        """One request; True when ``part`` holds the whole file, False when it broke off."""
        have = part.stat().st_size if part.exists() else 0
        etag = etag_file.read_text(encoding="utf-8").strip() if etag_file.exists() else ""
        headers = {"Accept": "*/*"}
        if have and etag:
            headers["Range"] = f"bytes={have}-"
            headers["If-Range"] = etag
        elif have:
            have = 0  # no validator: a resumed file could mix two versions, start again
        try:
            response = self._request("GET", url, expect_json=False, stream=True, headers=headers)
        except ServiceError as exc:
            if exc.status == 416 and have:  # already complete (or changed and shorter)
                part.unlink()
                etag_file.unlink(missing_ok=True)
                return False
            raise
        with response:
            if response.status_code == 206:
                total = int(response.headers["Content-Range"].rpartition("/")[2])
                mode = "ab"
            else:  # 200: the whole file (first time, or the file changed)
                have = 0
                length = response.headers.get("Content-Length")
                total = int(length) if length is not None else None
                mode = "wb"
            new_etag = response.headers.get("ETag", "")
            if new_etag:
                etag_file.write_text(new_etag, encoding="utf-8")
            done = have
            try:
                with open(part, mode) as out:
                    for chunk in response.iter_content(DOWNLOAD_CHUNK_BYTES):
                        out.write(chunk)
                        done += len(chunk)
                        if progress is not None:
                            progress(done, total)
            except requests.RequestException as exc:
                raise ServiceUnavailable(self.base_url, _reason(exc, self.timeout_s)) from exc
        if total is not None and done < total:
            return False
        if total is not None and done > total:
            part.unlink()
            raise ServiceError(response.status_code, f"the download of {url} got {done} bytes "
                               f"for a file of {total}")
        return True
