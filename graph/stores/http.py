"""The HTTP client under :class:`graph.stores.endpoint.EndpointStore`: urllib, credentials, a strict
redirect policy, a time limit per request, and HTTP and transport errors remapped to one-line KGErrors.

* Credentials: ``auth="USER:PASSWORD"`` sends HTTP Basic up front (Fuseki, GraphDB, ...) and answers
  an HTTP Digest challenge when the server asks for it; ``token="..."`` sends ``Authorization: Bearer``.
  A server that refuses Basic with a bare 401 (no challenge), or that answers before it has read a
  large body (the write fails: broken pipe), has its Digest challenge drawn with a ``HEAD`` (no body,
  no credentials), the credentials tried on a second ``HEAD``, and from then on every request is sent
  with its Digest answer up front (Virtuoso's ``/sparql-auth`` and ``/sparql-graph-crud-auth``).
* Partial answers: a success that says it holds only part of the answer is an error, never returned:
  HTTP 206 or ``X-SQL-State: S1TAT`` (an "anytime" answer cut at a time limit) is a
  :class:`~graph.errors.QueryTimeout`, ``X-SPARQL-MaxRows: N`` (cut at the server's row limit) a KGError.
* Redirects: followed only for a GET or HEAD to the same origin. urllib's own handler turns a POST
  answered 301/302/303 into an empty GET (an update "succeeds" and writes nothing) and sends the
  ``Authorization`` header wherever the redirect points; here any other redirect is an
  :class:`EndpointRedirect` naming its ``Location``.
* Errors: an HTTP error status is an :class:`EndpointError` (its status and the server's words kept);
  a connection refused, a name not resolved or a time-out is ``cannot reach the SPARQL endpoint URL``.

>>> client = HttpClient(token="T0K")
>>> client.headers["Authorization"]
'Bearer T0K'
>>> client.request("POST", "http://127.0.0.1:1/query", b"ASK {}")          # doctest: +SKIP
Traceback (most recent call last):
graph.errors.KGError: cannot reach the SPARQL endpoint http://127.0.0.1:1/query: [Errno 111] Connection refused
"""

from __future__ import annotations

import base64
import urllib.parse
from typing import Iterable

from ..errors import KGError, QueryTimeout


class EndpointError(KGError):
    """The endpoint answered with an HTTP error status.

    >>> str(EndpointError(400, "http://h/q", "Parse error\\n at 1:3"))
    'the SPARQL endpoint http://h/q answered HTTP 400: Parse error at 1:3'
    """

    def __init__(self, status: int, url: str, detail: str):
        self.status, self.url, self.detail = status, url, detail
        first = " ".join(detail.split())[:300]
        super().__init__(f"the SPARQL endpoint {url} answered HTTP {status}" + (f": {first}" if first else ""))


class EndpointRedirect(EndpointError):
    """The endpoint answered a redirect that is not followed: any 3xx to a POST, PUT or DELETE (a query,
    an update, a Graph Store write), and a redirect of a GET to another origin (where the credentials
    must not go).

    >>> str(EndpointRedirect(301, "POST", "http://h/q", "/sparql"))
    'the SPARQL endpoint http://h/q answered a redirect (HTTP 301) to http://h/sparql, not followed for a POST; give that URL instead'
    """

    def __init__(self, status: int, method: str, url: str, location: str | None):
        self.status, self.url, self.detail = status, url, ""
        self.method, self.location = method, urllib.parse.urljoin(url, location) if location else None
        if self.location is None:
            why = f"HTTP {status} without a Location"
        elif method in ("GET", "HEAD"):
            why = (f"a redirect (HTTP {status}) to another origin, {self.location}, not followed so that "
                   "credentials stay with the endpoint")
        else:
            why = f"a redirect (HTTP {status}) to {self.location}, not followed for a {method}; give that URL instead"
        KGError.__init__(self, f"the SPARQL endpoint {url} answered {why}")


