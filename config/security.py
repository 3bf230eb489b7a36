"""HTTP security helpers: the Content Security Policy and no-store middlewares, and the
client's address behind the reverse proxy (URLs are redacted for logs in config.logging_filters).

django-csp applies `CONTENT_SECURITY_POLICY` (settings) to every response. Only the pages in
`CSP_RELAXED_PATHS` (drf-spectacular's Swagger UI, whose template has an inline <script> and
<style>) get 'unsafe-inline' scripts and styles, and nothing else: that page holds no data,
it fetches the schema from /api/schema/ with the user's own session.
"""

from __future__ import annotations

import ipaddress

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.utils.cache import add_never_cache_headers


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        relaxed = getattr(settings, "CSP_RELAXED_PATHS", ())
        if not report_only and relaxed and request.path_info.startswith(tuple(relaxed)):
            parts.update = {
                **(parts.update or {}),
                "script-src": [UNSAFE_INLINE],
                "style-src": [UNSAFE_INLINE],
            }
        return parts


class NoStoreMiddleware:
    """`Cache-Control: no-store` (with `private`, `no-cache`, `max-age=0`) on every answer to an
    authenticated user (pages, htmx fragments, exports, the API with a session or a token) and
    on the partner acknowledgement pages, whose link is the credential: neither the browser's
    cache, a shared proxy nor the back button keeps a file after logout.

    DRF sets the token's user on the Django request too, so API answers are covered.
    """

    PUBLIC_CREDENTIAL_VIEWS = frozenset({"partner-ack"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        match = getattr(request, "resolver_match", None)
        if (
            getattr(user, "is_authenticated", False)
            or "HTTP_AUTHORIZATION" in request.META
            or (match is not None and match.url_name in self.PUBLIC_CREDENTIAL_VIEWS)
        ):
            add_never_cache_headers(response)
        return response


def client_ip(request) -> str | None:
    """The client's address for login throttling (django-axes' AXES_CLIENT_IP_CALLABLE).

    With `TRUSTED_PROXY_COUNT` = N reverse proxies in front of the application, each appending
    the address it was reached from to X-Forwarded-For, the client is the N-th entry from the
    right: entries further left were written by the client and are not trusted. With N = 0, or
    when the header is shorter than N (the request did not come through the proxies), the
    socket's address.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < count:
        return remote
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
