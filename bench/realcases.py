"""The real functions of ``pied bench translate --suite real``, per language in their
order (a ``--limit`` takes the first of each)."""

from __future__ import annotations

from pied.bench.realcases_go import GO
from pied.bench.realcases_java import JAVA
from pied.bench.realcases_js import JS
from pied.bench.realfunction import RealFunction

CASES: tuple[RealFunction, ...] = JS + GO + JAVA

__all__ = ["CASES", "RealFunction"]
