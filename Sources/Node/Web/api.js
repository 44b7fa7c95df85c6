// raftcast web app: the API of the nodes — node addresses, the admin token, requests and their errors.
// Plain script (no modules): defines window.Raftcast, which the other scripts extend.
(function () {
  "use strict";
  const TOKEN_KEY = "raftcast.token";
  const REQUEST_TIMEOUT_MS = 8000;

  const R = {
    /** The serving node's /v1/cluster answer, once read. */
    self: null,
    /** Members as [{id, url}], the serving node first. */
    members: [],
    /** Whether reads need the token (open_reads: false). */
    readsNeedToken: false,
  };
  window.Raftcast = R;

  R.$ = (id) => document.getElementById(id);

  // ---- errors: one line on screen per failed request ----
  R.showError = function (message) {
    const line = String(message).replace(/\s+/g, " ").slice(0, 300);
    R.$("error-text").textContent = line;
    R.$("error").hidden = false;
  };
  R.clearError = function () {
    R.$("error").hidden = true;
    R.$("error-text").textContent = "";
  };

  // ---- the token: asked once with a small form, kept in localStorage, asked again on 401 ----
  R.token = function () {
    try { return localStorage.getItem(TOKEN_KEY) || ""; } catch (e) { return ""; }
  };
  R.setToken = function (token) {
    try { localStorage.setItem(TOKEN_KEY, token); } catch (e) { R.showError("cannot store the token: " + e.message); }
  };
  let tokenWaiters = [];
  /** Shows the token form; resolves with the token once saved (rejects on cancel). */
  R.askToken = function (reason) {
    R.$("token-reason").textContent = reason || "";
    R.$("token-input").value = "";
    R.$("token-form").hidden = false;
    R.$("token-input").focus();
    return new Promise((resolve, reject) => tokenWaiters.push({ resolve, reject }));
  };
  function settleToken(token) {
    const waiters = tokenWaiters;
    tokenWaiters = [];
    R.$("token-form").hidden = true;
    for (const w of waiters) {
      if (token) w.resolve(token); else w.reject(new Error("no token given"));
    }
  }
  R.initTokenForm = function () {
    R.$("token-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const token = R.$("token-input").value.trim();
      if (!/^[\x21-\x7e]{1,256}$/.test(token)) {
        R.$("token-reason").textContent = "the token is printable text without spaces (raftcast token prints it)";
        return;
      }
      R.setToken(token);
      settleToken(token);
    });
    R.$("token-cancel").addEventListener("click", () => settleToken(null));
    R.$("token-button").addEventListener("click", () => {
      R.askToken("Writes (skip, stop, remove, move, upload) use this token.").catch(() => {});
    });
  };

  // ---- node addresses ----
  /** `http://host:port` of an http address from cluster.yaml; a wildcard host becomes the page's host. */
  R.urlOf = function (http) {
    const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(String(http || ""));
    if (!match) return null;
    let host = match[1];
    if (host === "0.0.0.0" || host === "[::]") host = location.hostname.includes(":") ? "[" + location.hostname + "]" : location.hostname;
    return location.protocol + "//" + host + ":" + match[2];
  };
  /** Reads the members from a /v1/cluster answer: the serving node (this page's origin) first. */
  R.updateMembers = function (report) {
    R.self = report;
    const members = [{ id: report.id, url: location.origin }];
    for (const m of report.members || []) {
      if (m.id === report.id) continue;
      const url = R.urlOf(m.http);
      if (url) members.push({ id: m.id, url });
    }
    R.members = members;
  };
  /** The base URLs of every node, the serving node first (what the player moves between). */
  R.nodeURLs = function () {
    return R.members.length ? R.members.map((m) => m.url) : [location.origin];
  };
  /** The leader's base URL, or null when none is known. */
  R.leaderURL = function () {
    if (!R.self || !R.self.leader) return null;
    if (R.self.leader === R.self.id) return location.origin;
    const member = R.members.find((m) => m.id === R.self.leader);
    if (member) return member.url;
    return R.self.leader_http ? R.urlOf(R.self.leader_http) : null;
  };

  // ---- requests ----
  /** An error of a request: its one-line text, and the HTTP status when there was an answer. */
  class RequestError extends Error {
    constructor(message, status, problem) {
      super(message);
      this.status = status || 0;
      this.problem = problem || null;
    }
  }
  R.RequestError = RequestError;

  async function describe(response, what) {
    let problem = null;
    try {
      const type = response.headers.get("content-type") || "";
      if (type.includes("json")) problem = await response.json();
    } catch (e) { problem = null; }
    const detail = problem && (problem.detail || problem.title);
    return new RequestError(
      what + ": " + response.status + (detail ? " " + String(detail) : " " + response.statusText), response.status, problem);
  }

  /**
   * fetch with a bound; `auth`: send the token. Returns the Response of a 2xx/304, throws RequestError
   * otherwise (network errors included).
   */
  R.request = async function (url, options, what) {
    options = Object.assign({ method: "GET", headers: {} }, options || {});
    const headers = Object.assign({}, options.headers);
    if (options.auth || R.readsNeedToken) {
      const token = R.token();
      if (token) headers["Authorization"] = "Bearer " + token;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeout || REQUEST_TIMEOUT_MS);
    let response;
    try {
      response = await fetch(url, {
        method: options.method, headers, body: options.body, signal: controller.signal, cache: "no-store",
        redirect: options.redirect || "follow",
      });
    } catch (e) {
      throw new RequestError(what + ": " + (e.name === "AbortError" ? "no answer within " + (options.timeout || REQUEST_TIMEOUT_MS) / 1000 + " s" : "unreachable"), 0);
    } finally {
      clearTimeout(timer);
    }
    // A write is not followed to another node (the token would not go along): the caller asks the
    // serving node who leads and writes there.
    if (response.type === "opaqueredirect") throw new RequestError(what + ": this node no longer leads", 307);
    if (!response.ok) throw await describe(response, what);
    return response;
  };

  R.getJSON = async function (url, what) {
    const response = await R.request(url, {}, what);
    return response.json();
  };

  /**
   * A write (POST/DELETE) to the leader with the token: asks for the token first when there is none and
   * again on 401, then repeats once. `path` is relative to the node; the JSON answer is returned.
   */
  R.write = async function (method, path, body, what) {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (!R.token()) await R.askToken("“" + what + "” needs the admin token.");
      const base = R.leaderURL();
      if (!base) throw new RequestError(what + ": no leader known", 0);
      const options = { method, auth: true, headers: {}, redirect: "manual" };
      if (body !== undefined) {
        options.headers["Content-Type"] = "application/json";
        options.body = JSON.stringify(body);
      }
      try {
        const response = await R.request(base + path, options, what);
        const type = response.headers.get("content-type") || "";
        return type.includes("json") ? response.json() : null;
      } catch (e) {
        if (e.status === 401) {
          await R.askToken("The token was refused (401): enter the current one.");
          continue;
        }
        if (e.status === 307 || (e.problem && e.problem.type && /not-leader|no-leader/.test(e.problem.type))) {
          await R.refreshSelf();
          continue;
        }
        throw e;
      }
    }
    throw new RequestError(what + ": gave up after three tries", 0);
  };

  /** Reads the serving node's /v1/cluster (members, leader). */
  R.refreshSelf = async function () {
    let report;
    try {
      report = await R.getJSON("/v1/cluster", "GET /v1/cluster");
    } catch (e) {
      if (e.status === 401 && !R.readsNeedToken) {
        R.readsNeedToken = true; // open_reads: false
        if (!R.token()) await R.askToken("This cluster's reads need the admin token.");
        report = await R.getJSON("/v1/cluster", "GET /v1/cluster");
      } else {
        throw e;
      }
    }
    R.updateMembers(report);
    return report;
  };

  /** Text of an untrusted value for textContent (never innerHTML). */
  R.text = (value) => (value === null || value === undefined ? "—" : String(value));

  /** "1:02" of seconds. */
  R.clock = function (seconds) {
    if (typeof seconds !== "number" || !isFinite(seconds)) return "—";
    const sign = seconds < 0 ? "-" : "";
    const s = Math.abs(Math.round(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return sign + (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(r).padStart(2, "0");
  };
})();
