"""Drives a real headless Chromium through a list of steps: the end-to-end tests' browser.

Usage: python browser.py < steps.json > result.json

Input (stdin), JSON: either a list of steps, or an object
    {"steps": [...], "javascript": false, "timeout": 15, "language": "ru-RU,ru",
     "failure_screenshot": "/path/failure.png"}
where every key but "steps" is optional:
    javascript          false (default): scripts of the pages never run, as for a visitor with JavaScript off;
                        the driver checks that they really do not before the first step.
    timeout             seconds each step may take (default 15).
    language            the browser's Accept-Language (default "ru-RU,ru").
    failure_screenshot  where to save a screenshot of the page when a step fails.

Steps, one key naming the action (CSS selectors throughout; "as" names the result):
    {"viewport": [w, h], "mobile": true}  the page area is w x h CSS pixels (device scale 1); "mobile"
                                          (default false) also emulates a phone (the viewport meta tag counts)
    {"open": url}                         loads url and waits until it is loaded
    {"fill": css, "value": text}          clears the field and types text
    {"click": css}                        clicks; waits for the page a link or submit button loads (with
                                          "stay": true, only for the current page to be loaded)
    {"submit": css}                       submits as a person would: clicks the form's submit button (css is the
                                          form, a field or a button of it), else presses Enter in its field
    {"text": css, "as": name}             the element's visible text (innerText)
    {"texts": css, "as": name}            the visible texts of all matching elements, a list
    {"has": css, "as": name}              whether such an element exists now (no waiting)
    {"attr": css, "name": attr, "as": name}  an attribute of the element (null when absent)
    {"title": name}                       the document's title
    {"status": name}                      the HTTP status of the current document (null if not over HTTP)
    {"url": name}                         the current URL
    {"page_size": name}                   {"width", "height"}: the page's scroll size, and {"viewport_width",
                                          "viewport_height"}: the layout viewport's (a page fits a phone when
                                          width <= viewport_width)
    {"scripts_run": name}                 whether the current page's own scripts may run (false with JavaScript
                                          off): a script element inserted into the page runs or does not
    {"screenshot": path}                  PNG of the viewport; with "full_page": true, of the whole page
Elements that a step needs must appear within the timeout; "has" does not wait.

Output (stdout), JSON: {"url": final URL, "status": its HTTP status, "values": {name: value, ...},
"screenshots": [paths]}.
Errors: exit status 1 and, on stderr, {"error": message, "step": index, "action": the step} (step null when
the browser could not start or the JavaScript check failed).

Chromium and its driver are Debian's (`/usr/bin/chromium`, `/usr/bin/chromedriver`; `GATEWAY_TEST_CHROMIUM`
and `GATEWAY_TEST_CHROMEDRIVER` override them): Selenium Manager is never asked to download anything
(SE_OFFLINE). The browser always quits.
"""

import json
import os
import signal
import sys
import time

