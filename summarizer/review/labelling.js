"use strict";
// The labelling page: one article at a time, its label pre-filled by a run, corrected
// by a person and saved after every decision (PUT /api/articles/<id>). Text from the
// article or a label only ever reaches the page through textContent or an input's
// value, never as markup. Offsets are in code points, as the server's Python counts.
(function () {
  const TOKEN = new URLSearchParams(location.search).get("token") || "";
  const COLOURS = ["#c99a00", "#2f9a5a", "#2457c5", "#c2185b", "#6a3fc0", "#d96b00", "#0e8a95", "#8c8c00"];
  const FILLS = ["#ffe08a", "#b9e4c9", "#c6dafc", "#f8c4d8", "#d7c8f5", "#ffd0a8", "#bfe9ec", "#e6e6a8"];
  const $ = (id) => document.getElementById(id);
  const problems = $("problems");
  const status = $("save-status");
  let overview = null;
  let article = null; // the current article's state, events included
  let selected = -1; // index of the selected event, -1 for none
  let saving = Promise.resolve();

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function say(message) { problems.textContent = message; }
  window.addEventListener("error", (event) => say("Error: " + event.message));

  async function api(path, options) {
    const response = await fetch(path, {
      ...options,
      headers: { "X-Label-Token": TOKEN, "Content-Type": "application/json" },
      credentials: "same-origin",
    });
    const body = await response.json();
    if (!response.ok) {
      const why = body.problems ? body.problems.join("\n") : body.error;
      throw new Error(why || response.statusText);
    }
    return body;
  }

  // -- the article list and progress ---------------------------------------------------
  function showProgress(reviewed, total) {
    $("progress").textContent = `${reviewed} of ${total} reviewed`;
  }
  function drawList() {
    const list = $("article-list");
    list.replaceChildren();
    for (const item of overview.articles) {
      const link = element("a", { href: "#" + item.id }, item.id);
      if (item.reviewed) link.classList.add("reviewed");
      if (item.saved) link.classList.add("saved");
      if (article && item.id === article.id) link.setAttribute("aria-current", "page");
      list.appendChild(element("li")).appendChild(link);
    }
  }

  // -- the article text with evidence ----------------------------------------------------
  function drawText() {
    const box = $("article-text");
    box.replaceChildren();
    const chars = Array.from(article.text);
    const cover = new Array(chars.length + 1).fill(-1);
    const cuts = new Set([0, chars.length]);
    article.events.forEach((event, index) => {
      if (event.state === "rejected") return;
      for (const span of event.evidence || []) {
        cuts.add(span.start); cuts.add(span.end);
      }
    });
    const points = [...cuts].sort((a, b) => a - b);
    for (let i = 0; i + 1 < points.length; i++) {
      const [start, end] = [points[i], points[i + 1]];
      const piece = chars.slice(start, end).join("");
      const owner = ownerOf(start, end);
      if (owner < 0) {
        box.appendChild(document.createTextNode(piece));
        continue;
      }
      const mark = element("mark", { "data-event": String(owner) }, piece);
      mark.style.background = FILLS[owner % FILLS.length];
      if (owner === selected) mark.classList.add("current");
      box.appendChild(mark);
    }
    const first = box.querySelector("mark.current");
    if (first) first.scrollIntoView({ block: "nearest" });
  }
  function ownerOf(start, end) {
    // The selected event's evidence shows above the others where quotes overlap.
    let owner = -1;
    article.events.forEach((event, index) => {
      if (event.state === "rejected") return;
      for (const span of event.evidence || []) {
        if (span.start <= start && end <= span.end && (owner < 0 || index === selected)) owner = index;
      }
    });
    return owner;
  }
  function selectionOffsets() {
    // The selection inside the article text, in code points, without surrounding spaces.
    const chosen = window.getSelection();
    const box = $("article-text");
    if (!chosen || chosen.rangeCount === 0 || chosen.isCollapsed) return null;
    const range = chosen.getRangeAt(0);
    if (!box.contains(range.startContainer) || !box.contains(range.endContainer)) return null;
    const before = document.createRange();
    before.selectNodeContents(box);
    before.setEnd(range.startContainer, range.startOffset);
    let start = before.toString().length;
    let end = start + range.toString().length;
    const text = article.text;
    while (start < end && /\s/.test(text[start])) start++;
    while (end > start && /\s/.test(text[end - 1])) end--;
    if (start === end) return null;
    const points = (units) => Array.from(text.slice(0, units)).length;
    return { start: points(start), end: points(end), text: text.slice(start, end) };
  }

  // -- the label form ----------------------------------------------------------------------
  function field(card, labelText, control, wide) {
    const label = element("label", wide ? { class: "wide" } : {}, labelText + " ");
    label.appendChild(control);
    card.appendChild(label);
    return control;
  }
  function input(type, value, attributes) {
    const node = element("input", { type, ...(attributes || {}) });
    node.value = value === null || value === undefined ? "" : String(value);
    return node;
  }
  function textarea(lines, rows) {
    const node = element("textarea", { rows: String(rows || 2) });
    node.value = lines.join("\n");
    return node;
  }
  function select(options, value, blank) {
    const node = element("select");
    if (blank !== undefined) node.appendChild(element("option", { value: "" }, blank));
    for (const option of options) node.appendChild(element("option", { value: option }, option));
    node.value = value === null || value === undefined ? "" : String(value);
    return node;
  }
  function linesOf(text) { return text.split("\n").map((line) => line.trim()).filter(Boolean); }
  function fatalitiesText(value) {
    if (value === null || value === undefined) return "";
    return typeof value === "object" ? `${value.min}-${value.max}` : String(value);
  }
  function parseFatalities(text) {
    const value = text.trim();
    if (!value) return null;
    if (/^\d+$/.test(value)) return Number(value);
    const range = value.match(/^(\d+)\s*[-\u2013]\s*(\d+)$/);
    if (range) return { min: Number(range[1]), max: Number(range[2]) };
    throw new Error(`fatalities: ${JSON.stringify(value)} is not a number, a range like 2-5, or empty`);
  }

  function drawEvents() {
    const box = $("events");
    box.replaceChildren();
    box.appendChild(element("h2", {}, `Events (${article.events.length})`));
    article.events.forEach((event, index) => box.appendChild(eventCard(event, index)));
  }
  function eventCard(event, index) {
    const codebook = overview.codebook;
    const card = element("section", { class: "event " + event.state, "aria-label": `Event ${index + 1}` });
    card.style.setProperty("--colour", COLOURS[index % COLOURS.length]);
    if (index === selected) card.setAttribute("aria-current", "true");
    const head = card.appendChild(element("div", { class: "head" }));
    const title = head.appendChild(element("button", { type: "button", class: "select" }, `Event ${index + 1}: ${event.event_type}`));
    title.addEventListener("click", () => choose(index));
    head.appendChild(element("span", { class: "state " + event.state }, event.state));
    if (event.required === false) head.appendChild(element("span", { class: "tag-background" }, "background"));
    const fields = card.appendChild(element("div", { class: "fields" }));
    const changed = (apply) => (change) => {
      try {
        apply(change.target);
        say("");
      } catch (error) {
        say(error.message);
        return;
      }
      if (event.state !== "rejected") event.state = "accepted";
      selected = index;
      redraw();
      save();
    };
    const type = field(fields, "Type", select(Object.keys(codebook.types), event.event_type));
    type.addEventListener("change", changed((node) => {
      event.event_type = node.value;
      const subtypes = codebook.types[node.value].subtypes;
      if (subtypes.length && !subtypes.includes(event.sub_event_type)) event.sub_event_type = null;
    }));
    const subtypes = codebook.types[event.event_type] ? codebook.types[event.event_type].subtypes : [];
    const subtype = field(fields, "Subtype", subtypes.length ? select(subtypes, event.sub_event_type, "(none)") : input("text", event.sub_event_type));
    subtype.addEventListener("change", changed((node) => { event.sub_event_type = node.value.trim() || null; }));
    const date = field(fields, "Date", input("date", event.date));
    date.addEventListener("change", changed((node) => { event.date = node.value || null; }));
    const location = event.location || { name: null, country: null };
    const place = field(fields, "Place", input("text", location.name));
    place.addEventListener("change", changed((node) => {
      event.location = { ...(event.location || {}), name: node.value.trim() || null };
    }));
    const country = field(fields, "Country", input("text", location.country));
    country.addEventListener("change", changed((node) => {
      event.location = { ...(event.location || {}), country: node.value.trim() || null };
    }));
    if (codebook.core.actors) {
      const actors = field(fields, "Actors (one a line)", textarea(event.actors || [], 2));
      actors.addEventListener("change", changed((node) => { event.actors = linesOf(node.value); }));
    }
    if (codebook.core.fatalities) {
      const deaths = field(fields, "Fatalities (3, 2-5, or empty)", input("text", fatalitiesText(event.fatalities), { inputmode: "numeric" }));
      deaths.addEventListener("change", changed((node) => { event.fatalities = parseFatalities(node.value); }));
    }
    for (const [name, spec] of Object.entries(codebook.fields)) extraField(fields, event, name, spec, changed);
    const summary = field(fields, "Summary", textarea([event.summary || ""], 2), true);
    summary.addEventListener("change", changed((node) => { event.summary = node.value.trim(); }));
    const quotes = (event.evidence || []).map((span) => "\u201c" + Array.from(article.text).slice(span.start, span.end).join("") + "\u201d");
    fields.appendChild(element("p", { class: "evidence" }, quotes.length ? "Evidence: " + quotes.join(" \u2026 ") : "No evidence located"));
    return card;
  }
  function extraField(fields, event, name, spec, changed) {
    const value = event[name];
    const wide = spec.type === "list" || (spec.type === "enum" && spec.multiple);
    const title = name.replace(/_/g, " ");
    if (spec.type === "enum" && spec.multiple) {
      const group = element("fieldset", { class: wide ? "wide" : "" });
      group.appendChild(element("legend", {}, title));
      const chosen = new Set(Array.isArray(value) ? value : []);
      for (const option of spec.values) {
        const label = group.appendChild(element("label"));
        const box = label.appendChild(input("checkbox", option));
        box.checked = chosen.has(option);
        label.appendChild(document.createTextNode(option));
        box.addEventListener("change", changed(() => {
          event[name] = [...group.querySelectorAll("input:checked")].map((node) => node.value);
        }));
      }
      fields.appendChild(group);
      return;
    }
    let control;
    let read;
    if (spec.type === "enum") {
      control = select(spec.values, value, "(not stated)");
      read = (node) => node.value || null;
    } else if (spec.type === "boolean") {
      control = select(["yes", "no"], value === true ? "yes" : value === false ? "no" : "", "(not stated)");
      read = (node) => (node.value === "" ? null : node.value === "yes");
    } else if (spec.type === "integer" || spec.type === "number") {
      const bounds = {};
      if (spec.min !== null) bounds.min = String(spec.min);
      if (spec.max !== null) bounds.max = String(spec.max);
      if (spec.type === "integer") bounds.step = "1"; else bounds.step = "any";
      control = input("number", value, bounds);
      read = (node) => {
        if (node.value.trim() === "") return null;
        const number = Number(node.value);
        if (!Number.isFinite(number) || (spec.type === "integer" && !Number.isInteger(number))) {
          throw new Error(`${name}: ${JSON.stringify(node.value)} is not ${spec.type === "integer" ? "a whole number" : "a number"}`);
        }
        return number;
      };
    } else if (spec.type === "list") {
      control = textarea(Array.isArray(value) ? value : [], 2);
      read = (node) => linesOf(node.value);
    } else {
      control = input("text", value);
      read = (node) => node.value.trim() || null;
    }
    field(fields, spec.type === "list" ? title + " (one a line)" : title, control, wide);
    if (spec.description) control.parentElement.title = spec.description;
    control.addEventListener("change", changed((node) => { event[name] = read(node); }));
  }

  function redraw() {
    drawList();
    drawText();
    drawEvents();
    const current = document.querySelector('#events .event[aria-current="true"]');
    if (current) current.scrollIntoView({ block: "nearest" });
  }

  // -- saving ------------------------------------------------------------------------------
  function submission() {
    const events = article.events
      .filter((event) => event.state !== "rejected")
      .map((event) => ({ ...event }));
    return {
      brief: article.brief || "",
      must_mention: linesOf($("must-mention").value).map((line) => line.split("|").map((s) => s.trim()).filter(Boolean)),
      aliases: article.aliases || {},
      reviewed: article.reviewed,
      events,
    };
  }
  function save() {
    const id = article.id;
    const body = JSON.stringify(submission());
    status.textContent = "Saving\u2026";
    saving = saving.then(async () => {
      try {
        const saved = await api("/api/articles/" + encodeURIComponent(id), { method: "PUT", body });
        status.textContent = "Saved " + saved.saved;
        showProgress(saved.reviewed, saved.total);
        const item = overview.articles.find((entry) => entry.id === id);
        item.saved = true;
        item.reviewed = JSON.parse(body).reviewed;
        drawList();
        say("");
      } catch (error) {
        status.textContent = "Not saved";
        say("Not saved: " + error.message);
      }
    });
    return saving;
  }

  // -- actions -------------------------------------------------------------------------------
  function choose(index) {
    selected = index;
    redraw();
  }
  function nextPending(from) {
    for (let step = 1; step <= article.events.length; step++) {
      const index = (from + step) % article.events.length;
      if (article.events[index].state === "pending") return index;
    }
    return -1;
  }
  async function accept() {
    if (selected >= 0) {
      article.events[selected].state = "accepted";
      selected = nextPending(selected);
      redraw();
      await save();
      return;
    }
    for (const event of article.events) if (event.state === "pending") event.state = "accepted";
    article.reviewed = true;
    redraw();
    await save();
    await move(1);
  }
  async function reject() {
    if (selected < 0) { say("Select an event to reject (j / k, or click its title)."); return; }
    article.events[selected].state = "rejected";
    selected = nextPending(selected);
    redraw();
    await save();
  }
  async function background() {
    if (selected < 0) { say("Select an event to mark as background (j / k, or click its title)."); return; }
    const event = article.events[selected];
    event.required = event.required === false;
    if (event.state === "pending") event.state = "accepted";
    redraw();
    await save();
  }
  async function addEvent() {
    const span = selectionOffsets();
    if (!span) { say("Select the new event's evidence in the article text first, then Add event."); return; }
    const codebook = overview.codebook;
    const event = {
      required: true,
      event_type: Object.keys(codebook.types)[0],
      sub_event_type: null,
      date: null,
      location: { name: null, country: null },
    };
    if (codebook.core.actors) event.actors = [];
    if (codebook.core.fatalities) event.fatalities = null;
    for (const name of Object.keys(codebook.fields)) event[name] = null;
    event.summary = span.text.replace(/\s+/g, " ").slice(0, 300);
    event.evidence = [{ start: span.start, end: span.end }];
    event.state = "accepted";
    article.events.push(event);
    selected = article.events.length - 1;
    window.getSelection().removeAllRanges();
    say("");
    redraw();
    await save();
  }
  async function move(step) {
    const ids = overview.articles.map((item) => item.id);
    const index = ids.indexOf(article.id) + step;
    if (index < 0 || index >= ids.length) {
      say(step > 0 ? "That was the last article." : "This is the first article.");
      return;
    }
    location.hash = ids[index];
  }
  function selectStep(step) {
    const count = article.events.length;
    if (!count) return;
    selected = selected < 0 ? (step > 0 ? 0 : count - 1) : (selected + step + count) % count;
    redraw();
  }

  async function open(id) {
    await saving;
    article = await api("/api/articles/" + encodeURIComponent(id));
    selected = nextPending(-1);
    say("");
    $("article-id").textContent = article.id;
    const meta = [article.published ? "published " + article.published : "no publication date", article.dateline, article.source];
    $("article-meta").textContent = meta.filter(Boolean).join(" \u00b7 ");
    $("article-error").textContent = article.error ? "The run gave no result: " + article.error : "";
    $("brief").value = article.brief || "";
    $("must-mention").value = (article.must_mention || []).map((fact) => fact.join(" | ")).join("\n");
    status.textContent = article.saved ? "Saved earlier" : "Not saved yet";
    redraw();
  }

  // -- wiring --------------------------------------------------------------------------------
  $("accept").addEventListener("click", accept);
  $("reject").addEventListener("click", reject);
  $("background").addEventListener("click", background);
  // The button would take the focus, and with it the article's selection, on mousedown.
  $("add-event").addEventListener("mousedown", (event) => event.preventDefault());
  $("add-event").addEventListener("click", addEvent);
  $("next").addEventListener("click", () => move(1));
  $("previous").addEventListener("click", () => move(-1));
  $("brief").addEventListener("change", (change) => { article.brief = change.target.value.trim(); save(); });
  $("must-mention").addEventListener("change", () => save());
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest && event.target.closest("input, textarea, select");
    if (event.key === "Escape") {
      if (typing) event.target.blur();
      selected = -1;
      redraw();
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey || !article) return;
    const actions = {
      a: accept, r: reject, b: background, e: addEvent,
      j: () => selectStep(1), k: () => selectStep(-1),
      n: () => move(1), ArrowRight: () => move(1),
      p: () => move(-1), ArrowLeft: () => move(-1),
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });
  window.addEventListener("hashchange", () => open(decodeURIComponent(location.hash.slice(1))));

  (async function start() {
    try {
      overview = await api("/api/articles");
    } catch (error) {
      say("Cannot load the articles: " + error.message);
      return;
    }
    $("codebook-name").textContent = "codebook " + overview.codebook.name;
    $("dataset-path").textContent = overview.dataset;
    showProgress(overview.reviewed, overview.total);
    if (!overview.articles.length) { say("No articles to label."); return; }
    const wanted = decodeURIComponent(location.hash.slice(1));
    const known = overview.articles.some((item) => item.id === wanted);
    const resume = overview.articles.find((item) => !item.reviewed) || overview.articles[0];
    if (known) await open(wanted);
    else location.hash = resume.id;
  })();
})();
