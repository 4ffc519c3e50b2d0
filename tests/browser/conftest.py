"""Browser tests: the whole platform started as `make run` starts it (the five services as
processes with the demo data, e-mail to a real SMTP server), driven by headless Chromium
(Debian's, through Playwright), with axe-core run on every page the tests open.

Screenshots and axe results of every page go to `test-artifacts/` (git-ignored).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiosmtpd.controller import Controller
from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from voimala_contracts import topics
from voimala_kit.auth import generate_keys
from voimala_kit.clock import HELSINKI
from voimala_kit.kafka import ensure_topics
from voimala_kit.testing import wait_for

from ..conftest import SERVICES, Platform, ServiceProcess, free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = pytest.mark.browser


# --- e-mail: a real SMTP server in the test process ---------------------------------------


@dataclass
class Mailbox:
    """Every e-mail notifications hands over, as the SMTP server received it."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    async def wait_for_mail(
        self, address: str, after: int = 0, timeout: float = 30
    ) -> EmailMessage:
        """The first e-mail to `address` beyond the first `after` ones."""

        async def arrived() -> list[EmailMessage] | None:
            return self.to(address)[after:] or None

        found: list[EmailMessage] = await wait_for(arrived, timeout=timeout)
        return found[0]

    @staticmethod
    def text(message: EmailMessage) -> str:
        part = message.get_body(("plain", "html"))
        return part.get_content() if part is not None else ""

    @staticmethod
    def links(message: EmailMessage) -> list[str]:
        return re.findall(r"https?://[^\s\"'<>]+", Mailbox.text(message))


# --- the platform ---------------------------------------------------------------------------


@dataclass
class Stack:
    platform: Platform
    mailbox: Mailbox
    people: list[dict[str, Any]]

    @property
    def portal(self) -> str:
        return self.platform["portal"].url

    def url(self, service: str) -> str:
        return self.platform[service].url

    def person(self, role: str, name_part: str = "") -> dict[str, Any]:
        return next(p for p in self.people if p["role"] == role and name_part in p["name"])


