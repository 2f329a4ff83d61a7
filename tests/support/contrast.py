"""WCAG 2.1 AA text contrast measured in a real page (a tests/support/cdp.py Page): what the
browser actually paints, after the cascade, opacity and inherited backgrounds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CONTRAST_JS = (Path(__file__).with_name("contrast.js")).read_text(encoding="utf-8")


def low_contrast_text(page: Any) -> list[tuple[str, float]]:
    """Visible text below AA contrast, as (first 40 characters, ratio); [] when all pass."""
    return [tuple(item) for item in page.evaluate(CONTRAST_JS)]
