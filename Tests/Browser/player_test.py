"""Browser test of the live player (Sources/Node/Web/player.js, docs/web.md), against a running cluster whose
programme is playing a video item.

    player_test.py --url http://127.0.0.1:PORT --artifacts DIR --kill-pid PID [--play 10] [--after 8]

The page served by --url loads without console errors; Play starts the live programme; for --play seconds
the video's currentTime advances with the wall clock and getVideoPlaybackQuality().totalVideoFrames grows;
the offset between the player's position and the cluster timeline is measured twice: by the page (against
its own estimate of the cluster clock) and from outside (this script reads the cluster clock of a node over
HTTP and the video's position through the driver, keeping the samples with the shortest round trips).
Then the serving node (--kill-pid) is SIGKILLed: the player must go on from another node without a reload
or a rewind, the longest stall (currentTime not advancing) at most 1 s, and then stay in step.
Prints one JSON line (browser.run).
"""
import argparse
import json
import os
import signal
import statistics
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import Failure, run  # noqa: E402


def cluster_clock(base):
    """(cluster ns − time.monotonic_ns()) from the best of 5 round trips to base's /v1/playback, and that RTT."""
    best = None
    for _ in range(5):
        sent = time.monotonic_ns()
        with urllib.request.urlopen(base + "/v1/playback", timeout=5) as response:
            report = json.loads(response.read())
        received = time.monotonic_ns()
        if not report.get("clock_synchronized"):
            continue
        rtt = received - sent
        if best is None or rtt < best[1]:
            best = (int(report["cluster_time_ns"]) - (sent + received) // 2, rtt)
    if best is None:
        raise Failure(f"{base}: clock not synchronized")
    return best


def outside_offset_ms(browser, base):
    """The player's position minus the cluster timeline, measured from outside: the 5 samples (of 20) with
    the shortest driver round trip; returns (median ms, worst uncertainty ms)."""
    offset, _ = cluster_clock(base)
    epoch = int(browser.js("return window.raftcastPlayer.epoch.toString()"))
    samples = []
    for _ in range(20):
        before = time.monotonic_ns()
        position = browser.js("return document.getElementById('player').currentTime")
        after = time.monotonic_ns()
        middle = (before + after) // 2 + offset
        samples.append(((after - before) / 2e6, (position - (middle - epoch) / 1e9) * 1000))
    samples.sort()
    best = samples[:5]
    return statistics.median(s[1] for s in best), max(s[0] for s in best)


def follow_position(browser, seconds):
    """Reads the video's position every 50 ms for `seconds`: (longest stall in s — the longest wall time
    without the position advancing —, whether it ever went back)."""
    began = time.monotonic()
    last_position, last_change, longest, rewound = None, began, 0.0, False
    while time.monotonic() - began < seconds:
        position = browser.js("return document.getElementById('player').currentTime")
        now = time.monotonic()
        if last_position is not None and position < last_position - 0.001:
            rewound = True
        if last_position is None or position > last_position + 0.001:
            longest = max(longest, now - last_change)
            last_change = now
        last_position = position
        time.sleep(0.05)
    return max(longest, time.monotonic() - last_change), rewound


def player_stats(browser):
    return browser.js("return window.raftcastPlayer ? window.raftcastPlayer.stats() : null")


def frames(browser):
    return browser.js("return document.getElementById('player').getVideoPlaybackQuality().totalVideoFrames")


def console_errors(browser, allowed=()):
    return [e for e in browser.console_errors() if not any(a in e for a in allowed)]


def live_player(browser, results, args):
    driver = browser.driver
    driver.get(args.url + "/")
    browser.wait("the page is ready", lambda: browser.js("return window.Raftcast && window.Raftcast.ready === true"))
    browser.wait("the page knows every node", lambda: browser.js("return window.Raftcast.nodeURLs().length") >= 3)
    errors = console_errors(browser)
    if errors:
        raise Failure(f"console errors on load: {errors}")
    driver.find_element("id", "play").click()
    browser.wait("the player starts", lambda: (player_stats(browser) or {}).get("started"), timeout=20)
    stats = player_stats(browser)
    results["first_node"] = stats["node"]

    # Plays for --play seconds: position follows the wall clock, frames are decoded.
    start_wall, start_position, start_frames = time.monotonic(), browser.js(
        "return document.getElementById('player').currentTime"), frames(browser)
    page_errors = []
    while time.monotonic() - start_wall < args.play:
        time.sleep(0.25)
        s = player_stats(browser)
        if s["syncErrorMs"] is not None and s["samples"] > 10:
            page_errors.append(abs(s["syncErrorMs"]))
    played = browser.js("return document.getElementById('player').currentTime") - start_position
    wall = time.monotonic() - start_wall
    decoded = frames(browser) - start_frames
    results["played_seconds"] = round(played, 3)
    results["wall_seconds"] = round(wall, 3)
    results["frames_decoded"] = decoded
    if played < wall - 1.0:
        raise Failure(f"the video played {played:.2f} s in {wall:.2f} s")
    if decoded < 10 * args.play:
        raise Failure(f"only {decoded} video frames decoded in {wall:.1f} s")
    ordered = sorted(page_errors)
    results["page_sync_error_ms"] = {
        "median": round(statistics.median(ordered), 2), "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "max": round(ordered[-1], 2), "samples": len(ordered)}
    survivor = [u for u in browser.js("return window.Raftcast.nodeURLs()") if u != results["first_node"]][0]
    results["outside_offset_ms"], results["outside_uncertainty_ms"] = [round(v, 2) for v in outside_offset_ms(browser, survivor)]
    errors = console_errors(browser)
    if errors:
        raise Failure(f"console errors while playing: {errors}")

    # The serving node dies.
    os.kill(args.kill_pid, signal.SIGKILL)
    longest_stall, rewound = follow_position(browser, args.after)
    stats = player_stats(browser)
    results["after_kill"] = {k: stats[k] for k in ["node", "switches", "waiting", "stalledMs", "seeks", "appended", "errors"]}
    results["longest_stall_ms"] = round(longest_stall * 1000)
    if stats["node"] in (None, results["first_node"]) or stats["switches"] < 1:
        raise Failure(f"the player did not move to another node: {stats}")
    if rewound:
        raise Failure("the video rewound after the kill")
    if longest_stall > 1.0:
        raise Failure(f"playback stalled {longest_stall:.2f} s after the kill")
    results["outside_offset_after_ms"], _ = [round(v, 2) for v in outside_offset_ms(browser, stats["node"])]
    results["frames_after"] = frames(browser)
    # Only the dead node's refused requests may be in the console.
    errors = console_errors(browser, allowed=[results["first_node"]])
    if errors:
        raise Failure(f"console errors after the kill: {errors}")


def programme(browser, results, args):
    """Plays a programme of several items (of other track layouts and codecs) from start to end: the
    position follows the wall clock across every item boundary (no stall over 1 s, no rewind), and the
    offset to the cluster timeline, measured from outside, stays within reach on the last item."""
    driver = browser.driver
    driver.get(args.url + "/")
    browser.wait("the page is ready", lambda: browser.js("return window.Raftcast && window.Raftcast.ready === true"))
    driver.find_element("id", "play").click()
    browser.wait("the player starts", lambda: (player_stats(browser) or {}).get("started"), timeout=20)
    longest_stall, rewound = follow_position(browser, args.play)
    stats = player_stats(browser)
    results["programme"] = {k: stats[k] for k in ["appended", "sources", "waiting", "stalledMs", "seeks", "errors"]}
    results["longest_stall_ms"] = round(longest_stall * 1000)
    results["outside_offset_ms"], results["outside_uncertainty_ms"] = [
        round(v, 2) for v in outside_offset_ms(browser, args.url)]
    results["rewound"] = rewound
    errors = console_errors(browser)
    if errors:
        raise Failure(f"console errors: {errors}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--artifacts", required=True)
    parser.add_argument("--kill-pid", type=int, help="the serving node's pid (the failover scenario)")
    parser.add_argument("--scenario", choices=["failover", "programme"], default="failover")
    parser.add_argument("--play", type=float, default=10)
    parser.add_argument("--after", type=float, default=8)
    parser.add_argument("--deadline", type=int, default=90)
    args = parser.parse_args()
    test = live_player if args.scenario == "failover" else programme
    return run(lambda browser, results: test(browser, results, args), args.artifacts, deadline_seconds=args.deadline)


if __name__ == "__main__":
    sys.exit(main())
