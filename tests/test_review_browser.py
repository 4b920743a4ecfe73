"""End to end in a real headless browser (Debian's chromium driven by Playwright) against a real uvicorn:
log in, see the flagged span, approve with the keyboard, watch the item leave the queue, and see the
site's webhook receiver get the signed decision. Screenshots are kept in test-artifacts/."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy.orm import sessionmaker

from moderation.people import create_user
from moderation.sites import create_site
from moderation.storage import build_engine, upgrade
from moderation.webhooks import SIGNATURE_HEADER, verify
from tests.servers import ROOT, free_port, start_server, stop_server

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "browser-test-password"
ARTICLE = {"title": "بودجه شهرداری تصویب شد", "lead": "شورای شهر بودجه سال آینده را تصویب کرد.", "body": ""}
TEXTS = {
    "c-accuse": "شهردار این شهر رشوه گرفته و اختلاس کرده، همه می‌دانند",
    "c-hostile": 'شهردار رشوه گرفته <script>alert("x")</script><img src=x onerror="alert(1)"> همه می‌دانند',
}


class Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[dict[str, Any]]:
    Receiver.received = []
    receiver = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    database = build_engine(f"sqlite:///{tmp_path / 'moderation.db'}")
    upgrade(database)
    sessions = sessionmaker(database, expire_on_commit=False)
    with sessions.begin() as session:
        _, key, secret = create_site(session, "news-e2e", f"http://127.0.0.1:{receiver.server_port}/hook")
    create_user(sessions, "ali", PASSWORD, "moderator", ["news-e2e"])
    database.dispose()
    port = free_port()
    env = {
        "MODERATION_DATA_DIR": str(tmp_path),
        "MODERATION_CREATE_DEMO_SITE": "false",
        "MODERATION_WEBHOOK_INTERVAL_SECONDS": "0.2",
    }
    process, _ = start_server(env, port)
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as api:
        for comment_id, text in TEXTS.items():
            body = {"comment_id": comment_id, "text": text, "article_id": "budget", "article": ARTICLE}
            assert api.post("/v1/moderate", json=body).json()["state"] == "pending_review"
        try:
            yield {"base": base, "api": api, "secret": secret}
        finally:
            stop_server(process)
            receiver.shutdown()
            receiver.server_close()


@pytest.fixture()
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/moderator/login")
    page.fill('input[name="username"]', "ali")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{base}/moderator/")


def test_a_moderator_approves_with_the_keyboard_and_the_site_hears_of_it(served, browser: Browser) -> None:  # type: ignore[no-untyped-def]
    base, api = served["base"], served["api"]
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fa-IR")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, base)

    assert page.evaluate("document.documentElement.dir") == "rtl"
    items = page.locator("article.item")
    expect(items).to_have_count(2)
    first = items.nth(0)
    expect(first.locator("mark.flag-accusation").filter(has_text="رشوه")).to_be_visible()
    expect(page.locator("#count-total")).to_have_text("۲")
    expect(page.locator(".shortcuts")).to_contain_text("j")

    # The hostile comment is shown as the text it is: no element made of it, no script run.
    hostile = items.nth(1).locator(".comment-text")
    expect(hostile).to_contain_text('<script>alert("x")</script><img src=x onerror="alert(1)">')
    assert hostile.locator("img, script").count() == 0

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "queue.png"), full_page=True)

    page.keyboard.press("j")  # to the second item, and back
    expect(items.nth(1)).to_have_class("item focused")
    page.keyboard.press("k")
    expect(items.nth(0)).to_have_class("item focused")
    page.keyboard.press("a")  # approve the focused (first) item
    expect(page.locator("#item-1")).to_have_count(0)
    expect(items).to_have_count(1)
    expect(page.locator("#count-total")).to_have_text("۱")
    assert dialogs == []

    assert api.get("/v1/comments/c-accuse").json()["state"] == "approved"
    deadline = time.monotonic() + 20
    while not Receiver.received and time.monotonic() < deadline:
        time.sleep(0.1)
    assert Receiver.received, "the webhook never arrived"
    headers, body = Receiver.received[0]
    assert verify(served["secret"], headers[SIGNATURE_HEADER], body)
    payload = json.loads(body)
    assert payload["comment_id"] == "c-accuse" and payload["verdict"] == "approve" and payload["state"] == "approved"

    # Reloading shows what is left; the decided comment does not come back.
    page.reload()
    expect(page.locator("article.item")).to_have_count(1)
    expect(page.locator("article.item .comment-text")).to_contain_text("onerror")


def test_the_pages_fit_a_phone(served, browser: Browser) -> None:  # type: ignore[no-untyped-def]
    base = served["base"]
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, locale="fa-IR")
    log_in(page, base)
    expect(page.locator("article.item")).to_have_count(2)
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "queue-phone.png"), full_page=True)
    page.goto(f"{base}/moderator/dashboard")
    expect(page.locator("svg.chart rect").first).to_be_attached()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)
