/* The agent console's little bit of script (docs/architecture.md#console).
 *
 * Everything that talks to the server is htmx; this file only wires the live events of
 * realtime/desk-socket.js ("vigil:event", "vigil:reset", "vigil:status" on document) to htmx
 * re-fetches, and adds a few conveniences (row links, composer tabs, Ctrl+Enter).
 */
(function () {
  "use strict";

  var LIVE_STATES = ["open", "live", "connected", "online", "ready"];
  var PENDING_STATES = ["connecting", "reconnecting", "resyncing", "syncing"];

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, wait);
    };
  }

  function page() {
    return document.body.dataset.page || "";
  }

  /* --- live indicator ------------------------------------------------------------------ */

  function setIndicator(state) {
    var el = document.getElementById("live-indicator");
    if (!el) return;
    var kind = LIVE_STATES.indexOf(state) >= 0 ? "live"
      : PENDING_STATES.indexOf(state) >= 0 ? "connecting" : "offline";
    el.classList.remove("live-live", "live-connecting", "live-offline");
    el.classList.add("live-" + kind);
    el.dataset.state = kind;
    var label = el.querySelector(".live-label");
    if (label) label.textContent = el.dataset["label" + kind.charAt(0).toUpperCase() + kind.slice(1)];
  }

  var heardStatus = false;
  document.addEventListener("vigil:status", function (e) {
    heardStatus = true;
    setIndicator((e.detail && e.detail.state) || "offline");
  });

  /* --- live refresh -------------------------------------------------------------------- */

  var refreshInbox = debounce(function () {
    var results = document.getElementById("inbox-results");
    if (results && window.htmx) window.htmx.trigger(results, "vigil:refresh");
  }, 400);

  var refreshTicket = debounce(function () {
    if (window.htmx) window.htmx.trigger(document.body, "vigil:ticket-changed");
  }, 250);

  function onEvent(detail) {
    if (page() === "inbox") {
      refreshInbox();
    } else if (page() === "ticket") {
      var payload = (detail && detail.payload) || {};
      if (String(payload.ticket_id) === document.body.dataset.ticketId) refreshTicket();
    }
  }

  document.addEventListener("vigil:event", function (e) { onEvent(e.detail); });
  document.addEventListener("vigil:reset", function () {
    if (page() === "inbox") refreshInbox();
    else if (page() === "ticket") refreshTicket();
  });

  /* Mark the rows a refresh brought in, so a new ticket catches the eye. */
  var knownRows = null;
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "inbox-results") {
      knownRows = {};
      document.querySelectorAll("#inbox-rows tr[data-ticket-id]").forEach(function (row) {
        knownRows[row.dataset.ticketId] = true;
      });
    }
  });

  /* The side panel refreshes itself on ticket changes, unless the agent is using it: a field
   * has focus, a write is in flight, or an error has just been shown. A refresh skipped for that
   * reason happens as soon as the panel is free again. (Used in an hx-trigger filter.) */
  var ERROR_SHOWN_MS = 8000;
  var panelBehind = false;

  function panelBusy(panel) {
    return panel.contains(document.activeElement) ||
      !!panel.querySelector(".htmx-request, .alert-error:not(.is-stale)");
  }

  window.vigilMayRefresh = function (panel) {
    var busy = panelBusy(panel);
    if (busy) panelBehind = true;
    return !busy;
  };

  function catchUpPanel() {
    var panel = document.getElementById("properties");
    if (!panelBehind || !panel || panelBusy(panel) || !window.htmx) return;
    panelBehind = false;
    window.htmx.trigger(panel, "vigil:refresh");
  }

  document.addEventListener("focusout", function (e) {
    if (e.target.closest && e.target.closest("#properties")) setTimeout(catchUpPanel, 300);
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    if (e.detail.elt && e.detail.elt.closest && e.detail.elt.closest("#properties")) {
      setTimeout(catchUpPanel, 50);
    }
  });
  /* htmx:afterSettle fires on each element the swap put in (e.target); e.detail.target is the
   * element that was replaced. */
  document.addEventListener("htmx:afterSettle", function (e) {
    var target = e.target;
    if (!target.closest || !target.closest("#properties")) return;
    target.querySelectorAll(".alert-error").forEach(function (alert) {
      setTimeout(function () {
        alert.classList.add("is-stale");
        catchUpPanel();
      }, ERROR_SHOWN_MS);
    });
  });

  /* A write from the side panel wins over a refresh of it that is still on its way. */
  document.addEventListener("htmx:beforeRequest", function (e) {
    var panel = document.getElementById("properties");
    if (panel && e.detail.elt !== panel && panel.contains(e.detail.elt) && window.htmx) {
      window.htmx.trigger(panel, "htmx:abort");
    }
  });

  /* --- after every swap ---------------------------------------------------------------- */

  function scrollThread(force) {
    var box = document.querySelector(".conversation");
    if (!box) return;
    var nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 160;
    if (force || nearBottom) box.scrollTop = box.scrollHeight;
  }

  document.addEventListener("htmx:afterSettle", function (e) {
    var target = e.target;
    if (target.id === "inbox-results" && knownRows) {
      var seen = knownRows;
      knownRows = null;
      target.querySelectorAll("tr[data-ticket-id]").forEach(function (row) {
        if (!seen[row.dataset.ticketId]) row.classList.add("is-new");
      });
    }
    if (target.id === "thread") scrollThread(false);
  });

  /* --- conveniences -------------------------------------------------------------------- */

  document.addEventListener("click", function (e) {
    var tab = e.target.closest("[data-tab-target]");
    if (tab) {
      var composer = tab.closest(".composer");
      composer.dataset.tab = tab.dataset.tabTarget;
      var area = composer.querySelector("[data-tab-panel='" + tab.dataset.tabTarget + "'] textarea");
      if (area) area.focus();
      return;
    }
    var row = e.target.closest("tr[data-href]");
    if (row && !e.target.closest("a, button, input, select")) {
      if (e.metaKey || e.ctrlKey) window.open(row.dataset.href, "_blank");
      else window.location.href = row.dataset.href;
    }
  });

  document.addEventListener("change", function (e) {
    var form = e.target.closest("form[data-autosubmit]");
    if (form) form.submit();
    if (e.target.matches(".file-pick input[type=file]")) {
      var names = Array.prototype.map.call(e.target.files, function (f) { return f.name; });
      var label = e.target.parentElement.querySelector("span");
      if (!label.dataset.empty) label.dataset.empty = label.textContent;
      label.textContent = names.length ? names.join(", ") : label.dataset.empty;
    }
  });

  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && e.target.matches(".composer textarea")) {
      e.preventDefault();
      e.target.form.requestSubmit();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    scrollThread(true);
    if (!document.body.dataset.vigilSocket) return;
    /* No word from the socket script at all: say so rather than "connecting" for ever. */
    setTimeout(function () { if (!heardStatus) setIndicator("offline"); }, 10000);
  });
})();
