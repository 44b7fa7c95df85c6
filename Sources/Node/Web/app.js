// raftcast web app: starts the parts (token form, dashboard, queue, upload), follows /v1/events, and
// starts the live player (player.js, RaftcastPlayer) when Play is pressed.
(function () {
  "use strict";
  const R = window.Raftcast;
  /** What the page saw of /v1/events (the browser tests read it). */
  R.events = { count: 0, last: null, lastId: null, resets: 0 };

  /** Follows /v1/events: every event refreshes the dashboard and the queue. EventSource reconnects by
   * itself and sends Last-Event-ID; the node then replays what was missed, or sends `reset`. */
  function followEvents() {
    const pill = R.$("events-state");
    if (R.readsNeedToken || typeof EventSource === "undefined") {
      pill.textContent = "events: polling";
      return;
    }
    const source = new EventSource("/v1/events");
    const names = ["leader", "stream-started", "fragment-committed", "stream-ended", "stream-removed", "stream-failed", "queue", "reset"];
    let pending = false;
    let queueToo = false;
    const onEvent = (event) => {
      R.events.count += 1;
      R.events.last = event.type;
      R.events.lastId = event.lastEventId || R.events.lastId;
      if (event.type === "reset") R.events.resets += 1;
      // A burst of events (fragments of several streams) refreshes once.
      if (event.type !== "fragment-committed") queueToo = true;
      if (pending) return;
      pending = true;
      setTimeout(() => {
        pending = false;
        R.Dashboard.refresh();
        if (queueToo) R.Queue.refresh();
        queueToo = false;
      }, 100);
    };
    for (const name of names) source.addEventListener(name, onEvent);
    source.onopen = () => {
      pill.textContent = "events: live";
      pill.classList.add("live");
    };
    source.onerror = () => {
      pill.textContent = "events: reconnecting";
      pill.classList.remove("live");
    };
  }

  function startPlayer() {
    const video = R.$("player");
    const status = R.$("player-status");
    R.$("play").addEventListener("click", () => {
      if (window.RaftcastPlayer) {
        if (window.raftcastPlayer) return;
        window.raftcastPlayer = new RaftcastPlayer(video, {
          nodes: () => R.nodeURLs(),
          headers: () => (R.readsNeedToken && R.token() ? { Authorization: "Bearer " + R.token() } : {}),
        });
        window.raftcastPlayer.start();
        R.$("play").disabled = true;
      } else {
        status.textContent = "the live player is not part of this build";
      }
    });
    setInterval(() => {
      const player = window.raftcastPlayer;
      if (player && typeof player.status === "function") {
        try { status.textContent = String(player.status()); } catch (e) { status.textContent = "player: " + e.message; }
      }
    }, 500);
  }

  async function start() {
    R.initTokenForm();
    R.$("error-close").addEventListener("click", R.clearError);
    try {
      const report = await R.refreshSelf();
      R.$("node-name").textContent = "node " + report.id;
      document.title = "raftcast · " + report.id;
    } catch (e) {
      R.showError(e.message);
    }
    R.Dashboard.start();
    R.Queue.start();
    R.Upload.start();
    startPlayer();
    followEvents();
    R.ready = true;
  }

  start();
})();
