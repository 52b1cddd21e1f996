// The app's few behaviours, bound here rather than inline: the Content-Security-Policy allows
// scripts from the app's own files only (config/settings.py).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("[data-back]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (window.history.length > 1) { event.preventDefault(); window.history.back(); }
    });
  });
});

// Saves that are safe and visible (issue 18). Every POST form carries a `form_token`, made when
// the page shows the form: the server answers a second sending of the same form with the
// first answer (core/middleware.py FormRepeats), so a double click, a refresh or a retry saves
// once. The button is also disabled while the form is sent. When a save is refused with field
// errors, a banner at the top says so and the first invalid field takes the focus.
(function () {
  var TOKEN = "form_token";

  function newToken() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);  // randomUUID needs a secure context; this does not
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function isPost(form) {
    return form instanceof HTMLFormElement &&
      ((form.getAttribute("method") || "").toLowerCase() === "post" || form.hasAttribute("hx-post"));
  }

  function tokenOf(form, fresh) {
    var input = form.querySelector("input[name='" + TOKEN + "']");
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = TOKEN;
      form.appendChild(input);
      fresh = true;
    }
    if (fresh || !input.value) { input.value = newToken(); }
    return input;
  }

  function tokens(root) {
    var forms = root.querySelectorAll ? root.querySelectorAll("form") : [];
    Array.prototype.forEach.call(forms, function (form) { if (isPost(form)) { tokenOf(form); } });
    if (isPost(root)) { tokenOf(root); }
  }

  function buttons(form) {
    var inside = form.querySelectorAll("button:not([type]), button[type='submit'], input[type='submit']");
    var outside = form.id ? document.querySelectorAll("[form='" + form.id + "'][type='submit']") : [];
    return Array.prototype.concat.call([], Array.prototype.slice.call(inside), Array.prototype.slice.call(outside));
  }

  function sending(form) {
    form.setAttribute("data-sending", "");
    form.setAttribute("aria-busy", "true");
    // After this event: the browser reads the fields (the clicked button's name and value
    // included) once the event is over, and would leave a disabled button out.
    window.setTimeout(function () {
      if (!form.hasAttribute("data-sending")) { return; }
      buttons(form).forEach(function (button) {
        if (!button.disabled) { button.disabled = true; button.setAttribute("data-sending", ""); }
      });
    }, 0);
    // Should the answer never come (a download, a stopped page), the form works again; a
    // second sending is still answered with the first answer.
    window.setTimeout(function () { sent(form, false); }, 15000);
  }

  function sent(form, fresh) {
    form.removeAttribute("data-sending");
    form.removeAttribute("aria-busy");
    buttons(form).forEach(function (button) {
      if (button.hasAttribute("data-sending")) { button.disabled = false; button.removeAttribute("data-sending"); }
    });
    if (fresh && document.contains(form)) { tokenOf(form, true); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    tokens(document);
    showRefused(document);
  });

  // First, before htmx or the browser send it: a form being sent is not sent again.
  document.addEventListener("submit", function (event) {
    if (isPost(event.target) && event.target.hasAttribute("data-sending")) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!isPost(form)) { return; }
    if (event.defaultPrevented && !form.hasAttribute("hx-post")) { return; }  // stopped by a script
    tokenOf(form);
    sending(form);
  });

  // htmx forms stay on the page: usable again once answered, with a new token for a new save.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail && event.detail.elt;
    if (isPost(form)) { sent(form, Boolean(event.detail.xhr && event.detail.xhr.status)); }
  });
  document.addEventListener("htmx:load", function (event) { tokens(event.target); });
  document.addEventListener("htmx:afterSwap", function (event) { showRefused(event.detail.target); });

  // Back to a page kept by the browser: its forms work again, with the token they had, so
  // sending one again unchanged answers with the first answer.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("form[data-sending]"), function (form) {
      sent(form, false);
    });
  });

  function words(element) {
    return element ? element.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function labelOf(field) {
    var set = field.closest("fieldset");
    if ((field.type === "checkbox" || field.type === "radio") && set && set.querySelector("legend")) {
      return words(set.querySelector("legend"));
    }
    if (field.labels && field.labels.length) { return words(field.labels[0]).replace(/[:\s]+$/, ""); }
    return field.getAttribute("aria-label") || field.name;
  }

  function errorOf(field) {
    var ids = (field.getAttribute("aria-describedby") || "").split(/\s+/);
    for (var i = 0; i < ids.length; i++) {
      var described = ids[i] && document.getElementById(ids[i]);
      if (described && (described.classList.contains("errorlist") || /error/.test(ids[i]))) {
        return words(described);
      }
    }
    var box = field.closest(".field, fieldset, p, div");
    return words(box && box.querySelector(".errorlist"));
  }

  // The page answers a refused save: a banner at the top naming the first invalid field and
  // what is wrong with it, and the focus on that field.
  function showRefused(root) {
    var main = document.getElementById("main");
    if (!main || !root || !root.querySelectorAll) { return; }
    var old = document.getElementById("not-saved");
    var invalid = Array.prototype.filter.call(
      root.querySelectorAll("[aria-invalid='true']"),
      function (field) { return isPost(field.form); }
    );
    var general = invalid.length ? null : Array.prototype.find.call(
      root.querySelectorAll("form .errorlist.nonfield, form [role='alert']"),
      function (box) { return isPost(box.closest("form")) && words(box); }
    );
    if (!invalid.length && !general) {
      if (old && root !== document) { old.remove(); }  // an htmx form answered without errors
      return;
    }
    if (old) { old.remove(); }
    var banner = document.createElement("div");
    banner.id = "not-saved";
    banner.className = "not-saved";
    banner.setAttribute("role", "alert");
    var text = document.createElement("p");
    var names = [];
    invalid.forEach(function (field) { if (names.indexOf(field.name) < 0) { names.push(field.name); } });
    if (invalid.length) {
      var first = invalid[0];
      var what = errorOf(first).replace(/[.\s]+$/, "");
      var more = names.length > 1 ? " (and " + (names.length - 1) + " more)" : "";
      text.textContent = "Not saved: " + labelOf(first) + (what ? ": " + what : "") + more +
        ". See the highlighted field" + (names.length > 1 ? "s" : "") + ".";
    } else {
      text.textContent = "Not saved: " + words(general);
    }
    banner.appendChild(text);
    main.insertBefore(banner, main.firstChild);
    var target = invalid.length ? invalid[0] : general;
    if (!invalid.length) { target.setAttribute("tabindex", "-1"); }
    var show = function () {
      target.focus({ preventScroll: true });
      target.scrollIntoView({ block: "center" });
    };
    show();
    if (root === document) {
      // Not where the page was scrolled before (a reload sends the refused form again).
      if ("scrollRestoration" in window.history) { window.history.scrollRestoration = "manual"; }
      window.addEventListener("load", function () {
        if (document.activeElement === target) { show(); }
      });
    }
  }
})();

