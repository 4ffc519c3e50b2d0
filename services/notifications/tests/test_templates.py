"""Message templates: every rule's message renders in every language, strictly, from a real
event of its type, or the suite fails; a broken template stops the service at start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jinja2 import TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError
from voimala_contracts import EVENT_MODELS, new_event
from voimala_notifications.domain.nudges import SENDS as NUDGE_SENDS
from voimala_notifications.domain.planning import template_values
from voimala_notifications.domain.rules import RULES
from voimala_notifications.domain.sms import measure
from voimala_notifications.domain.templates import FALLBACK, FOLDER, LANGUAGES, Templates
from voimala_notifications.settings import Settings

from .samples import recipient, sample

CONTACT = {
    "given_name": "Aino",
    "family_name": "Virtanen",
    "email": "aino@example.fi",
    "phone": "+358401234567",
}
SENDS = [(event_type, send) for event_type, sends in RULES.items() for send in sends]


def _id(item: Any) -> str:
    return f"{item[0]}:{item[1].template}"


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates()


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings(link_secret="test-secret-0123456789")


def _values(
    settings: Settings, event_type: str, send: Any, lang: str, name: str | None
) -> dict[str, Any]:
    data = sample(event_type)
    event = new_event(data, service="events", subject="x")
    person = recipient(given_name=name, preferred_language=lang)
    values = template_values(send, data, event, person, settings)
    if send.with_contact:
        values["contact"] = CONTACT
    return values


def test_every_rule_is_for_a_known_event_type() -> None:
    assert set(RULES) <= set(EVENT_MODELS)


def test_every_template_is_used_by_a_rule(templates: Templates) -> None:
    # digest: the delivery worker's; sign_in: handlers.signin's (a request, not a rule)
    used = {send.template for _, send in SENDS} | {"digest", "sign_in"}
    used |= {send.template for send in NUDGE_SENDS}  # handlers.nudges', beside the table
    assert templates.names() == used


@pytest.mark.parametrize("item", SENDS, ids=_id)
def test_every_template_exists_in_every_language(item: Any) -> None:
    for lang in LANGUAGES:
        assert (FOLDER / f"{item[1].template}.{lang}.j2").is_file()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("item", SENDS, ids=_id)
@pytest.mark.parametrize("name", ["Aino-Testname", None])
def test_every_message_renders_from_its_event(
    templates: Templates, settings: Settings, item: Any, lang: str, name: str | None
) -> None:
    event_type, send = item
    rendered = templates.render(
        send.template, lang, _values(settings, event_type, send, lang, name)
    )

    assert rendered.language == lang
    assert rendered.subject
    assert "\n" not in rendered.subject
    assert rendered.text == rendered.text.strip()
    for text in (rendered.subject, rendered.text, rendered.sms or ""):
        assert "None" not in text
        assert "{{" not in text
        assert "{%" not in text
    if name:
        assert name in rendered.text
    assert rendered.html.startswith("<!doctype html>")
    if "sms" in send.channels:
        assert rendered.sms, f"{send.template} may go by SMS but has no sms block"
        length = measure(rendered.sms)
        assert length.encoding == "gsm7", rendered.sms  # Finnish and Swedish letters fit GSM-7
        assert length.segments <= 2, rendered.sms
    if send.links:
        assert "/actions/" in rendered.text


def test_the_contact_reaches_the_partner(templates: Templates, settings: Settings) -> None:
    (_, send) = next(s for s in SENDS if s[1].with_contact)
    rendered = templates.render(
        send.template, "fi", _values(settings, "match.confirmed.v1", send, "fi", "Pekka")
    )
    for value in CONTACT.values():
        assert value in rendered.text


def test_html_is_escaped_and_links_are_clickable(templates: Templates, settings: Settings) -> None:
    event_type, send = next(s for s in SENDS if s[1].links)
    values = _values(settings, event_type, send, "en", "<b>Eve</b>")
    rendered = templates.render(send.template, "en", values)
    assert "<b>Eve</b>" not in rendered.html
    assert "&lt;b&gt;Eve&lt;/b&gt;" in rendered.html
    assert f'<a href="{values["links"]["accept"]}">' in rendered.html


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
    rendered = templates.render("welcome", lang, {"given_name": given_name})
    named = templates.render("welcome", lang, {"given_name": "Aino-Testname"})

    assert rendered.text.startswith(f"{GREETINGS[lang]}!\n")
    assert "None" not in rendered.text
    assert rendered.subject == named.subject
    assert rendered.text.split("\n", 1)[1] == named.text.split("\n", 1)[1]


def test_the_languages_really_differ(templates: Templates) -> None:
    subjects = {
        lang: templates.render("welcome", lang, {"given_name": "A"}).subject for lang in LANGUAGES
    }
    assert subjects == {
        "fi": "Tervetuloa VOITTO-ohjelmaan",
        "sv": "Välkommen till VOITTO-programmet",
        "en": "Welcome to the VOITTO programme",
    }


@pytest.mark.parametrize("unknown", ["de", "", "FI", "se", "xx"])
def test_an_unknown_language_falls_back_to_finnish(templates: Templates, unknown: str) -> None:
    values = {"given_name": "Aino"}
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
    assert rendered.sms is None


def test_a_missing_variable_raises(tmp_path: Path) -> None:
    templates = Templates(
        _folder(
            tmp_path,
            {
                "greet.fi.j2": GREET_FI,
                "body.fi.j2": "{% block subject %}Hei{% endblock %}"
                "{% block text %}Hei {{ given_name }}, {{ missing }}{% endblock %}",
                "short.fi.j2": "{% block subject %}Hei{% endblock %}"
                "{% block text %}Hei{% endblock %}{% block sms %}{{ missing }}{% endblock %}",
            },
        )
    )

    with pytest.raises(UndefinedError):
        templates.render("greet", "fi", {})  # missing in the subject
    with pytest.raises(UndefinedError):
        templates.render("body", "fi", {"given_name": "Aino"})  # missing in the text
    with pytest.raises(UndefinedError):
        templates.render("short", "fi", {})  # missing in the SMS
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


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_acceptance_points_to_the_participants_own_page(
    templates: Templates, lang: str
) -> None:
    portal = Settings(link_secret="test-secret-0123456789", public_url="https://voimala.example/")
    send = next(s for s in RULES["match.accepted.v1"] if s.template == "match_accepted")
    values = _values(portal, "match.accepted.v1", send, lang, "Aino")
    rendered = templates.render("match_accepted", lang, values)
    assert "https://voimala.example/me" in rendered.text
    assert rendered.sms is not None
    assert rendered.sms.endswith("https://voimala.example/me")
    assert '<a href="https://voimala.example/me">' in rendered.html
    assert "tjänst" not in rendered.text  # "Voimalas tjänst" named no place to answer
    assert "palvelussa" not in rendered.text
