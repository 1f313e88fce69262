/* The console's live-chat glue (docs/architecture.md#agent-console-chats).
 *
 * - chat events from the desk socket ("chat.offered", "chat.offer_withdrawn", "chat.changed")
 *   make the offers box and the chat list re-fetch ("vigil:chats" on body);
 * - a new message on the open chat's ticket re-fetches its thread ("vigil:chat-thread");
 * - the visitor's typing arrives as a transient frame ("vigil:frame", type "chat_typing");
 * - the agent's typing goes to the visitor (POST typing on/off, throttled);
 * - offers count down to their expiry.
 */
(function () {
  "use strict";

  var TYPING_EVERY_MS = 3000;  // "still typing" at most this often
  var TYPING_IDLE_MS = 4000;   // quiet this long: "stopped typing"
  var THEIR_TYPING_MS = 6000;  // the visitor's indicator fades without news

  function body() { return document.body; }

  function trigger(name) {
    if (window.htmx) window.htmx.trigger(body(), name);
  }

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, wait);
    };
  }

  var refreshChats = debounce(function () { trigger("vigil:chats"); }, 150);
  var refreshThread = debounce(function () { trigger("vigil:chat-thread"); }, 150);

  document.addEventListener("vigil:event", function (e) {
    var d = e.detail || {};
    var name = String(d.event || "");
    var payload = d.payload || {};
    if (name.indexOf("chat.") === 0) {
      refreshChats();
      if (name === "chat.changed" && String(payload.session_id) === body().dataset.chatId) {
        refreshThread();
      }
      return;
    }
    if (name !== "message.added" || body().dataset.page !== "chats") return;
    if (String(payload.ticket_id) === body().dataset.ticketId) {
      refreshThread();
      setTyping(false);
    } else if (payload.direction === "inbound") {
      // Another of the agent's chats has news: mark it in the list.
      var row = document.querySelector("#chat-list li[data-ticket='" + Number(payload.ticket_id) + "']");
      if (row) row.classList.add("is-new");
    }
  });
  document.addEventListener("vigil:reset", refreshChats);

  /* --- the visitor's typing ------------------------------------------------------------ */

  var theirTimer = null;
  function setTyping(on) {
    var el = document.getElementById("chat-typing");
    if (!el) return;
    el.hidden = !on;
    clearTimeout(theirTimer);
    if (on) theirTimer = setTimeout(function () { el.hidden = true; }, THEIR_TYPING_MS);
  }

  document.addEventListener("vigil:frame", function (e) {
    var f = e.detail || {};
    if (String(f.session) !== body().dataset.chatId) return;
    if (f.type === "chat_typing") setTyping(!!f.on);
  });

  /* --- the agent's typing -------------------------------------------------------------- */

  var lastSent = 0;
  var idleTimer = null;
  var typingOn = false;

  function csrf() {
    try {
      return JSON.parse(body().getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (err) {
      return "";
    }
  }

  function sendTyping(url, on) {
    typingOn = on;
    lastSent = on ? Date.now() : 0;
    var data = new FormData();
    data.append("on", on ? "1" : "0");
    fetch(url, {method: "POST", body: data, headers: {"X-CSRFToken": csrf()}, credentials: "same-origin"})
      .catch(function () {});
  }

  document.addEventListener("input", function (e) {
    var form = e.target.closest && e.target.closest("form[data-typing-url]");
    if (!form) return;
    var url = form.dataset.typingUrl;
    if (!typingOn || Date.now() - lastSent > TYPING_EVERY_MS) sendTyping(url, true);
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { if (typingOn) sendTyping(url, false); }, TYPING_IDLE_MS);
  });
  document.addEventListener("submit", function (e) {
    if (e.target.matches && e.target.matches("form[data-typing-url]")) {
      clearTimeout(idleTimer);
      typingOn = false;
    }
  }, true);

  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && e.target.matches("#chat-pane textarea")) {
      e.preventDefault();
      e.target.form.requestSubmit();
    }
  });

  /* --- offer countdowns ---------------------------------------------------------------- */

  function tick() {
    var now = Date.now();
    document.querySelectorAll(".chat-offer [data-expires]").forEach(function (el) {
      var left = Math.round((Date.parse(el.dataset.expires) - now) / 1000);
      var offer = el.closest(".chat-offer");
      if (left <= 0) {
        offer.classList.add("is-expired");
        el.textContent = "0 s";
        offer.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      } else {
        el.textContent = left + " s";
      }
    });
  }
  setInterval(tick, 1000);

  function scrollChat() {
    var box = document.getElementById("chat-thread");
    if (box) box.scrollTop = box.scrollHeight;
  }
  document.addEventListener("htmx:afterSettle", function (e) {
    if (e.target.id === "chat-thread" || e.target.id === "chat-pane") scrollChat();
    if (e.target.id === "chat-offers") tick();
  });
  document.addEventListener("DOMContentLoaded", function () {
    scrollChat();
    tick();
  });
})();
