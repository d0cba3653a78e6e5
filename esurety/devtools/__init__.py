"""Tools for tests and benchmarks, never for the site or the lookup: starting local servers, talking HTTP to them.

* ``processes``: start a server process bound to port 0, read the address it bound from its own
  output, wait until it answers, and stop it;
* ``client``: one HTTP request without following redirects or raising on 4xx/5xx.
"""

from .client import Response, request
from .processes import Running, StartError, devserver_command, start, start_devserver, wait_until_answers

__all__ = ["Response", "Running", "StartError", "devserver_command", "request", "start", "start_devserver",
           "wait_until_answers"]