def _origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port of a URL (the port made explicit), as browsers compare origins.

    >>> _origin("http://Example.org/q") == _origin("http://example.org:80/update")
    True
    >>> _origin("http://example.org/q") == _origin("https://example.org/q")
    False
    """
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port or default


def _redirect_policy():
    """A urllib redirect handler that follows a redirect only for a GET or HEAD to the same origin."""
    import urllib.request

    class RedirectPolicy(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            method = req.get_method()
            if method in ("GET", "HEAD") and _origin(newurl) == _origin(req.full_url):
                return super().redirect_request(req, fp, code, msg, headers, newurl)
            fp.close()
            raise EndpointRedirect(code, method, req.full_url, newurl)

    return RedirectPolicy()


class HttpClient:
    """Requests to a SPARQL server: its credentials, its redirect policy and its time limit.

    ``sites``: the URLs whose origins an HTTP Digest challenge may be answered for (the query,
    update and Graph Store endpoints).

    >>> HttpClient(auth="alice:s3cret").headers["Authorization"]
    'Basic YWxpY2U6czNjcmV0'
    >>> HttpClient(auth="alice")
    Traceback (most recent call last):
    ...
    graph.errors.KGError: --auth takes USER:PASSWORD
    """

    def __init__(self, *, auth: str | None = None, token: str | None = None, timeout: float | None = 60.0,
                 sites: Iterable[str | None] = ()):
        import urllib.request  # here, not at the top: it costs ~0.1 s of start-up (ssl, http.client)

        self.timeout = timeout
        self.headers: dict[str, str] = {"User-Agent": "alliance-kg"}
        redirects = _redirect_policy()
        self._opener = urllib.request.build_opener(redirects)
        self._digest: urllib.request.HTTPDigestAuthHandler | None = None
        self._challenge: dict | None = None  # a Digest challenge drawn with a HEAD, answered up front
        if auth and token:
            raise KGError("give --auth USER:PASSWORD or --token TOKEN, not both")
        if auth:
            if ":" not in auth:
                raise KGError("--auth takes USER:PASSWORD")
            self.headers["Authorization"] = "Basic " + base64.b64encode(auth.encode("utf-8")).decode("ascii")
            user, _, password = auth.partition(":")
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in sites:
                if url:
                    root = urllib.parse.urlsplit(url)
                    passwords.add_password(None, f"{root.scheme}://{root.netloc}/", user, password)
            # the Digest handler answers a challenge and sends the request (and its body) again
            self._digest = urllib.request.HTTPDigestAuthHandler(passwords)
            self._opener = urllib.request.build_opener(redirects, self._digest)
        elif token:
            self.headers["Authorization"] = "Bearer " + token

    def request(self, method: str, url: str, body: bytes | None, content_type: str | None = None,
                accept: str | None = None, ok_missing: bool = False) -> bytes:
        """Send one request and return the answer's body; ``ok_missing``: a 404 answers ``b""``."""
        import urllib.error
        import urllib.request

        headers = dict(self.headers)
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        req = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with self._open(req) as resp:
                _check_whole(resp, url)
                return resp.read()
        except urllib.error.HTTPError as exc:
            if ok_missing and exc.code == 404:
                return b""
            if 300 <= exc.code < 400:  # a redirect not followed (any method but GET), or another 3xx
                location = exc.headers.get("Location") if exc.headers else None
                exc.close()
                raise EndpointRedirect(exc.code, method, url, location) from None
            detail = exc.read().decode("utf-8", "replace").strip()
            raise EndpointError(exc.code, url, detail) from None
        except urllib.error.URLError as exc:
            raise KGError(f"cannot reach the SPARQL endpoint {url}: {exc.reason}") from None
        except (TimeoutError, OSError) as exc:
            raise KGError(f"cannot reach the SPARQL endpoint {url}: {exc}") from None

    # ---------------------------------------------------------------- HTTP Digest up front

    def _open(self, req):
        """Open ``req``; with a Digest challenge known, answered up front (no Basic header)."""
        import urllib.error

        if self._challenge is not None:
            self._sign(req)
        try:
            return self._opener.open(req, timeout=self.timeout)
        except (urllib.error.HTTPError, urllib.error.URLError) as exc:
            http = isinstance(exc, urllib.error.HTTPError)
            # a bare 401 (no challenge) to the Basic header, or the server answered before it read the body
            refused = http and exc.code == 401 and not (exc.headers or {}).get("WWW-Authenticate")
            cut = not http and isinstance(exc.reason, (BrokenPipeError, ConnectionResetError))
            if self._digest is None or not (refused or cut):
                raise
            challenge = self._draw_challenge(req.full_url)
            if challenge is None or challenge == self._challenge:
                raise
            if http:
                exc.close()
            self._challenge = challenge
            self._sign(req)
            return self._opener.open(req, timeout=self.timeout)

    def _head(self, url: str, authorization: str | None = None) -> tuple[int, str]:
        """A ``HEAD`` of ``url`` (no body, no other credentials): its status and its WWW-Authenticate."""
        import urllib.error
        import urllib.request

        req = urllib.request.Request(url, method="HEAD", headers={"User-Agent": self.headers["User-Agent"]})
        if authorization:
            req.add_unredirected_header("Authorization", authorization)
        try:
            with urllib.request.build_opener(_redirect_policy()).open(req, timeout=self.timeout) as resp:
                return resp.status, ""
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code, (exc.headers.get("WWW-Authenticate") if exc.headers else None) or ""

    def _draw_challenge(self, url: str) -> dict | None:
        """The Digest challenge a ``HEAD`` of ``url`` draws (None: no Digest challenge), once a second
        ``HEAD`` that answers it is not refused (refused: the user or password is wrong)."""
        import urllib.request

        status, header = self._head(url)
        if status != 401 or header[:7].lower() != "digest ":
            return None
        challenge = urllib.request.parse_keqv_list(urllib.request.parse_http_list(header[7:]))
        auth = self._digest.get_authorization(urllib.request.Request(url, method="HEAD"), challenge)
        if auth is None or self._head(url, "Digest " + auth)[0] == 401:
            raise EndpointError(401, url, "HTTP Digest: the server refused the user and password of --auth")
        return challenge

    def _sign(self, req) -> None:
        """Put the Digest answer to the known challenge on ``req`` (the nonce count goes up each time)."""
        req.remove_header("Authorization")
        auth = self._digest.get_authorization(req, self._challenge)
        if auth:
            req.add_unredirected_header("Authorization", "Digest " + auth)


def _check_whole(resp, url: str) -> None:
    """Refuse an answer the server says is partial (see the module's docstring)."""
    state, rows = resp.headers.get("X-SQL-State"), resp.headers.get("X-SPARQL-MaxRows")
    if resp.status == 206 or state == "S1TAT":
        why = f"X-SQL-State: {state}" if state else "HTTP 206"
        raise QueryTimeout(f"the SPARQL endpoint {url} stopped the query at its time limit and sent only part "
                           f"of the answer ({why})")
    if rows:
        raise KGError(f"the SPARQL endpoint {url} cut the answer at {rows} rows (its ResultSetMaxRows); the "
                      "answer would be incomplete")
