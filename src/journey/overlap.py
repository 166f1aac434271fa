"""Independent parts of a page computed at the same time.

A PostgreSQL server answers each query on one core, and a page's parts wait on their queries in turn: run side by
side, they keep both cores of the server busy. DuckDB already spreads each query over every core, but its queries
release Python's lock, so one part's Python runs while another's query does.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

Handover = Callable[[], Callable[[], None]]  # run in the caller; what it returns runs first in each new thread
_HANDOVERS: list[Handover] = []


def hand_over(handover: Handover) -> None:
    """Every part `together` starts gets what `handover`, called in the caller's thread, hands it (the app hands
    over its session: journey.ui)."""
    _HANDOVERS.append(handover)


def together(*calls: Callable[[], Any]) -> list[Any]:
    """The results of `calls`, in order: the first in this thread, each other one in a thread of its own. The first
    error, in the order of the calls, is raised as its call raised it, once every call has ended."""
    if len(calls) < 2:
        return [call() for call in calls]
    received = [handover() for handover in _HANDOVERS]

    def handed_over(call: Callable[[], Any]) -> Any:
        for receive in received:
            receive()
        return call()

    # leaving the pool waits for every call, so none outlives the page run that started it
    with ThreadPoolExecutor(len(calls) - 1, thread_name_prefix="journey-part") as pool:
        others = [pool.submit(handed_over, call) for call in calls[1:]]
        return [calls[0](), *(other.result() for other in others)]
