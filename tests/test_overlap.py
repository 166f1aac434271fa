"""journey.overlap: a page's independent parts at the same time, results in order, errors as raised."""

import threading
import time
from collections.abc import Callable

import pytest

from journey.overlap import hand_over, together


def test_parts_run_at_the_same_time_and_come_back_in_order() -> None:
    started = threading.Barrier(3, timeout=5)  # each part waits for the other two: in turn, this would time out

    def part(value: int) -> tuple[int, str]:
        started.wait()
        time.sleep(0.01 * (3 - value))  # the first part ends last
        return value, threading.current_thread().name

    results = together(*(lambda v=v: part(v) for v in range(3)))
    assert [value for value, _ in results] == [0, 1, 2]
    assert results[0][1] == threading.current_thread().name
    assert len({name for _, name in results}) == 3


SESSION = threading.local()  # what a caller hands over to the parts it starts


def test_every_part_gets_what_the_caller_hands_over() -> None:
    def handover() -> Callable[[], None]:
        user = getattr(SESSION, "user", None)
        return lambda: setattr(SESSION, "user", user)

    hand_over(handover)
    SESSION.user = "mona"
    assert together(*[lambda: getattr(SESSION, "user", None)] * 3) == ["mona", "mona", "mona"]
    SESSION.user = "bo"  # a later call hands over what the caller has then
    assert together(*[lambda: getattr(SESSION, "user", None)] * 2) == ["bo", "bo"]


def test_an_error_is_raised_as_its_part_raised_it_after_every_part_ended() -> None:
    ended = []

    def slow() -> None:
        time.sleep(0.05)
        ended.append("slow")

    def broken() -> None:
        raise LookupError("no such week")

    with pytest.raises(LookupError, match="no such week"):
        together(broken, slow)
    assert ended == ["slow"]


def test_one_part_runs_in_this_thread() -> None:
    assert together(lambda: threading.current_thread().name) == [threading.current_thread().name]
    assert together() == []
