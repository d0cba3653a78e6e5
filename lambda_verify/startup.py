"""What the function makes once per execution environment, made without the cyclic collector.

Starting the lookup (boto3's import, the DynamoDB client, the store, the App) allocates hundreds of
thousands of objects that live as long as the process. While they are made, Python's cyclic
collector runs again and again and scans them all; afterwards, every full collection during a
request would scan them again. :class:`LongLived` pauses the collector while they are made and then
freezes every object alive at that moment (``gc.freeze``: moved to a generation no collection
visits): the runtime, the modules and what the block made, all of which live as long as the
process. Measured with a fresh process that imports the handler and answers one lookup
(bench/bench_verify.py, cold start): about 29 ms less CPU of about 182 ms, and the same peak memory. Garbage that the start leaves in cycles,
if any, stays; nothing made per request is frozen.
"""

from __future__ import annotations

import gc
from types import TracebackType

__all__ = ["LongLived"]


class LongLived:
    """Make what the block makes with the collector paused, then freeze it; the collector runs again
    after the block as it did before, also when the block fails."""

    def __enter__(self) -> None:
        self.collecting = gc.isenabled()
        gc.disable()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is None:
            gc.freeze()
        if self.collecting:
            gc.enable()
