// raftcast web app: upload by drag and drop of a media file onto the page, or with the file picker, to
// POST /v1/streams on the leader (the upload form: the file is the body, `name` and `filename` in the
// query), with the progress of XMLHttpRequest's upload.
(function () {
  "use strict";
  const R = window.Raftcast;
  const ACCEPTED = /\.(mp3|mp4|m4a)$/i;

  function uploadRow(file) {
    const li = document.createElement("li");
    const label = document.createElement("div");
    label.textContent = file.name;
    const progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    const state = document.createElement("div");
    state.className = "muted";
    state.textContent = "starting…";
    li.append(label, progress, state);
    R.$("uploads").prepend(li);
    return { li, progress, state };
  }

  /** POST one file with XMLHttpRequest (for its upload progress); resolves with {status, body}. */
  function post(url, file, token, row) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("Authorization", "Bearer " + token);
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) {
          row.progress.value = Math.round((100 * event.loaded) / event.total);
          row.state.textContent = "uploading " + row.progress.value + " %";
        }
      };
      xhr.onload = () => {
        let body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
        resolve({ status: xhr.status, body });
      };
      xhr.onerror = () => reject(new R.RequestError("upload " + file.name + ": the leader did not answer", 0));
      xhr.ontimeout = xhr.onerror;
      xhr.send(file);
    });
  }

  async function upload(file) {
    if (!ACCEPTED.test(file.name)) {
      R.showError("upload " + file.name + ": only MP3, MP4 and M4A files are ingested");
      return;
    }
    const row = uploadRow(file);
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        if (!R.token()) await R.askToken("Uploading needs the admin token.");
        await R.refreshSelf();
        const base = R.leaderURL();
        if (!base) throw new R.RequestError("upload " + file.name + ": no leader known", 0);
        const name = file.name.replace(/\.[^.]*$/, "").slice(0, 200) || "upload";
        const url = base + "/v1/streams?fast=1&name=" + encodeURIComponent(name) + "&filename=" + encodeURIComponent(file.name.slice(0, 255));
        const answer = await post(url, file, R.token(), row);
        if (answer.status === 401) {
          await R.askToken("The token was refused (401): enter the current one.");
          continue;
        }
        if (answer.status === 503 && answer.body && /no-leader/.test(answer.body.type || "")) continue;
        if (answer.status !== 200 && answer.status !== 202) {
          const detail = answer.body && (answer.body.detail || answer.body.title);
          throw new R.RequestError("upload " + file.name + ": " + answer.status + (detail ? " " + detail : ""), answer.status);
        }
        row.progress.value = 100;
        row.state.textContent = "accepted as " + R.text(answer.body && answer.body.id) + "; committing";
        row.li.dataset.stream = (answer.body && answer.body.id) || "";
        R.clearError();
        R.Queue.refresh();
        return;
      }
      throw new R.RequestError("upload " + file.name + ": gave up after three tries", 0);
    } catch (e) {
      row.state.textContent = "failed";
      R.showError(e.message);
    }
  }

  R.Upload = {
    upload,
    start() {
      // A file dropped anywhere on the page is uploaded; rows of the queue being reordered are not files.
      const isFileDrag = (event) => [...(event.dataTransfer ? event.dataTransfer.types : [])].includes("Files");
      document.addEventListener("dragover", (event) => {
        if (!isFileDrag(event)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
        document.body.classList.add("dragover");
      });
      document.addEventListener("dragleave", (event) => {
        if (event.target === document.documentElement || event.target === document.body) document.body.classList.remove("dragover");
      });
      document.addEventListener("drop", (event) => {
        if (!isFileDrag(event)) return;
        event.preventDefault();
        document.body.classList.remove("dragover");
        for (const file of event.dataTransfer.files) upload(file);
      });
      R.$("file-input").addEventListener("change", (event) => {
        for (const file of event.target.files) upload(file);
        event.target.value = "";
      });
    },
  };
})();