// Idle sign-out (core.middleware.IdleSignOut). The page knows how many seconds its web sign-in
// has left (body[data-idle-left], refreshed by every htmx answer's Idle-Seconds-Left header).
// A minute before the end a banner says so, with a button that keeps the sign-in. Before
// warning or leaving, the page asks the server (a GET that is no activity) how long is really
// left: another tab may have been used meanwhile. At the end the page goes to the sign-in page.
(function () {
  var WARN_BEFORE = 60;  // seconds
  var body, url, deadline, timer, banner;

  function csrf() {
    try { return JSON.parse(body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function schedule(left) {
    deadline = Date.now() + left * 1000;
    window.clearTimeout(timer);
    timer = window.setTimeout(check, Math.max(left - WARN_BEFORE, 0) * 1000);
  }

  function signIn(login) {
    var next = window.location.pathname + window.location.search;
    window.location.assign((login || "/accounts/login/") + "?next=" + encodeURIComponent(next));
  }

  function ask(method) {
    var options = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (method === "POST") { options.headers["X-CSRFToken"] = csrf(); }
    return window.fetch(url, options).then(function (response) {
      return response.json().then(function (answer) { return { status: response.status, answer: answer }; });
    });
  }

  function check() {
    ask("GET").then(function (reply) {
      if (reply.status === 401 || !reply.answer.signed_in) { signIn(reply.answer.login); return; }
      var left = reply.answer.idle_seconds_left;
      if (left === null || left === undefined) { hide(); return; }
      if (left > WARN_BEFORE + 5) { hide(); schedule(left); return; }
      if (left <= 0) { window.setTimeout(check, 2000); return; }  // ends on the server in a moment
      show(left);
      deadline = Date.now() + left * 1000;
      window.clearTimeout(timer);
      timer = window.setTimeout(check, (left + 2) * 1000);
    }).catch(function () { window.clearTimeout(timer); timer = window.setTimeout(check, 10000); });
  }

  function show(left) {
    if (!banner) {
      banner = document.createElement("div");
      banner.className = "banner warn idle-warning";
      banner.id = "idle-warning";
      banner.setAttribute("role", "alert");
      var text = document.createElement("p");
      text.id = "idle-warning-text";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "primary";
      button.textContent = "Stay signed in";
      button.addEventListener("click", stay);
      banner.appendChild(text);
      banner.appendChild(button);
      var main = document.getElementById("main");
      main.insertBefore(banner, main.firstChild);
    }
    banner.querySelector("p").textContent = "You will be signed out in " + Math.max(Math.round(left), 1) +
      " seconds because nothing has been done here. Unsaved changes would be lost.";
    banner.hidden = false;
  }

  function hide() { if (banner) { banner.hidden = true; } }

  function stay() {
    ask("POST").then(function (reply) {
      if (reply.status === 401 || !reply.answer.signed_in) { signIn(reply.answer.login); return; }
      hide();
      if (reply.answer.idle_seconds_left) { schedule(reply.answer.idle_seconds_left); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    body = document.body;
    url = body.getAttribute("data-keep-alive");
    var left = parseInt(body.getAttribute("data-idle-left"), 10);
    if (!url || isNaN(left)) { return; }
    schedule(left);
    document.body.addEventListener("htmx:afterRequest", function (event) {
      var xhr = event.detail && event.detail.xhr;
      var header = xhr && xhr.getResponseHeader("Idle-Seconds-Left");
      if (header !== null && header !== undefined && header !== "") { hide(); schedule(parseInt(header, 10)); }
    });
  });
})();
