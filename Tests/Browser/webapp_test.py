"""Browser tests of the web app at / (docs/web.md), against a running 3-node cluster.

    webapp_test.py layout --url http://127.0.0.1:PORT --token TOKEN --artifacts DIR --media FILE
    webapp_test.py queue  --url http://127.0.0.1:PORT --token TOKEN --artifacts DIR --items A B C --upload FILE

layout: the page loads without console errors at 1280×800 and 360×740 (no horizontal overflow); the
dashboard shows every node and the leader; ingesting a stream (POST /v1/streams from here) reaches the page
as an event and moves the commit index shown; the token form stores the token in localStorage.
queue: with items A, B, C queued (posted from here), the UI's ↑ on C, a drag of B's row onto C's, ✕ on B and
Skip change GET /v1/queue as expected; a file dropped onto the page (a DataTransfer in JS) is uploaded and joins the queue.
Prints one JSON line (browser.run).
"""
import argparse
import base64
import json
import os
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import Failure, run  # noqa: E402


def api(base, method, path, token=None, body=None, content_type=None, timeout=10):
    request = urllib.request.Request(base + path, data=body, method=method)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def leader_url(base):
    status, report = api(base, "GET", "/v1/cluster")
    if status != 200 or not report.get("leader_http"):
        raise Failure(f"no leader known at {base}: {status} {report}")
    return "http://" + report["leader_http"]


def ingest(base, token, path, name):
    leader = leader_url(base)
    with open(path, "rb") as f:
        data = f.read()
    status, answer = api(leader, "POST", f"/v1/streams?fast=1&name={name}&filename={os.path.basename(path)}",
                         token, data, "application/octet-stream", timeout=30)
    if status not in (200, 202):
        raise Failure(f"POST /v1/streams {name}: {status} {answer}")
    return answer["id"]


def queue(base):
    status, body = api(base, "GET", "/v1/queue")
    if status != 200:
        raise Failure(f"GET /v1/queue: {status} {body}")
    return body


def load(browser, url):
    browser.driver.get(url + "/")
    browser.wait("the page is ready", lambda: browser.js("return !!(window.Raftcast && window.Raftcast.ready)"))


def no_console_errors(browser, where):
    errors = browser.console_errors()
    if errors:
        raise Failure(f"console errors {where}: {errors[:3]}")


def no_overflow(browser, where):
    widths = browser.js("return [document.documentElement.scrollWidth, window.innerWidth]")
    if widths[0] > widths[1]:
        raise Failure(f"horizontal overflow {where}: scrollWidth {widths[0]} > innerWidth {widths[1]}")
    return widths


def save_token(browser, token):
    browser.driver.find_element("id", "token-button").click()
    browser.wait("the token form shows", lambda: browser.js("return !document.getElementById('token-form').hidden"))
    browser.driver.find_element("id", "token-input").send_keys(token)
    browser.driver.find_element("id", "token-save").click()
    stored = browser.wait("the token is stored", lambda: browser.js("return localStorage.getItem('raftcast.token')"))
    if stored != token:
        raise Failure(f"localStorage holds {stored!r}, not the token")
    if not browser.js("return document.getElementById('token-form').hidden"):
        raise Failure("the token form is still shown after saving")


def layout(browser, results, args):
    browser.size(1280, 800)
    load(browser, args.url)
    members = json.loads(json.dumps(api(args.url, "GET", "/v1/cluster")[1].get("members", [])))
    expected = sorted(m["id"] for m in members)
    leader = api(args.url, "GET", "/v1/cluster")[1]["leader"]

    def dashboard():
        snap = browser.js("return window.Raftcast.Dashboard.snapshot()")
        shown = sorted(snap["nodes"])
        roles = browser.js("return [...document.querySelectorAll('#nodes tbody tr')].map(r => r.children[1].textContent)")
        return snap if shown == expected and snap["leader"] == leader and "unreachable" not in roles else None

    snap = browser.wait("the dashboard shows every node and the leader", dashboard)
    results["dashboard_nodes"] = len(snap["nodes"])
    results["dashboard_leader"] = snap["leader"]
    results["desktop_widths"] = no_overflow(browser, "at 1280×800")
    no_console_errors(browser, "at 1280×800")

    # An ingest reaches the page as events, and the commit index shown moves.
    events_before = browser.wait("the events stream is live", lambda: browser.js(
        "return document.getElementById('events-state').textContent === 'events: live' && window.Raftcast.events.count"))
    commit_before = browser.js(
        "return Math.max(...[...document.querySelectorAll('#nodes tbody tr')].map(r => Number(r.children[3].textContent) || 0))")
    stream = ingest(args.url, args.token, args.media, "browser-layout")
    browser.wait("the ingest's events reach the page", lambda: browser.js("return window.Raftcast.events.count") > events_before)
    browser.wait("the commit index shown moves", lambda: browser.js(
        "return Math.min(...[...document.querySelectorAll('#nodes tbody tr')].map(r => Number(r.children[3].textContent) || 0))")
        > commit_before)
    results["events_seen"] = browser.js("return window.Raftcast.events.count")
    results["last_event_id"] = browser.js("return window.Raftcast.events.lastId")
    browser.wait("the stream joins the programme on the page", lambda: browser.js(
        "return [document.getElementById('now-playing').dataset.stream,"
        " ...[...document.querySelectorAll('#upcoming li')].map(li => li.dataset.stream)].includes(arguments[0])", stream))

    save_token(browser, args.token)

    browser.size(360, 740)
    load(browser, args.url)
    browser.wait("the dashboard shows every node at 360 px", dashboard)
    results["phone_widths"] = no_overflow(browser, "at 360×740")
    if browser.js("return localStorage.getItem('raftcast.token')") != args.token:
        raise Failure("the token did not survive a reload")
    no_console_errors(browser, "at 360×740")