@pytest.fixture(scope="session")
async def stack(
    new_database: Callable[[str], Awaitable[str]],
    jwt_keys: tuple[Path, Path],
    kafka_bootstrap: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Stack]:
    run = uuid.uuid4().hex[:8]
    work = tmp_path_factory.mktemp("browser-stack")
    portal_private, portal_public = generate_keys(work / "portal-keys")
    mailbox = Mailbox()
    smtp_port = free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    sms_port = free_port()
    sms = subprocess.Popen(  # noqa: ASYNC220 - started once for the session, returns at once
        [sys.executable, "-m", "voimala_notifications.fake_sms"],
        env={**os.environ, "FAKE_SMS_PORT": str(sms_port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    people_file = work / "demo-people.json"
    ports = {name: free_port() for name in [*SERVICES, "portal", "ops"]}
    portal_url = f"http://127.0.0.1:{ports['portal']}"
    shared = {
        **os.environ,
        "VOIMALA_ENV": "test",
        "VOIMALA_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "VOIMALA_JWT_PUBLIC_KEY_FILE": str(jwt_keys[1]),
        "VOIMALA_JWT_EXTRA_PUBLIC_KEY_FILES": str(portal_public),
    }
    extra: dict[str, dict[str, str]] = {
        "notifications": {
            "NOTIFICATIONS_SMTP_PORT": str(smtp_port),
            "NOTIFICATIONS_SMS_PROVIDER_URL": f"http://127.0.0.1:{sms_port}/messages",
            "NOTIFICATIONS_PUBLIC_URL": portal_url,
        },
        "portal": {
            "PORTAL_SIGNING_KEY_FILE": str(portal_private),
            "PORTAL_DEV_SIGN_IN": "true",
            "PORTAL_DEV_PEOPLE_FILE": str(people_file),
            "PORTAL_PUBLIC_URL": portal_url,
            # Every test's browser is the same client (127.0.0.1): the per-client limit of
            # sign-in links would otherwise be shared by the whole suite.
            "PORTAL_SIGNIN_PER_CLIENT": "1000",
            **{f"PORTAL_{s.upper()}_URL": f"http://127.0.0.1:{ports[s]}" for s in SERVICES},
            "PORTAL_OPS_URL": f"http://127.0.0.1:{ports['ops']}",
        },
    }
    packages = {**SERVICES, "portal": "voimala_portal"}
    logs = tmp_path_factory.mktemp("browser-logs")
    started = Platform()
    for name, package in packages.items():
        prefix = name.upper()
        env = {
            **shared,
            f"{prefix}_PORT": str(ports[name]),
            f"{prefix}_DATABASE_URL": await new_database(f"b{name}"),
            f"{prefix}_CONSUMER_GROUP": f"{name}-browser-{run}",
            f"{prefix}_RELAY_IDLE_POLL": "0.1",
            **extra.get(name, {}),
        }
        started.services[name] = ServiceProcess(
            name, package, env, logs / f"{name}.log", ports[name]
        )
    # Each service starts reading at the end of every topic: the broker is shared with the other
    # suites and with earlier runs, whose partners, people and proposals (with the same demo
    # e-mail addresses, but other ids) must not become this platform's.
    await asyncio.gather(
        *(_group_at_end(kafka_bootstrap, f"{name}-browser-{run}") for name in packages)
    )
    started.services["ops"] = _ops_api(shared, ports, logs)
    for service in started.services.values():
        service.start()
    for service in started.services.values():
        await asyncio.to_thread(service.wait_ready)
    demo_env = {
        **shared,
        **{f"{s.upper()}_PORT": str(ports[s]) for s in SERVICES},
        "VOIMALA_DEMO_PRIVATE_KEY_FILE": str(jwt_keys[0]),
        "VOIMALA_DEMO_PEOPLE_FILE": str(people_file),
    }
    loaded = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, str(ROOT / "deploy" / "local" / "demo.py")],
        env=demo_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    people = json.loads(people_file.read_text("utf-8"))
    yield Stack(started, mailbox, people)
    for service in started.services.values():
        if service.process is not None and service.process.poll() is None:
            service.stop()
    sms.terminate()
    smtp.stop()


def _ops_api(shared: dict[str, str], ports: dict[str, int], logs: Path) -> ServiceProcess:
    """The operations API (`voimala-ops-api`) for the `/ops` pages: it trusts the portal's
    tokens (the shared extra key) and looks at this stack's services."""
    env = {
        **shared,
        "OPS_PORT": str(ports["ops"]),
        **{
            f"VOIMALA_OPS_{s.upper()}_URL": f"http://127.0.0.1:{ports[s]}"
            for s in ports
            if s != "ops"
        },
    }
    return ServiceProcess("ops", "voimala_ops.api", env, logs / "ops.log", ports["ops"])


async def _group_at_end(bootstrap_servers: str, group: str) -> None:
    every = topics.all_topics()
    await ensure_topics(bootstrap_servers, every)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=group)
    await consumer.start()
    try:
        # partitions_for_topic reads the client's metadata, which starts empty
        await consumer._client.force_metadata_update()
        partitions = [
            TopicPartition(topic, p)
            for topic in every
            for p in consumer.partitions_for_topic(topic) or ()
        ]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.commit(dict(ends))
    finally:
        await consumer.stop()


# --- the browser ----------------------------------------------------------------------------


def _chromium() -> str:
    found = os.environ.get("VOIMALA_CHROMIUM") or shutil.which("chromium")
    if not found:
        pytest.fail("Chromium is not installed: `make browser-deps` installs Debian's chromium")
    return found


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=_chromium())
        yield launched
        await launched.close()


