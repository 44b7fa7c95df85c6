"""Shared helper of the browser tests: headless Debian Chromium driven by Debian's selenium and chromedriver.

Nothing is downloaded: /usr/bin/chromium and /usr/bin/chromedriver (scripts/bootstrap.sh installs them).
chromedriver and every Chromium process are descendants of the test process; they are killed when the
test ends, whatever happens (``Browser.close``, ``kill_descendants``), and a deadline (SIGALRM) ends a test
that hangs. On any failure a screenshot and the page source are saved into the
artifacts directory and their paths printed. The test prints exactly one JSON line of results on stdout.
"""
import json
import os
import signal
import sys
import time
import traceback

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def descendants(root):
    """Pids of every process below `root` (from /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def kill_descendants():
    for pid in descendants(os.getpid()):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


class Failure(Exception):
    """A check that did not hold."""


class Browser:
    """One headless Chromium. `artifacts`: where a failure's screenshot and page source go."""

    def __init__(self, artifacts, width=1280, height=800):
        self.artifacts = artifacts
        os.makedirs(artifacts, exist_ok=True)
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--autoplay-policy=no-user-gesture-required", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--metrics-recording-only", "--mute-audio",
            f"--window-size={width},{height}", f"--user-data-dir={os.path.join(artifacts, 'profile')}",
        ]:
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.service = Service(executable_path=CHROMEDRIVER, log_path=os.path.join(artifacts, "chromedriver.log"))
        self.driver = webdriver.Chrome(service=self.service, options=options)
        self.driver.set_page_load_timeout(20)
        self.driver.set_script_timeout(20)
        self.console = []

    def size(self, width, height):
        """Sets the viewport (the inner size) to width × height CSS pixels."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def wait(self, what, condition, timeout=15.0, interval=0.1):
        """Polls `condition()` until it returns a truthy value (returned) or `timeout` s pass (Failure)."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = condition()
            except Failure:
                raise
            except Exception as error:  # a page still loading, a stale element: try again
                last = error
            if last and not isinstance(last, Exception):
                return last
            time.sleep(interval)
        raise Failure(f"{what}: not within {timeout:.0f} s (last: {last!r})")

    def read_console(self):
        """The browser's console entries since the last call (kept in self.console too)."""
        entries = self.driver.get_log("browser")
        self.console.extend(entries)
        return entries

    def console_errors(self):
        self.read_console()
        return [e["message"] for e in self.console if e.get("level") == "SEVERE"]

    def keep_evidence(self, name):
        """Saves a screenshot and the page source; returns their paths."""
        paths = []
        try:
            png = os.path.join(self.artifacts, f"{name}.png")
            self.driver.save_screenshot(png)
            paths.append(png)
            html = os.path.join(self.artifacts, f"{name}.html")
            with open(html, "w") as f:
                f.write(self.driver.page_source)
            paths.append(html)
            log = os.path.join(self.artifacts, f"{name}-console.json")
            with open(log, "w") as f:
                json.dump(self.console + self.driver.get_log("browser"), f, indent=1)
            paths.append(log)
        except Exception as error:  # the browser may be gone: say so, keep going
            print(f"could not keep evidence: {error}", file=sys.stderr)
        return paths

    def close(self):
        try:
            self.driver.quit()
        except Exception:
            pass
        try:
            self.service.stop()
        except Exception:
            pass
        kill_descendants()


def run(test, artifacts, deadline_seconds=90, **sizes):
    """Runs `test(browser, results)` and prints one JSON line: results plus `ok` and, on failure, `error`
    and `evidence` (the kept files). Exit status 0 when ok, 1 otherwise."""
    try:
        os.setsid()  # its own session: a kill of the group reaches chromedriver and Chromium too
    except OSError:
        pass  # already a group leader

    def expired(signum, frame):
        raise Failure(f"the browser test did not end within {deadline_seconds} s")

    signal.signal(signal.SIGALRM, expired)
    signal.alarm(deadline_seconds)
    results = {"ok": False}
    browser = None
    started = time.monotonic()
    try:
        browser = Browser(artifacts, **sizes)
        test(browser, results)
        results["ok"] = True
    except Exception as error:
        results["error"] = f"{type(error).__name__}: {error}".splitlines()[0][:500]
        traceback.print_exc(file=sys.stderr)
        if browser is not None:
            results["evidence"] = browser.keep_evidence("failure")
            print(f"evidence kept in {artifacts}: {results['evidence']}", file=sys.stderr)
    finally:
        signal.alarm(0)
        if browser is not None:
            results["console"] = [e["message"][:300] for e in browser.console][-20:]
            browser.close()
        kill_descendants()
        results["seconds"] = round(time.monotonic() - started, 1)
        print(json.dumps(results, sort_keys=True), flush=True)
    return 0 if results["ok"] else 1
