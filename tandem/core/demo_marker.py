"""Whether the demo desk has been loaded into this database (a marker file under $TANDEM_HOME)."""

from functools import lru_cache

from django.conf import settings


def marker_path():
    return settings.TANDEM_HOME / "demo-loaded"


@lru_cache(maxsize=1)
def demo_is_loaded() -> bool:
    return marker_path().exists()


def mark_demo_loaded(summary: str) -> None:
    marker_path().write_text(summary)
    demo_is_loaded.cache_clear()


def forget_demo_marker() -> None:
    """The desk is no demo any more (wiped, or a test's demo rolled back)."""
    marker_path().unlink(missing_ok=True)
    demo_is_loaded.cache_clear()