async def _context(
    browser: Browser, *, js: bool = True, phone: bool = False, lang: str = "fi"
) -> BrowserContext:
    context = await browser.new_context(
        viewport=PHONE if phone else DESKTOP,
        java_script_enabled=js,
        locale={"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}[lang],
        is_mobile=phone,
        has_touch=phone,
    )
    context.set_default_timeout(15_000)
    return context


NewPage = Callable[..., Awaitable[Page]]


@pytest.fixture
async def new_page(browser: Browser) -> AsyncIterator[NewPage]:
    """`await new_page(js=False, phone=True, lang="sv")`: a page in a fresh context (no
    cookies); every page made is closed after the test."""
    contexts: list[BrowserContext] = []

    async def make(*, js: bool = True, phone: bool = False, lang: str = "fi") -> Page:
        context = await _context(browser, js=js, phone=phone, lang=lang)
        contexts.append(context)
        page = await context.new_page()
        if not js:
            _without_js.add(page)
        # The portal may load nothing from another host: any such request fails the test.
        page.on("request", lambda r: _only_local(r.url))
        return page

    yield make
    for context in contexts:
        await context.close()


_foreign: list[str] = []
_without_js: weakref.WeakSet[Page] = weakref.WeakSet()


def _only_local(url: str) -> None:
    if not re.match(r"^(https?://(127\.0\.0\.1|localhost)(:\d+)?/|data:|about:|blob:)", url):
        _foreign.append(url)


@pytest.fixture(autouse=True)
def no_third_party_requests() -> Any:
    _foreign.clear()
    yield
    assert not _foreign, f"a page asked another host: {_foreign[:5]}"


# --- what every page is checked for ---------------------------------------------------------

#: axe-core's rule tags for WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _axe_source() -> str:
    return AXE.read_text("utf-8")


async def check_page(page: Page, name: str) -> list[dict[str, Any]]:
    """Screenshot the page and run axe-core on it; fail on a serious or critical violation.
    Returns every violation found (written to test-artifacts/axe/<name>.json)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name)
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe").mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "screenshots" / f"{safe}.png"), full_page=True)
    if not AXE.exists():
        pytest.fail("axe-core is not installed: `make browser-deps` runs npm ci in tests/browser")
    if page in _without_js:
        return []  # axe needs JavaScript: the same pages are checked in the journeys with it
    # Evaluated, not added as a script element: the portal's CSP rightly refuses inline scripts.
    await page.evaluate(_axe_source())
    result = await page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    violations = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:10],
        }
        for v in result["violations"]
    ]
    (ARTIFACTS / "axe" / f"{safe}.json").write_text(json.dumps(violations, indent=1), "utf-8")
    grave = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not grave, f"{name}: accessibility violations {json.dumps(grave, indent=1)}"
    return violations


async def sign_in_as(page: Page, stack: Stack, role: str, name_part: str = "") -> dict[str, Any]:
    """Sign in through the development sign-in page as a demo person (as `make run` offers)."""
    person = stack.person(role, name_part)
    await page.goto(f"{stack.portal}/sign-in/dev")
    await page.get_by_role("button", name=person["name"], exact=True).click()
    await page.wait_for_load_state()
    return person


#: Sign-in links already opened in this session, by any test (each link works once).
USED_LINKS: set[str] = set()


async def sign_in_by_link(page: Page, stack: Stack, address: str) -> None:
    """Sign in as a person would: ask a link on /sign-in, find it in the e-mail the platform
    sent (the test's SMTP server), open it and press the button."""
    await page.goto(f"{stack.portal}/sign-in")
    await page.locator("input[type=email]").fill(address)
    await page.locator("main form button[type=submit]").first.click()
    await page.wait_for_url(f"{stack.portal}/sign-in/sent")

    async def new_link() -> str | None:
        for message in stack.mailbox.to(address):
            for link in Mailbox.links(message):
                if link.startswith(f"{stack.portal}/sign-in/link/") and link not in USED_LINKS:
                    return link
        return None

    link: str = await wait_for(new_link, timeout=60, interval=0.5)
    USED_LINKS.add(link)
    await page.goto(link)
    await page.locator("main form button[type=submit]").first.click()
    await page.wait_for_load_state()


def offer_for_sign_in(stack: Stack, role: str, subject: str, name: str) -> None:
    """One more person on the development sign-in page (it reads its file on every request):
    for people a test has just made through the APIs."""
    people_file = Path(stack.platform["portal"].env["PORTAL_DEV_PEOPLE_FILE"])
    entry = {"role": role, "subject": subject, "name": name}
    people = json.loads(people_file.read_text("utf-8"))
    people_file.write_text(json.dumps([*people, entry], ensure_ascii=False), "utf-8")
    stack.people.append(entry)


def elapsed_since(started: float) -> float:
    return time.monotonic() - started


async def upcoming_occurrence(client: httpx.AsyncClient, stack: Stack) -> dict[str, Any]:
    """An occurrence of the demo programme with seats to register for, at least two days
    ahead. Looked for in this month and the next, Helsinki's as the programme's: today + 31
    days skips the next month on Jan 29-31 and on the 31st before a 30-day month, and the
    month after it opens for registration only 30 days ahead."""
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    first = dt.datetime.now(HELSINKI).date().replace(day=1)
    for month in (f"{first:%Y-%m}", f"{first + dt.timedelta(days=31):%Y-%m}"):
        r = await client.get(f"{stack.url('events')}/programme/{month}?format=json")
        assert r.status_code == 200, r.text
        for occ in r.json()["occurrences"]:
            if (
                occ["status"] == "scheduled"
                and occ["capacity"]
                and (occ["seats_left"] or 0) > 2
                and not occ["slots"]
                and dt.datetime.fromisoformat(occ["starts_at"]) > soon
            ):
                return occ  # type: ignore[no-any-return]
    pytest.fail("no upcoming occurrence with seats in the demo programme")
