"""Randomised government portals composed from the CMS idioms of the domain notes (issue 9).

``generate(seed)`` returns a GeneratedPortal (pages, dynamic endpoints, robots.txt, answer key);
``GeneratedServer(portal)`` serves it on 127.0.0.1; ``harness.check(seeds)`` crawls and scores them.
CLI: ``python -m tests.portals.generated check --seeds 0-199`` / ``serve --seed 17``.
"""

from __future__ import annotations

from tests.portals.generated.compose import generate
from tests.portals.generated.model import ExpectedReport, GeneratedPortal
from tests.portals.generated.serve import GeneratedServer

__all__ = ["ExpectedReport", "GeneratedPortal", "GeneratedServer", "generate"]
