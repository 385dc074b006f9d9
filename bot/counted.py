"""Interface texts that embed a count, in the right plural form of the reader's language.

"1 athletes" is what a single template gives; `knowledge.i18n.plural` picks
`<base>_one` or `<base>_other` (or whatever categories the language has) by
CLDR's rules. This wrapper escapes the other values for HTML as `context.t` does::

    context.reply(counted(context, "broadcast_queued", broadcast.recipients, id=broadcast.id))
"""

from __future__ import annotations

import html

from bot.context import HipContext
from knowledge import KnowledgeBase
from knowledge.i18n import plural


def plural_text(kb: KnowledgeBase, lang: str, base: str, count: int, **params: object) -> str:
    """`<base>_<category>` for `count` in `lang`, every other value HTML-escaped."""
    escaped = {name: html.escape(str(value)) for name, value in params.items()}
    return plural(kb, lang, base, count, **escaped)


def counted(context: HipContext, base: str, count: int, **params: object) -> str:
    """The plural text for `count` in the reader's language (see `plural_text`)."""
    return plural_text(context.kb, context.lang, base, count, **params)


__all__ = ["counted", "plural_text"]
