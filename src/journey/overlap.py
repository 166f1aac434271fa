"""Independent parts of a page computed at the same time.

A PostgreSQL server answers each query on one core, and a page's parts wait on their queries in turn: run side by
side, two parts keep both cores of the server busy. DuckDB already spreads each query over every core, but its
queries release Python's lock, so one part's Python runs while another's query does.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def together(*calls: Callable[[], Any], prepare: Callable[[], None] | None = None) -> list[Any]:
    """The results of `calls`, in order: the first in this thread, each other one in a thread of its own after
    `prepare` (what a thread needs before it may run a part, such as the app's session). The first error is raised
    as its call raised it, once every call has ended."""
    if len(calls) < 2:
        return [call() for call in calls]

    def prepared(call: Callable[[], Any]) -> Any:
        if prepare is not None:
            prepare()
        return call()

    # leaving the pool waits for every call, so none outlives the page run that started it
    with ThreadPoolExecutor(len(calls) - 1, thread_name_prefix="journey-part") as pool:
        others = [pool.submit(prepared, call) for call in calls[1:]]
        return [calls[0](), *(other.result() for other in others)]
