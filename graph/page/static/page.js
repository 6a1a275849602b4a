/* The query page of `kg serve` (graph/page): the project's query library beside the YASGUI editor.

   The library comes from GET /library; a library query runs with GET /library/NAME?param=value, the
   server binding the parameters (VALUES) and answering SPARQL JSON results, shown by YASGUI's result
   viewer. Result IRIs link to /entity?iri=..., this server's description of the entity. Every text
   from the server reaches the page through textContent; nothing is fetched from another site.
   window.kgPage tells a test (or a curious user) what the page holds. */
(function () {
  "use strict";

  const page = { ready: false, queries: [], prefixes: {}, yasgui: null, chosen: null, runs: 0 };
  window.kgPage = page;

  const byId = (id) => document.getElementById(id);

  function make(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    return node;
  }

  function status(message, isError) {
    const line = byId("status");
    line.textContent = message;
    line.className = isError ? "error" : "";
  }

  function entityHref(iri) {
    return "/entity?iri=" + encodeURIComponent(iri);
  }

  /* YASR links an IRI to itself (a w3id.org IRI that does not resolve here): link it to its description */
  function relink(root) {
    for (const a of root.querySelectorAll("a.iri")) {
      if (a.dataset.iri !== undefined) continue;
      const iri = a.getAttribute("href");
      if (!iri) continue;
      a.dataset.iri = iri;
      a.setAttribute("href", entityHref(iri));
      a.removeAttribute("target");
      a.title = iri;
    }
  }

  function prefixLines() {
    return Object.entries(page.prefixes).map(([p, ns]) => "PREFIX " + p + ": <" + ns + ">").join("\n");
  }

  function startingQuery() {
    return prefixLines() + "\n\n" +
      "SELECT ?base ?baseLabel ?partner ?partnerLabel WHERE {\n" +
      "  ?base akg:hostsForcesOf ?partner ;\n" +
      "        rdfs:label ?baseLabel .\n" +
      "  ?partner rdfs:label ?partnerLabel .\n" +
      "}\nORDER BY ?baseLabel ?partnerLabel\nLIMIT 100\n";
  }

  function startYasgui() {
    const endpoint = window.location.origin + "/query";
    const Yasqe = Yasgui.Yasqe;
    // completions from the project's prefixes, never from prefix.cc or the LOV service
    Yasqe.forkAutocompleter("prefixes", {
      name: "kgPrefixes",
      persistenceId: null,
      get: () => Object.entries(page.prefixes).map(([p, ns]) => p + ": <" + ns + ">").sort(),
    });
    Yasqe.defaults.autocompleters = ["kgPrefixes", "variables"];
    Yasgui.defaults.yasqe.autocompleters = ["kgPrefixes", "variables"];
    Yasqe.defaults.prefixCcApi = null;
    page.yasgui = new Yasgui(byId("yasgui"), {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      populateFromUrl: false,
      persistenceId: null,
      autofocus: false,
      endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }], keys: [] },
      yasqe: { value: startingQuery() },
      yasr: { prefixes: page.prefixes },
    });
    const root = byId("yasgui");
    new MutationObserver(() => relink(root)).observe(root, { childList: true, subtree: true });
  }

  function showLibrary() {
    const list = byId("queries");
    for (const q of page.queries) {
      const button = make("button", q.name, { type: "button", class: "query", "data-query": q.name });
      button.addEventListener("click", () => choose(q.name));
      const item = make("li");
      item.append(button, make("span", q.summary, { class: "summary" }));
      list.append(item);
    }
    const prefixes = byId("prefixes");
    for (const [p, ns] of Object.entries(page.prefixes)) prefixes.append(make("dt", p + ":"), make("dd", ns));
  }

  function choose(name) {
    const q = page.queries.find((item) => item.name === name);
    if (!q) return;
    page.chosen = q;
    for (const b of byId("queries").querySelectorAll("button")) b.classList.toggle("active", b.dataset.query === name);
    byId("chosen").hidden = false;
    byId("chosen-name").textContent = q.name;
    byId("chosen-summary").textContent = q.summary;
    byId("chosen-description").textContent = q.description;
    const fields = byId("param-fields");
    fields.replaceChildren();
    for (const p of q.params) {
      const id = "param-" + p.name;
      const field = make("div", null, { class: "field" });
      field.append(make("label", p.name + " (" + p.kind + (p.required ? "" : ", optional") + ")", { for: id }));
      const input = make("input", null, { id: id, name: p.name, type: "text", "data-kind": p.kind });
      if (p.required) input.required = true;
      if (p.description) input.placeholder = p.description;
      field.append(input);
      fields.append(field);
    }
    page.yasgui.getTab().getYasqe().setValue(q.text);
    status("");
  }

  async function run(event) {
    event.preventDefault();
    const q = page.chosen;
    if (!q) return;
    const params = new URLSearchParams();
    for (const input of byId("param-fields").querySelectorAll("input")) {
      if (input.value !== "") params.append(input.name, input.value);
    }
    const query = params.toString();
    const url = "/library/" + encodeURIComponent(q.name) + (query ? "?" + query : "");
    status("Running " + q.name + "...");
    const started = performance.now();
    let response, text;
    try {
      response = await fetch(url, { headers: { Accept: "application/sparql-results+json" } });
      text = await response.text();
    } catch (err) {
      status("The server did not answer: " + err.message, true);
      return;
    }
    page.runs += 1;
    if (!response.ok) {
      status(text.trim(), true);
      return;
    }
    page.yasgui.getTab().getYasr().setResponse({
      data: text,
      contentType: response.headers.get("Content-Type") || "application/sparql-results+json",
      status: response.status,
      executionTime: Math.round(performance.now() - started),
    });
    const ctype = response.headers.get("Content-Type") || "";
    const answer = ctype.includes("json") ? JSON.parse(text) : null;
    if (answer === null) {
      status(q.name + ": a graph (" + ctype.split(";")[0] + ")");
    } else if ("boolean" in answer) {
      status(q.name + ": " + answer.boolean);
    } else {
      const n = answer.results.bindings.length;
      status(q.name + ": " + n + (n === 1 ? " result" : " results"));
    }
  }

  async function init() {
    try {
      const response = await fetch("/library", { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error((await response.text()).trim());
      const library = await response.json();
      page.queries = library.queries;
      page.prefixes = library.prefixes;
    } catch (err) {
      status("Cannot read the query library: " + err.message, true);
    }
    startYasgui();
    showLibrary();
    byId("params").addEventListener("submit", run);
    page.ready = true;
  }

  init();
})();
