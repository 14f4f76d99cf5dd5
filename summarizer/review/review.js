"use strict";
// The review page: every article's text with its evidence highlighted, event cards,
// filters and an article list. Only the visible rows of the list and the one chosen
// article are in the DOM, so ten thousand articles load as fast as ten. Text from
// the data only ever reaches the page through textContent, never as markup.
(function () {
  const errors = document.getElementById("page-errors");
  function reportError(message) {
    errors.textContent += (errors.textContent ? "\n" : "") + message;
  }
  window.addEventListener("error", (event) => reportError("Error: " + event.message));
  window.addEventListener("unhandledrejection", (event) => reportError("Error: " + event.reason));

  const ROW_HEIGHT = 52;
  const PALETTE = [
    ["#ffe08a", "#c99a00"], ["#b9e4c9", "#2f9a5a"], ["#c6dafc", "#2457c5"],
    ["#f8c4d8", "#c2185b"], ["#d7c8f5", "#6a3fc0"], ["#ffd0a8", "#d96b00"],
    ["#bfe9ec", "#0e8a95"], ["#e6e6a8", "#8c8c00"], ["#f2c2c2", "#b23b3b"],
    ["#d0d7de", "#57606a"],
  ];
  const data = JSON.parse(document.getElementById("review-data").textContent);
  const articles = data.articles;
  // The codebook the results were made with: its types (key -> definition) in its
  // order, its extra fields (name -> type, description, enum values -> definition).
  const codebook = data.codebook || { types: {}, fields: {} };
  const byId = new Map(articles.map((article, index) => [article.id, index]));
  const listBox = document.getElementById("list");
  const spacer = document.getElementById("list-spacer");
  const articleBox = document.getElementById("article");
  const eventsBox = document.getElementById("events");
  const search = document.getElementById("search");
  const typeSelect = document.getElementById("type");
  const countrySelect = document.getElementById("country");
  const count = document.getElementById("count");
  let shown = articles.map((_, index) => index);
  let state = {};
  let haystacks = null;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function colour(index) { return PALETTE[index % PALETTE.length]; }
  function eventsOf(article) { return article.events || []; }

  function fillOptions(select, values, titles) {
    for (const value of values) {
      const option = element("option", null, value);
      option.value = value;
      if (titles && titles[value]) option.title = titles[value];
      select.appendChild(option);
    }
  }
  const types = new Set();
  const countries = new Set();
  for (const article of articles) {
    for (const event of eventsOf(article)) {
      types.add(event.event_type);
      if (event.location && event.location.country) countries.add(event.location.country);
    }
  }
  // Every type of the codebook, in its order; a type it lacks (a result of another
  // codebook) after them.
  const codebookTypes = Object.keys(codebook.types);
  fillOptions(typeSelect, [...codebookTypes, ...[...types].filter((type) => !codebookTypes.includes(type)).sort()],
    codebook.types);
  fillOptions(countrySelect, [...countries].sort());

  // -- state lives in the URL fragment, so a view can be linked to and reloaded --------
  function readState() {
    const params = new URLSearchParams(location.hash.slice(1));
    return {
      article: params.get("article") || "",
      event: parseInt(params.get("event") || "0", 10) || 0,
      type: params.get("type") || "",
      country: params.get("country") || "",
      q: params.get("q") || "",
    };
  }
  function writeState(changes) {
    const next = Object.assign({}, state, changes);
    const params = new URLSearchParams();
    for (const key of ["article", "event", "type", "country", "q"]) {
      if (next[key]) params.set(key, String(next[key]));
    }
    const hash = "#" + params.toString();
    if (hash !== location.hash) history.replaceState(null, "", hash);
    apply(next);
  }

  function matches(index, filters) {
    const article = articles[index];
    const events = eventsOf(article);
    if (filters.type && !events.some((event) => event.event_type === filters.type)) return false;
    if (filters.country && !events.some(
      (event) => event.location && event.location.country === filters.country)) return false;
    if (filters.q) {
      if (haystacks === null) haystacks = articles.map(searchText);
      return haystacks[index].includes(filters.q.toLowerCase());
    }
    return true;
  }
  function searchText(article) {
    const parts = [article.id, article.headline, article.brief, article.text, article.error];
    for (const event of eventsOf(article)) {
      parts.push(event.summary, (event.actors || []).join(" "));
      if (event.location) parts.push(event.location.name, event.location.country);
      for (const name of Object.keys(codebook.fields)) {
        const value = event[name];
        if (typeof value === "string") parts.push(value);
        else if (Array.isArray(value)) parts.push(value.join(" "));
      }
    }
    return parts.filter(Boolean).join("\n").toLowerCase();
  }

  let filterKey = null;
  function apply(next) {
    const key = [next.type, next.country, next.q].join("\u0000");
    if (key !== filterKey) {
      filterKey = key;
      shown = articles.map((_, index) => index).filter((index) => matches(index, next));
      spacer.style.height = shown.length * ROW_HEIGHT + "px";
    }
    typeSelect.value = next.type;
    countrySelect.value = next.country;
    if (search.value !== next.q) search.value = next.q;
    count.textContent = shown.length + " of " + articles.length + " articles";
    let selected = byId.has(next.article) ? byId.get(next.article) : -1;
    if (!shown.includes(selected)) selected = shown.length ? shown[0] : -1;
    const articleChanged = selected !== byId.get(state.article) || state.article === undefined;
    state = Object.assign({}, next, { article: selected >= 0 ? articles[selected].id : "" });
    if (articleChanged || !articleBox.firstChild) renderArticle(selected);
    focusEvent(state.event);
    renderRows(articleChanged);
  }

  // -- the article list: only the rows in view exist --------------------------------
  function renderRows(scrollToSelected) {
    const selected = byId.get(state.article);
    if (scrollToSelected && selected !== undefined) {
      const position = shown.indexOf(selected) * ROW_HEIGHT;
      if (position < listBox.scrollTop || position > listBox.scrollTop + listBox.clientHeight - ROW_HEIGHT) {
        listBox.scrollTop = Math.max(0, position - ROW_HEIGHT * 2);
      }
    }
    const first = Math.max(0, Math.floor(listBox.scrollTop / ROW_HEIGHT) - 5);
    const last = Math.min(shown.length, first + Math.ceil(listBox.clientHeight / ROW_HEIGHT) + 10);
    const rows = document.createDocumentFragment();
    for (let position = first; position < last; position++) {
      const index = shown[position];
      const article = articles[index];
      const row = element("div", "row" + (article.error ? " failed" : "") + (index === selected ? " selected" : ""));
      row.style.top = position * ROW_HEIGHT + "px";
      row.dataset.id = article.id;
      row.appendChild(element("div", "title", article.headline || article.id));
      const events = eventsOf(article);
      const meta = article.error ? "failed: " + article.error
        : article.id + " · " + events.length + (events.length === 1 ? " event" : " events");
      row.appendChild(element("div", "meta", meta));
      rows.appendChild(row);
    }
    spacer.replaceChildren(rows);
  }
  listBox.addEventListener("scroll", () => window.requestAnimationFrame(() => renderRows(false)));
  window.addEventListener("resize", () => renderRows(false));
  spacer.addEventListener("click", (event) => {
    const row = event.target.closest(".row");
    if (row) writeState({ article: row.dataset.id, event: 0 });
  });

  // -- one article: text with highlighted quotes, and its event cards -----------------
  function renderArticle(index) {
    articleBox.replaceChildren();
    eventsBox.replaceChildren();
    if (index < 0) {
      articleBox.appendChild(element("p", "empty", "No article matches the filters."));
      return;
    }
    const article = articles[index];
    articleBox.appendChild(element("h2", null, article.headline || article.id));
    if (article.error) articleBox.appendChild(element("p", "error", article.error));
    if (article.brief) articleBox.appendChild(element("p", "brief", article.brief));
    articleBox.appendChild(element("div", "origin", origin(article)));
    if (typeof article.text === "string") {
      articleBox.appendChild(highlighted(article.text, eventsOf(article)));
    } else {
      articleBox.appendChild(element("p", "no-text",
        "The article text was not found; give its file, folder or JSON Lines file to summarize view."));
    }
    const events = eventsOf(article);
    if (!events.length) eventsBox.appendChild(element("p", "empty", article.error ? "No result." : "No events."));
    events.forEach((event, number) => eventsBox.appendChild(card(event, number, typeof article.text !== "string")));
  }

  function origin(article) {
    const parts = ["id " + article.id];
    if (article.published) parts.push("published " + article.published);
    if (article.backend) parts.push("backend " + article.backend);
    if (article.model) parts.push("model " + article.model);
    if (article.prompt_version) parts.push("prompt " + article.prompt_version);
    if (article.usage) {
      parts.push("tokens " + article.usage.prompt_tokens + " in / " + article.usage.completion_tokens + " out");
    }
    if (article.attempts > 1) parts.push(article.attempts + " attempts");
    if (article.source) parts.push(article.source);
    return parts.join(" · ");
  }

  function highlighted(text, events) {
    const box = element("div", "text");
    const spans = [];
    events.forEach((event, number) => {
      for (const quote of event.evidence || []) {
        if (typeof quote === "object" && quote.end > quote.start && quote.end <= text.length) {
          spans.push({ start: quote.start, end: quote.end, event: number, page: quote.page });
        }
      }
    });
    const cuts = new Set([0, text.length]);
    for (const span of spans) { cuts.add(span.start); cuts.add(span.end); }
    const points = [...cuts].sort((a, b) => a - b);
    for (let i = 0; i + 1 < points.length; i++) {
      const [from, to] = [points[i], points[i + 1]];
      const covering = spans.filter((span) => span.start <= from && to <= span.end).map((span) => span.event);
      const piece = text.slice(from, to);
      if (!covering.length) { box.appendChild(document.createTextNode(piece)); continue; }
      const owners = [...new Set(covering)];
      const mark = element("mark", "quote", piece);
      mark.dataset.events = owners.join(" ");
      mark.style.setProperty("--c", colour(owners[0])[0]);
      mark.style.setProperty("--c-strong", colour(owners[0])[1]);
      // A PDF's quote says its page: the page a reader checks it on in the PDF.
      const pages = [...new Set(spans.filter((span) => span.start <= from && to <= span.end && span.page).map((span) => span.page))];
      mark.title = owners.map((owner) => "event " + (owner + 1)).join(", ") + (pages.length ? " · p. " + pages.join(", ") : "");
      box.appendChild(mark);
    }
    box.addEventListener("click", (event) => {
      const mark = event.target.closest("mark.quote");
      if (mark) writeState({ event: parseInt(mark.dataset.events.split(" ")[0], 10) + 1 });
    });
    return box;
  }

  function card(event, number, listQuotes) {
    const box = element("div", "card");
    box.dataset.event = String(number + 1);
    box.style.setProperty("--c-strong", colour(number)[1]);
    const title = element("div", null);
    title.appendChild(element("span", "type", (number + 1) + ". " + event.event_type));
    if (event.sub_event_type) title.appendChild(document.createTextNode(" · " + event.sub_event_type));
    box.appendChild(title);
    const fields = element("dl");
    const place = event.location ? [event.location.name, event.location.country].filter(Boolean).join(", ") : "";
    const date = event.date ? event.date + (event.date_end && event.date_end !== event.date ? " – " + event.date_end : "") : "";
    const core = [["date", date || "–"], ["place", place || "–"]];
    // A codebook may switch actors and fatalities off: its results have no such key.
    if ("actors" in event) core.push(["actors", (event.actors || []).join("; ") || "–"]);
    if ("fatalities" in event) core.push(["fatalities", fatalities(event.fatalities)]);
    for (const [name, value] of core) {
      fields.appendChild(element("dt", null, name));
      fields.appendChild(element("dd", null, value));
    }
    for (const [name, field] of Object.entries(codebook.fields)) {
      if (!(name in event)) continue;
      const term = element("dt", "extra", name);
      if (field.description) term.title = field.description;
      fields.appendChild(term);
      fields.appendChild(extraValue(event[name], field));
    }
    box.appendChild(fields);
    box.appendChild(element("div", "summary", event.summary));
    const quotes = event.evidence || [];
    const pages = [...new Set(quotes.map((quote) => quote.page).filter(Boolean))];
    box.appendChild(element("div", "quotes", quotes.length + (quotes.length === 1 ? " quote" : " quotes")
      + (pages.length ? " · p. " + pages.join(", ") : "")));
    if (listQuotes) {
      const list = element("ul", "quotes");
      for (const quote of quotes) {
        list.appendChild(element("li", null, "\u201c" + quote.text + "\u201d" + (quote.page ? " (p. " + quote.page + ")" : "")));
      }
      box.appendChild(list);
    }
    box.addEventListener("click", () => writeState({ event: state.event === number + 1 ? 0 : number + 1 }));
    return box;
  }

  // An extra field's value; each enum value a chip whose title is its definition.
  function extraValue(value, field) {
    const box = element("dd", "extra");
    const items = Array.isArray(value) ? value : (value === null || value === undefined ? [] : [value]);
    if (!items.length) { box.textContent = "–"; return box; }
    if (field.type === "enum") {
      items.forEach((item, index) => {
        if (index) box.appendChild(document.createTextNode(" "));
        const chip = element("span", "enum", item);
        if (field.values && field.values[item]) chip.title = field.values[item];
        box.appendChild(chip);
      });
      return box;
    }
    if (field.type === "boolean") { box.textContent = items[0] ? "yes" : "no"; return box; }
    box.textContent = items.map(String).join("; ");
    return box;
  }

  function fatalities(value) {
    if (value === null || value === undefined) return "–";
    if (typeof value === "object") return value.min + "–" + value.max;
    return String(value);
  }

  function focusEvent(number) {
    document.body.classList.toggle("focused", number > 0);
    for (const node of eventsBox.querySelectorAll(".card")) {
      node.classList.toggle("active", node.dataset.event === String(number));
    }
    let first = null;
    for (const mark of articleBox.querySelectorAll("mark.quote")) {
      const active = number > 0 && mark.dataset.events.split(" ").includes(String(number - 1));
      mark.classList.toggle("active", active);
      if (active && first === null) first = mark;
    }
    if (first !== null) first.scrollIntoView({ block: "center" });
  }

  let searchTimer = 0;
  search.addEventListener("input", () => {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => writeState({ q: search.value.trim(), event: 0 }), 150);
  });
  typeSelect.addEventListener("change", () => writeState({ type: typeSelect.value, event: 0 }));
  countrySelect.addEventListener("change", () => writeState({ country: countrySelect.value, event: 0 }));
  window.addEventListener("hashchange", () => apply(readState()));
  // j / k or the arrow keys walk the list; "/" goes to the search box.
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement) return;
    if (event.key === "/") { event.preventDefault(); search.focus(); return; }
    const step = { ArrowDown: 1, j: 1, ArrowUp: -1, k: -1 }[event.key];
    if (!step || !shown.length) return;
    const position = shown.indexOf(byId.get(state.article));
    const next = shown[Math.min(shown.length - 1, Math.max(0, position + step))];
    event.preventDefault();
    writeState({ article: articles[next].id, event: 0 });
  });

  apply(readState());
  performance.mark("review-ready");
  document.body.dataset.ready = "true";
  console.log("review-ready " + Math.round(performance.now()) + " ms, " + articles.length + " articles");
})();
