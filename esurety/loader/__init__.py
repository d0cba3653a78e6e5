"""Loading certificates into the lookup's store (staff side): ``python -m scripts.load_certificates``.

* ``reading``: the export (YAML / JSON / CSV) in one detected or given encoding, strict values;
* ``keypolicy``: which issued access keys are accepted;
* ``planning``: what each certificate would change;
* ``transaction``: lock, journal, commit, notices — the store holds a key's hash before any notice
  shows the key, and a rerun repairs a run that failed or was killed;
* ``cli``: the command line and its exit status (0 done, 1 refused, 2 invalid input, 3 unavailable).

The YAML reader and the wareki parser (``esurety.data``, ``esurety.kernel``) are imported inside
the functions that need them.
"""

from .cli import EXIT_INVALID, EXIT_OK, EXIT_REFUSED, EXIT_UNAVAILABLE, main, parse_args

__all__ = ["EXIT_INVALID", "EXIT_OK", "EXIT_REFUSED", "EXIT_UNAVAILABLE", "main", "parse_args"]