os.environ["SE_OFFLINE"] = "true"
os.environ.setdefault("SE_AVOID_STATS", "true")

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = os.environ.get("GATEWAY_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("GATEWAY_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")

# A page whose script, if it runs, changes the title: the check that JavaScript is off.
JS_PROBE = (
    "data:text/html,<title>scripts-off</title>"
    "<script>document.title='scripts-on'</script>"
)

SUBMIT_BUTTONS = (
    "button:not([type]), button[type=submit], input[type=submit], input[type=image]"
)


class StepError(Exception):
    pass


class Timeout(Exception):
    pass


def on_alarm(_signum, _frame):
    raise Timeout("the step took longer than its timeout")


def launch(javascript, language, timeout):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in [
        "--headless=new",
        "--no-sandbox",  # the tests run as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-extensions",
        "--disable-sync",
        "--no-first-run",
        "--no-default-browser-check",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--lang=" + language.split(",")[0],
    ]:
        options.add_argument(arg)
    prefs = {"intl.accept_languages": language}
    if not javascript:
        # A managed (policy-level) content setting: 2 = block. Pages cannot re-enable it; WebDriver's own
        # script evaluation (which Selenium uses to read elements) is not a page script and still works.
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    # The performance log carries the network events: the HTTP status of each document.
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    options.page_load_strategy = "normal"
    service = Service(executable_path=CHROMEDRIVER, log_output=os.devnull)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(timeout)
    driver.set_script_timeout(timeout)
    return driver


class Session:
    def __init__(self, driver, timeout):
        self.driver = driver
        self.timeout = timeout
        self.values = {}
        self.screenshots = []
        self.statuses = {}  # URL without fragment -> status of its last document response

    def collect_statuses(self):
        for entry in self.driver.get_log("performance"):
            try:
                message = json.loads(entry["message"])["message"]
            except (KeyError, ValueError):
                continue
            if message.get("method") != "Network.responseReceived":
                continue
            params = message.get("params", {})
            if params.get("type") != "Document":
                continue
            response = params.get("response", {})
            self.statuses[response.get("url", "").split("#")[0]] = response.get("status")

    def status(self):
        self.collect_statuses()
        return self.statuses.get(self.driver.current_url.split("#")[0])

    def find(self, css):
        try:
            return WebDriverWait(self.driver, self.timeout).until(
                expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))
            )
        except TimeoutException:
            raise StepError(f"no element matches {css!r} on {self.driver.current_url}") from None

    def document(self):
        """An identity of the current document: it changes when another page is loaded."""
        return self.driver.execute_script("return String(performance.timeOrigin)")

    def settle(self, before, navigates):
        """Waits until the page is loaded; when `navigates`, first until another document replaced `before`."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                now = self.document()
                ready = self.driver.execute_script("return document.readyState")
            except Exception:  # noqa: BLE001 - the document is being replaced
                now, ready = before, None
            if ready == "complete" and (not navigates or now != before):
                return
            if time.monotonic() > deadline:
                what = "no new page was loaded" if navigates else "the page did not finish loading"
                raise StepError(f"{what} within {self.timeout} s")
            time.sleep(0.05)

    def name(self, step, key="as"):
        name = step.get(key)
        if not isinstance(name, str) or not name:
            raise StepError(f"the step needs a name in {key!r}")
        return name

    def run(self, step):
        d = self.driver
        if "viewport" in step:
            width, height = step["viewport"]
            mobile = bool(step.get("mobile", False))
            d.set_window_size(max(width, 500), max(height, 500))
            d.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
            )
            if mobile:
                d.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True})
        elif "open" in step:
            d.get(step["open"])
            self.settle(None, navigates=False)
        elif "fill" in step:
            element = self.find(step["fill"])
            element.clear()
            element.send_keys(str(step.get("value", "")))
        elif "click" in step:
            element = self.find(step["click"])
            before = self.document()
            link = element.tag_name.lower() == "a" and bool(element.get_attribute("href"))
            navigates = link or (is_submit_button(element) and in_form(element))
            element.click()
            self.settle(before, navigates=navigates and not step.get("stay", False))
        elif "submit" in step:
            element = self.find(step["submit"])
            before = self.document()
            form = element if element.tag_name.lower() == "form" else None
            if form is None and is_submit_button(element):
                element.click()
            else:
                if form is None:
                    form = d.execute_script("return arguments[0].form || arguments[0].closest('form')", element)
                    if form is None:
                        raise StepError(f"{step['submit']!r} is not in a form")
                buttons = form.find_elements(By.CSS_SELECTOR, SUBMIT_BUTTONS)
                if buttons:
                    buttons[0].click()
                else:
                    field = element if element.tag_name.lower() != "form" else form.find_element(
                        By.CSS_SELECTOR, "input"
                    )
                    field.send_keys(Keys.ENTER)
            self.settle(before, navigates=True)
        elif "text" in step:
            self.values[self.name(step)] = self.find(step["text"]).get_attribute("innerText")
        elif "texts" in step:
            self.values[self.name(step)] = [
                e.get_attribute("innerText") for e in d.find_elements(By.CSS_SELECTOR, step["texts"])
            ]
        elif "has" in step:
            self.values[self.name(step)] = bool(d.find_elements(By.CSS_SELECTOR, step["has"]))
        elif "attr" in step:
            attr = self.name(step, "name")
            self.values[self.name(step)] = self.find(step["attr"]).get_attribute(attr)
        elif "title" in step:
            self.values[self.name(step, "title")] = d.title
        elif "status" in step:
            self.values[self.name(step, "status")] = self.status()
        elif "url" in step:
            self.values[self.name(step, "url")] = d.current_url
        elif "page_size" in step:
            self.values[self.name(step, "page_size")] = d.execute_script(
                "var e = document.documentElement;"
                "return {width: e.scrollWidth, height: e.scrollHeight,"
                " viewport_width: e.clientWidth, viewport_height: e.clientHeight};"
            )
        elif "scripts_run" in step:
            self.values[self.name(step, "scripts_run")] = scripts_run(d)
        elif "screenshot" in step:
            path = step["screenshot"]
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            if step.get("full_page"):
                png = full_page_png(d)
                with open(path, "wb") as f:
                    f.write(png)
            elif not d.save_screenshot(path):
                raise StepError(f"could not write {path}")
            self.screenshots.append(os.path.abspath(path))
        else:
            raise StepError("unknown step")


def is_submit_button(element):
    """A button that submits its form (a <button> without a type is one)."""
    return element.parent.execute_script(
        "var e = arguments[0], t = (e.type || '').toLowerCase();"
        "return (e.tagName === 'BUTTON' && t === 'submit')"
        " || (e.tagName === 'INPUT' && (t === 'submit' || t === 'image'));",
        element,
    )


def in_form(element):
    return element.parent.execute_script("return !!arguments[0].form", element)


def scripts_run(driver):
    """Whether the current page's own scripts may run: inserts a script element into the page (as the page
    itself could) and sees whether it ran. WebDriver's evaluation of this check is not a page script."""
    return driver.execute_script(
        "var s = document.createElement('script');"
        "s.textContent = 'document.documentElement.dataset.probe = \"ran\"';"
        "document.documentElement.appendChild(s); s.remove();"
        "var ran = document.documentElement.dataset.probe === 'ran';"
        "delete document.documentElement.dataset.probe; return ran;"
    )


