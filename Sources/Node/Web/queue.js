// raftcast web app: the programme (GET /v1/queue) — the playing item with its position, the upcoming
// ones with their planned start — and its controls: skip, stop, remove, reorder (drag and drop of rows,
// and up/down buttons for touch and keyboard). Writes go to the leader with the token (api.js).
(function () {
  "use strict";
  const R = window.Raftcast;
  let queue = null;
  /** Stream id → name, from the queue (the dashboard names what each node plays). */
  const names = new Map();
  let dragged = null;

  function plannedText(item) {
    if (typeof item.starts_in_seconds === "number") {
      const s = item.starts_in_seconds;
      return (item.state === "waiting" ? "≈ in " : "in ") + R.clock(Math.max(0, s));
    }
    return item.state;
  }

  function button(label, title, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.title = title;
    b.setAttribute("aria-label", title);
    b.addEventListener("click", onClick);
    return b;
  }

  function render() {
    const now = R.$("now-playing");
    const list = R.$("upcoming");
    if (!queue) return;
    if (queue.playing) {
      const p = queue.playing;
      const total = typeof p.duration_seconds === "number" ? p.duration_seconds : p.planned_duration_seconds;
      now.textContent = "▶ " + R.text(p.name) + "  " + R.clock(p.position_seconds) + " / " + R.clock(total);
      now.dataset.stream = p.stream_id;
    } else {
      now.textContent = "Nothing playing.";
      delete now.dataset.stream;
    }
    const upcoming = queue.upcoming || [];
    const rows = upcoming.map((item, index) => {
      const li = document.createElement("li");
      li.draggable = true;
      li.dataset.stream = item.stream_id;
      li.dataset.position = String(index);
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = R.text(item.name);
      const when = document.createElement("span");
      when.className = "when";
      when.textContent = plannedText(item);
      const up = button("↑", "Move " + item.name + " up", () => move(item.stream_id, index - 1));
      up.className = "up";
      up.disabled = index === 0;
      const down = button("↓", "Move " + item.name + " down", () => move(item.stream_id, index + 1));
      down.className = "down";
      down.disabled = index === upcoming.length - 1;
      const remove = button("✕", "Remove " + item.name, () => removeItem(item.stream_id, item.name));
      remove.className = "remove";
      li.append(name, when, up, down, remove);
      li.addEventListener("dragstart", (event) => {
        dragged = li;
        li.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("application/x-raftcast-stream", item.stream_id);
      });
      li.addEventListener("dragend", () => {
        li.classList.remove("dragging");
        dragged = null;
        for (const row of list.children) row.classList.remove("drop-before");
      });
      li.addEventListener("dragover", (event) => {
        if (!dragged) return;
        event.preventDefault();
        event.stopPropagation();
        for (const row of list.children) row.classList.toggle("drop-before", row === li);
      });
      li.addEventListener("drop", (event) => {
        if (!dragged) return;
        event.preventDefault();
        event.stopPropagation();
        const from = Number(dragged.dataset.position);
        const to = Number(li.dataset.position);
        const stream = dragged.dataset.stream;
        li.classList.remove("drop-before");
        if (from !== to) move(stream, to);
      });
      return li;
    });
    list.replaceChildren(...rows);
    R.$("queue-empty").hidden = upcoming.length > 0 || !!queue.playing;
    names.clear();
    for (const item of (queue.playing ? [queue.playing] : []).concat(upcoming)) names.set(item.stream_id, item.name);
  }

  async function refresh() {
    try {
      queue = await R.getJSON("/v1/queue", "GET /v1/queue");
      render();
    } catch (e) {
      R.showError(e.message);
    }
  }

  /** A write, its answer (the queue) shown; a failure is one line on screen. */
  async function control(method, path, body, what) {
    try {
      const answer = await R.write(method, path, body, what);
      if (answer && answer.upcoming) {
        queue = answer;
        render();
      } else {
        await refresh();
      }
      R.clearError();
    } catch (e) {
      R.showError(e.message);
    }
  }

  function move(stream, position) {
    if (position < 0) return;
    return control("POST", "/v1/queue/move", { stream_id: stream, position }, "move");
  }
  function removeItem(stream, name) {
    return control("DELETE", "/v1/queue/" + encodeURIComponent(stream), undefined, "remove " + name);
  }

  R.Queue = {
    refresh,
    nameOf: (stream) => names.get(stream) || null,
    start() {
      R.$("skip").addEventListener("click", () => control("POST", "/v1/queue/skip", undefined, "skip"));
      R.$("stop").addEventListener("click", () => control("POST", "/v1/queue/stop", undefined, "stop"));
      refresh();
      setInterval(refresh, 2000);
    },
  };
})();
