"""Message templates: every one renders in every language, strictly, or the service won't start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jinja2 import TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError
from voimala_notifications.templates import FALLBACK, FOLDER, LANGUAGES, Templates

#: The variables each handler passes to its template: a new template needs a line here.
HANDLER_VALUES: dict[str, dict[str, Any]] = {
    "welcome": {"given_name": "Aino-Testname"},
}


def _names() -> set[str]:
    return {path.name.split(".", 1)[0] for path in FOLDER.glob("*.j2")}


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates()


def test_every_template_is_known_to_this_test() -> None:
    assert _names() == set(HANDLER_VALUES)


@pytest.mark.parametrize("name", sorted(HANDLER_VALUES))
def test_every_template_exists_in_every_language(name: str) -> None:
    for lang in LANGUAGES:
        assert (FOLDER / f"{name}.{lang}.j2").is_file(), f"{name} has no {lang} version"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", sorted(HANDLER_VALUES))
def test_every_template_renders_in_every_language(
    templates: Templates, name: str, lang: str
) -> None:
    values = HANDLER_VALUES[name]
    rendered = templates.render(name, lang, values)

    assert rendered.language == lang
    assert rendered.subject
    assert "\n" not in rendered.subject
    assert rendered.text
    assert rendered.text == rendered.text.strip()
    for value in values.values():
        assert str(value) in rendered.text
    assert "{{" not in rendered.text
    assert "{%" not in rendered.text


GREETINGS = {"fi": "Hei", "sv": "Hej", "en": "Hi"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_welcome_greets_by_name(templates: Templates, lang: str) -> None:
    rendered = templates.render("welcome", lang, {"given_name": "Aino-Testname"})
    assert rendered.text.startswith(f"{GREETINGS[lang]} Aino-Testname!\n")


@pytest.mark.parametrize("given_name", [None, ""])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_welcome_without_a_known_name_greets_without_one(
    templates: Templates, lang: str, given_name: str | None
) -> None:
    # Notifications may get the registration before any contact: there is no name to use.
    rendered = templates.render("welcome", lang, {"given_name": given_name})
    named = templates.render("welcome", lang, {"given_name": "Aino-Testname"})

    assert rendered.text.startswith(f"{GREETINGS[lang]}!\n")
    assert "None" not in rendered.text
    assert rendered.subject == named.subject
    # Only the greeting differs: the rest of the welcome is the same.
    assert rendered.text.split("\n", 1)[1] == named.text.split("\n", 1)[1]


def test_the_languages_really_differ(templates: Templates) -> None:
    subjects = {
        lang: templates.render("welcome", lang, HANDLER_VALUES["welcome"]).subject
        for lang in LANGUAGES
    }
    assert subjects == {
        "fi": "Tervetuloa VOITTO-ohjelmaan",
        "sv": "Välkommen till VOITTO-programmet",
        "en": "Welcome to the VOITTO programme",
    }


@pytest.mark.parametrize("unknown", ["de", "", "FI", "se", "xx"])
def test_an_unknown_language_falls_back_to_finnish(templates: Templates, unknown: str) -> None:
    values = HANDLER_VALUES["welcome"]
    rendered = templates.render("welcome", unknown, values)

    assert FALLBACK == "fi"
    assert rendered.language == "fi"
    assert rendered == templates.render("welcome", "fi", values)


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


GREET_FI = (
    "{% block subject %}Hei {{ who }}{% endblock %}{% block text %}Moi {{ who }}!{% endblock %}"
)


def test_a_language_a_template_lacks_falls_back_to_finnish(tmp_path: Path) -> None:
    templates = Templates(_folder(tmp_path, {"greet.fi.j2": GREET_FI}))

    rendered = templates.render("greet", "sv", {"who": "Ebba"})
    assert (rendered.language, rendered.subject, rendered.text) == ("fi", "Hei Ebba", "Moi Ebba!")


def test_a_missing_variable_raises(tmp_path: Path) -> None:
    templates = Templates(
        _folder(
            tmp_path,
            {
                "greet.fi.j2": GREET_FI,
                "body.fi.j2": "{% block subject %}Hei{% endblock %}"
                "{% block text %}Hei {{ given_name }}, {{ missing }}{% endblock %}",
            },
        )
    )

    with pytest.raises(UndefinedError):
        templates.render("greet", "fi", {})  # missing in the subject
    with pytest.raises(UndefinedError):
        templates.render("body", "fi", {"given_name": "Aino"})  # missing in the text
    with pytest.raises(UndefinedError):
        templates.render("greet", "fi", {"whom": "Aino"})  # a misspelled name is missing too
    assert templates.render("greet", "fi", {"who": "Aino"}).subject == "Hei Aino"


def test_a_missing_attribute_raises(tmp_path: Path) -> None:
    templates = Templates(
        _folder(
            tmp_path,
            {
                "event.fi.j2": "{% block subject %}{{ event.title }}{% endblock %}"
                "{% block text %}{{ event.place }}{% endblock %}",
            },
        )
    )
    with pytest.raises(UndefinedError):
        templates.render("event", "fi", {"event": {"title": "Kielikahvila"}})


def test_a_template_with_a_syntax_error_fails_at_construction(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        {
            "greet.fi.j2": GREET_FI,
            "broken.sv.j2": "{% block subject %}Hej {{ given_name }{% endblock %}",
        },
    )
    with pytest.raises(TemplateSyntaxError):
        Templates(folder)


def test_an_unclosed_block_fails_at_construction(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"broken.fi.j2": "{% block subject %}Hei"})
    with pytest.raises(TemplateSyntaxError):
        Templates(folder)


def test_the_sandbox_refuses_unsafe_access(tmp_path: Path) -> None:
    templates = Templates(
        _folder(
            tmp_path,
            {
                "evil.fi.j2": "{% block subject %}x{% endblock %}"
                "{% block text %}{{ given_name.__class__.__mro__ }}{% endblock %}",
            },
        )
    )
    with pytest.raises((SecurityError, UndefinedError)):
        templates.render("evil", "fi", {"given_name": "Aino"})
