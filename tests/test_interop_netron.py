"""An exported ONNX file opens in Netron: its own server, in Debian's headless Chromium.

Netron (the `netron` package from PyPI, a local server and the web app) draws the
graph with the operators, the parameters' shapes and the dynamic batch axis on the
edges. Driven by Selenium with the system chromedriver (no browser download).
"""

from __future__ import annotations

import os
import shutil
import socket
import time

import numpy as np
import pytest

import nn


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_exported_file_opens_in_netron(tmp_path, monkeypatch) -> None:
    pytest.importorskip("onnx")
    netron = pytest.importorskip("netron")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        pytest.skip("Debian's chromium and chromedriver are not installed")
    monkeypatch.setenv("SE_AVOID_STATS", "true")
    model = nn.Sequential(nn.Linear(2, 16, seed=0), nn.ReLU(), nn.Linear(16, 3, seed=1))
    path = nn.export_onnx(model, np.zeros((4, 2)), tmp_path / "spiral.onnx")
    address = netron.serve(str(path), None, ("127.0.0.1", _free_port()), browse=False)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--window-size=1200,1200"):
        options.add_argument(argument)
    browser = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        browser.get(f"http://{address[0]}:{address[1]}/")
        labels: set[str] = set()
        deadline = time.monotonic() + 30
        while "Gemm" not in labels and time.monotonic() < deadline:
            for button in browser.find_elements(By.TAG_NAME, "button"):
                if button.is_displayed() and button.text.strip() == "Accept":
                    button.click()  # Netron's first-run consent notice
            labels = {e.text for e in browser.find_elements(By.CSS_SELECTOR, "svg text")}
            time.sleep(0.25)
        if os.environ.get("CHAINRULE_NETRON_SCREENSHOT"):
            browser.save_screenshot(os.environ["CHAINRULE_NETRON_SCREENSHOT"])
    finally:
        browser.quit()
        netron.stop(address)
    assert {"input", "Gemm", "Relu", "output"} <= labels, labels
    assert {"batch×2", "batch×16", "batch×3"} <= labels  # the dynamic batch axis, shapes inferred
