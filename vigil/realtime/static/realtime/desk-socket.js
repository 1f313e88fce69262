/*
 * Vigil desk socket: the console's live, ordered, resumable event feed.
 * See docs/architecture.md#real-time; the frames are in vigil/realtime/protocol.py.
 *
 *   const socket = new VigilDeskSocket({url: "/ws/desk/", onEvent, onReset, onStatus}).start();
 *
 * It remembers the last sequence number it has seen (sessionStorage, per tab), says
 * {"type":"hello","since":N} on every (re)connect so the server sends exactly what was missed,
 * reconnects with jittered exponential backoff, and pings to notice a dead connection.
 * Besides the callbacks it dispatches on `document`:
 *   "vigil:event"  detail {seq, event, payload, at}
 *   "vigil:reset"  detail {seq}           (too far behind: reload your state)
 *   "vigil:status" detail {state, code}   state: "connecting" | "live" | "offline"
 *   "vigil:frame"  detail {type, ...}     a transient frame for this agent (e.g. chat_typing)
 * With <body data-vigil-socket="/ws/desk/"> it starts by itself (window.vigilDeskSocket);
 * data-vigil-seq="N" says which sequence number the rendered page already reflects.
 */
(function (global) {
  "use strict";

  var STORAGE_PREFIX = "vigil.desk-socket.seq:";
  var CLOSE_AUTH = [4401, 4403]; // signed out or not an agent: reconnecting will not help

  function socketUrl(url) {
    if (/^wss?:\/\//.test(url)) return url;
    var scheme = global.location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + global.location.host + url;
  }

  function validSeq(value) {
    return typeof value === "number" && Number.isInteger(value) && value >= 0;
  }

  class VigilDeskSocket {
    constructor(options) {
      var o = options || {};
      if (!o.url) throw new Error("VigilDeskSocket needs a url");
      this.url = o.url;
      this.onEvent = o.onEvent || null;
      this.onReset = o.onReset || null;
      this.onStatus = o.onStatus || null;
      this.onFrame = o.onFrame || null;
      this.pingInterval = o.pingInterval || 25000;
      this.minDelay = o.minDelay || 500;
      this.maxDelay = o.maxDelay || 30000;
      this.storageKey = STORAGE_PREFIX + this.url;
      this.lastSeq = validSeq(o.seq) ? o.seq : this._load();
      this.state = "offline";
      this.ws = null;
      this.attempt = 0;
      this.stopped = true;
      this.retryTimer = null;
      this.pingTimer = null;
      this.lastHeard = 0;
      this._wake = this._wake.bind(this);
    }

    start() {
      if (!this.stopped) return this;
      this.stopped = false;
      global.addEventListener("online", this._wake);
      document.addEventListener("visibilitychange", this._wake);
      this._connect();
      return this;
    }

    stop() {
      this.stopped = true;
      global.removeEventListener("online", this._wake);
      document.removeEventListener("visibilitychange", this._wake);
      clearTimeout(this.retryTimer);
      this._drop(1000);
      this._status("offline", null);
    }

    // Connection -----------------------------------------------------------------------------

    _connect() {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this._status("connecting", null);
      var ws;
      try {
        ws = new WebSocket(socketUrl(this.url));
      } catch (err) {
        this._retry();
        return;
      }
      this.ws = ws;
      ws.onopen = () => {
        if (this.ws !== ws) return;
        this.lastHeard = Date.now();
        this._send({type: "hello", since: this.lastSeq});
        this._heartbeat();
      };
      ws.onmessage = (message) => {
        if (this.ws !== ws) return;
        this.lastHeard = Date.now();
        this._frame(message.data);
      };
      ws.onclose = (event) => {
        if (this.ws !== ws) return;
        this._lost(event.code);
      };
      ws.onerror = () => {}; // a close event follows
    }

    _lost(code) {
      this._drop(null);
      this._status("offline", code);
      if (this.stopped) return;
      if (CLOSE_AUTH.indexOf(code) !== -1) {
        this.stopped = true;
        return;
      }
      this._retry();
    }

    _drop(code) {
      clearInterval(this.pingTimer);
      this.pingTimer = null;
      var ws = this.ws;
      this.ws = null;
      if (ws && ws.readyState <= WebSocket.OPEN) {
        try {
          ws.close(code || 1000);
        } catch (err) {
          /* already closing */
        }
      }
    }

    _retry() {
      if (this.stopped || this.retryTimer !== null) return;
      var ceiling = Math.min(this.maxDelay, this.minDelay * Math.pow(2, this.attempt));
      var delay = ceiling / 2 + Math.random() * (ceiling / 2); // jitter: spread the herd
      this.attempt += 1;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (!this.stopped && this.ws === null) this._connect();
      }, delay);
    }

    _wake() {
      // Back online or back in view: do not wait for the backoff.
      if (this.stopped || this.ws !== null || document.visibilityState === "hidden") return;
      this.attempt = 0;
      this._connect();
    }

    _heartbeat() {
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => {
        if (Date.now() - this.lastHeard > this.pingInterval * 2 + 5000) {
          this._lost(4000); // silent for too long: the connection is dead even if open
          return;
        }
        this._send({type: "ping"});
      }, this.pingInterval);
    }

    _send(frame) {
      if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
    }

    // Frames ---------------------------------------------------------------------------------

    _frame(text) {
      var frame;
      try {
        frame = JSON.parse(text);
      } catch (err) {
        return;
      }
      switch (frame.type) {
        case "event":
          if (!validSeq(frame.seq)) return;
          if (this.lastSeq !== null && frame.seq <= this.lastSeq) return; // never twice
          this._remember(frame.seq);
          this._emit("vigil:event", this.onEvent, {
            seq: frame.seq,
            event: frame.event,
            payload: frame.payload,
            at: frame.at,
          });
          break;
        case "ready":
          this._remember(frame.seq);
          this.attempt = 0;
          this._status("live", null);
          break;
        case "reset":
          this._remember(frame.seq);
          this.attempt = 0;
          this._emit("vigil:reset", this.onReset, {seq: frame.seq});
          this._status("live", null);
          break;
        case "error":
          if (global.console) global.console.warn("vigil socket:", frame.code, frame.message);
          break;
        case "pong":
          break;
        default:
          // Transient frames for this agent (a visitor typing in their chat, a read mark):
          // unsequenced, passed on as they are.
          this._emit("vigil:frame", this.onFrame, frame);
          break;
      }
    }

    _emit(name, callback, detail) {
      if (callback) {
        try {
          callback(detail);
        } catch (err) {
          if (global.console) global.console.error(err);
        }
      }
      document.dispatchEvent(new CustomEvent(name, {detail: detail}));
    }

    _status(state, code) {
      if (this.state === state) return;
      this.state = state;
      this._emit("vigil:status", this.onStatus, {state: state, code: code});
    }

    _remember(seq) {
      if (!validSeq(seq)) return;
      this.lastSeq = seq;
      try {
        global.sessionStorage.setItem(this.storageKey, String(seq));
      } catch (err) {
        /* storage disabled: memory only */
      }
    }

    _load() {
      try {
        var raw = global.sessionStorage.getItem(this.storageKey);
        var seq = raw === null ? NaN : Number(raw);
        return validSeq(seq) ? seq : null;
      } catch (err) {
        return null;
      }
    }
  }

  function autoStart() {
    var body = document.body;
    if (!body || !body.dataset.vigilSocket || global.vigilDeskSocket) return;
    var seq = body.dataset.vigilSeq;
    global.vigilDeskSocket = new VigilDeskSocket({
      url: body.dataset.vigilSocket,
      seq: seq === undefined || seq === "" ? undefined : Number(seq),
    }).start();
  }

  global.VigilDeskSocket = VigilDeskSocket;
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", autoStart);
  } else {
    autoStart();
  }
})(window);
