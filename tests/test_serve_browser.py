"""The accountants' page in a real browser (Debian's chromium, headless, through selenium).

One browser session: open the page, upload the worked example's workbook, see its findings and
key figures, render, download the PDF and read 1,183.38 in it with pdftotext.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from budgetgen.io.load import load_budget
from budgetgen.io.template import render_template
from tests.conftest import GUANGYUAN
from tests.serving import running

CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,900",
)  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    """Headless chromium with a fresh profile; nothing is downloaded (Debian's driver, no selenium-manager)."""
    with tempfile.TemporaryDirectory(prefix="bg-chromium-") as profile:
        options = webdriver.ChromeOptions()
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.binary_location = "/usr/bin/chromium"
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def test_upload_check_render_and_download_in_a_browser(browser: webdriver.Chrome, tmp_path: Path) -> None:
    loaded = load_budget(GUANGYUAN)
    workbook = tmp_path / "广元-2025.xlsx"
    workbook.write_bytes(render_template(loaded.catalog, loaded.budget))
    with running(tmp_path / "uploads") as (url, _):
        browser.get(url + "/")
        assert "下载空白输入表" in browser.page_source
        browser.find_element(By.ID, "file").send_keys(str(workbook))
        browser.find_element(By.ID, "check-button").click()
        wait = WebDriverWait(browser, 60)
        verdict = wait.until(expected_conditions.presence_of_element_located((By.ID, "verdict")))
        assert "没有错误" in verdict.text
        table = browser.find_element(By.CSS_SELECTOR, "table.findings").text
        assert "BG-C123" in table
        assert "工资项目!A11" in table
        assert "1,183.38" in browser.find_element(By.ID, "summary").text
        assert browser.find_elements(By.CSS_SELECTOR, "iframe.preview")
        browser.find_element(By.ID, "render-button").click()
        link = WebDriverWait(browser, 120).until(
            expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "a[href$='.pdf']"))
        )
        cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
        pdf = httpx.get(link.get_attribute("href") or "", cookies=cookies, timeout=30)
        assert pdf.status_code == 200
        assert pdf.content.startswith(b"%PDF")
        assert browser.find_elements(By.CSS_SELECTOR, "a[href$='.xlsx']")
    (tmp_path / "package.pdf").write_bytes(pdf.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "package.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "1,183.38" in text