def full_page_png(driver):
    import base64

    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        },
    )
    return base64.b64decode(shot["data"])


def fail(message, index=None, step=None):
    json.dump({"error": message, "step": index, "action": step}, sys.stderr, ensure_ascii=False)
    sys.stderr.write("\n")
    sys.exit(1)


def main():
    try:
        spec = json.load(sys.stdin)
    except ValueError as e:
        fail(f"the input is not JSON: {e}")
    if isinstance(spec, list):
        spec = {"steps": spec}
    steps = spec.get("steps") if isinstance(spec, dict) else None
    if not isinstance(steps, list):
        fail("the input is neither a list of steps nor an object with \"steps\"")
    javascript = bool(spec.get("javascript", False))
    timeout = float(spec.get("timeout", 15))
    language = str(spec.get("language", "ru-RU,ru"))
    failure_screenshot = spec.get("failure_screenshot")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(timeout) + 30)  # starting the browser
    try:
        driver = launch(javascript, language, timeout)
    except Exception as e:  # noqa: BLE001
        fail(f"the browser did not start: {type(e).__name__}: {e}")
    session = Session(driver, timeout)
    index, step = None, None
    try:
        if not javascript:
            driver.get(JS_PROBE)
            if driver.title != "scripts-off" or scripts_run(driver):
                raise StepError("JavaScript is meant to be off, yet a page's script ran")
        for index, step in enumerate(steps):
            if not isinstance(step, dict):
                raise StepError("a step is an object")
            signal.alarm(int(timeout) + 5)
            session.run(step)
            signal.alarm(0)
        signal.alarm(int(timeout) + 5)
        result = {
            "url": driver.current_url,
            "status": session.status(),
            "values": session.values,
            "screenshots": session.screenshots,
        }
    except Exception as e:  # noqa: BLE001
        signal.alarm(0)
        message = str(e) if isinstance(e, (StepError, Timeout)) else f"{type(e).__name__}: {e}"
        message = message.strip().splitlines()[0] if message.strip() else type(e).__name__
        if failure_screenshot:
            try:
                signal.alarm(10)
                os.makedirs(os.path.dirname(os.path.abspath(failure_screenshot)), exist_ok=True)
                driver.save_screenshot(failure_screenshot)
                message += f" (screenshot: {failure_screenshot})"
            except Exception:  # noqa: BLE001
                pass
        signal.alarm(0)
        quit_browser(driver)
        fail(message, index, step)
    signal.alarm(0)
    quit_browser(driver)
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


def quit_browser(driver):
    signal.alarm(20)
    try:
        driver.quit()
    except Exception:  # noqa: BLE001
        pass
    finally:
        signal.alarm(0)


if __name__ == "__main__":
    main()
