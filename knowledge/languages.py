"""The languages the content is written in (`meta.languages`), known without loading it all.

Code that must choose a language before it has a knowledge base at hand (the
language of a Telegram app whose user has not started yet) asks here instead
of keeping a list of its own, so adding a language is a change to the content
alone. Only `meta.yaml` is read, validated by the same schema as a full load;
a test checks that the two agree.
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

from knowledge.loader import DEFAULT_CONTENT_DIR
from knowledge.schema import Meta

META_FILE = "meta.yaml"


@functools.cache
def declared_languages(content_dir: Path = DEFAULT_CONTENT_DIR) -> tuple[str, ...]:
    """The language codes the content declares, in its order (English first by convention)."""
    raw = yaml.safe_load((content_dir / META_FILE).read_text(encoding="utf-8"))
    return tuple(Meta.model_validate(raw["meta"]).languages)
