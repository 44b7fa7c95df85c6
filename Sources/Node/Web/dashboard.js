// raftcast web app: the dashboard — every node's role, term, commit index, health, what it plays and its
// sync error, from /v1/cluster and /v1/playback of each node (health by /health's rule, from /v1/cluster);
// refreshed on every event of /v1/events and every 2 s.
(function () {
  "use strict";
  const R = window.Raftcast;
  const REFRESH_MS = 2000;
  /** Node id → the last figures read from it. */
  const views = new Map();
  /** Node URL → time before which it is not asked again (it did not answer). */
  const backoff = new Map();
  let refreshing = false;
  let again = false;

  async function readNode(member) {
    const view = { id: member.id, url: member.url, reachable: true };
    const until = backoff.get(member.url) || 0;
    if (Date.now() < until) return Object.assign({}, views.get(member.id) || view, { reachable: false });
    try {
      const [cluster, playback] = await Promise.all([
        R.getJSON(member.url + "/v1/cluster", member.id + " /v1/cluster"),
        R.getJSON(member.url + "/v1/playback", member.id + " /v1/playback").catch((e) => (e.status === 404 ? null : Promise.reject(e))),
      ]);
      backoff.delete(member.url);
      return Object.assign(view, { cluster, health: healthOf(cluster), playback });
    } catch (e) {
      // A node that does not answer (down, or its CORS does not allow this page) is asked again in 10 s.
      backoff.set(member.url, Date.now() + 10000);
      if (member.url === location.origin) R.showError(e.message);
      return Object.assign(view, { reachable: false, error: e.message });
    }
  }

  /**
   * The node's health by the rule of its /health (NodeHealth): it knows a leader and has applied every
   * entry it knows committed. Read from /v1/cluster, so a node catching up (503 on /health) is shown
   * without a failed request in the console.
   */
  function healthOf(cluster) {
    if (!cluster.leader) return { status: "unhealthy", detail: "no leader known" };
    if (cluster.applied_index < cluster.commit_index) {
      return { status: "catching up", detail: "applied " + cluster.applied_index + " of " + cluster.commit_index + " committed entries" };
    }
    return { status: "ok" };
  }

  function syncErrorText(playback) {
    if (!playback) return "—";
    if (typeof playback.sync_error_ns === "number") return (playback.sync_error_ns / 1e6).toFixed(1) + " ms";
    return "—";
  }

  function playingText(playback) {
    if (!playback) return "—";
    const state = R.text(playback.state);
    if (!playback.stream) return state;
    const name = R.Queue ? R.Queue.nameOf(playback.stream) : null;
    const position = typeof playback.position_seconds === "number" ? " " + R.clock(playback.position_seconds) : "";
    return state + ": " + (name || playback.stream) + position;
  }

  function cell(row, text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function render() {
    const body = document.querySelector("#nodes tbody");
    const rows = [];
    for (const member of R.members) {
      const view = views.get(member.id) || { id: member.id, reachable: false };
      const row = document.createElement("tr");
      row.dataset.node = member.id;
      const c = view.cluster;
      const isLeader = c && c.role === "leader";
      if (isLeader) row.className = "leader";
      row.dataset.role = c ? c.role : "unknown";
      cell(row, member.id + (member.url === location.origin ? " (this)" : ""));
      cell(row, c ? c.role : (view.reachable ? "…" : "unreachable"), c ? "" : "bad");
      cell(row, c ? String(c.term) : "—");
      cell(row, c ? String(c.commit_index) : "—");
      const h = view.health;
      const healthCell = cell(row, h ? h.status : "—", h ? (h.status === "ok" ? "ok" : "bad") : "");
      if (h && h.detail) healthCell.title = String(h.detail);
      cell(row, playingText(view.playback), "playing");
      cell(row, syncErrorText(view.playback));
      rows.push(row);
    }
    body.replaceChildren(...rows);
  }

  /** Reads every node again (one refresh at a time; one more when asked meanwhile). */
  async function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    try {
      do {
        again = false;
        try {
          await R.refreshSelf();
        } catch (e) {
          R.showError(e.message);
        }
        const results = await Promise.all(R.members.map(readNode));
        for (const view of results) views.set(view.id, view);
        render();
      } while (again);
    } finally {
      refreshing = false;
    }
  }

  R.Dashboard = {
    refresh,
    /** How many rows (nodes) are shown, and the id of the row marked leader (tests read this too). */
    snapshot() {
      const rows = [...document.querySelectorAll("#nodes tbody tr")];
      return { nodes: rows.map((r) => r.dataset.node), leader: (rows.find((r) => r.dataset.role === "leader") || {}).dataset?.node || null };
    },
    start() {
      refresh();
      setInterval(refresh, REFRESH_MS);
    },
  };
})();
