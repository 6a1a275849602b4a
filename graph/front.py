"""The front of ``kg serve``: a small WSGI app (served by waitress) that checks every request
before it reaches the Oxigraph server, which listens only on a private loopback port.

What it lets through, and what it answers itself (short ``text/plain`` bodies):

* ``/query`` and ``/sparql``, the SPARQL 1.1 Protocol query operation: ``GET ?query=``,
  ``POST application/sparql-query`` and ``POST application/x-www-form-urlencoded``. The query
  must be at most :data:`MAX_QUERY_BYTES` (413), nested no deeper than graph.query's limit
  (400), hold no ``SERVICE`` unless ``--allow-service`` (400) and no update (403); any other
  content type is 415. It reaches Oxigraph as the text that was checked (a ``POST
  application/sparql-query``), whatever form it came in, so the check and the engine read the
  same query. The answer is read whole before it is sent: a query that runs past the time
  limit is a 503 with a message, never a 200 cut short.
* ``/update`` and every write to ``/store``: 403 (the server is read-only).
* ``GET``/``HEAD`` of ``/store``: passed through.
* The project's query page ``/`` with its files, ``/library`` (the query library; ``/library/NAME``
  runs one, its parameters bound by the server) and ``/entity?iri=`` (an entity's description):
  answered by the front itself (:mod:`graph.page`), ``GET``/``HEAD`` only.
* Anything else: 404 (or 405 for another method).

Requests from other web origins are refused with 403 before anything else: an ``Origin``
header that is not the server's own origin, ``Sec-Fetch-Site: cross-site`` or ``same-site``,
and, on a loopback address, a ``Host`` that is not a loopback name (a DNS-rebinding page).

>>> app = Front("127.0.0.1", 7878, timeout=30, workdir=".")
>>> app.origin_refusal({"HTTP_ORIGIN": "http://evil.example", "HTTP_HOST": "127.0.0.1:7878"})
'requests from other web origins are refused (Origin: http://evil.example)'
>>> app.origin_refusal({"HTTP_ORIGIN": "http://localhost:7878", "HTTP_HOST": "localhost:7878"}) is None
True
>>> app.query_refusal("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
(400, 'SERVICE is refused by this endpoint: it would make the server fetch other URLs (kg serve --allow-service turns it on)')
"""

from __future__ import annotations

import tempfile
import threading
import time
import urllib.parse
from typing import Callable, Iterable

import httpx

from .query import forbidden_operations, nesting_error
from .serve import is_loopback

#: the largest query text accepted (UTF-8 bytes, after decoding a form or URL)
MAX_QUERY_BYTES = 64 * 1024
#: the largest request body or URL query string read at all (a form-encoded query is up to 3 times its text)
MAX_REQUEST_BYTES = 4 * MAX_QUERY_BYTES
#: the largest answer the front holds (kept in memory up to SPOOL_BYTES, then in a temporary file)
MAX_ANSWER_BYTES = 256 * 2**20
SPOOL_BYTES = 8 * 2**20
#: what Oxigraph writes at the end of a 200 answer when its time limit stops the query
CANCELLED = b"The SPARQL operation has been cancelled"
QUERY_PATHS = frozenset({"/query", "/sparql"})
QUERY_TYPES = ("application/sparql-query", "application/x-www-form-urlencoded")
#: response headers of Oxigraph not passed on (hop-by-hop, or set by the front)
_DROP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date",
                   "proxy-authenticate", "te", "trailer", "upgrade", "access-control-allow-origin",
                   "access-control-allow-methods", "access-control-allow-headers"})
_STATUS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           413: "Content Too Large", 414: "URI Too Long", 415: "Unsupported Media Type",
           502: "Bad Gateway", 503: "Service Unavailable"}


class Refused(Exception):
    """A request the front answers itself: an HTTP status and a one-line reason."""

    def __init__(self, status: int, message: str, headers: Iterable[tuple[str, str]] = ()):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, list(headers)


def _status_line(code: int, reason: str = "") -> str:
    return f"{code} {reason or _STATUS.get(code, 'Unknown')}"


def _decode(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, f"the {what} is not UTF-8") from None


def _form(raw: str, what: str) -> list[tuple[str, str]]:
    """``application/x-www-form-urlencoded`` pairs (percent-escapes read as UTF-8, strictly)."""
    try:
        return urllib.parse.parse_qsl(raw, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, f"the {what} is not a valid UTF-8 form") from None


