"""gunicorn settings, read from the working directory (the image's /app) by every `gunicorn`
command: the access log never holds a query string, a partner link token or a credential
header (config/gunicorn_logger.py)."""

logger_class = "config.gunicorn_logger.RedactingLogger"
# The common format, the request line split so that the path (redacted) comes without its query.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
