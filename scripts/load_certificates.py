"""Load certificates from the guarantor's export into the lookup's store, and write their key notices.

    python -m scripts.load_certificates export.yaml            # or .csv / .json
    python -m scripts.load_certificates export.csv --dry-run   # show what would change, write nothing

A thin command line over ``esurety.loader`` (reading, key policy, planning, the transactional load).

Input (YAML / JSON: a list, or ``{demo: …, certificates: [...]}``; CSV: one row per version):

* per certificate: ``guarantee_number``, ``guarantor`` (wjcs / ejcs), ``certificate_type``
  (advance_payment / interim_advance_payment / contract_performance), optional ``access_key`` (a key
  already issued; without one a key is generated), ``branch``, ``branch_phone``, ``branch_fax``,
  ``branch_address``, and for a cancelled certificate ``cancelled_on`` and ``cancel_reason``;
* per version (YAML/JSON: ``versions: [...]``; CSV: the ``version`` column, 0 = 新規): ``issued_on``,
  ``contractor_name``, ``contractor_address``, ``jv_name``, ``orderer``, ``work_name``,
  ``contract_amount``, ``guaranteed_amount``, ``guarantee_start``, ``guarantee_end``, ``work_start``,
  ``work_end``, ``contract_date``, ``deposit_bank``. A change (変更) lists what changed and its own
  ``issued_on``; everything else is carried over from the version before.

Rules: a second run with the same file changes nothing. New versions and a new cancellation are
added to a stored certificate; anything else that differs is refused unless ``--overwrite``, and a
different key unless ``--rotate-key``. Weak issued keys are refused unless ``--accept-issued-keys``.
Nothing is written when any certificate is refused or invalid. The store holds every hash before
any notice shows its key; a run that fails or is killed is repaired by the next. Exit status:
0 done, 1 refused, 2 invalid input, 3 store unavailable.
"""

from __future__ import annotations

import sys

from esurety.loader.cli import (  # noqa: F401 - re-exported for callers of the old module
    EXIT_INVALID,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_UNAVAILABLE,
    main,
    parse_args,
)

if __name__ == "__main__":
    sys.exit(main())
