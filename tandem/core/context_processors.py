"""Template context every page needs: the signed-in agent and whether this is the demo desk."""

from django.conf import settings

from tandem.core.permissions import current_agent


def desk(request):
    return {
        "current_agent": current_agent(request),
        "is_demo_desk": settings.DEMO and _demo_loaded(),
    }


def _demo_loaded() -> bool:
    from tandem.core.demo_marker import demo_is_loaded

    return demo_is_loaded()
