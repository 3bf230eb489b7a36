"""HTTP security helpers: the Content Security Policy middleware.

django-csp applies `CONTENT_SECURITY_POLICY` (settings) to every response. Only the pages in
`CSP_RELAXED_PATHS` (drf-spectacular's Swagger UI, whose template has an inline <script> and
<style>) get 'unsafe-inline' scripts and styles, and nothing else: that page holds no data,
it fetches the schema from /api/schema/ with the user's own session.
"""

from __future__ import annotations

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


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
