"""The local server (``make run``, ``make serve``): the built site and the lookup on http://127.0.0.1.

* ``app``: a small WSGI application — ``/api/*`` translated into the Lambda payload 2.0 event the
  function receives in production and back; everything else from output/ through WhiteNoise; every
  answer with the security headers;
* ``server``: that application on waitress (connection limit, timeouts, its own error answers with
  the security headers too, port 0 for a port of the system's choosing), the audit file and the
  rebuild-on-change loop;
* ``clock``: a wall clock set by hand through a file, for tests of the attempt limits.

``scripts/devserver.py`` is the thin command line over this package.
"""

from .app import API_PREFIX, DROPPED_HEADERS, MAX_FORWARD_BYTES, LocalApp
from .clock import FileClock, write_clock_file
from .server import (
    FORWARDED_FOR,
    HOST,
    READY_LINE,
    LocalServer,
    audit_log_path,
    log_audit_to_file,
    make_server,
    rebuild,
    watch,
)

__all__ = [
           "API_PREFIX",
           "DROPPED_HEADERS",
           "FORWARDED_FOR",
           "HOST",
           "MAX_FORWARD_BYTES",
           "READY_LINE",
           "FileClock",
           "LocalApp",
           "LocalServer",
           "audit_log_path",
           "log_audit_to_file",
           "make_server",
           "rebuild",
           "watch",
           "write_clock_file",
]
