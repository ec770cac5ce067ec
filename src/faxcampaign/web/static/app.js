// Live updates and an offline queue for the volunteer's page; the pages work without this file.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf"]').content;
  var QUEUE = "faxcampaign-queue";

  function queued() {
    try { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; }
  }
  function save(items) {
    localStorage.setItem(QUEUE, JSON.stringify(items));
    var note = document.getElementById("queue");
    if (note) {
      note.hidden = items.length === 0;
      note.textContent = items.length + " outcome(s) waiting for the signal to come back";
    }
  }
  function post(path, body) {
    return fetch(path, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}, body: JSON.stringify(body)});
  }
  function flush() {
    var items = queued();
    if (!items.length) { return Promise.resolve(); }
    var item = items[0];
    return post("/api/v1/attempts", item).then(function (response) {
      if (response.status >= 500) { throw new Error("server"); }
      save(queued().filter(function (other) { return other.key !== item.key; }));
      return flush();
    }).then(refresh, function () { save(queued()); });
  }
  function key() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function line(entry) {
    var li = document.createElement("li");
    if (entry.voided_by) { li.className = "voided"; }
    var zone = document.getElementById("calls").dataset.zone;
    var at = new Date(entry.at).toLocaleTimeString("en-GB", {hour: "2-digit", minute: "2-digit", timeZone: zone});
    li.textContent = at + " " + entry.outcome + " · " + (entry.by || "") +
      (entry.note ? " · " + entry.note : "");
    return li;
  }
  function refresh() {
    if (!document.getElementById("calls")) { return Promise.resolve(); }
    return fetch("/api/v1/calls", {credentials: "same-origin"}).then(function (r) { return r.json(); })
      .then(function (doc) {
        (doc.calls || []).forEach(function (call) {
          var section = document.getElementById("call-" + call.recipient);
          if (!section) { return; }
          section.classList.toggle("delivered", call.delivered_today > 0);
          section.querySelector("[data-mark]").textContent = call.delivered_today > 0 ? "Delivered today" : "";
          var list = section.querySelector("[data-today]");
          var undo = {};
          list.querySelectorAll("form.undo").forEach(function (f) { undo[f.action] = f; });
          list.textContent = "";
          call.today.forEach(function (entry) {
            var li = line(entry);
            var form = undo[location.origin + "/attempts/" + entry.entry + "/void"];
            if (form && !entry.voided_by) { li.appendChild(form); }
            list.appendChild(li);
          });
          call.numbers.forEach(function (n) {
            section.querySelectorAll(".numbers a").forEach(function (a) {
              if (a.textContent === n.dial) { a.parentNode.classList.toggle("suspect", !!n.suspect); }
            });
          });
        });
      }, function () {});
  }
  document.querySelectorAll("form.record").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = event.submitter;
      var data = new FormData(form);
      var item = {recipient: data.get("recipient"), outcome: button ? button.value : "", key: key(),
        at: new Date().toISOString()};
      if (data.get("number")) { item.number = data.get("number"); }
      if (data.get("note")) { item.note = data.get("note"); }
      save(queued().concat([item]));
      form.reset();
      flush();
    });
  });
  document.querySelectorAll("form.renew").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      post("/api/v1/links/" + encodeURIComponent(form.dataset.name), {}).then(function (r) { return r.json(); })
        .then(function (made) {
          var out = document.getElementById("new-link");
          out.hidden = false;
          out.textContent = made.url ? made.name + ": " + made.url + " (shown once)" : made.error.message;
        });
    });
  });
  function feed() {
    var table = document.getElementById("feed");
    if (!table) { return Promise.resolve(); }
    return fetch("/api/v1/attempts", {credentials: "same-origin"}).then(function (r) { return r.json(); })
      .then(function (entries) {
        var body = table.querySelector("tbody");
        body.textContent = "";
        entries.slice().reverse().forEach(function (e) {
          var tr = document.createElement("tr");
          if (e.voided_by) { tr.className = "voided"; }
          var at = new Date(e.at).toLocaleTimeString("en-GB", {hour: "2-digit", minute: "2-digit",
            timeZone: table.dataset.zone});
          [at, e.recipient, e.outcome, e.by || "", e.note || ""].forEach(function (text) {
            var td = document.createElement("td");
            td.textContent = text;
            tr.appendChild(td);
          });
          body.appendChild(tr);
        });
      }, function () {});
  }
  window.addEventListener("online", flush);
  save(queued());
  setInterval(function () { flush().then(refresh).then(feed); }, 3000);
})();
