/*
 * Vigil live-chat widget. See docs/architecture.md#widget (the wire protocol: #live-chat).
 *
 *   <script src="https://DESK/chat/widget.js" data-widget="wk_..." async></script>
 *
 * Optional attributes: data-locale="en|zh-hans|ja" (interface language; default from
 * navigator.languages), data-open="1" (open the panel at load).
 *
 * Vanilla JS, no build step. Everything is drawn in a closed Shadow DOM so the host page's
 * styles cannot reach it (and the host's scripts cannot reach in). The transport keeps the
 * session token, the last sequence number seen and an outbox of unacknowledged messages in
 * localStorage: a reconnect says hello(token, since) with jittered exponential back-off, drops
 * events it has already seen, and resends what was not acknowledged (same client ids, so the
 * server stores each message once); a reload resumes the conversation.
 */
(function (global, document) {
  "use strict";

  var script = document.currentScript || findScript();
  if (!script || !script.getAttribute("data-widget")) return;
  var KEY = script.getAttribute("data-widget");
  var ORIGIN = new URL(script.src, global.location.href).origin;
  global.__vigilChat = global.__vigilChat || {};
  if (global.__vigilChat[KEY]) return; // the snippet twice on one page
  global.__vigilChat[KEY] = true;

  function findScript() {
    var all = document.querySelectorAll("script[data-widget]");
    return all.length ? all[all.length - 1] : null;
  }

  // Strings ------------------------------------------------------------------------------

  var STRINGS = {
    en: {
      launcher: "Chat with us", title: "Support chat", minimize: "Minimize chat",
      end: "End chat", language: "Language", category: "Topic",
      uid: "Exchange UID (optional)", email: "E-mail (optional)", emailRequired: "E-mail",
      message: "Your message", start: "Start chat", send: "Send", attach: "Attach a file",
      remove: "Remove {name}", you: "You", agent: "Agent", system: "Support",
      sending: "Sending…", sent: "Sent", read: "Read", failed: "Not sent: {reason}",
      typing: "{name} is typing…", queue: "You are number {n} in the queue.",
      queueNext: "You are next in the queue.", wait: "Expected wait: about {m} min.",
      waitShort: "Expected wait: less than a minute.",
      noAgent: "No agent who speaks your language is online right now.",
      longWait: "The wait is longer than usual right now.",
      offerLeave: "You can leave a message instead and we will answer by e-mail.",
      leave: "Leave a message", leaveSend: "Send message", back: "Back",
      leftDone: "Thank you. Your message is ticket {ticket}; we will reply to {email}.",
      joined: "{name} joined the chat.", transferred: "You were transferred to {name}.",
      transferredTeam: "You were transferred to another team.", ended: "The chat has ended.",
      transcript: "A transcript was sent to {email}.", newChat: "Start a new chat",
      connecting: "Connecting…",
      offline: "Connection lost. Your messages will be sent when it is back.",
      uploading: "Uploading {name}…", uploadFailed: "Upload failed: {reason}",
      rateLimited: "Too many messages: wait {s} s.", error: "Something went wrong ({code}).",
      pasted: "pasted-image", badEmail: "Enter a valid e-mail address.",
      empty: "Please write a message.", unread: "{n} new messages", file: "File",
    },
    "zh-hans": {
      launcher: "在线咨询", title: "在线客服", minimize: "最小化", end: "结束对话",
      language: "语言", category: "问题类型", uid: "交易所 UID（选填）",
      email: "电子邮箱（选填）", emailRequired: "电子邮箱", message: "您的消息",
      start: "开始对话", send: "发送", attach: "添加附件", remove: "移除 {name}", you: "我",
      agent: "客服", system: "系统", sending: "发送中…", sent: "已发送", read: "已读",
      failed: "未发送：{reason}", typing: "{name} 正在输入…",
      queue: "您在队列中排第 {n} 位。", queueNext: "下一位就是您。",
      wait: "预计等待约 {m} 分钟。", waitShort: "预计等待不到一分钟。",
      noAgent: "目前没有使用您的语言的客服在线。", longWait: "目前等待时间比平时长。",
      offerLeave: "您可以留言，我们会通过电子邮件回复。", leave: "留言",
      leaveSend: "提交留言", back: "返回",
      leftDone: "谢谢。您的留言工单号为 {ticket}，我们会回复至 {email}。",
      joined: "{name} 已加入对话。", transferred: "您的对话已转接给 {name}。",
      transferredTeam: "您的对话已转接给其他团队。", ended: "对话已结束。",
      transcript: "对话记录已发送至 {email}。", newChat: "开始新的对话",
      connecting: "正在连接…", offline: "连接已断开。恢复后将自动发送您的消息。",
      uploading: "正在上传 {name}…", uploadFailed: "上传失败：{reason}",
      rateLimited: "消息过多：请等待 {s} 秒。", error: "出现错误（{code}）。",
      pasted: "粘贴的图片", badEmail: "请输入有效的电子邮箱。", empty: "请输入消息。",
      unread: "{n} 条新消息", file: "文件",
    },
    ja: {
      launcher: "チャットで問い合わせ", title: "サポートチャット", minimize: "最小化",
      end: "チャットを終了", language: "言語", category: "お問い合わせの種類",
      uid: "取引所 UID（任意）", email: "メールアドレス（任意）",
      emailRequired: "メールアドレス", message: "メッセージ", start: "チャットを開始",
      send: "送信", attach: "ファイルを添付", remove: "{name} を削除", you: "あなた",
      agent: "担当者", system: "システム", sending: "送信中…", sent: "送信済み",
      read: "既読", failed: "未送信：{reason}", typing: "{name} が入力中…",
      queue: "順番待ち：{n} 番目です。", queueNext: "次があなたの番です。",
      wait: "待ち時間の目安：約 {m} 分。", waitShort: "待ち時間の目安：1 分未満。",
      noAgent: "現在、ご利用の言語に対応できる担当者がオンラインではありません。",
      longWait: "現在、通常より待ち時間が長くなっています。",
      offerLeave: "メッセージを残していただければ、メールでお返事します。",
      leave: "メッセージを残す", leaveSend: "メッセージを送信", back: "戻る",
      leftDone: "ありがとうございます。チケット番号は {ticket} です。{email} にお返事します。",
      joined: "{name} がチャットに参加しました。", transferred: "{name} に引き継がれました。",
      transferredTeam: "別のチームに引き継がれました。", ended: "チャットは終了しました。",
      transcript: "チャットの記録を {email} に送信しました。", newChat: "新しいチャットを開始",
      connecting: "接続中…", offline: "接続が切れました。回復するとメッセージを送信します。",
      uploading: "{name} をアップロード中…", uploadFailed: "アップロードに失敗しました：{reason}",
      rateLimited: "メッセージが多すぎます：{s} 秒お待ちください。",
      error: "エラーが発生しました（{code}）。", pasted: "貼り付けた画像",
      badEmail: "有効なメールアドレスを入力してください。", empty: "メッセージを入力してください。",
      unread: "新着メッセージ {n} 件", file: "ファイル",
    },
  };
  var LANGUAGE_NAMES = {
    en: "English", "zh-hans": "简体中文", "zh-hant": "繁體中文", ja: "日本語", ko: "한국어",
    ru: "Русский", es: "Español", vi: "Tiếng Việt", tr: "Türkçe",
  };

  function normalizeLanguage(tag) {
    var t = String(tag || "").toLowerCase().replace(/_/g, "-");
    if (t === "jp" || t.indexOf("ja") === 0) return "ja";
    if (t.indexOf("zh") === 0) {
      return /hant|-tw|-hk|-mo/.test(t) ? "zh-hant" : "zh-hans";
    }
    return t.split("-")[0];
  }

  function uiLocale(language) {
    var l = normalizeLanguage(language);
    if (STRINGS[l]) return l;
    return l === "zh-hant" ? "zh-hans" : "en";
  }

  function browserLanguages() {
    var list = global.navigator.languages || [global.navigator.language || "en"];
    return Array.prototype.map.call(list, normalizeLanguage);
  }

  // Storage ------------------------------------------------------------------------------

  var STORE_KEY = "vigil.chat:" + KEY;

  function load() {
    try {
      var raw = global.localStorage.getItem(STORE_KEY);
      var data = raw ? JSON.parse(raw) : null;
      if (data && typeof data === "object") return data;
    } catch (err) {
      /* storage disabled or corrupt: start afresh */
    }
    return {};
  }

  function uuid() {
    if (global.crypto && global.crypto.randomUUID) return global.crypto.randomUUID();
    var b = new Uint8Array(16);
    global.crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); });
    return [h.slice(0, 4), h.slice(4, 6), h.slice(6, 8), h.slice(8, 10), h.slice(10)]
      .map(function (p) { return p.join(""); }).join("-");
  }

  function validSeq(v) {
    return typeof v === "number" && Number.isInteger(v) && v >= 0;
  }

  // DOM helpers -------------------------------------------------------------------------

  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    var a = attrs || {};
    Object.keys(a).forEach(function (name) {
      var v = a[name];
      if (v === null || v === undefined || v === false) return;
      if (name === "text") el.textContent = v;
      else if (name.slice(0, 2) === "on") el.addEventListener(name.slice(2), v);
      else el.setAttribute(name, v === true ? "" : v);
    });
    (children || []).forEach(function (c) {
      if (c) el.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return el;
  }

  var ICONS = {
    chat: "M21 12a8 8 0 0 1-11.6 7.1L4 20l1.1-4.6A8 8 0 1 1 21 12z",
    clip: "M21 11.5l-8.5 8.5a5 5 0 0 1-7-7L14 4.5a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4L15.5 7.6",
    file: "M14 3H6v18h12V7zM14 3v4h4",
  };

  function icon(name) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    svg.appendChild(path);
    return svg;
  }

  var CSS = [
    ":host{all:initial!important;display:block!important;position:fixed!important;",
    "right:0!important;bottom:0!important;width:0!important;height:0!important;",
    "z-index:2147483647!important;visibility:visible!important;opacity:1!important}",
    ".root{all:initial;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,",
    "'Noto Sans','Noto Sans CJK SC','Noto Sans CJK JP','PingFang SC','Hiragino Sans',",
    "'Microsoft YaHei',sans-serif;color:#1c2330;--accent:#1f5fd1;--muted:#5d6776}",
    ":where(.root *),:where(.root *)::before,:where(.root *)::after{box-sizing:border-box;",
    "font:inherit;color:inherit;letter-spacing:normal;text-transform:none}",
    "svg{width:20px;height:20px;fill:none;stroke:currentColor;stroke-width:2;",
    "stroke-linecap:round;stroke-linejoin:round;flex:none}",
    "[hidden]{display:none!important}",
    ".launcher{position:fixed;right:20px;bottom:20px;display:flex;align-items:center;gap:8px;",
    "min-height:52px;padding:0 20px;border:0;border-radius:26px;background:var(--accent);",
    "color:#fff;font-weight:600;cursor:pointer;box-shadow:0 4px 16px rgba(0,0,0,.25)}",
    ".launcher:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,",
    "textarea:focus-visible,a:focus-visible{outline:3px solid #f5a623;outline-offset:2px}",
    ".badge{min-width:20px;height:20px;padding:0 6px;border-radius:10px;background:#d93025;",
    "font-size:12px;line-height:20px;text-align:center}",
    ".panel{position:fixed;right:20px;bottom:84px;width:370px;height:600px;",
    "max-height:calc(100vh - 104px);display:flex;flex-direction:column;background:#fff;",
    "border-radius:12px;overflow:hidden;box-shadow:0 8px 32px rgba(0,0,0,.3)}",
    "@media (max-width:480px){.panel{inset:0;width:100%;height:100%;max-height:none;",
    "border-radius:0}.root.open .launcher{display:none}}",
    ".phone .panel{inset:0;width:100%;height:100%;max-height:none;border-radius:0}",
    ".phone.open .launcher{display:none}",
    // 16 px fields: phones zoom the page into a smaller one when it gets the focus.
    ".phone input,.phone select,.phone textarea{font-size:16px}",
    "header{display:flex;align-items:center;gap:8px;padding:12px 14px;background:var(--accent);",
    "color:#fff}header h2{flex:1;margin:0;font-size:16px;font-weight:600}",
    "header button{border:1px solid rgba(255,255,255,.6);background:transparent;color:#fff;",
    "border-radius:6px;padding:4px 8px;cursor:pointer;font-size:13px}",
    ".status{padding:6px 14px;background:#fff4d6;color:#5b4300;font-size:13px}",
    ".view{flex:1;display:flex;flex-direction:column;min-height:0}",
    "form.pre,form.leave,.done{padding:14px;overflow:auto;display:flex;flex-direction:column;gap:10px}",
    "label{display:flex;flex-direction:column;gap:4px;font-size:13px;color:var(--muted)}",
    "input,select,textarea{width:100%;padding:8px 10px;border:1px solid #b8c0cc;border-radius:8px;",
    "background:#fff;color:#1c2330;font-size:14px}textarea{resize:vertical;min-height:64px}",
    ".primary{padding:10px 14px;border:0;border-radius:8px;background:var(--accent);color:#fff;",
    "font-weight:600;cursor:pointer}.primary:disabled{opacity:.6;cursor:default}",
    ".link{align-self:flex-start;padding:6px 0;border:0;background:none;color:var(--accent);",
    "text-decoration:underline;cursor:pointer}",
    ".notice{padding:10px 12px;border-radius:8px;background:#eef3fc;font-size:13px;",
    "display:flex;flex-direction:column;gap:4px}.notice.warn{background:#fdeee0}",
    ".notice p{margin:0}.err{margin:0;color:#b3261e;font-size:13px}",
    ".queue{margin:10px 12px 0}",
    "ol.log{flex:1;margin:0;padding:12px;list-style:none;overflow-y:auto;display:flex;",
    "flex-direction:column;gap:10px;background:#f6f7f9}",
    ".msg{max-width:85%;display:flex;flex-direction:column;gap:3px}",
    ".msg .who{font-size:12px;color:var(--muted)}",
    ".msg .body{padding:8px 11px;border-radius:12px;background:#fff;border:1px solid #e1e5ea;",
    "white-space:pre-wrap;overflow-wrap:anywhere}",
    ".msg.customer{align-self:flex-end;align-items:flex-end}",
    ".msg.customer .body{background:var(--accent);border-color:var(--accent);color:#fff}",
    ".msg.system{align-self:center;max-width:100%;color:var(--muted);font-size:13px;text-align:center}",
    ".msg .meta{font-size:11px;color:var(--muted)}.msg.failed .meta{color:#b3261e}",
    ".files{display:flex;flex-wrap:wrap;gap:6px;margin:0;padding:0;list-style:none}",
    ".fname{display:flex;align-items:center;gap:4px}.files img{display:block;max-width:200px;max-height:160px;border-radius:8px;",
    "border:1px solid #e1e5ea}.files a{color:inherit}",
    ".typing{min-height:20px;padding:0 14px;font-size:12px;color:var(--muted);background:#f6f7f9}",
    ".composer{display:flex;flex-direction:column;gap:6px;padding:10px;border-top:1px solid #e1e5ea}",
    ".row{display:flex;gap:6px;align-items:flex-end}.row textarea{flex:1;min-height:42px;",
    "max-height:140px}.icon{flex:none;width:42px;height:42px;display:flex;align-items:center;",
    "justify-content:center;border:1px solid #b8c0cc;border-radius:8px;background:#fff;",
    "cursor:pointer;font-size:18px;color:#1c2330}",
    ".chips{display:flex;flex-wrap:wrap;gap:6px;margin:0;padding:0;list-style:none}",
    ".chip{display:flex;align-items:center;gap:6px;padding:3px 6px;border:1px solid #b8c0cc;",
    "border-radius:8px;font-size:12px}.chip img{width:36px;height:36px;object-fit:cover;",
    "border-radius:4px}.chip button{border:0;background:none;cursor:pointer;font-size:14px}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
  ].join("");

  // Widget -------------------------------------------------------------------------------

  function Widget() {
    var saved = load();
    this.token = typeof saved.token === "string" ? saved.token : null;
    this.outbox = Array.isArray(saved.outbox) ? saved.outbox : [];
    this.email = typeof saved.email === "string" ? saved.email : "";
    this.lastSeq = null; // what this page has rendered; a reload re-reads the transcript
    this.language = saved.language || null;
    this.locale = uiLocale(script.getAttribute("data-locale") || this.language ||
      browserLanguages()[0] || "en");
    this.config = null;
    this.session = null;
    this.queue = null;
    this.agentRead = 0;
    this.readSent = 0;
    this.unread = 0;
    this.pending = []; // uploads attached to the next message
    this.open = false;
    this.ws = null;
    this.state = "offline";
    this.attempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.lastHeard = 0;
    this.typingOn = false;
    this.typingSentAt = 0;
    this.typingTimer = null;
    this.agentTypingTimer = null;
    this.flushTimer = null;
    this.conn = 0; // which connection this is; sentOn[client id] = the one it was sent on
    this.sentOn = {};
    this.texts = [];
    this.byId = {};
    this.byClient = {};
    this.build();
    this.built = true;
    if (this.token || this.outbox.length) this.connect();
    // A reload reopens what was open (the conversation goes on where it was).
    if (script.getAttribute("data-open") === "1" || (saved.open && this.token)) {
      this.toggle(true, true); // without taking the focus from the page
    }
  }

  var W = Widget.prototype;

  W.t = function (key, vars) {
    if (key === "title" && this.config && this.config.title) return String(this.config.title);
    var s = (STRINGS[this.locale] || STRINGS.en)[key] || STRINGS.en[key] || key;
    return s.replace(/\{(\w+)\}/g, function (_, k) {
      return vars && vars[k] !== undefined ? String(vars[k]) : "";
    });
  };

  /* Register an element whose text (or attribute) is a translated string. */
  W.tr = function (el, key, attr) {
    this.texts.push([el, key, attr]);
    this.applyText(el, key, attr);
    return el;
  };

  W.applyText = function (el, key, attr) {
    if (attr) el.setAttribute(attr, this.t(key));
    else el.textContent = this.t(key);
  };

  W.setLocale = function (locale) {
    var self = this;
    this.locale = uiLocale(locale);
    this.root.setAttribute("lang", this.locale);
    this.texts.forEach(function (x) { self.applyText(x[0], x[1], x[2]); });
    this.renderQueue();
    this.renderStatus();
  };

  W.save = function () {
    try {
      global.localStorage.setItem(STORE_KEY, JSON.stringify({
        token: this.token, outbox: this.outbox, email: this.email, language: this.language,
        open: this.open,
      }));
    } catch (err) {
      /* storage full or disabled: memory only */
    }
  };

  // Building the DOM --------------------------------------------------------------------

  W.build = function () {
    var self = this;
    var host = document.createElement("div");
    host.setAttribute("data-vigil-chat", KEY);
    // Inline !important beats any host stylesheet for the host element itself.
    host.style.cssText = "all:initial!important;display:block!important;position:fixed!important;" +
      "right:0!important;bottom:0!important;width:0!important;height:0!important;" +
      "margin:0!important;padding:0!important;border:0!important;transform:none!important;" +
      "filter:none!important;z-index:2147483647!important;visibility:visible!important;" +
      "opacity:1!important;contain:none!important;pointer-events:auto!important;" +
      "overflow:visible!important;inset:auto 0 0 auto!important;background:none!important";
    var shadow = host.attachShadow({mode: "closed"});
    shadow.appendChild(h("style", {text: CSS}));
    var root = h("div", {class: "root", lang: this.locale});
    shadow.appendChild(root);
    this.root = root;
    // A phone by its screen, even when a host page wider than the screen widens the viewport.
    var phone = function () {
      root.classList.toggle("phone", Math.min(global.screen.width || 1e4, global.innerWidth) <= 480);
    };
    phone();
    global.addEventListener("resize", phone);

    this.badge = h("span", {class: "badge", hidden: true, "aria-hidden": "true"});
    this.launcherText = this.tr(h("span"), "launcher");
    this.launcher = h("button", {
      type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "vc-panel",
      onclick: function () { self.toggle(!self.open); },
    }, [icon("chat"), this.launcherText, this.badge]);
    root.appendChild(this.launcher);

    this.titleEl = this.tr(h("h2", {id: "vc-title"}), "title");
    this.endBtn = this.tr(h("button", {type: "button", hidden: true,
      onclick: function () { self.endChat(); }}), "end");
    var minBtn = h("button", {type: "button", onclick: function () { self.toggle(false); }},
      [h("span", {"aria-hidden": "true", text: "\u2013"})]);
    this.tr(minBtn, "minimize", "aria-label");
    this.statusEl = h("div", {class: "status", role: "status", hidden: true});
    this.panel = h("section", {
      id: "vc-panel", class: "panel", role: "dialog", "aria-labelledby": "vc-title", hidden: true,
      onkeydown: function (e) { if (e.key === "Escape") self.toggle(false); },
    }, [h("header", {}, [this.titleEl, this.endBtn, minBtn]), this.statusEl,
      this.buildForm(), this.buildChat(), this.buildLeave(), this.buildDone()]);
    root.appendChild(this.panel);
    this.showView("form");

    // A child of <html>, not of <body>: a host rule hiding the body does not hide the chat.
    document.documentElement.appendChild(host);
    // In the top layer (a manual popover) a transform, filter or opacity the host page puts
    // on <html> or <body> no longer applies to it, and no z-index of the page covers it.
    if (typeof host.showPopover === "function") {
      host.setAttribute("popover", "manual");
      try {
        host.showPopover();
      } catch (err) {
        /* not connected or not supported: an ordinary fixed element */
      }
    }
    global.addEventListener("online", function () { self.wake(); });
    document.addEventListener("visibilitychange", function () {
      self.wake();
      self.markRead();
    });
  };

  function field(self, key, control) {
    return h("label", {}, [self.tr(h("span"), key), control]);
  }

  W.buildForm = function () {
    var self = this;
    this.fLanguage = h("select", {name: "language", onchange: function () {
      self.setLocale(self.fLanguage.value);
      self.renderOnline();
    }});
    this.fCategory = h("select", {name: "category"});
    this.fUid = h("input", {name: "uid", autocomplete: "off", maxlength: "64"});
    this.fEmail = h("input", {name: "email", type: "email", autocomplete: "email", maxlength: "254"});
    this.fText = h("textarea", {name: "message", rows: "3", required: true});
    this.fError = h("p", {class: "err", role: "alert", hidden: true});
    this.fOffline = h("div", {class: "notice warn", hidden: true}, [
      this.tr(h("p"), "noAgent"), this.tr(h("p"), "offerLeave"),
      this.tr(h("button", {type: "button", class: "link",
        onclick: function () { self.showLeave(); }}), "leave"),
    ]);
    this.fSubmit = this.tr(h("button", {type: "submit", class: "primary"}), "start");
    this.form = h("form", {class: "pre", novalidate: true, onsubmit: function (e) {
      e.preventDefault();
      self.startChat();
    }}, [field(this, "language", this.fLanguage), field(this, "category", this.fCategory),
      field(this, "uid", this.fUid), field(this, "email", this.fEmail), this.fOffline,
      field(this, "message", this.fText), this.fError, this.fSubmit]);
    this.fEmail.value = this.email;
    return h("div", {class: "view", "data-view": "form"}, [this.form]);
  };

  W.buildChat = function () {
    var self = this;
    this.queueEl = h("div", {class: "notice queue", role: "status", hidden: true});
    this.log = h("ol", {class: "log", role: "log", "aria-live": "polite",
      "aria-relevant": "additions"});
    this.tr(this.log, "title", "aria-label");
    this.typingEl = h("div", {class: "typing", "aria-live": "polite"});
    this.fileInput = h("input", {type: "file", class: "sr", multiple: true, tabindex: "-1",
      "aria-hidden": "true", onchange: function () {
        Array.prototype.forEach.call(self.fileInput.files, function (f) { self.upload(f); });
        self.fileInput.value = "";
      }});
    var attach = h("button", {type: "button", class: "icon",
      onclick: function () { self.fileInput.click(); }},
      [icon("clip")]);
    this.tr(attach, "attach", "aria-label");
    this.tr(attach, "attach", "title");
    this.attachBtn = attach;
    this.cText = h("textarea", {name: "text", rows: "1",
      oninput: function () { self.typed(); },
      onpaste: function (e) { self.pasted(e); },
      onkeydown: function (e) {
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
          e.preventDefault();
          self.sendMessage();
        }
      }});
    this.tr(this.cText, "message", "aria-label");
    this.tr(this.cText, "message", "placeholder");
    this.chips = h("ul", {class: "chips"});
    this.cError = h("p", {class: "err", role: "alert", hidden: true});
    var send = this.tr(h("button", {type: "submit", class: "primary"}), "send");
    this.composer = h("form", {class: "composer", novalidate: true, onsubmit: function (e) {
      e.preventDefault();
      self.sendMessage();
    }}, [this.chips, this.cError, h("div", {class: "row"}, [attach, this.cText, send]),
      this.fileInput]);
    this.newChatBtn = h("div", {class: "done", hidden: true}, [this.tr(h("button", {
      type: "button", class: "primary", onclick: function () { self.reset(); }}), "newChat")]);
    return h("div", {class: "view", "data-view": "chat"}, [this.queueEl, this.log,
      this.typingEl, this.composer, this.newChatBtn]);
  };

  W.buildLeave = function () {
    var self = this;
    this.lEmail = h("input", {name: "email", type: "email", autocomplete: "email",
      required: true, maxlength: "254"});
    this.lText = h("textarea", {name: "message", rows: "5", required: true});
    this.lError = h("p", {class: "err", role: "alert", hidden: true});
    this.leaveForm = h("form", {class: "leave", novalidate: true, onsubmit: function (e) {
      e.preventDefault();
      self.leaveMessage();
    }}, [this.tr(h("p", {class: "notice"}), "offerLeave"),
      field(this, "emailRequired", this.lEmail), field(this, "message", this.lText),
      this.lError, this.tr(h("button", {type: "submit", class: "primary"}), "leaveSend"),
      this.tr(h("button", {type: "button", class: "link", onclick: function () {
        self.showView(self.session ? "chat" : "form");
      }}), "back")]);
    return h("div", {class: "view", "data-view": "leave"}, [this.leaveForm]);
  };

  W.buildDone = function () {
    var self = this;
    this.doneText = h("p", {role: "status"});
    return h("div", {class: "view", "data-view": "done"}, [h("div", {class: "done"}, [
      this.doneText, this.tr(h("button", {type: "button", class: "primary",
        onclick: function () { self.reset(); }}), "newChat")])]);
  };

  W.showView = function (name) {
    this.view = name;
    Array.prototype.forEach.call(this.panel.querySelectorAll("[data-view]"), function (v) {
      v.hidden = v.getAttribute("data-view") !== name;
    });
    var active = this.session && (this.session.state === "waiting" ||
      this.session.state === "offered" || this.session.state === "active");
    this.endBtn.hidden = !(name === "chat" && active);
    if (this.open && this.userOpened) this.focusView();
  };

  W.focusView = function () {
    var target = {form: this.fText, chat: this.cText, leave: this.lEmail.value ? this.lText :
      this.lEmail, done: this.doneText}[this.view];
    if (target && !target.hidden && !target.disabled) {
      if (this.view === "form" && this.fLanguage.options.length === 0) target = this.fLanguage;
      target.focus();
    }
  };

  W.toggle = function (open, quiet) {
    this.open = open;
    this.panel.hidden = !open;
    this.root.classList.toggle("open", open);
    this.launcher.setAttribute("aria-expanded", String(open));
    if (!quiet) this.save();
    if (open) {
      this.unread = 0;
      this.renderBadge();
      if (!this.ws && this.state === "offline") this.connect();
      if (!quiet) {
        this.userOpened = true;
        this.focusView();
      }
      this.markRead();
    } else if (this.built) {
      this.launcher.focus();
    }
  };

  // Pre-chat form and config ---------------------------------------------------------------

  W.applyConfig = function (config) {
    var self = this;
    this.config = config || {};
    var languages = this.config.languages && this.config.languages.length ?
      this.config.languages : ["en"];
    var preferred = this.language;
    if (!preferred || languages.indexOf(preferred) === -1) {
      preferred = browserLanguages().filter(function (l) {
        return languages.indexOf(l) !== -1;
      })[0] || (languages.indexOf("en") !== -1 ? "en" : languages[0]);
    }
    this.fLanguage.textContent = "";
    languages.forEach(function (l) {
      self.fLanguage.appendChild(h("option", {value: l, text: LANGUAGE_NAMES[l] || l}));
    });
    this.fLanguage.value = preferred;
    var current = this.fCategory.value;
    this.fCategory.textContent = "";
    (this.config.categories || []).forEach(function (c) {
      self.fCategory.appendChild(h("option", {value: c[0], text: c[1]}));
    });
    if (current) this.fCategory.value = current;
    if (this.config.max_text) {
      this.fText.setAttribute("maxlength", this.config.max_text);
      this.cText.setAttribute("maxlength", this.config.max_text);
      this.lText.setAttribute("maxlength", this.config.max_text);
    }
    if (!script.getAttribute("data-locale") && !this.session) this.setLocale(preferred);
    else this.setLocale(this.locale); // the widget's own title
    this.renderOnline();
  };

  W.renderOnline = function () {
    var online = this.config && this.config.online;
    this.fOffline.hidden = !online || online[this.fLanguage.value] !== false;
  };

  function validEmail(v) {
    return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v);
  }

  W.startChat = function () {
    var text = this.fText.value.trim();
    var email = this.fEmail.value.trim();
    if (!text) return this.formError(this.fError, "empty", this.fText);
    if (email && !validEmail(email)) return this.formError(this.fError, "badEmail", this.fEmail);
    this.fError.hidden = true;
    this.language = this.fLanguage.value || "en";
    this.email = email;
    var frame = {type: "start", client_id: uuid(), language: this.language,
      category: this.fCategory.value || "", text: text};
    if (email) frame.email = email;
    if (this.fUid.value.trim()) frame.uid = this.fUid.value.trim();
    this.session = {state: "waiting", language: this.language, category: frame.category};
    this.queue = null;
    this.enqueue(frame, text, []);
    this.fText.value = "";
    this.fSubmit.disabled = true;
    this.showView("chat");
  };

  W.formError = function (el, key, focus) {
    el.textContent = this.t(key);
    el.hidden = false;
    if (focus) focus.focus();
  };

  W.showLeave = function () {
    this.lEmail.value = this.lEmail.value || this.fEmail.value || this.email;
    if (!this.lText.value) this.lText.value = this.view === "form" ? this.fText.value : "";
    this.showView("leave");
  };

  W.leaveMessage = function () {
    var email = this.lEmail.value.trim();
    var text = this.lText.value.trim();
    if (!validEmail(email)) return this.formError(this.lError, "badEmail", this.lEmail);
    if (!text) return this.formError(this.lError, "empty", this.lText);
    this.lError.hidden = true;
    this.email = email;
    var frame = {type: "leave_message", client_id: uuid(), email: email, text: text};
    if (!this.token) {
      // No chat yet: say what the start form knows so the ticket is routed and answered right.
      frame.language = this.language = this.fLanguage.value || "en";
      frame.category = this.fCategory.value || "";
      if (this.fUid.value.trim()) frame.uid = this.fUid.value.trim();
    }
    this.outbox.push({client_id: frame.client_id, frame: frame, text: text, files: []});
    this.save();
    this.flush();
    this.lText.value = "";
    this.leaveForm.querySelector("button[type=submit]").disabled = true;
  };

  W.endChat = function () {
    this.stopTyping();
    this.send({type: "end"});
  };

  /* Forget the session (after it ended) and show a fresh form. */
  W.reset = function () {
    this.token = null;
    this.session = null;
    this.queue = null;
    this.outbox = [];
    this.lastSeq = null;
    this.agentRead = 0;
    this.readSent = 0;
    this.byId = {};
    this.byClient = {};
    this.log.textContent = "";
    this.clearPending();
    this.save();
    this.fSubmit.disabled = false;
    this.leaveForm.querySelector("button[type=submit]").disabled = false;
    this.composer.hidden = false;
    this.newChatBtn.hidden = true;
    this.renderQueue();
    this.drop(1000);
    this.state = "offline";
    this.connect();
    this.showView("form");
  };

  // Composer -------------------------------------------------------------------------------

  W.sendMessage = function () {
    var text = this.cText.value.trim();
    var ready = this.pending.filter(function (p) { return p.id; });
    if (!text && !ready.length) return;
    if (this.pending.length !== ready.length) return; // an upload is still running
    var frame = {type: "message", client_id: uuid(), text: text};
    if (ready.length) frame.attachments = ready.map(function (p) { return p.id; });
    this.stopTyping();
    this.enqueue(frame, text, ready.map(function (p) {
      return {filename: p.filename, content_type: p.content_type, size: p.size, preview: p.preview};
    }));
    this.cText.value = "";
    this.pending = [];
    this.chips.textContent = "";
    this.cError.hidden = true;
  };

  W.enqueue = function (frame, text, files) {
    var item = {client_id: frame.client_id, frame: frame, text: text,
      files: files.map(function (f) {
        return {filename: f.filename, content_type: f.content_type, size: f.size};
      })};
    this.outbox.push(item);
    this.save();
    this.renderPending(item, files);
    this.flush();
  };

  W.typed = function () {
    var self = this;
    if (!this.token) return;
    var now = Date.now();
    if (!this.typingOn || now - this.typingSentAt > 4000) {
      this.typingOn = true;
      this.typingSentAt = now;
      this.send({type: "typing", on: true});
    }
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(function () { self.stopTyping(); }, 2500);
  };

  W.stopTyping = function () {
    clearTimeout(this.typingTimer);
    if (this.typingOn) {
      this.typingOn = false;
      this.send({type: "typing", on: false});
    }
  };

  W.pasted = function (e) {
    var self = this;
    var items = (e.clipboardData && e.clipboardData.items) || [];
    var files = [];
    Array.prototype.forEach.call(items, function (it) {
      if (it.kind === "file") {
        var f = it.getAsFile();
        if (f) files.push(f);
      }
    });
    if (!files.length) return;
    e.preventDefault();
    files.forEach(function (f, i) {
      var name = f.name && f.name !== "image.png" ? f.name :
        self.t("pasted") + (i ? "-" + (i + 1) : "") + "." + ((f.type.split("/")[1] || "png"));
      self.upload(new File([f], name, {type: f.type}));
    });
  };

  W.upload = function (file) {
    var self = this;
    var max = (this.config && this.config.max_upload) || 10485760;
    var types = this.config && this.config.upload_types;
    var item = {filename: file.name, content_type: file.type, size: file.size, id: null,
      preview: /^image\//.test(file.type) && global.URL.createObjectURL ?
        global.URL.createObjectURL(file) : null};
    if (!this.token) return;
    if (file.size > max || (types && types.length && types.indexOf(file.type) === -1)) {
      this.cError.textContent = this.t("uploadFailed", {reason: file.name});
      this.cError.hidden = false;
      return;
    }
    this.pending.push(item);
    var chip = this.renderChip(item);
    var body = new FormData();
    body.append("file", file, file.name);
    global.fetch(ORIGIN + "/chat/" + encodeURIComponent(KEY) + "/uploads", {
      method: "POST", headers: {"X-Chat-Token": this.token}, body: body, credentials: "omit",
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok || !data.id) throw new Error(data.message || String(r.status));
        return data;
      });
    }).then(function (data) {
      item.id = data.id;
      item.filename = data.filename || item.filename;
      item.content_type = data.content_type || item.content_type;
      item.size = data.size || item.size;
      chip.removeAttribute("aria-busy");
      chip.querySelector(".name").textContent = item.filename;
    }).catch(function (err) {
      self.removeUpload(item, chip);
      self.cError.textContent = self.t("uploadFailed", {reason: err.message});
      self.cError.hidden = false;
    });
  };

  W.renderChip = function (item) {
    var self = this;
    var chip = h("li", {class: "chip", "aria-busy": "true"}, [
      item.preview ? h("img", {src: item.preview, alt: ""}) : null,
      h("span", {class: "name", text: this.t("uploading", {name: item.filename})}),
    ]);
    var rm = h("button", {type: "button", text: "\u00D7",
      "aria-label": this.t("remove", {name: item.filename}),
      onclick: function () { self.removeUpload(item, chip); self.cText.focus(); }});
    chip.appendChild(rm);
    this.chips.appendChild(chip);
    return chip;
  };

  W.removeUpload = function (item, chip) {
    this.pending = this.pending.filter(function (p) { return p !== item; });
    if (chip.parentNode) chip.parentNode.removeChild(chip);
  };

  W.clearPending = function () {
    this.pending = [];
    this.chips.textContent = "";
  };

  // Messages -------------------------------------------------------------------------------

  W.fileUrl = function (url) {
    var u = new URL(url, ORIGIN);
    if (this.token && !u.searchParams.has("t")) u.searchParams.set("t", this.token);
    return u.href;
  };

  W.renderFiles = function (files) {
    var self = this;
    if (!files || !files.length) return null;
    return h("ul", {class: "files"}, files.map(function (f) {
      var image = /^image\//.test(f.content_type || "");
      var src = f.url ? self.fileUrl(f.url) : f.preview;
      var inner = image && src ? h("img", {src: src, alt: f.filename, loading: "lazy"}) :
        h("span", {class: "fname"}, [icon("file"), f.filename || self.t("file")]);
      return h("li", {}, [src && f.url ? h("a", {href: src, target: "_blank",
        rel: "noopener noreferrer", title: f.filename}, [inner]) : inner]);
    }));
  };

  W.bubble = function (author, who, text, files) {
    return h("li", {class: "msg " + author}, [
      author === "system" ? null : h("span", {class: "who", text: who}),
      h("div", {class: author === "system" ? "" : "body", text: text || ""}, []),
      this.renderFiles(files),
      author === "customer" ? h("span", {class: "meta"}) : null,
    ]);
  };

  W.renderPending = function (item, files) {
    if (item.frame.type !== "start" && item.frame.type !== "message") return;
    if (this.byClient[item.client_id]) return;
    var el = this.bubble("customer", this.t("you"), item.text, files || item.files);
    el.setAttribute("data-client-id", item.client_id);
    el.querySelector(".meta").textContent = this.t("sending");
    this.byClient[item.client_id] = el;
    this.log.appendChild(el);
    this.scroll();
  };

  W.system = function (text) {
    this.log.appendChild(this.bubble("system", "", text, null));
    this.scroll();
  };

  W.scroll = function () {
    this.log.scrollTop = this.log.scrollHeight;
  };

  W.addMessage = function (p) {
    var prev = (p.id && this.byId[p.id]) || (p.client_id && this.byClient[p.client_id]);
    if (prev && prev.hasAttribute("data-final")) return; // shown already
    var who = p.author === "customer" ? this.t("you") :
      p.author === "agent" ? (p.agent_name || this.t("agent")) : this.t("system");
    var el = this.bubble(p.author === "customer" || p.author === "agent" ? p.author : "system",
      who, p.text, p.attachments);
    el.setAttribute("data-id", p.id);
    el.setAttribute("data-final", "");
    this.byId[p.id] = el;
    if (prev && prev.parentNode === this.log) {
      this.log.replaceChild(el, prev);
    } else {
      this.log.appendChild(el);
      this.scroll();
    }
    if (p.client_id) this.byClient[p.client_id] = el;
    if (p.author === "customer") {
      this.dropOutbox(p.client_id);
      this.renderRead();
    } else if (!this.syncing && (!this.open || document.visibilityState === "hidden")) {
      this.unread += 1;
      this.renderBadge();
    }
    if (p.author === "agent") this.agentTyping(false);
  };

  W.renderRead = function () {
    var self = this;
    Object.keys(this.byId).forEach(function (id) {
      var meta = self.byId[id].querySelector(".meta");
      if (meta) meta.textContent = self.t(Number(id) <= self.agentRead ? "read" : "sent");
    });
  };

  W.renderBadge = function () {
    this.badge.hidden = this.unread === 0;
    this.badge.textContent = String(this.unread);
    this.launcher.setAttribute("aria-label", this.unread ?
      this.t("launcher") + " (" + this.t("unread", {n: this.unread}) + ")" : this.t("launcher"));
  };

  W.agentTyping = function (on, name) {
    var self = this;
    clearTimeout(this.agentTypingTimer);
    this.typingEl.textContent = on ? this.t("typing", {name: name || this.t("agent")}) : "";
    if (on) this.agentTypingTimer = setTimeout(function () { self.agentTyping(false); }, 8000);
  };

  W.markRead = function () {
    var self = this;
    clearTimeout(this.readTimer);
    this.readTimer = setTimeout(function () {
      if (!self.open || document.visibilityState !== "visible" || !self.token) return;
      if (!validSeq(self.lastSeq) || self.lastSeq <= self.readSent) return;
      if (self.send({type: "read", seq: self.lastSeq})) self.readSent = self.lastSeq;
    }, 300);
  };

  W.renderQueue = function () {
    var q = this.queue;
    var waiting = this.session && (this.session.state === "waiting" ||
      this.session.state === "offered");
    if (!q || !waiting) {
      this.queueEl.hidden = true;
      return;
    }
    var self = this;
    var lines = [q.position <= 1 ? this.t("queueNext") : this.t("queue", {n: q.position})];
    if (typeof q.expected_wait_s === "number") {
      lines.push(q.expected_wait_s < 60 ? this.t("waitShort") :
        this.t("wait", {m: Math.round(q.expected_wait_s / 60)}));
    }
    var offline = q.agents_online === 0;
    if (offline) lines.push(this.t("noAgent"));
    else if (q.long_wait) lines.push(this.t("longWait"));
    this.queueEl.textContent = "";
    this.queueEl.className = "notice queue" + (offline || q.long_wait ? " warn" : "");
    lines.forEach(function (l) { self.queueEl.appendChild(h("p", {text: l})); });
    if (offline || q.long_wait) {
      this.queueEl.appendChild(h("p", {text: this.t("offerLeave")}));
      this.queueEl.appendChild(h("button", {type: "button", class: "link", text: this.t("leave"),
        onclick: function () { self.showLeave(); }}));
    }
    this.queueEl.setAttribute("data-position", String(q.position));
    this.queueEl.hidden = false;
  };

  W.renderStatus = function () {
    var key = this.state === "offline" && (this.token || this.outbox.length) ? "offline" :
      this.state === "connecting" && this.attempt > 0 ? "connecting" : null;
    this.statusEl.hidden = !key;
    this.statusEl.textContent = key ? this.t(key) : "";
    this.root.setAttribute("data-state", this.state);
  };

  // Session state --------------------------------------------------------------------------

  W.applySession = function (session) {
    this.session = session;
    if (!session) return;
    if (session.language) this.language = session.language;
    if (!script.getAttribute("data-locale")) this.setLocale(this.language);
    if (typeof session.agent_read_message_id === "number") {
      this.agentRead = Math.max(this.agentRead, session.agent_read_message_id);
    }
    if (session.state === "ended") this.ended(null);
    else if (session.state === "left_message") this.showView("done");
    else if (this.view !== "leave") this.showView("chat");
    this.renderQueue();
  };

  W.ended = function (payload) {
    this.agentTyping(false);
    this.stopTyping();
    if (this.session) this.session.state = "ended";
    this.queue = null;
    this.renderQueue();
    if (payload) {
      this.system(this.t("ended"));
      if (payload.transcript_to) this.system(this.t("transcript", {email: payload.transcript_to}));
    }
    this.composer.hidden = true;
    this.newChatBtn.hidden = false;
    this.showView("chat");
  };

  W.event = function (frame) {
    var p = frame.payload || {};
    switch (frame.event) {
      case "message":
        this.addMessage(p);
        break;
      case "agent_joined":
        if (this.session) {
          this.session.state = "active";
          this.session.agent_name = p.agent_name;
        }
        this.queue = null;
        this.renderQueue();
        this.system(this.t("joined", {name: p.agent_name || this.t("agent")}));
        this.showView(this.view === "leave" ? "leave" : "chat");
        break;
      case "transferred":
        this.system(p.agent_name ? this.t("transferred", {name: p.agent_name}) :
          this.t("transferredTeam"));
        break;
      case "ended":
        this.ended(p);
        break;
      case "left_message":
        if (this.session) this.session.state = "left_message";
        this.doneText.textContent = this.t("leftDone", {ticket: p.ticket || "",
          email: p.email || this.email});
        this.dropOutbox(null, "leave_message");
        this.showView("done");
        break;
      default:
        break; // an event a newer server added
    }
  };

  // Transport ------------------------------------------------------------------------------

  W.connect = function () {
    var self = this;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.setState("connecting");
    var ws;
    try {
      ws = new WebSocket(ORIGIN.replace(/^http/, "ws") + "/ws/chat/" +
        encodeURIComponent(KEY) + "/");
    } catch (err) {
      this.retry();
      return;
    }
    this.ws = ws;
    this.conn += 1;
    ws.onopen = function () {
      if (self.ws !== ws) return;
      self.lastHeard = Date.now();
      var since = self.token ? (validSeq(self.lastSeq) ? self.lastSeq : 0) : null;
      self.syncing = [];
      ws.send(JSON.stringify({type: "hello", token: self.token, since: since,
        locale: self.locale}));
      self.heartbeat();
    };
    ws.onmessage = function (m) {
      if (self.ws !== ws) return;
      self.lastHeard = Date.now();
      var frame;
      try {
        frame = JSON.parse(m.data);
      } catch (err) {
        return;
      }
      self.frame(frame);
    };
    ws.onclose = function (e) {
      if (self.ws === ws) self.lost(e.code);
    };
    ws.onerror = function () {}; // a close event follows
  };

  W.setState = function (state) {
    this.state = state;
    this.renderStatus();
  };

  W.lost = function (code) {
    this.drop(null);
    this.setState("offline");
    if (code === 4403 || code === 4401 || this.refused) return;
    this.retry();
  };

  W.drop = function (code) {
    clearInterval(this.pingTimer);
    var ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= 1) {
      try {
        ws.close(code || 1000);
      } catch (err) {
        /* closing already */
      }
    }
  };

  W.retry = function () {
    var self = this;
    if (this.retryTimer !== null) return;
    var ceiling = Math.min(15000, 500 * Math.pow(2, this.attempt));
    var delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt += 1;
    this.retryTimer = setTimeout(function () {
      self.retryTimer = null;
      if (self.ws === null) self.connect();
    }, delay);
  };

  W.wake = function () {
    if (this.ws !== null || this.refused || document.visibilityState === "hidden") return;
    if (!this.token && !this.open && !this.outbox.length) return; // nothing to say yet
    this.attempt = 0;
    this.connect();
  };

  W.heartbeat = function () {
    var self = this;
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(function () {
      if (Date.now() - self.lastHeard > 55000) {
        self.lost(4000); // silent too long: dead even if the socket says open
        return;
      }
      self.send({type: "ping"});
    }, 25000);
  };

  W.send = function (frame) {
    if (!this.ws || this.ws.readyState !== 1 || this.state !== "live") return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  };

  /* Send every unacknowledged frame not yet sent on this connection, in order (after a
     reconnect that is all of them again; a resend has the same client id). */
  W.flush = function () {
    var self = this;
    if (this.state !== "live") return;
    this.outbox.forEach(function (item) {
      var type = item.frame.type;
      if (type === "message" && !self.token) return; // waits for "started"
      if (type === "start" && self.token) return;
      if (self.sentOn[item.client_id] === self.conn) return;
      if (self.send(item.frame)) self.sentOn[item.client_id] = self.conn;
    });
  };

  /* Unacknowledged messages go last, after the transcript the server just sent. */
  W.showOutbox = function () {
    var self = this;
    this.outbox.forEach(function (item) {
      var el = self.byClient[item.client_id];
      if (!el) self.renderPending(item);
      else if (!el.hasAttribute("data-final")) self.log.appendChild(el);
    });
    this.scroll();
  };

  W.dropOutbox = function (clientId, type) {
    var before = this.outbox.length;
    this.outbox = this.outbox.filter(function (i) {
      return clientId ? i.client_id !== clientId : i.frame.type !== type;
    });
    if (this.outbox.length !== before) this.save();
  };

  W.frame = function (f) {
    switch (f.type) {
      case "welcome":
        this.applyConfig(f.config);
        if (this.token && !f.session) {
          this.token = null; // unknown or expired: a fresh form
          this.dropStale();
        }
        if (f.session) this.applySession(f.session);
        else if (!this.outbox.length) this.showView(this.view === "leave" ? "leave" : "form");
        if (!validSeq(this.lastSeq) && validSeq(f.seq) && !this.token) this.lastSeq = f.seq;
        break;
      case "event":
        this.onEvent(f);
        break;
      case "ready":
        if (validSeq(f.seq) && (!validSeq(this.lastSeq) || f.seq > this.lastSeq)) {
          this.lastSeq = f.seq;
        }
        this.caughtUp();
        break;
      case "reset":
        this.onReset(f);
        this.caughtUp(); // a reset ends the resync as "ready" does
        break;
      case "started":
        if (!this.token) {
          // It answers the frame that opened the session (a start, or a leave_message).
          this.dropOutbox(null, "start");
          this.dropOutbox(null, "leave_message");
        }
        this.token = f.token;
        this.save();
        this.applySession(f.session);
        this.flush(); // messages written before the chat was confirmed
        break;
      case "ack":
        this.dropOutbox(f.client_id);
        if (f.client_id && this.byClient[f.client_id] && f.message_id) {
          var el = this.byClient[f.client_id];
          if (!this.byId[f.message_id]) this.byId[f.message_id] = el;
          el.setAttribute("data-id", f.message_id);
          this.renderRead();
        }
        break;
      case "queue":
        this.queue = f;
        this.renderQueue();
        break;
      case "typing":
        this.agentTyping(!!f.on, f.agent_name);
        break;
      case "read":
        if (typeof f.message_id === "number" && f.message_id > this.agentRead) {
          this.agentRead = f.message_id;
          this.renderRead();
        }
        break;
      case "error":
        this.onError(f);
        break;
      default:
        break; // "pong", and frames a newer server may add
    }
  };

  W.caughtUp = function () {
    this.attempt = 0;
    this.syncing = null;
    this.setState("live");
    this.showOutbox();
    this.flush();
    this.markRead();
  };

  W.dropStale = function () {
    this.outbox = this.outbox.filter(function (i) { return i.frame.type === "start" ||
      (i.frame.type === "leave_message" && i.frame.language); });
    this.session = null;
    this.lastSeq = null;
    this.log.textContent = "";
    this.byId = {};
    this.byClient = {};
    this.composer.hidden = false;
    this.newChatBtn.hidden = true;
    this.fSubmit.disabled = false;
    this.save();
  };

  W.onEvent = function (f) {
    if (!validSeq(f.seq)) return;
    if (this.syncing) this.syncing.push(f);
    if (f.seq === 0) return; // the transcript before a reset: shown when "reset" comes
    if (validSeq(this.lastSeq) && f.seq <= this.lastSeq) return; // seen already
    this.lastSeq = f.seq;
    this.event(f);
    this.markRead();
  };

  /* Too far behind: the server re-sent the whole transcript; show exactly that. */
  W.onReset = function (f) {
    var replay = this.syncing || [];
    this.syncing = null;
    this.log.textContent = "";
    this.byId = {};
    this.byClient = {};
    var self = this;
    replay.forEach(function (e) { self.event(e); }); // messages are unique by id
    this.lastSeq = validSeq(f.seq) ? f.seq : null;
  };

  W.onError = function (f) {
    var self = this;
    var code = f.code || "error";
    if (code === "origin_refused") {
      this.refused = true;
      this.showError("error", {code: code});
      return;
    }
    if (code === "bad_token" || code === "no_session") {
      this.token = null;
      this.dropStale();
      this.showView("form");
      return;
    }
    if (code === "rate_limited") {
      var wait = Math.max(1, f.retry_after || 5);
      this.showError("rateLimited", {s: wait});
      clearTimeout(this.flushTimer);
      this.flushTimer = setTimeout(function () {
        self.sentOn = {}; // what was refused goes again (a repeat of an accepted one is harmless)
        self.flush();
      }, wait * 1000);
      return;
    }
    var item = f.client_id && this.outbox.filter(function (i) {
      return i.client_id === f.client_id;
    })[0];
    if (code === "ended") this.ended(null);
    if (!item) {
      if (code !== "ended") this.showError("error", {code: code});
      return;
    }
    this.dropOutbox(f.client_id);
    var el = this.byClient[f.client_id];
    if (el) {
      el.classList.add("failed");
      el.querySelector(".meta").textContent = this.t("failed", {reason: f.message || code});
    }
    if (item.frame.type === "start") {
      this.session = null;
      this.fSubmit.disabled = false;
      this.fText.value = item.text;
      if (el && el.parentNode) el.parentNode.removeChild(el);
      delete this.byClient[f.client_id];
      this.showView("form");
      this.fError.textContent = f.message || code;
      this.fError.hidden = false;
    } else if (item.frame.type === "leave_message") {
      this.leaveForm.querySelector("button[type=submit]").disabled = false;
      this.lText.value = item.text;
      this.lError.textContent = f.message || code;
      this.lError.hidden = false;
    }
  };

  W.showError = function (key, vars) {
    var el = this.view === "form" ? this.fError : this.view === "leave" ? this.lError : this.cError;
    el.textContent = this.t(key, vars);
    el.hidden = false;
  };

  function boot() {
    new Widget();
  }
  if (document.body) boot();
  else document.addEventListener("DOMContentLoaded", boot);
})(window, document);
