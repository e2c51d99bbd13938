"""Waiting for a condition, never for a fixed time: the one helper every test uses."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float, what: str, every: float = 0.05) -> T:
    """``predicate``'s first truthy value, polled every ``every`` seconds; the test fails
    saying ``what`` did not happen if ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} (within {timeout:g} s)")
        time.sleep(every)


async def wait_until_async(
    predicate: Callable[[], T | Awaitable[T]], timeout: float, what: str, every: float = 0.02
) -> T:
    """``wait_until`` inside an event loop (the loop runs while it waits); ``predicate``
    may be a coroutine function."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if isinstance(value, Awaitable):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} (within {timeout:g} s)")
        await asyncio.sleep(every)
