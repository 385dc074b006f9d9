"""The coach's method as curated, validated content.

Everything the bot says about hips (tips, exercises, routines, the
self-test, recommendations and the interface texts) lives as YAML under
`knowledge/content/`; this package validates and serves it.
"""

from knowledge.languages import declared_languages
from knowledge.loader import (
    DEFAULT_CONTENT_DIR,
    ContentError,
    KnowledgeError,
    get_knowledge,
    load_knowledge,
)
from knowledge.render import render_item
from knowledge.schema import FaultId, KnowledgeBase, Level, Localized, text_for

__all__ = [
    "DEFAULT_CONTENT_DIR",
    "ContentError",
    "FaultId",
    "KnowledgeBase",
    "KnowledgeError",
    "Level",
    "Localized",
    "declared_languages",
    "get_knowledge",
    "load_knowledge",
    "render_item",
    "text_for",
]
