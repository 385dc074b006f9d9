"""The content's declared languages are the only list of them: code reads them from there."""

from __future__ import annotations

from pathlib import Path

from coaching import onboarding
from knowledge import KnowledgeBase, declared_languages
from knowledge.loader import DEFAULT_CONTENT_DIR


def test_the_light_reading_agrees_with_a_full_load(kb: KnowledgeBase) -> None:
    assert declared_languages() == tuple(kb.languages) == tuple(kb.meta.languages)


def test_a_language_added_to_the_content_is_declared(tmp_path: Path) -> None:
    meta = (DEFAULT_CONTENT_DIR / "meta.yaml").read_text(encoding="utf-8")
    assert "languages: [en, fi]" in meta
    (tmp_path / "meta.yaml").write_text(meta.replace("[en, fi]", "[en, fi, sv]"), "utf-8")
    assert declared_languages(tmp_path) == ("en", "fi", "sv")


def test_a_telegram_language_is_used_only_if_the_content_speaks_it() -> None:
    for code in declared_languages():
        assert onboarding.language_for(f"{code.upper()}-XX") == code
    assert onboarding.language_for("xx") == "en"
    assert onboarding.language_for(None) == "en"
