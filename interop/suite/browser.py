"""A signed-in author's browser for rows that need one: Debian's Chromium, headless, driven by
Selenium through ChromeDriver (`CHORUS_TEST_CHROMIUM` / `CHORUS_TEST_CHROMEDRIVER`, else the
`chromium` and `chromedriver` on the path)."""

from __future__ import annotations

import os
import shutil

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait


class Browser:
    def __init__(self) -> None:
        chromium = os.environ.get("CHORUS_TEST_CHROMIUM") or shutil.which("chromium")
        driver = os.environ.get("CHORUS_TEST_CHROMEDRIVER") or shutil.which("chromedriver")
        if not chromium or not driver:
            raise RuntimeError("Chromium and ChromeDriver are needed (Debian packages chromium, chromium-driver)")
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1366,900"):
            options.add_argument(arg)
        self.driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver))
        self.driver.set_page_load_timeout(30)

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *_exc) -> None:
        self.driver.quit()

    def sign_in(self, base: str, username: str, password: str) -> None:
        self.driver.get(f"{base}/login")
        self.driver.find_element(By.ID, "username").send_keys(username)
        self.driver.find_element(By.ID, "password").send_keys(password)
        self.submit("form[action='/login'] button[type=submit]")
        if "/login" in self.driver.current_url:
            raise RuntimeError(f"signing in as {username} failed: still on {self.driver.current_url}")

    def open(self, url: str) -> None:
        self.driver.get(url)

    def click(self, selector: str) -> None:
        """Clicks a submit button and waits until the page it leads to has replaced this one
        (the form's POST has been answered)."""
        self.submit(selector)

    def submit(self, selector: str) -> None:
        page = self.driver.find_element(By.TAG_NAME, "html")
        self.driver.find_element(By.CSS_SELECTOR, selector).click()
        WebDriverWait(self.driver, 30).until(expected_conditions.staleness_of(page))
