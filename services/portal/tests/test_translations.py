"""Every message of every page is translated into Finnish and Swedish (English is the id)."""

from __future__ import annotations

import re

import pytest
from voimala_portal.web.i18n import Translator, catalogue
from voimala_portal.web.messages import messages


def test_the_extractor_finds_the_pages_messages() -> None:
    found = {text for text, _, _ in messages()}
    assert "Sign in" in found
    assert "There is a problem" in found  # from a template macro
    assert len(found) > 30


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_every_message_is_translated(language: str) -> None:
    known = catalogue(language)  # type: ignore[arg-type]
    missing = sorted(
        {f"{where}:{line}: {text!r}" for text, where, line in messages() if text not in known}
    )
    assert not missing, f"{len(missing)} untranslated into {language}:\n" + "\n".join(missing[:80])


def test_placeholders_are_kept_in_every_translation() -> None:
    for language in ("fi", "sv"):
        for msgid, translated in catalogue(language).items():  # type: ignore[arg-type]
            wanted = sorted(re.findall(r"%\(\w+\)s", msgid))
            forms = [translated] if isinstance(translated, str) else list(translated)
            for form in forms:
                assert (
                    sorted(set(re.findall(r"%\(\w+\)s", form))) <= sorted(set(wanted)) or not wanted
                ), (language, msgid)
                assert set(re.findall(r"%\(\w+\)s", form)) <= set(wanted), (language, msgid, form)


def test_a_translator_fills_placeholders_and_falls_back_to_english() -> None:
    assert Translator("en").gettext("Signed in as %(name)s", name="A") == "Signed in as A"
    assert Translator("fi").gettext("Signed in as %(name)s", name="A") != "Signed in as A"
    assert Translator("fi").gettext("a message nobody wrote") == "a message nobody wrote"