class Front:
    """The WSGI application. ``upstream`` is Oxigraph's base URL (``http://127.0.0.1:PORT``),
    set by :func:`graph.serve.serve`; None while Oxigraph is being restarted (requests get 503).

    Requests are counted per upstream while they use it, so that :func:`graph.serve.serve` can move
    to a new Oxigraph (a store folder rebuilt) with :meth:`switch` and stop the old one only once
    :meth:`wait_idle` says no request still reads from it.
    """

    def __init__(self, host: str, port: int, timeout: float, workdir: str, allow_service: bool = False,
                 connections: int = 16):
        self.host, self.port, self.timeout = host, port, float(timeout)
        self.allow_service = allow_service
        self.workdir = str(workdir)
        self.loopback = is_loopback(host)
        self.upstream: str | None = None
        # never a proxy from the environment for a loopback hop; never a redirect followed
        self.client = httpx.Client(trust_env=False, follow_redirects=False,
                                   limits=httpx.Limits(max_connections=connections,
                                                       max_keepalive_connections=connections),
                                   timeout=httpx.Timeout(self.timeout + 2, connect=5.0, pool=self.timeout))
        self._lock = threading.Lock()
        self._inflight: dict[str, int] = {}  #: requests using each upstream now

    def close(self) -> None:
        self.client.close()

    # ----------------------------------------------------------------- which Oxigraph

    def switch(self, upstream: str | None) -> str | None:
        """Send new requests to ``upstream`` from now on; returns the previous one."""
        with self._lock:
            previous, self.upstream = self.upstream, upstream
        return previous

    def _take(self) -> str | None:
        with self._lock:
            upstream = self.upstream
            if upstream is not None:
                self._inflight[upstream] = self._inflight.get(upstream, 0) + 1
            return upstream

    def _give(self, upstream: str) -> None:
        with self._lock:
            left = self._inflight.get(upstream, 0) - 1
            if left > 0:
                self._inflight[upstream] = left
            else:
                self._inflight.pop(upstream, None)

    def in_flight(self, upstream: str) -> int:
        with self._lock:
            return self._inflight.get(upstream, 0)

    def wait_idle(self, upstream: str, timeout: float) -> bool:
        """Wait (at most ``timeout`` s) until no request uses ``upstream``; True if none does."""
        end = time.monotonic() + timeout
        while self.in_flight(upstream):
            if time.monotonic() >= end:
                return False
            time.sleep(0.02)
        return True

    # ----------------------------------------------------------------- checks

    def _own_host(self, hostport: str) -> bool:
        """True when ``hostport`` (a Host header, or an origin's netloc) names this server on loopback."""
        try:
            parts = urllib.parse.urlsplit("//" + hostport)
            name, port = parts.hostname, parts.port or 80
        except ValueError:
            return False
        return port == self.port and name is not None and (name == "localhost" or is_loopback(name))

    def origin_refusal(self, environ: dict) -> str | None:
        """Why a request comes from another web origin (and is refused), or None."""
        site = environ.get("HTTP_SEC_FETCH_SITE", "").strip().lower()
        if site in ("cross-site", "same-site"):
            return f"requests from other web sites are refused (Sec-Fetch-Site: {site})"
        host = environ.get("HTTP_HOST")
        if self.loopback and host is not None and not self._own_host(host):
            return f"Host {host!r} is not this server's address (a page that renamed it is refused)"
        origin = environ.get("HTTP_ORIGIN")
        if origin is None:
            return None
        try:
            parts = urllib.parse.urlsplit(origin)
        except ValueError:
            parts = None
        if parts is not None and parts.scheme == "http" and not parts.path and not parts.query:
            if self.loopback and self._own_host(parts.netloc):
                return None
            if not self.loopback and host is not None and parts.netloc.lower() == host.lower():
                return None
        return f"requests from other web origins are refused (Origin: {origin[:200]})"

    def query_refusal(self, text: str) -> tuple[int, str] | None:
        """(status, reason) when the query text may not reach the engine, else None."""
        if len(text.encode("utf-8", "surrogatepass")) > MAX_QUERY_BYTES:
            return 413, f"query larger than {MAX_QUERY_BYTES // 1024} KB"
        err = nesting_error(text)
        if err is not None:
            return 400, err
        ops = forbidden_operations(text)
        updates = [op for op in ops if op != "SERVICE"]
        if updates:
            return 403, f"updates are refused: this endpoint is read-only ({', '.join(updates)})"
        if "SERVICE" in ops and not self.allow_service:
            return 400, ("SERVICE is refused by this endpoint: it would make the server fetch other URLs "
                         "(kg serve --allow-service turns it on)")
        return None

    # ----------------------------------------------------------------- WSGI

    def __call__(self, environ: dict, start_response: Callable):
        try:
            refusal = self.origin_refusal(environ)
            if refusal is not None:
                raise Refused(403, refusal)
            status, headers, body = self.route(environ)
        except Refused as r:
            status, headers, body = self.text(r.status, r.message, r.headers)
        start_response(status, headers)
        return body

    @staticmethod
    def text(code: int, message: str, extra: Iterable[tuple[str, str]] = ()):
        data = (message.rstrip("\n") + "\n").encode("utf-8", "replace")
        headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data))),
                   ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store"), *extra]
        return _status_line(code), headers, [data]

    @staticmethod
    def as_sent(environ: dict) -> str:
        """The request's path and query string, to pass on unchanged."""
        qs = environ.get("QUERY_STRING", "")
        return urllib.parse.quote((environ.get("PATH_INFO", "") or "/").encode("latin-1", "replace"), safe="/:@!$&'()*+,;=-._~") + ("?" + qs if qs else "")

    def route(self, environ: dict):
        path = environ.get("PATH_INFO", "") or "/"
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if path in QUERY_PATHS:
            return self.query_operation(environ, method)
        if path == "/update":
            raise Refused(403, "The server is read-only")
        if path == "/store" or path.startswith("/store/"):
            if method not in ("GET", "HEAD"):
                raise Refused(403, "The server is read-only")
            return self.forward(environ, method, self.as_sent(environ))
        from . import page  # the query page, the library and the entity pages (graph/page): answered here

        answer = page.route(self, environ, method, path)
        if answer is not None:
            return answer
        raise Refused(404, f"{path[:200]} is not a path of this server (the query endpoint is /query)")

    def _read_body(self, environ: dict) -> bytes:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise Refused(400, "bad Content-Length") from None
        if length > MAX_REQUEST_BYTES:
            raise Refused(413, f"request body larger than {MAX_REQUEST_BYTES // 1024} KB "
                               f"(a query may have {MAX_QUERY_BYTES // 1024} KB)")
        data = environ["wsgi.input"].read(length) if length > 0 else b""
        if len(data) < length:
            raise Refused(400, "request body shorter than its Content-Length")
        return data

    def query_operation(self, environ: dict, method: str):
        raw_qs = environ.get("QUERY_STRING", "")
        if len(raw_qs) > MAX_REQUEST_BYTES:
            raise Refused(414, f"URL query string larger than {MAX_REQUEST_BYTES // 1024} KB "
                               f"(send a long query as a POST)")
        # WSGI gives the raw query string as latin-1 text: back to bytes, then read as UTF-8
        params = _form(_decode(raw_qs.encode("latin-1", "replace"), "URL"), "URL query string")
        if method in ("GET", "HEAD"):
            if any(k == "update" for k, _ in params):
                raise Refused(403, "The server is read-only")
            if not any(k == "query" for k, _ in params):  # the service description
                return self.forward(environ, method, self.as_sent(environ))
            return self.run_query(environ, params)
        if method != "POST":
            raise Refused(405, f"{method} is not a SPARQL protocol method (use GET or POST)",
                          [("Allow", "GET, HEAD, POST")])
        ctype = environ.get("CONTENT_TYPE", "")
        media, _, rest = ctype.partition(";")
        media = media.strip().lower()
        charset = ""
        for part in rest.split(";"):
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset":
                charset = value.strip().strip('"').lower()
        if media in ("application/sparql-update",):
            raise Refused(403, "The server is read-only")
        if media not in QUERY_TYPES:
            shown = f"'{ctype[:100]}'" if ctype else "none"
            raise Refused(415, f"Content-Type {shown} is not one of the SPARQL protocol's "
                               f"({', '.join(QUERY_TYPES)})")
        if charset not in ("", "utf-8", "utf8"):
            raise Refused(415, f"charset {charset[:40]} is not supported (send UTF-8)")
        body = self._read_body(environ)
        if media == "application/sparql-query":
            if any(k == "query" for k, _ in params):
                raise Refused(400, "a query both in the body and in the URL")
            params = [("query", _decode(body, "query"))] + params
        else:
            form = _form(_decode(body, "form"), "form")
            if any(k == "update" for k, _ in form):
                raise Refused(403, "The server is read-only")
            params = form + params
        return self.run_query(environ, params)

    def run_query(self, environ: dict, params: list[tuple[str, str]]):
        queries = [v for k, v in params if k == "query"]
        if len(queries) != 1:
            raise Refused(400, "give exactly one query parameter")
        text = queries[0]
        refusal = self.query_refusal(text)
        if refusal is not None:
            raise Refused(*refusal)
        others = [(k, v) for k, v in params if k != "query"]
        url = "/query" + ("?" + urllib.parse.urlencode(others) if others else "")
        headers = {"Content-Type": "application/sparql-query; charset=utf-8"}
        return self.forward(environ, "POST", url,
                            body=text.encode("utf-8", "surrogatepass"), headers=headers, whole=True)

    def forward(self, environ: dict, method: str, target: str, body: bytes | None = None,
                headers: dict | None = None, whole: bool = False):
        """Send the request on to Oxigraph. ``whole``: read the answer completely before answering
        (a query: a time limit reached mid-answer becomes a 503); else stream it through."""
        upstream = self._take()
        if upstream is None:
            raise Refused(503, "the SPARQL engine is restarting; try again in a moment", [("Retry-After", "2")])
        try:
            status, out_headers, answer = self._forward(environ, upstream, method, target, body, headers, whole)
        except BaseException:
            self._give(upstream)
            raise
        if whole:  # read whole already: the upstream is no longer used
            self._give(upstream)
            return status, out_headers, answer
        return status, out_headers, _Body(answer, lambda: self._give(upstream))

    def _forward(self, environ: dict, upstream: str, method: str, target: str, body: bytes | None,
                 headers: dict | None, whole: bool):
        send = dict(headers or {})
        send["Accept"] = environ.get("HTTP_ACCEPT", "*/*")
        send["Accept-Encoding"] = "identity"
        if environ.get("HTTP_HOST"):  # Oxigraph names the endpoint in its service description from it
            send["Host"] = environ["HTTP_HOST"]
        for key in ("HTTP_ACCEPT_LANGUAGE", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE"):
            if key in environ:
                send[key[5:].replace("_", "-").title()] = environ[key]
        start = time.monotonic()
        try:
            resp = self.client.send(self.client.build_request(method, upstream + target, content=body,
                                                              headers=send), stream=True)
        except httpx.TimeoutException:
            raise Refused(503, self._timeout_message()) from None
        except httpx.HTTPError as exc:
            raise Refused(503, f"the SPARQL engine is not answering ({type(exc).__name__}); "
                               "kg serve restarts it; try again in a moment", [("Retry-After", "2")]) from None
        out_headers = [(k, v) for k, v in resp.headers.items() if k.lower() not in _DROP]
        out_headers.append(("X-Content-Type-Options", "nosniff"))
        status = _status_line(resp.status_code, resp.reason_phrase)
        if not whole:
            if "content-length" in resp.headers:
                out_headers.append(("Content-Length", resp.headers["content-length"]))
            return status, out_headers, _stream(resp)
        return self._whole(resp, status, out_headers, start)

    def _timeout_message(self) -> str:
        return (f"query timeout: the query ran longer than {self.timeout:g} s and was stopped "
                "(kg serve --timeout sets the limit)")

    def _whole(self, resp: httpx.Response, status: str, out_headers: list, start: float):
        deadline = start + self.timeout + 1.0
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, dir=self.workdir)
        size, tail = 0, b""
        try:
            try:
                for chunk in resp.iter_raw():
                    size += len(chunk)
                    if size > MAX_ANSWER_BYTES:
                        raise Refused(503, f"the answer is larger than {MAX_ANSWER_BYTES // 2**20} MB; "
                                           "ask for less (LIMIT, fewer variables)")
                    if time.monotonic() > deadline:
                        raise Refused(503, self._timeout_message())
                    spool.write(chunk)
                    tail = (tail + chunk)[-len(CANCELLED):]
            except httpx.TimeoutException:
                raise Refused(503, self._timeout_message()) from None
            except httpx.HTTPError as exc:
                raise Refused(503, f"the SPARQL engine stopped while answering ({type(exc).__name__}); "
                                   "try again in a moment", [("Retry-After", "2")]) from None
            finally:
                resp.close()
            # Oxigraph ends a 200 answer that its time limit cut short with this text; no complete
            # answer in any format ends so (CSV/TSV/N-Triples end with a line break, JSON with }, XML with >)
            if tail == CANCELLED or (resp.status_code >= 500 and CANCELLED in _head(spool)):
                raise Refused(503, self._timeout_message())
        except BaseException:
            spool.close()
            raise
        out_headers.append(("Content-Length", str(size)))
        spool.seek(0)
        return status, out_headers, _file_chunks(spool)


def _head(spool, n: int = 4096) -> bytes:
    spool.seek(0)
    return spool.read(n)


def _file_chunks(f, size: int = 64 * 1024):
    try:
        while True:
            data = f.read(size)
            if not data:
                return
            yield data
    finally:
        f.close()


class _Body:
    """A WSGI answer body that calls ``done`` once, when the server closes it (iterated or not)."""

    def __init__(self, chunks, done: Callable[[], None]):
        self._chunks, self._done = chunks, done

    def __iter__(self):
        return iter(self._chunks)

    def close(self) -> None:
        done, self._done = self._done, None
        try:
            close = getattr(self._chunks, "close", None)
            if close is not None:
                close()
        finally:
            if done is not None:
                done()


def _stream(resp: httpx.Response):
    try:
        yield from resp.iter_raw()
    except httpx.HTTPError:
        return  # Oxigraph stopped mid-answer: the connection ends short of its Content-Length
    finally:
        resp.close()
