"""Knowledge base tables, one module per responsibility; Django finds them through this package."""

from tandem.kb.models.articles import *  # noqa: F403
from tandem.kb.models.macros import *  # noqa: F403