def queue_controls(browser, results, args):
    a, b, c = [ingest(args.url, args.token, path, name) for path, name in zip(args.items, ["item-a", "item-b", "item-c"])]

    def shape():
        q = queue(args.url)
        return ((q["playing"] or {}).get("stream_id"), [i["stream_id"] for i in q["upcoming"]])

    browser.wait("A plays, B and C are queued", lambda: shape() == (a, [b, c]), timeout=20)
    browser.size(1280, 800)
    load(browser, args.url)
    save_token(browser, args.token)

    def rows():
        return browser.js("return [...document.querySelectorAll('#upcoming li')].map(li => li.dataset.stream)")

    browser.wait("the page shows B and C", lambda: rows() == [b, c])
    browser.js("document.querySelector(`#upcoming li[data-stream='${arguments[0]}'] button.up`).click()", c)
    browser.wait("↑ on C: C before B", lambda: shape() == (a, [c, b]))
    browser.wait("the page shows C, B", lambda: rows() == [c, b])
    # Dragging B's row onto C's (the events a mouse drag fires) puts B first again.
    browser.js("""
        const row = (id) => document.querySelector(`#upcoming li[data-stream='${id}']`);
        const transfer = new DataTransfer();
        const fire = (target, type) => target.dispatchEvent(new DragEvent(type, {dataTransfer: transfer, bubbles: true, cancelable: true}));
        fire(row(arguments[0]), 'dragstart');
        fire(row(arguments[1]), 'dragover');
        fire(row(arguments[1]), 'drop');
        fire(row(arguments[0]), 'dragend');
    """, b, c)
    browser.wait("B dragged onto C: B before C", lambda: shape() == (a, [b, c]))
    browser.wait("the page shows B, C", lambda: rows() == [b, c])
    browser.js("document.querySelector(`#upcoming li[data-stream='${arguments[0]}'] button.remove`).click()", b)
    browser.wait("✕ on B: only C is queued", lambda: shape() == (a, [c]))
    browser.driver.find_element("id", "skip").click()
    browser.wait("Skip: C plays", lambda: shape()[0] == c, timeout=20)
    results["queue_after_controls"] = shape()[0] == c

    # A media file dropped onto the page (as a drag from the desktop would) is uploaded and queued.
    with open(args.upload, "rb") as f:
        data = base64.b64encode(f.read()).decode()
    browser.js("""
        const bytes = Uint8Array.from(atob(arguments[0]), ch => ch.charCodeAt(0));
        const file = new File([bytes], arguments[1], {type: 'video/mp4'});
        const transfer = new DataTransfer();
        transfer.items.add(file);
        document.getElementById('queue').dispatchEvent(new DragEvent('dragover', {dataTransfer: transfer, bubbles: true, cancelable: true}));
        document.getElementById('queue').dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));
    """, data, os.path.basename(args.upload))
    uploaded = browser.wait("the upload is accepted", lambda: browser.js(
        "const li = document.querySelector('#uploads li[data-stream]'); return li && li.dataset.stream"), timeout=30)
    progress = browser.js("return document.querySelector('#uploads li progress').value")
    if progress != 100:
        raise Failure(f"the upload's progress shows {progress}, not 100")
    browser.wait("the uploaded stream is in the programme", lambda: uploaded in [shape()[0]] + shape()[1], timeout=20)
    browser.wait("the page lists it", lambda: uploaded in rows() or browser.js(
        "return document.getElementById('now-playing').dataset.stream") == uploaded)
    results["uploaded"] = uploaded
    no_overflow(browser, "on the queue")
    no_console_errors(browser, "on the queue")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=["layout", "queue"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--artifacts", required=True)
    parser.add_argument("--media")
    parser.add_argument("--items", nargs=3)
    parser.add_argument("--upload")
    parser.add_argument("--deadline", type=int, default=75)
    args = parser.parse_args()
    test = layout if args.scenario == "layout" else queue_controls
    return run(lambda browser, results: test(browser, results, args), args.artifacts, deadline_seconds=args.deadline)


if __name__ == "__main__":
    sys.exit(main())
