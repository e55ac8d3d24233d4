"""Browser tests: a real `tandem serve` on a free port with its own TANDEM_HOME, and Chromium."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tandem.testing.services import skip_or_fail

CHROMIUM = "/usr/bin/chromium"
TANDEM = str(Path(sys.executable).with_name("tandem"))
PASSWORD = "e2e-password-123"

SEED = f"""
import json
from tandem.people import actions as people
from tandem.people.actors import Actor
from tandem.tickets import actions as tickets

support = people.create_team(name="Support Tier 1", track="support", tier=1)
people.create_agent(email="admin@e2e.test", name="Ada Admin", role="admin", password="{PASSWORD}")
agent = people.create_agent(email="alex@e2e.test", name="Alex Agent", password="{PASSWORD}",
                            teams=[support])
carol = people.find_or_create_contact(email="carol@customer.test", name="Carol Customer")
ticket = tickets.create_ticket(actor=Actor.for_contact(carol), contact=carol,
    subject="Export to CSV fails", body="Clicking Export gives an error 500.", channel="portal",
    team=support)
print(json.dumps({{"ticket": ticket.number}}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def desk(tmp_path_factory):
    """A running desk seeded with an admin, an agent, a customer and one ticket."""
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    home = tmp_path_factory.mktemp("e2e-home")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    env.update(
        {
            "TANDEM_HOME": str(home),
            "TANDEM_PORT": str(port),
            "TANDEM_DEMO": "0",
            "DJANGO_SETTINGS_MODULE": "tandem.settings",
            "TANDEM_BASE_URL": f"http://127.0.0.1:{port}",
            # Its own port: another desk on this machine may hold the default 2525.
            "TANDEM_SMTP_LISTEN": f"127.0.0.1:{_free_port()}",
        }
    )
    subprocess.run([TANDEM, "migrate", "--no-input", "-v", "0"], env=env, check=True)
    seeded = subprocess.run(
        [TANDEM, "shell", "-c", SEED], env=env, check=True, capture_output=True, text=True
    )
    info = json.loads(seeded.stdout.strip().splitlines()[-1])
    log = open(home / "serve.log", "w")  # noqa: SIM115 - lives as long as the server
    server = subprocess.Popen(
        [TANDEM, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            pytest.fail(f"tandem serve did not become healthy: {(home / 'serve.log').read_text()}")
        time.sleep(0.3)

    def tandem(*args: str) -> str:
        done = subprocess.run([TANDEM, *args], env=env, check=True, capture_output=True, text=True)
        return done.stdout

    yield {"base": base, "home": home, "env": env, "tandem": tandem, "password": PASSWORD, **info}
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="session")
def browser(desk):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


# htmx reports a request the browser dropped on purpose (the page navigated away, or
# hx-sync replaced it with a newer one) as console errors. Lost or failed requests still
# count: a network failure logs htmx:sendError, and an answer >= 400 is a broken resource.
_DROPPED_ON_PURPOSE = ("htmx:sendAbort", "htmx:afterRequest")


def _console_error(message, errors: list[str]) -> None:
    # Failed loads are reported by _broken_resource with their URL; pages that are meant
    # to answer 404 or 410 (a used sign-in link) are not errors.
    text = message.text
    if message.type != "error" or text.startswith("Failed to load resource"):
        return
    if text.startswith(_DROPPED_ON_PURPOSE):
        return
    errors.append(text)


def _broken_resource(response, errors: list[str]) -> None:
    if response.status >= 400 and response.request.resource_type != "document":
        errors.append(f"{response.status} {response.url}")


@pytest.fixture
def page(browser, desk, request):
    context = browser.new_context(base_url=desk["base"], viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: _console_error(msg, errors))
    page.on("response", lambda response: _broken_resource(response, errors))
    yield page
    shots = Path(os.environ.get("TANDEM_E2E_SHOTS", desk["home"] / "shots"))
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{request.node.name}.png"), full_page=True)
    context.close()
    # A page that throws or violates the CSP is a broken page, whatever the assertions saw.
    assert not errors, errors


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
