// raftcast live player: plays the live programme (GET /v1/live/index.m3u8, docs/hls.md) in a <video>
// through Media Source Extensions, in step with the cluster clock, and moves to another node when its
// node stops answering, going on from the same segment (segments are the same bytes on every node).
//
//   cluster time ──────────────────────────────────────────────►
//   segment:        [ AT-NS ··· ]  first sample heard in every room at AT-NS
//   media position: p = (AT-NS − epoch) / 1e9 s   (epoch: fixed when the player starts)
//   fMP4:  timestampOffset = p − MEDIA-START      (segments mode: the item's samples keep their spacing)
//   MP3:   timestampOffset = p before each append (sequence mode: packed audio carries no usable time)
//   in step: video.currentTime ≈ (cluster now − epoch) / 1e9; the rate is nudged for small
//   errors (up to ±10 %), a seek fixes large ones.
(function () {
  "use strict";

  const PLAYLIST = "/v1/live/index.m3u8";
  /** How long a request may take before the node counts as not answering, ms. */
  const REQUEST_TIMEOUT = 1500;
  /** Errors within this are left alone (seconds); beyond SEEK_ABOVE the player seeks. */
  const DEAD_BAND = 0.008;
  const SEEK_ABOVE = 0.5;
  /** Media kept behind the playhead, seconds. */
  const KEEP_BEHIND = 20;

  /** `#EXT-X-TAG:A=1,B="x,y"` attributes. */
  function attributes(text) {
    const found = {};
    const pattern = /([A-Z0-9-]+)=("[^"]*"|[^,]*)/g;
    let match;
    while ((match = pattern.exec(text)) !== null) {
      found[match[1]] = match[2].startsWith('"') ? match[2].slice(1, -1) : match[2];
    }
    return found;
  }

  /** The live playlist's items and segments (raftcast's tags; other tags are ignored). */
  function parsePlaylist(text) {
    const segments = [];
    let item = null;
    let segment = {};
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      if (line.startsWith("#EXT-X-RAFTCAST-ITEM:")) {
        const a = attributes(line.slice(21));
        item = {
          stream: a.STREAM, format: a.FORMAT, codecs: a.CODECS, map: null,
          lastFragment: a["LAST-FRAGMENT"] === undefined ? null : Number(a["LAST-FRAGMENT"]),
        };
      } else if (line.startsWith("#EXT-X-MAP:") && item) {
        item.map = attributes(line.slice(11)).URI;
      } else if (line.startsWith("#EXT-X-RAFTCAST-SEGMENT:")) {
        const a = attributes(line.slice(24));
        segment.at = BigInt(a["AT-NS"]);
        segment.mediaStart = Number(a["MEDIA-START"]);
      } else if (line.startsWith("#EXTINF:")) {
        segment.duration = Number(line.slice(8).split(",")[0]);
      } else if (line && !line.startsWith("#") && item && segment.at !== undefined) {
        segments.push({ uri: line, item, at: segment.at, mediaStart: segment.mediaStart, duration: segment.duration });
        segment = {};
      }
    }
    return segments;
  }

  function mimeOf(item) {
    if (item.format === "mp3") return "audio/mpeg";
    const video = item.codecs.split(",").some((c) => c.startsWith("avc1"));
    return (video ? "video/mp4" : "audio/mp4") + '; codecs="' + item.codecs + '"';
  }

  /** The URI of the fragment after `uri` in its stream (`…/hls/{n}.m4s` or `.mp3`), or null after the item's
   * last fragment (`lastFragment`, null while unknown). */
  function nextURI(uri, lastFragment) {
    const match = /^(.*\/hls\/)(\d+)\.(m4s|mp3)$/.exec(uri);
    if (!match || (lastFragment !== null && Number(match[2]) >= lastFragment)) return null;
    return match[1] + (Number(match[2]) + 1) + "." + match[3];
  }

  /** Track layout of an item: a SourceBuffer may change type only within one layout. */
  function layoutOf(item) {
    return item.format + ":" + item.codecs.split(",").map((c) => c.split(".")[0]).join(",");
  }

  class RaftcastPlayer {
    /** `video`: the element; `nodes()`: the nodes' base URLs (the serving node first); `headers()`:
     * extra request headers (the bearer token when reads need it, `open_reads: false`). */
    constructor(video, options) {
      this.video = video;
      this.nodes = options && options.nodes ? options.nodes : () => [location.origin];
      this.headers = options && options.headers ? options.headers : () => ({});
      this.node = null; // the node asked now (null after it failed)
      this.lastNode = null; // the node asked last
      this.down = new Map(); // node URL → when it stopped answering (ms)
      this.clock = null; // { offsetNs: BigInt (cluster ns − performance ns), rttMs }
      this.epoch = null; // BigInt cluster ns of media position 0 (read by the browser tests)
      this.last = null; // the last appended segment
      this.prefetched = new Map(); // uri → Promise of its bytes (or null), fetched before they are needed
      this.item = null; // the item whose init segment was appended last
      this.source = null;
      this.buffer = null;
      this.layout = null;
      this.running = false;
      this.started = false;
      this.figures = {
        appended: 0, prefetched: 0, sources: 0, switches: 0, nodes: [], waiting: 0, stalledMs: 0, seeks: 0, errors: [],
        syncErrorMs: null, maxSyncErrorMs: 0, samples: 0, clockRttMs: null,
      };
      this.waitingSince = null;
      video.addEventListener("waiting", () => {
        if (!this.started) return;
        this.figures.waiting += 1;
        if (this.waitingSince === null) this.waitingSince = performance.now();
      });
      video.addEventListener("playing", () => this.endWaiting());
      // A decode error ends the element's MediaSource: the next segment opens a new one.
      video.addEventListener("error", () => {
        this.note("the browser could not play the media (" + (video.error ? video.error.code : "?") + ")");
        this.buffer = null;
      });
    }

    endWaiting() {
      if (this.waitingSince !== null) {
        this.figures.stalledMs += performance.now() - this.waitingSince;
        this.waitingSince = null;
      }
    }

    /** Starts playing the live programme. */
    start() {
      if (this.running) return;
      this.running = true;
      this.loop();
      this.syncTimer = setInterval(() => this.keepInStep(), 200);
    }

    /** Stops and lets go of the media. */
    stop() {
      this.running = false;
      clearInterval(this.syncTimer);
      this.video.pause();
    }

    /** One line for the page. */
    status() {
      if (!this.running) return "stopped";
      const f = this.figures;
      const error = f.syncErrorMs === null ? "—" : f.syncErrorMs.toFixed(1) + " ms";
      return (this.started ? "playing" : "starting") + " from " + (this.node || "—") + " · sync error " + error
        + " · " + f.appended + " segments";
    }

    /** Figures for tests and the dashboard. */
    stats() {
      return Object.assign({ node: this.node, started: this.started, currentTime: this.video.currentTime,
        lastSegment: this.last ? this.last.uri : null }, this.figures);
    }

    note(error) {
      const line = String(error && error.message ? error.message : error).slice(0, 200);
      this.figures.errors.push(line);
      if (this.figures.errors.length > 20) this.figures.errors.shift();
    }

    // ---- nodes and requests ----

    /** The node to ask: the current one, else the first that has not failed in the last 5 s. */
    pickNode() {
      const now = performance.now();
      const candidates = this.nodes();
      if (this.node && !this.down.has(this.node) && candidates.includes(this.node)) return this.node;
      const next = candidates.find((url) => !this.down.has(url) || now - this.down.get(url) > 5000)
        || candidates[0];
      if (next !== this.lastNode) {
        if (this.lastNode) this.figures.switches += 1;
        this.lastNode = next;
        this.figures.nodes.push(next);
        this.clock = null; // measure against the new node
      }
      this.node = next;
      return next;
    }

    async fetchFrom(path, kind) {
      const node = this.pickNode();
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT);
      try {
        const response = await fetch(node + path, { signal: controller.signal, cache: "no-store", headers: this.headers() });
        if (!response.ok) throw new Error(path + ": HTTP " + response.status);
        const body = kind === "text" ? await response.text() : kind === "json" ? await response.json()
          : await response.arrayBuffer();
        this.down.delete(node);
        return body;
      } catch (error) {
        this.down.set(node, performance.now());
        if (this.node === node) this.node = null;
        throw error;
      } finally {
        clearTimeout(timer);
      }
    }

    // ---- the cluster clock ----

    /** Cluster time now (BigInt ns) from the best of a few round trips to the node's /v1/playback. */
    async syncClock() {
      let best = null;
      for (let i = 0; i < 5; i++) {
        const sent = performance.now();
        const report = await this.fetchFrom("/v1/playback", "json");
        const received = performance.now();
        if (report.cluster_time_ns === undefined || report.clock_synchronized === false) {
          throw new Error("the node's clock is not synchronized yet");
        }
        const rtt = received - sent;
        if (best === null || rtt < best.rttMs) {
          const midpointNs = BigInt(Math.round(((sent + received) / 2) * 1e6));
          best = { offsetNs: BigInt(report.cluster_time_ns) - midpointNs, rttMs: rtt };
        }
      }
      this.clock = best;
      this.clock.at = performance.now();
      this.figures.clockRttMs = best.rttMs;
    }

    clusterNow() {
      return BigInt(Math.round(performance.now() * 1e6)) + this.clock.offsetNs;
    }

    /** Media position (s) of cluster time `ns`. */
    position(ns) {
      return Number(ns - this.epoch) / 1e9;
    }

    // ---- media ----

    async openSource(item) {
      const source = new MediaSource();
      const opened = new Promise((resolve) => source.addEventListener("sourceopen", resolve, { once: true }));
      if (this.video.src) URL.revokeObjectURL(this.video.src);
      this.video.src = URL.createObjectURL(source);
      await opened;
      source.duration = Infinity;
      this.source = source;
      this.buffer = source.addSourceBuffer(mimeOf(item));
      this.buffer.mode = item.format === "mp3" ? "sequence" : "segments";
      this.layout = layoutOf(item);
      this.item = null;
      this.started = false; // begin() places the element again once the new item is buffered
      this.figures.sources += 1;
    }

    append(bytes) {
      return new Promise((resolve, reject) => {
        const buffer = this.buffer;
        const done = () => { buffer.removeEventListener("error", failed); resolve(); };
        const failed = () => { buffer.removeEventListener("updateend", done); reject(new Error("the browser refused a segment")); };
        buffer.addEventListener("updateend", done, { once: true });
        buffer.addEventListener("error", failed, { once: true });
        buffer.appendBuffer(bytes);
      });
    }

    async trim() {
      const end = this.video.currentTime - KEEP_BEHIND;
      if (end <= 0 || this.buffer.updating || this.buffer.buffered.length === 0) return;
      if (this.buffer.buffered.start(0) >= end) return;
      await new Promise((resolve) => {
        this.buffer.addEventListener("updateend", resolve, { once: true });
        this.buffer.remove(0, end);
      });
    }

    /** Appends `segment` (and its item's init segment first, when the item changes). */
    async appendSegment(segment) {
      const item = segment.item;
      if (!this.buffer || this.source.readyState !== "open" || this.layout !== layoutOf(item)) {
        // First segment, another track layout, or a MediaSource the browser closed after an error.
        await this.openSource(item);
      } else if (this.item === null || this.item.stream !== item.stream) {
        if (this.item && mimeOf(this.item) !== mimeOf(item) && this.buffer.changeType) this.buffer.changeType(mimeOf(item));
      }
      const p = this.position(segment.at);
      if (item.format === "mp3") {
        this.buffer.timestampOffset = p;
      } else {
        if (this.item === null || this.item.stream !== item.stream) {
          this.buffer.timestampOffset = p - segment.mediaStart;
          await this.append((await this.takePrefetched(item.map)) || (await this.fetchFrom(item.map, "bytes")));
        }
      }
      const bytes = (await this.takePrefetched(segment.uri)) || (await this.fetchFrom(segment.uri, "bytes"));
      await this.append(bytes);
      this.item = item;
      this.last = segment;
      this.figures.appended += 1;
      this.prefetch(nextURI(segment.uri, item.lastFragment));
    }

    /** Starts fetching `uri` so that it is in hand when it is needed: the next fragment of the item (committed
     * seconds before the playlist may list it, docs/hls.md), or a new item's init segment and first fragment
     * while the player waits for the rooms to reach it. The playlist shows only what no queue decision can
     * withdraw any more (the playout delay ahead), which leaves little time to fetch it then. Not found, or
     * any failure, is not the node's fault: the bytes are fetched normally when needed. */
    prefetch(uri) {
      if (!uri || this.node === null || this.prefetched.has(uri)) return;
      const node = this.node;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT);
      const bytes = fetch(node + uri, { signal: controller.signal, cache: "no-store", headers: this.headers() })
        .then((response) => (response.ok ? response.arrayBuffer() : null))
        .catch(() => null)
        .finally(() => clearTimeout(timer));
      this.prefetched.set(uri, bytes);
      if (this.prefetched.size > 4) this.prefetched.delete(this.prefetched.keys().next().value);
    }

    /** The prefetched bytes of `uri`, or null. */
    async takePrefetched(uri) {
      const pending = this.prefetched.get(uri);
      if (!pending) return null;
      this.prefetched.delete(uri);
      const bytes = await pending;
      if (bytes) this.figures.prefetched += 1;
      return bytes;
    }

    /** The segments after the last appended one (by URI, else by time); at first, the one heard now. */
    nextSegments(segments) {
      if (this.last === null) {
        const now = this.clusterNow();
        const playing = segments.findIndex((s) => s.at <= now && now < s.at + BigInt(Math.round(s.duration * 1e9)));
        const first = playing >= 0 ? playing : segments.findIndex((s) => s.at > now);
        return first >= 0 ? segments.slice(first) : [];
      }
      const index = segments.findIndex((s) => s.uri === this.last.uri);
      if (index >= 0) return segments.slice(index + 1);
      return segments.filter((s) => s.at > this.last.at);
    }

    async loop() {
      while (this.running) {
        try {
          if (this.clock === null || performance.now() - this.clock.at > 10000) await this.syncClock();
          const segments = parsePlaylist(await this.fetchFrom(PLAYLIST, "text"));
          const next = this.nextSegments(segments);
          if (this.epoch === null && next.length > 0) this.epoch = next[0].at - 1000000000n;
          for (const segment of next) {
            if (!this.running) return;
            if (this.started && this.buffer && this.layout !== layoutOf(segment.item)) {
              // Another track layout needs a new MediaSource, which drops what is buffered: not before
              // the rooms reach this item.
              const wait = this.position(segment.at) - 0.05 - this.position(this.clusterNow());
              if (wait > 3) break;
              this.prefetch(segment.item.map);
              this.prefetch(segment.uri);
              if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait * 1000));
            }
            await this.appendSegment(segment);
            if (!this.started) await this.begin();
          }
          if (this.buffer) await this.trim();
        } catch (error) {
          this.note(error);
        }
        await new Promise((resolve) => setTimeout(resolve, this.node === null ? 50 : 100));
      }
    }

    /** Starts the element at the cluster's position once the media there is buffered. */
    async begin() {
      const target = this.position(this.clusterNow());
      const ranges = this.video.buffered;
      if (ranges.length === 0 || ranges.end(ranges.length - 1) < target + 0.2) return;
      this.video.currentTime = Math.max(target, ranges.start(0));
      try {
        await this.video.play();
      } catch (error) {
        this.note(error);
        return;
      }
      this.started = true;
    }

    /** Keeps the element's position on the cluster timeline: rate nudges, a seek for a large error. */
    keepInStep() {
      if (!this.started || this.clock === null || this.video.paused || this.video.seeking) return;
      const target = this.position(this.clusterNow());
      const error = this.video.currentTime - target; // > 0: ahead of the rooms
      this.figures.syncErrorMs = error * 1000;
      if (Math.abs(error) > SEEK_ABOVE) {
        this.figures.seeks += 1;
        this.video.currentTime = target;
        this.video.playbackRate = 1;
        return;
      }
      this.figures.samples += 1;
      if (this.figures.samples > 10) this.figures.maxSyncErrorMs = Math.max(this.figures.maxSyncErrorMs, Math.abs(error) * 1000);
      // Proportional: 20 ms off plays at 4 % faster or slower (the error halves in a quarter second), at most 10 %.
      this.video.playbackRate = Math.abs(error) < DEAD_BAND ? 1 : Math.min(1.1, Math.max(0.9, 1 - 2 * error));
    }
  }

  window.RaftcastPlayer = RaftcastPlayer;
  window.RaftcastPlayer.parsePlaylist = parsePlaylist;
})();
