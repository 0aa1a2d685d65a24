"""What keeps other web pages away from a studio running on this machine (docs/security.md):

- the Host header must name this machine (an IP address, localhost, or a name given with
  --allow-host), so a DNS-rebinding page cannot read the studio as if it were same-origin;
- a request that changes something (POST, DELETE, ...) must come from the studio's own origin:
  a page elsewhere, or a sandboxed frame (Origin: null), is refused;
- every answer says it may not be framed (X-Frame-Options, CSP frame-ancestors) and that its
  content type is meant (nosniff)."""
from __future__ import annotations

import ipaddress
import json

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
SECURITY_HEADERS = [(b"x-frame-options", b"DENY"), (b"content-security-policy", b"frame-ancestors 'none'"),
                    (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
LOCAL_NAMES = ("localhost",)


def host_name(host: str) -> str:
    """'Example.org:8000' -> 'example.org'; '[::1]:8000' -> '::1'."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host[1:]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def host_allowed(host: str, allowed=()) -> bool:
    """IP addresses and localhost name this machine whatever DNS says; other names only when allowed."""
    name = host_name(host).rstrip(".")
    if name in LOCAL_NAMES or name.endswith(".localhost") or name in allowed or "*" in allowed:
        return True
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


def cross_origin(headers: dict) -> bool:
    """True when a browser says the request comes from a page of another origin (or none: null)."""
    origin, host = headers.get(b"origin"), headers.get(b"host")
    if origin is not None:
        return origin.strip().lower() == b"null" or host is None or \
            origin.split(b"//", 1)[-1].lower() != host.lower()
    return headers.get(b"sec-fetch-site", b"same-origin") not in (b"same-origin", b"none")


class Guard:
    """ASGI middleware applying the three rules above."""

    def __init__(self, app, allowed_hosts=()):
        self.app, self.allowed = app, tuple(h.lower().rstrip(".") for h in allowed_hosts)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host", b"").decode("latin-1")
        if host and not host_allowed(host, self.allowed):
            return await refuse(send, 403, f"this server does not answer to the host name "
                                           f"'{host_name(host)[:60]}' (start it with --allow-host NAME to allow it)")
        if scope["method"] not in SAFE_METHODS and cross_origin(headers):
            return await refuse(send, 403, "cross-origin requests may not change jobs on this server")

        async def with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)
        return await self.app(scope, receive, with_headers)


async def refuse(send, status: int, message: str) -> None:
    body = json.dumps({"error": message, "status": status}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})
