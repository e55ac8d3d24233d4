// Workspace behaviour: keyboard shortcuts, inbox selection and live refresh. No inline scripts (CSP).
// Everything is wired by event delegation on document, so partials swapped in by htmx need no setup.
(function () {
  "use strict";

  var doc = document;
  doc.documentElement.classList.add("js");

  function $(selector, root) { return (root || doc).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || doc).querySelectorAll(selector)); }

  // --- small helpers --------------------------------------------------------------

  var toastTimer = null;
  function toast(text) {
    var box = $("#toast");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, 5000);
  }

  function announce(text) {
    var region = $("#announcer");
    if (region) region.textContent = text;
  }

  function isTyping(el) {
    if (!el || el === doc.body) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag !== "INPUT") return false;
    return ["checkbox", "radio", "button", "submit", "reset", "range", "color"].indexOf(el.type) === -1;
  }

  function follow(selector) {
    var link = $(selector);
    if (link && link.href) { window.location.assign(link.href); return true; }
    return false;
  }

  function submitForm(form) {
    if (!form) return;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  function hasOption(select, value) {
    return !!select && Array.prototype.some.call(select.options, function (o) { return o.value === value; });
  }

  // --- inbox: rows, selection, filters ----------------------------------------

  function rows() { return $all("[data-ticket-list] tr[data-row]"); }

  function currentRowIndex(list) {
    var active = doc.activeElement;
    for (var i = 0; i < list.length; i++) {
      if (list[i].classList.contains("is-current") || list[i].contains(active)) return i;
    }
    return -1;
  }

  function moveRow(step) {
    var list = rows();
    if (!list.length) return;
    var index = currentRowIndex(list);
    var next = index === -1 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, index + step));
    list.forEach(function (row) { row.classList.remove("is-current"); });
    var row = list[next];
    row.classList.add("is-current");
    var link = $("[data-row-link]", row);
    if (link) link.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
    if (step > 0 && next === list.length - 1) {
      var more = $("#load-more a");
      if (more) more.click(); // keep j going past the page: fetch the next one
    }
  }

  function currentRow() {
    var list = rows();
    var index = currentRowIndex(list);
    return index === -1 ? null : list[index];
  }

  function updateSelection() {
    var checks = $all("[data-row-check]");
    var chosen = checks.filter(function (c) { return c.checked; });
    checks.forEach(function (c) {
      var row = c.closest("tr");
      if (row) row.classList.toggle("is-selected", c.checked);
    });
    var all = $("[data-check-all]");
    if (all) {
      all.checked = checks.length > 0 && chosen.length === checks.length;
      all.indeterminate = chosen.length > 0 && chosen.length < checks.length;
    }
    var count = $("[data-selected-count]");
    if (count) {
      count.textContent = chosen.length === 0 ? "No tickets selected"
        : chosen.length === 1 ? "1 ticket selected" : chosen.length + " tickets selected";
    }
    var bar = $("[data-bulk]");
    if (bar) bar.classList.toggle("has-selection", chosen.length > 0);
    var apply = $("[data-bulk-apply]");
    if (apply) apply.disabled = chosen.length === 0;
  }

  doc.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-check-all]")) {
      $all("[data-row-check]").forEach(function (c) { c.checked = target.checked; });
      updateSelection();
    } else if (target.matches("[data-row-check]")) {
      updateSelection();
    } else if (target.matches("form[data-autosubmit] select")) {
      submitForm(target.form);
    } else if (target.matches("[data-file-input]")) {
      var names = $("[data-file-names]", target.form);
      if (names) {
        names.textContent = Array.prototype.map.call(target.files, function (f) { return f.name; }).join(", ");
        names.title = names.textContent;
      }
    } else if (target.matches("[data-composer] input[name=visibility]")) {
      var body = $("#composer-body");
      if (body) body.placeholder = target.value === "internal" ? body.dataset.placeholderNote : body.dataset.placeholderPublic;
    }
  });

  // A click anywhere on an inbox row opens it, except on its own controls and links.
  doc.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open-shortcuts]");
    if (opener) { openShortcuts(); return; }
    var row = event.target.closest("[data-ticket-list] tr[data-row]");
    if (!row || event.target.closest("a, button, input, label, select")) return;
    var link = $("[data-row-link]", row);
    if (!link) return;
    if (event.metaKey || event.ctrlKey) window.open(link.href, "_blank"); else window.location.assign(link.href);
  });

  // --- ticket page: composer, properties, live refresh ------------------------

  function composerBody() { return $("#composer-body"); }

  function focusComposer(kind) {
    var radio = $(kind === "internal" ? "#vis-internal" : "#vis-public");
    if (!radio) { if (kind === "public") toast("Only agents reply to customers; press n for an internal note."); return; }
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    var body = composerBody();
    if (body) { body.focus(); body.scrollIntoView({ block: "nearest" }); }
  }

  function solve() {
    var body = composerBody();
    var submitAs = $("#submit-as");
    if (body && body.value.trim() && hasOption(submitAs, "solved")) {
      submitAs.value = "solved";
      submitForm(body.form);
      return;
    }
    var status = $("#p-status");
    if (hasOption(status, "solved")) {
      status.value = "solved";
      status.dispatchEvent(new Event("change", { bubbles: true }));
      announce("Setting status to solved");
      return;
    }
    toast("This ticket cannot be solved from here.");
  }

  // Each live region gets its own request source: htmx queues requests per source and
  // keeps only the last queued one, so one shared source (the body) dropped refreshes.
  // The sources are hidden elements that are never swapped: a source replaced while its
  // request is in flight would leave the response's out-of-band parts nowhere to go.
  function liveSource(regionId) {
    var id = "live-source-" + regionId;
    var source = doc.getElementById(id);
    if (!source) {
      source = doc.createElement("span");
      source.id = id;
      source.hidden = true;
      doc.body.appendChild(source);
    }
    return source;
  }

  var refreshTimer = null;
  function refreshLive() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () {
      if (!window.htmx) return;
      $all("[data-live-url]").forEach(function (region) {
        // Never replace a panel the agent is working in, nor one already being saved.
        if (region.contains(doc.activeElement) || region.querySelector(".htmx-request") || region.classList.contains("htmx-request")) return;
        var refresh = window.htmx.ajax("GET", region.dataset.liveUrl, { source: liveSource(region.id), target: "#" + region.id, swap: "outerHTML" });
        // A refresh the agent's own change aborted (below) rejects with nothing: expected.
        if (refresh && refresh.catch) refresh.catch(function () {});
      });
    }, 250);
  }

  function connectTicketSocket(page) {
    if (!("WebSocket" in window)) return;
    var path = page.dataset.ticketSocket;
    var delay = 1000;
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
    function open() {
      var socket;
      try { socket = new WebSocket(url); } catch (error) { return; }
      socket.addEventListener("open", function () { delay = 1000; });
      socket.addEventListener("message", function (event) {
        var data;
        try { data = JSON.parse(event.data); } catch (error) { return; }
        if (data && data.type === "ticket.changed") { refreshLive(); announce("This ticket was updated."); }
      });
      socket.addEventListener("close", function (event) {
        if (event.code === 4404 || event.code === 4403) return; // not ours to watch
        setTimeout(open, delay);
        delay = Math.min(delay * 2, 30000);
      });
    }
    open();
  }

  function scrollToLatest() {
    var messages = $all("#timeline .msg");
    if (!messages.length) return;
    var last = messages[messages.length - 1];
    // Only when the newest message starts below the fold: short conversations keep the header.
    if (last.getBoundingClientRect().top > window.innerHeight) {
      last.scrollIntoView({ block: "start" });
      window.scrollBy(0, -12);
    }
  }

  // htmx feedback: swapped regions, failures, a reply just sent.
  // The agent's own change wins over a refresh already on its way: a refresh started
  // before the change would answer with the state from before it. Abort those, and
  // refresh once more after the change has landed.
  function isLiveSource(elt) { return elt && elt.id && elt.id.indexOf("live-source-") === 0; }
  doc.addEventListener("htmx:beforeRequest", function (event) {
    if (isLiveSource(event.detail.elt)) return;
    clearTimeout(refreshTimer);
    $all("[id^='live-source-']").forEach(function (source) { window.htmx.trigger(source, "htmx:abort"); });
  });
  // Checked again when the refresh arrives: the agent may have started working in the
  // panel while it was on its way.
  doc.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (isLiveSource(event.detail.elt) && target && target.contains(doc.activeElement)) {
      event.detail.shouldSwap = false;
    }
  });
  doc.addEventListener("htmx:afterRequest", function (event) {
    if (isLiveSource(event.detail.elt) || !$("[data-ticket-page]")) return;
    refreshLive();
  });

  doc.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "load-more") updateSelection();
  });
  doc.addEventListener("htmx:afterSettle", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.id === "timeline" && event.detail.requestConfig && event.detail.requestConfig.verb === "post") scrollToLatest();
  });
  doc.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    toast(status === 403 ? "You are not allowed to do that. Nothing was changed."
      : status === 404 ? "That is no longer available to you."
        : "Something went wrong (" + status + "). Nothing was changed; try again.");
  });
  doc.addEventListener("htmx:sendError", function () {
    toast("Could not reach the desk. Check your connection and try again.");
  });

  // --- keyboard shortcuts --------------------------------------------------------

  function openShortcuts() {
    var dialog = $("#shortcuts");
    if (dialog && !dialog.open && dialog.showModal) dialog.showModal();
  }

  function focusSearch() {
    var target = $("[data-search]") || $("[data-search-fallback]");
    if (target) target.focus();
  }

  var pendingG = false;
  var pendingTimer = null;

  doc.addEventListener("keydown", function (event) {
    var target = event.target;
    // Ctrl/Cmd+Enter sends the composer or saves the form being typed in.
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && target.form && target.tagName === "TEXTAREA") {
      event.preventDefault();
      submitForm(target.form);
      return;
    }
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(target)) {
      if (event.key === "Escape") target.blur();
      return;
    }
    if ($("dialog[open]")) return; // the dialog handles its own keys (Esc closes it)

    var key = event.key;
    if (pendingG) {
      pendingG = false;
      clearTimeout(pendingTimer);
      if (key === "i") { event.preventDefault(); follow(".mainnav a[href*='/inbox/']"); }
      return;
    }

    var onTicket = !!$("[data-ticket-page]");
    var onInbox = !!$("[data-ticket-list]");
    var handled = true;

    switch (key) {
      case "?": openShortcuts(); break;
      case "/": focusSearch(); break;
      case "g": pendingG = true; pendingTimer = setTimeout(function () { pendingG = false; }, 1200); break;
      case "c": handled = follow("[data-shortcut='new-ticket']"); break;
      default: handled = false;
    }
    if (!handled && onInbox) {
      handled = true;
      if (key === "j") moveRow(1);
      else if (key === "k") moveRow(-1);
      else if (key === "o" || key === "Enter") {
        var row = currentRow();
        var link = row && $("[data-row-link]", row);
        if (link) window.location.assign(link.href); else handled = false;
      } else if (key === "x") {
        var chosen = currentRow();
        var check = chosen && $("[data-row-check]", chosen);
        if (check) { check.checked = !check.checked; updateSelection(); } else handled = false;
      } else handled = false;
    }
    if (!handled && onTicket) {
      handled = true;
      if (key === "]" || key === "j") follow("[data-shortcut='next']");
      else if (key === "[" || key === "k") follow("[data-shortcut='previous']");
      else if (key === "u") follow("[data-shortcut='back']");
      else if (key === "r") focusComposer("public");
      else if (key === "n") focusComposer("internal");
      else if (key === "s") solve();
      else handled = false;
    }
    if (handled) event.preventDefault();
  });

  // --- start ------------------------------------------------------------------

  // "Insert link" next to a suggested article: its title and URL go where the cursor is in
  // the reply, as the agent would have pasted them (the reply-link counter sees the URL).
  doc.addEventListener("click", function (event) {
    var button = event.target.closest("[data-insert-link]");
    if (!button) return;
    var box = doc.getElementById("composer-body");
    if (!box) return;
    var text = button.dataset.insertTitle + ": " + button.dataset.insertLink;
    var start = box.selectionStart, end = box.selectionEnd, value = box.value;
    var before = value.slice(0, start), after = value.slice(end);
    if (before && !/\s$/.test(before)) text = "\n" + text;
    if (after && !/^\s/.test(after)) text = text + "\n";
    box.value = before + text + after;
    box.focus();
    box.selectionStart = box.selectionEnd = before.length + text.length;
    box.dispatchEvent(new Event("input", { bubbles: true }));
  });

  // Availability saves as soon as it is picked; the Set button stays for pages without JS.
  function autoSubmitAvailability() {
    var form = $(".availability-form");
    if (!form) return;
    var button = form.querySelector("button[type=submit]");
    if (button) button.hidden = true;
    form.querySelector("select").addEventListener("change", function () { form.submit(); });
  }

  function start() {
    updateSelection();
    autoSubmitAvailability();
    var page = $("[data-ticket-page]");
    if (page) {
      connectTicketSocket(page);
      scrollToLatest();
    }
  }

  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", start); else start();
})();
