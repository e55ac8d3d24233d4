// Working together: the bell's live count, and who else is on a ticket page and typing.
// No inline scripts (CSP); loaded after htmx and app.js on every agent page.
(function () {
  "use strict";

  var doc = document;
  var HEARTBEAT_MS = 15000; // tandem.workflow.presence.HEARTBEAT_SECONDS
  var TYPING_RENEW_MS = 3000; // a typing agent says so at most this often
  var TYPING_IDLE_MS = 4000; // no key for this long: stopped typing

  function $(selector, root) { return (root || doc).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || doc).querySelectorAll(selector)); }
  function wsUrl(path) { return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path; }

  // A socket that reconnects with back-off, except when the server says "not yours".
  function socket(path, handlers) {
    if (!("WebSocket" in window)) return null;
    var delay = 1000;
    var state = { current: null };
    function open() {
      var ws;
      try { ws = new WebSocket(wsUrl(path)); } catch (error) { return; }
      state.current = ws;
      ws.addEventListener("open", function () { delay = 1000; if (handlers.open) handlers.open(ws); });
      ws.addEventListener("message", function (event) {
        var data;
        try { data = JSON.parse(event.data); } catch (error) { return; }
        if (data && handlers.message) handlers.message(data);
      });
      ws.addEventListener("close", function (event) {
        state.current = null;
        if (handlers.close) handlers.close();
        if (event.code === 4404 || event.code === 4403) return;
        setTimeout(open, delay);
        delay = Math.min(delay * 2, 30000);
      });
    }
    open();
    state.send = function (data) {
      if (state.current && state.current.readyState === WebSocket.OPEN) state.current.send(JSON.stringify(data));
    };
    return state;
  }

  // --- the bell ---------------------------------------------------------------------

  // Background fetches use fetch(), not htmx: leaving the page mid-request is normal for
  // them and must not count as a failed request.
  function fetchPartial(url) {
    return fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .catch(function () { return null; });
  }

  function refreshBell() {
    var menu = $("#bell-menu");
    if (!menu) return;
    fetchPartial(menu.dataset.bellUrl).then(function (html) {
      if (html === null) return;
      menu.innerHTML = html;
      var fresh = $("#bell-count", menu);
      var current = $("[data-bell] summary #bell-count");
      if (fresh && current) {
        fresh.removeAttribute("hx-swap-oob");
        current.replaceWith(fresh);
      }
      if (window.htmx) window.htmx.process(menu);
    });
  }

  function loadFollowButton() {
    var slot = $("[data-follow-url]");
    if (!slot) return;
    fetchPartial(slot.dataset.followUrl).then(function (html) {
      if (html === null || !slot.parentNode) return;
      var holder = doc.createElement("span");
      holder.innerHTML = html;
      var form = holder.firstElementChild;
      if (!form) return;
      slot.replaceWith(form);
      if (window.htmx) window.htmx.process(form);
    });
  }

  function startBell() {
    var bell = $("[data-bell]");
    if (!bell) return;
    refreshBell();
    socket("/ws/notifications/", {
      message: function (data) { if (data.type === "notifications.changed") refreshBell(); },
      // Pushes missed while disconnected: fetch the count again once back.
      open: function () { if (bell.dataset.connected) refreshBell(); bell.dataset.connected = "1"; }
    });
    doc.addEventListener("click", function (event) {
      if (bell.open && !bell.contains(event.target)) bell.open = false;
    });
    doc.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && bell.open) { bell.open = false; $("summary", bell).focus(); }
    });
  }

  // --- presence on a ticket page ---------------------------------------------------------

  function names(list) {
    var shown = list.map(function (v) { return v.name; });
    if (shown.length <= 1) return shown.join("");
    return shown.slice(0, -1).join(", ") + " and " + shown[shown.length - 1];
  }

  function initials(name) {
    return name.split(/\s+/).filter(Boolean).slice(0, 2).map(function (w) { return w.charAt(0).toUpperCase(); }).join("");
  }

  function showViewers(viewers) {
    var strip = $("[data-presence]");
    if (strip) {
      strip.textContent = "";
      strip.hidden = viewers.length === 0;
      if (viewers.length) {
        var label = doc.createElement("span");
        label.className = "presence-label";
        label.textContent = "Also here:";
        strip.appendChild(label);
        viewers.forEach(function (viewer) {
          var item = doc.createElement("span");
          item.className = "presence-person" + (viewer.typing ? " is-typing" : "");
          item.title = viewer.name + (viewer.typing ? " is typing a reply" : " is viewing this ticket");
          var avatar = doc.createElement("span");
          avatar.className = "avatar small";
          avatar.setAttribute("aria-hidden", "true");
          avatar.textContent = initials(viewer.name);
          var who = doc.createElement("span");
          who.className = "presence-name";
          who.textContent = viewer.name;
          item.appendChild(avatar);
          item.appendChild(who);
          strip.appendChild(item);
        });
      }
    }
    var typing = viewers.filter(function (v) { return v.typing; });
    var line = $("[data-typing]");
    if (line) {
      line.hidden = typing.length === 0;
      line.textContent = typing.length === 0 ? "" : names(typing) + (typing.length === 1 ? " is typing a reply…" : " are typing replies…");
    }
  }

  function startPresence(page) {
    var path = page.dataset.presenceSocket;
    if (!path) return;
    var typing = false;
    var lastSent = 0;
    var idleTimer = null;
    var heartbeat = null;
    var ws = socket(path, {
      open: function () {
        clearInterval(heartbeat);
        heartbeat = setInterval(function () { ws.send({ type: "heartbeat" }); }, HEARTBEAT_MS);
        if (typing) ws.send({ type: "typing", typing: true });
      },
      message: function (data) { if (data.type === "presence") showViewers(data.viewers || []); },
      close: function () { clearInterval(heartbeat); showViewers([]); }
    });
    if (!ws) return;

    function stopTyping() {
      clearTimeout(idleTimer);
      if (!typing) return;
      typing = false;
      ws.send({ type: "typing", typing: false });
    }

    doc.addEventListener("input", function (event) {
      if (!event.target.matches("#composer-body")) return;
      var now = Date.now();
      if (!event.target.value.trim()) { stopTyping(); return; }
      if (!typing || now - lastSent > TYPING_RENEW_MS) {
        typing = true;
        lastSent = now;
        ws.send({ type: "typing", typing: true });
      }
      clearTimeout(idleTimer);
      idleTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
    });
    doc.addEventListener("submit", function (event) { if (event.target.matches("[data-composer]")) stopTyping(); });
    doc.addEventListener("focusout", function (event) { if (event.target.matches("#composer-body")) stopTyping(); });
  }

  // An agent who had not started writing when new messages arrived has seen them: their
  // next reply is not "stale". A draft already begun keeps the id it was started under.
  function newestPublicMessageId() {
    var newest = 0;
    $all("#timeline li.msg:not(.msg-note)").forEach(function (item) {
      var id = parseInt((item.id || "").replace("message-", ""), 10);
      if (id > newest) newest = id;
    });
    return newest;
  }

  doc.addEventListener("htmx:afterSettle", function (event) {
    var elt = event.detail.elt;
    if (!elt || elt.id !== "timeline") return;
    var body = $("#composer-body");
    var seen = $("#composer input[name=seen_message]");
    if (body && seen && !body.value.trim()) {
      var newest = newestPublicMessageId();
      if (newest > parseInt(seen.value || "0", 10)) seen.value = String(newest);
    }
  });

  function start() {
    startBell();
    var page = $("[data-ticket-page]");
    if (page) { startPresence(page); loadFollowButton(); }
  }

  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", start); else start();
})();
