// Streams the answer into the page (cited's own script; no asset from the internet).
// Every piece of crawled text goes in through textContent, never as HTML.
(function () {
  "use strict";
  var box = document.getElementById("answer");
  if (!box || !window.EventSource) return;
  var q = box.getAttribute("data-q");
  var mode = box.getAttribute("data-mode");
  var text = document.getElementById("answer-text");
  var cards = document.getElementById("sources");
  var status = document.getElementById("answer-status");
  var sources = {};
  var count = 0;
  function safe(url) { return /^https?:\/\//i.test(url) ? url : null; }
  function el(tag, cls, content) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (content != null) e.textContent = content;
    return e;
  }
  function host(url) { try { return new URL(url).host; } catch (e) { return ""; } }
  var url = "/api/answer/stream?q=" + encodeURIComponent(q) + (mode ? "&mode=" + encodeURIComponent(mode) : "");
  var es = new EventSource(url);
  var draft = null;
  function clearDraft() { if (draft) { draft.remove(); draft = null; } }
  // A later `sources` replaces an earlier one (a generated answer lists the passages it was given,
  // then the ones it cites).
  es.addEventListener("sources", function (e) {
    sources = {};
    cards.textContent = "";
    JSON.parse(e.data).forEach(function (s) {
      sources[s.id] = s;
      var card = el("li", "card");
      var a = el("a", "card-title", s.title || s.url);
      if (safe(s.link)) a.href = s.link;
      card.appendChild(el("span", "card-n", "[" + s.id + "]"));
      card.appendChild(a);
      var changed = (s.changed_at || "").slice(0, 10), fetched = (s.fetched_at || "").slice(0, 10);
      card.appendChild(el("div", "card-meta", host(s.url) + " · fetched " + fetched + (changed && changed !== fetched ? " · changed " + changed : "")));
      card.appendChild(el("q", "card-quote", s.quote));
      cards.appendChild(card);
    });
  });
  // A generated answer as the model writes it; replaced by the checked sentences.
  es.addEventListener("token", function (e) {
    if (!draft) {
      draft = el("p", "draft");
      text.parentNode.insertBefore(draft, text);
      status.textContent = "Writing…";
    }
    draft.textContent += JSON.parse(e.data).text;
  });
  es.addEventListener("notice", function (e) {
    clearDraft();
    var n = document.getElementById("answer-notice");
    n.textContent = JSON.parse(e.data).notice;
    n.hidden = false;
  });
  es.addEventListener("sentence", function (e) {
    clearDraft();
    var s = JSON.parse(e.data);
    count += 1;
    if (count > 1) text.appendChild(document.createTextNode(" "));
    var span = el("span", "s s-" + s.verdict, s.text);
    if (s.reason) span.title = s.verdict + ": " + s.reason;
    text.appendChild(span);
    s.citations.forEach(function (n) {
      var src = sources[n];
      var wrap = el("span", "cite");
      var a = el("a", "marker", "[" + n + "]");
      var pop = el("span", "pop");
      pop.id = "pop-" + count + "-" + n;
      pop.setAttribute("role", "tooltip");
      if (src) {
        if (safe(src.link)) a.href = src.link;
        a.setAttribute("aria-describedby", pop.id);
        pop.appendChild(el("q", null, src.quote));
        pop.appendChild(el("span", "pop-src", src.title + " — " + host(src.url)));
      }
      wrap.appendChild(a);
      wrap.appendChild(pop);
      text.appendChild(wrap);
    });
    if (s.verdict !== "supported") {
      text.appendChild(el("span", "why", "(" + s.verdict + (s.reason ? ": " + s.reason : "") + ")"));
    }
  });
  es.addEventListener("done", function (e) {
    es.close();
    clearDraft();
    var t = JSON.parse(e.data);
    status.textContent = count ? "answered in " + t.total_ms + " ms" : "No passage in the crawled pages answers this question.";
    box.setAttribute("aria-busy", "false");
  });
  es.addEventListener("error", function (e) {
    es.close();
    var msg = "The answer could not be produced.";
    try { if (e.data) msg = JSON.parse(e.data).error; } catch (x) {}
    status.textContent = msg;
    box.setAttribute("aria-busy", "false");
  });
})();
