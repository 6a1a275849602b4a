  // The network page's script (graph/templates/network.js, then map.js, in one block).
  // Every text from a document reaches the page through textContent; nothing is parsed as HTML.
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var DIM_NODE = { background: "#e4e4e4", border: "#d0d0d0" };
  var DIM_EDGE = "#e8e8e8";
  var MAX_EVIDENCE = 3;
  var MAX_FACTS = 6;
  // the page's own keys of a node or edge row (graph/netdata.py OWN_KEYS): not handed to vis-network
  var OWN = {};
  data.own_keys.forEach(function (k) { OWN[k] = true; });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  var styles = Object.create(null);
  data.types.forEach(function (t) { styles[t.type] = t; });
  function styleOf(n) { return styles[n.type] || { label: n.type, color: "#9d9d9d", shape: "dot" }; }
  var byId = Object.create(null);
  data.nodes.forEach(function (n) { byId[n.id] = n; });
  var byEdge = Object.create(null);
  data.edges.forEach(function (e) { byEdge[e.id] = e; });

  // ---- evidence: items [document, section, start, end, sentence] referenced by index from the edges
  function evItem(i) {
    var it = data.evidence.items[i], doc = data.evidence.docs[it[0]];
    var ev = { quote: data.evidence.quotes[it[4]], title: doc[0], path: doc[1] };
    if (it[1] >= 0) { ev.section = data.evidence.sections[it[1]]; }
    if (it[2] >= 0) { ev.start = it[2]; ev.end = it[3]; }
    return ev;
  }
  function edgeEvidence(e) { return (e.ev || []).map(evItem); }

  function sourceText(ev) {
    var where = ev.title || ev.path || "";
    if (ev.path && ev.title) { where += " (" + ev.path + ")"; }
    if (ev.section) { where += ", section \u201c" + ev.section + "\u201d"; }
    if (ev.start !== undefined) { where += ", chars " + ev.start + "\u2013" + ev.end; }
    return "\u2014 " + where;
  }

  // total: how many sentences there are (the page embeds at most graph.netdata.EVIDENCE_PER_EDGE = 20 per fact)
  function appendEvidence(box, evidence, max, total) {
    var shown = evidence.slice(0, max);
    shown.forEach(function (ev) {
      box.appendChild(el("div", "quote", "\u201c" + (ev.quote || "") + "\u201d"));
      box.appendChild(el("div", "source", sourceText(ev)));
    });
    var more = Math.max(total === undefined ? evidence.length : total, evidence.length) - shown.length;
    if (more > 0) { box.appendChild(el("div", "tip-more", "\u2026 and " + more + " more")); }
  }

  var incident = Object.create(null);
  data.edges.forEach(function (e) {
    (incident[e.from] = incident[e.from] || []).push(e);
    if (e.to !== e.from) { (incident[e.to] = incident[e.to] || []).push(e); }
  });
  function other(e, id) { return e.from === id ? e.to : e.from; }
  function edgeHeadline(e) { return byId[e.from].label + " \u2192 " + e.label + " \u2192 " + byId[e.to].label; }

  function nodeTooltip(n) {
    var box = el("div", "tip");
    box.appendChild(el("div", "tip-title", n.label));
    box.appendChild(el("div", "tip-type", styleOf(n).label));
    (n.info || []).forEach(function (row) { box.appendChild(el("div", "", row[0] + ": " + row[1])); });
    var facts = incident[n.id] || [];
    var evs = [], seen = Object.create(null), notEmbedded = 0;
    facts.forEach(function (e) {
      (e.ev || []).forEach(function (i) { if (!seen[i]) { seen[i] = true; evs.push(evItem(i)); } });
      notEmbedded += Math.max(0, (e.evn || 0) - (e.ev || []).length);
    });
    if (facts.length) {
      box.appendChild(el("div", "tip-type", "Facts (" + facts.length + "):"));
      facts.slice(0, MAX_FACTS).forEach(function (e) { box.appendChild(el("div", "", edgeHeadline(e))); });
      if (facts.length > MAX_FACTS) { box.appendChild(el("div", "tip-more", "\u2026 and " + (facts.length - MAX_FACTS) + " more")); }
    }
    if (evs.length) {
      var count = evs.length + notEmbedded;
      box.appendChild(el("div", "tip-type", "Evidence (" + (notEmbedded ? "up to " : "") + count +
        (count === 1 ? " sentence" : " sentences") + "):"));
      appendEvidence(box, evs, MAX_EVIDENCE, count);
    }
    return box;
  }

  function edgeTooltip(e) {
    var box = el("div", "tip");
    box.appendChild(el("div", "tip-title", edgeHeadline(e)));
    box.appendChild(el("div", "tip-type", "relation: " + e.relation +
      (e.sy !== undefined ? ", since " + e.sy : "") + (e.ey !== undefined ? ", until " + e.ey : "")));
    if ((e.ev || []).length) { appendEvidence(box, edgeEvidence(e), MAX_EVIDENCE, e.evn); }
    else { box.appendChild(el("div", "tip-more", "no evidence recorded")); }
    return box;
  }

  // ---- what is shown: clusters (closed groups), expanded nodes, filters
  var state = {
    ready: false, selected: null, highlighted: [], hidden: Object.create(null), ids: Object.create(null),
    mode: data.overview ? data.default_cluster : "none", closed: Object.create(null), expanded: Object.create(null),
    hiddenRel: Object.create(null), showConcepts: false, minDegree: 0, year: null, opened: [], added: []
  };
  data.nodes.forEach(function (n) { state.ids[n.key] = n.id; });
  window.kgView = state;

  var typeIndex = Object.create(null);
  data.types.forEach(function (t, i) { typeIndex[t.type] = i; });
  function groupsOf(mode) {
    if (mode === "type") { return { names: data.types.map(function (t) { return t.label; }),
                                     of: data.nodes.map(function (n) { return typeIndex[n.type]; }) }; }
    return data.groups[mode] || null;
  }
  var groups = null, groupSize = [];
  function setMode(mode) {
    state.mode = mode;
    groups = mode === "none" ? null : groupsOf(mode);
    groupSize = [];
    state.closed = Object.create(null);
    state.expanded = Object.create(null);
    if (!groups) { return; }
    data.nodes.forEach(function (n, i) {
      var g = groups.of[i];
      if (g >= 0 && !n.concept) { groupSize[g] = (groupSize[g] || 0) + 1; }
    });
    groupSize.forEach(function (s, g) { if (s > 1) { state.closed[g] = true; } });
  }
  function groupOf(n) {
    if (!groups || n.concept) { return -1; }
    var g = groups.of[n._i];
    return g >= 0 && groupSize[g] > 1 ? g : -1;
  }
  data.nodes.forEach(function (n, i) { n._i = i; });
  function rep(n) {
    var g = groupOf(n);
    return g >= 0 && state.closed[g] && !state.expanded[n.id] ? "c:" + g : n.id;
  }
  function nodeHidden(n) {
    return !!(state.hidden[n.type] || (n.concept && !state.showConcepts) || (!n.concept && (n.deg || 0) < state.minDegree));
  }
  function edgeFiltered(e) {
    if (state.hiddenRel[e.relation]) { return true; }
    if (state.year === null) { return false; }
    return (e.sy !== undefined && e.sy > state.year) || (e.ey !== undefined && e.ey < state.year);
  }

  function colorOf(hex) {
    return { background: hex, border: "#444", highlight: { background: hex, border: "#000" }, hover: { background: hex, border: "#000" } };
  }
  var relColor = Object.create(null);
  data.relations.forEach(function (r) { relColor[r.relation] = r.color; });

  function visNode(n) {
    var v = {};
    Object.keys(n).forEach(function (k) { if (!OWN[k] && k !== "_i") { v[k] = n[k]; } });
    if (v.color === undefined) { v.color = colorOf(styleOf(n).color); }  // by type (the legend's colour)
    if (v.shape === undefined) { v.shape = styleOf(n).shape; }
    v.hidden = nodeHidden(n);
    if (n.concept) { v.physics = false; }
    if (v.font === undefined) { v.font = { color: "#222" }; }
    return v;
  }
  function visEdge(e) {
    var v = {};
    Object.keys(e).forEach(function (k) { if (!OWN[k]) { v[k] = e[k]; } });
    v.hidden = edgeFiltered(e);
    if (byId[e.from].concept || byId[e.to].concept) { v.physics = false; }
    if (v.smooth === undefined) { v.smooth = false; }
    if (v.color === undefined) { v.color = { color: relColor[e.relation] || "#aaaaaa", highlight: "#333", hover: "#333" }; }
    return v;
  }

  // clusters placed at their members' centre overlap: push them apart (positions kept per cluster and mode)
  var spreadAt = Object.create(null);
  function spread(cs) {
    cs = cs.filter(function (c) { return c.x !== undefined; });
    var fresh = cs.filter(function (c) { return !spreadAt[state.mode + c.id]; });
    for (var round = 0; fresh.length && round < 60; round++) {
      var moved = false;
      for (var i = 0; i < cs.length; i++) {
        for (var j = i + 1; j < cs.length; j++) {
          var a = cs[i], b = cs[j], dx = b.x - a.x, dy = b.y - a.y, d = Math.sqrt(dx * dx + dy * dy) || 0.01;
          var need = a.size + b.size + 110;
          if (d < need) {
            var push = (need - d) / 2;
            a.x -= dx / d * push; a.y -= dy / d * push; b.x += dx / d * push; b.y += dy / d * push;
            moved = true;
          }
        }
      }
      if (!moved) { break; }
    }
    cs.forEach(function (c) {
      var k = state.mode + c.id;
      if (spreadAt[k] && !fresh.length) { c.x = spreadAt[k][0]; c.y = spreadAt[k][1]; } else { spreadAt[k] = [c.x, c.y]; }
    });
  }

  // the nodes and edges the DataSets should hold now: every node not inside a closed cluster, one node
  // per closed cluster, the edges between shown nodes and one summary edge per pair of touching clusters
  function wanted() {
    var nodesW = Object.create(null), edgesW = Object.create(null), members = Object.create(null);
    data.nodes.forEach(function (n) {
      var r = rep(n);
      if (r === n.id) { nodesW[n.id] = visNode(n); }
      else { (members[r] = members[r] || []).push(n); }
    });
    Object.keys(members).forEach(function (cid) {
      var ms = members[cid], g = +cid.slice(2), x = 0, y = 0, placed = 0, shown = 0;
      ms.forEach(function (n) {
        if (n.x !== undefined) { x += n.x; y += n.y; placed += 1; }
        if (!nodeHidden(n)) { shown += 1; }
      });
      var c = { id: cid, label: groups.names[g] + " (" + ms.length + ")", shape: "dot", size: 14 + 5 * Math.sqrt(ms.length),
                color: { background: "#dfe7f2", border: "#5b7aa8", highlight: { background: "#c9d8ee", border: "#2f4b7c" },
                         hover: { background: "#c9d8ee", border: "#2f4b7c" } },
                borderWidth: 2, font: { color: "#1f3556", size: Math.round(14 + 1.2 * Math.sqrt(ms.length)), background: "rgba(255,255,255,0.85)" }, hidden: shown === 0,
                title: groups.names[g] + ": " + ms.length + " nodes (click to open)" };
      if (placed) { c.x = x / placed; c.y = y / placed; }
      nodesW[cid] = c;
    });
    spread(Object.keys(members).map(function (cid) { return nodesW[cid]; }));
    data.edges.forEach(function (e) {
      var a = rep(byId[e.from]), b = rep(byId[e.to]);
      if (a === e.from && b === e.to) { edgesW[e.id] = visEdge(e); return; }
      if (a === b) { return; }
      var key = "a:" + (String(a) < String(b) ? a + "|" + b : b + "|" + a);
      var s = edgesW[key];
      if (!s) { s = edgesW[key] = { id: key, from: a, to: b, count: 0, live: 0, smooth: false, arrows: "",
                                    color: { color: "#9aa7b8", highlight: "#333", hover: "#333" } }; }
      s.count += 1;
      if (!edgeFiltered(e)) { s.live += 1; }
    });
    Object.keys(edgesW).forEach(function (k) {
      var s = edgesW[k];
      if (s.count === undefined) { return; }
      s.width = Math.min(1 + Math.log(s.count) / Math.LN2, 8);
      s.color = { color: "rgba(70,95,130," + Math.min(0.15 + 0.1 * Math.log(s.count) / Math.LN2, 0.8).toFixed(2) + ")",
                  highlight: "#333", hover: "#333" };
      s.title = s.count + (s.count === 1 ? " fact" : " facts");
      s.label = s.count > 1 ? String(s.count) : "";
      s.hidden = s.live === 0;
      delete s.count; delete s.live;
    });
    return { nodes: nodesW, edges: edgesW };
  }

  setMode(state.mode);
  var w0 = wanted();
  var nodes = new vis.DataSet(Object.keys(w0.nodes).map(function (k) { return w0.nodes[k]; }));
  var edges = new vis.DataSet(Object.keys(w0.edges).map(function (k) { return w0.edges[k]; }));
  var baseColor = Object.create(null);

  function sync(ds, want) {
    var have = Object.create(null), add = [], remove = [], update = [];
    ds.getIds().forEach(function (id) { have[id] = true; if (!want[id]) { remove.push(id); } });
    Object.keys(want).forEach(function (k) {
      var v = want[k];
      if (!have[v.id]) { add.push(v); }
      else {
        var cur = ds.get(v.id);
        if (!!cur.hidden !== !!v.hidden || cur.label !== v.label) { update.push({ id: v.id, hidden: v.hidden, label: v.label }); }
      }
    });
    if (remove.length) { ds.remove(remove); }
    if (add.length) { ds.add(add); }
    if (update.length) { ds.update(update); }
    return add.map(function (v) { return v.id; });
  }

  function refresh() {
    var w = wanted();
    var added = sync(nodes, w.nodes);
    sync(edges, w.edges);
    if (state.selected !== null && !nodes.get(state.ids[state.selected])) { state.selected = null; }
    if (typeof drawMap === "function") { drawMap(); }
    return added;
  }

  var container = document.getElementById("graph");
  var options = data.options;
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, options);
  window.network = network;
  // a white background under the drawing, so a saved PNG is not transparent
  network.on("beforeDrawing", function (ctx) {
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    ctx.restore();
  });

  // tooltips are built on the first hover (thousands of DOM trees would slow the first frame)
  var tipDone = Object.create(null);
  network.on("hoverNode", function (p) {
    var n = byId[p.node];
    if (n && !tipDone["n" + p.node]) { tipDone["n" + p.node] = true; nodes.update({ id: p.node, title: nodeTooltip(n) }); }
  });
  network.on("hoverEdge", function (p) {
    var e = byEdge[p.edge];
    if (e && !tipDone["e" + p.edge]) { tipDone["e" + p.edge] = true; edges.update({ id: p.edge, title: edgeTooltip(e) }); }
  });

  // ---- header
  document.getElementById("page-title").textContent = data.title;
  document.title = data.title;
  document.getElementById("counts").textContent = data.nodes.length + " nodes \u00b7 " + data.edges.length + " relations";

  // ---- highlight the neighbourhood of a node (or a cluster)
  function highlight(id) {
    var keep = Object.create(null), touching = Object.create(null);
    var neighbours = id === null ? [] : network.getConnectedNodes(id);
    if (id !== null) {
      keep[id] = true;
      neighbours.forEach(function (m) { keep[m] = true; });
      network.getConnectedEdges(id).forEach(function (e) { touching[e] = true; });
    }
    nodes.update(nodes.get().map(function (v) {
      var on = id === null || keep[v.id];
      if (baseColor[v.id] === undefined) { baseColor[v.id] = v.color; }
      return { id: v.id, color: on ? baseColor[v.id] : DIM_NODE, font: { color: on ? "#222" : "#bbb" } };
    }));
    edges.update(edges.get().map(function (v) {
      if (baseColor["e" + v.id] === undefined) { baseColor["e" + v.id] = v.color; }
      var on = id === null || touching[v.id];
      return { id: v.id, color: on ? baseColor["e" + v.id] : { color: DIM_EDGE, highlight: "#333", hover: "#333" },
               font: { color: on ? "#555" : "#ccc" } };
    }));
    state.selected = id === null || byId[id] === undefined ? null : byId[id].key;
    state.highlighted = neighbours.filter(function (m) { return byId[m] !== undefined; })
      .map(function (m) { return byId[m].key; }).sort();
    showDetails(id);
  }

  function clear(box) { while (box.firstChild) { box.removeChild(box.firstChild); } }

  function showDetails(id) {
    var box = document.getElementById("details");
    clear(box);
    if (id === null || id === undefined) {
      box.appendChild(el("p", "hint", "Hover a node or an arrow for its evidence; click a node to highlight its neighbours" +
        (state.mode !== "none" ? ", click a cluster to open it." : ".")));
      return;
    }
    if (typeof id === "string" && id.slice(0, 2) === "c:") {
      var g = +id.slice(2), ms = data.nodes.filter(function (n) { return rep(n) === id; });
      box.appendChild(el("div", "name", groups.names[g]));
      box.appendChild(el("div", "type", "cluster of " + ms.length + " nodes (click to open)"));
      ms.slice(0, 40).forEach(function (n) { box.appendChild(el("div", "", n.label + " \u00b7 " + styleOf(n).label)); });
      if (ms.length > 40) { box.appendChild(el("div", "tip-more", "\u2026 and " + (ms.length - 40) + " more")); }
      return;
    }
    var n = byId[id];
    box.appendChild(el("div", "name", n.label));
    box.appendChild(el("div", "type", styleOf(n).label));
    var dl = el("dl");
    (n.info || []).forEach(function (row) { dl.appendChild(el("dt", "", row[0])); dl.appendChild(el("dd", "", row[1])); });
    // concepts (areas, threats, purposes, periods) as attributes of the node that points at them
    var facts = incident[id] || [], concepts = Object.create(null), conceptFacts = [], order = [];
    facts.forEach(function (e) {
      var m = byId[other(e, id)];
      if (m.concept && !n.concept) {
        if (!concepts[e.label]) { concepts[e.label] = []; order.push(e.label); }
        concepts[e.label].push(m.label);
        conceptFacts.push(e);
      }
    });
    order.forEach(function (label) { dl.appendChild(el("dt", "", label)); dl.appendChild(el("dd", "", concepts[label].sort().join(", "))); });
    box.appendChild(dl);
    facts.forEach(function (e) {
      if (conceptFacts.indexOf(e) >= 0) { return; }
      var rel = el("div", "rel");
      rel.appendChild(el("div", "rel-head", edgeHeadline(e)));
      appendEvidence(rel, edgeEvidence(e), 20, e.evn);
      box.appendChild(rel);
    });
    if (conceptFacts.length) {
      var more = el("details");
      more.appendChild(el("summary", "", "Evidence of the " + conceptFacts.length + " concept facts"));
      conceptFacts.forEach(function (e) {
        var rel = el("div", "rel");
        rel.appendChild(el("div", "rel-head", edgeHeadline(e)));
        appendEvidence(rel, edgeEvidence(e), 20, e.evn);
        more.appendChild(rel);
      });
      box.appendChild(more);
    }
  }

  // ---- open a cluster; expand a node: its neighbours inside closed clusters come out of them
  function openCluster(cid) {
    var g = +cid.slice(2);
    state.closed[g] = false;
    state.opened.push(groups.names[g]);
    state.added = refresh();
    highlight(null);
  }
  function expand(id) {
    var n = byId[id];
    (incident[id] || []).forEach(function (e) {
      var m = byId[other(e, id)];
      if (rep(m) !== m.id) { state.expanded[m.id] = true; }
    });
    state.added = refresh();
    return n;
  }

  network.on("click", function (params) {
    if (params.nodes.length) {
      var id = params.nodes[0];
      if (typeof id === "string" && id.slice(0, 2) === "c:") { openCluster(id); return; }
      expand(id);
      network.selectNodes([id]);
      highlight(id);
    } else if (!params.edges.length) { highlight(null); }
  });

  // ---- legend with a filter by type (built with DOM APIs only)
  var legend = document.getElementById("legend");
  data.types.forEach(function (t) {
    var row = el("label"), box = el("input"), glyph = el("span", "glyph", t.glyph);
    box.type = "checkbox";
    box.checked = true;
    box.value = t.type;
    box.setAttribute("data-type", t.type);
    glyph.style.color = t.color;
    row.appendChild(box);
    row.appendChild(glyph);
    row.appendChild(el("span", "", t.label));
    row.appendChild(el("span", "count", t.count));
    box.addEventListener("change", function () { state.hidden[t.type] = !box.checked; refresh(); });
    legend.appendChild(row);
  });
  legend.appendChild(el("div", "edge-key", "Arrows: subject \u2192 relation \u2192 object"));

  // ---- relation legend: arrow colours, a filter by relation
  var relations = document.getElementById("relations");
  data.relations.forEach(function (r) {
    var row = el("label"), box = el("input"), swatch = el("span", "swatch");
    box.type = "checkbox";
    box.checked = true;
    box.setAttribute("data-relation", r.relation);
    swatch.style.background = r.color;
    row.appendChild(box);
    row.appendChild(swatch);
    row.appendChild(el("span", "", r.label));
    row.appendChild(el("span", "count", r.count));
    box.addEventListener("change", function () { state.hiddenRel[r.relation] = !box.checked; refresh(); });
    relations.appendChild(row);
  });

  // ---- view controls: clusters, concepts, a degree threshold, a year
  var modeBox = document.getElementById("cluster-mode");
  Array.prototype.slice.call(modeBox.options).forEach(function (o) {
    if (o.value !== "none" && o.value !== "type" && !data.groups[o.value]) { modeBox.removeChild(o); }
  });
  modeBox.value = state.mode;
  modeBox.addEventListener("change", function () {
    setMode(modeBox.value);
    state.added = refresh();
    highlight(null);
    network.fit({ animation: false });
  });
  var nConcepts = data.nodes.filter(function (n) { return n.concept; }).length;
  if (nConcepts) {
    document.getElementById("concepts-row").hidden = false;
    document.getElementById("concept-count").textContent = nConcepts;
  }
  document.getElementById("show-concepts").addEventListener("change", function (ev) {
    state.showConcepts = ev.target.checked;
    if (state.showConcepts) { placeConcepts(); }
    refresh();
  });
  // a concept drawn as a node goes round the first node that points at it
  function placeConcepts() {
    var ring = Object.create(null);
    data.nodes.forEach(function (n) {
      if (!n.concept || !nodes.get(n.id)) { return; }
      var owner = (incident[n.id] || []).map(function (e) { return other(e, n.id); })
        .filter(function (m) { return !byId[m].concept && nodes.get(m); })[0];
      if (owner === undefined) { return; }
      var k = ring[owner] = (ring[owner] || 0) + 1, p = network.getPositions([owner])[owner];
      var a = k * 2.39996, r = 110 + 14 * Math.sqrt(k);
      network.moveNode(n.id, p.x + r * Math.cos(a), p.y + r * Math.sin(a));
    });
  }
  var maxDeg = data.nodes.reduce(function (m, n) { return Math.max(m, n.deg || 0); }, 0);
  var degBox = document.getElementById("min-degree");
  degBox.max = String(Math.max(1, Math.min(maxDeg, 30)));
  degBox.addEventListener("input", function () {
    state.minDegree = +degBox.value;
    document.getElementById("min-degree-value").textContent = degBox.value;
    refresh();
  });
  if (data.years) {
    var yearBox = document.getElementById("year"), yearOn = document.getElementById("year-on");
    document.getElementById("year-row").hidden = false;
    yearBox.min = String(data.years[0]);
    yearBox.max = String(data.years[1]);
    yearBox.value = String(data.years[1]);
    document.getElementById("year-value").textContent = yearBox.value;
    var setYear = function () {
      document.getElementById("year-value").textContent = yearBox.value;
      state.year = yearOn.checked ? +yearBox.value : null;
      refresh();
    };
    yearBox.addEventListener("input", setYear);
    yearOn.addEventListener("change", setYear);
  }

  // ---- search (options built with DOM APIs only)
  var names = document.getElementById("node-names");
  data.nodes.slice().sort(function (a, b) { return a.label < b.label ? -1 : a.label > b.label ? 1 : 0; })
    .forEach(function (n) { var o = document.createElement("option"); o.value = n.label; names.appendChild(o); });
  var status = document.getElementById("search-status");

  function find(text) {
    var q = text.trim().toLowerCase();
    if (!q) { return null; }
    var visible = data.nodes.filter(function (n) { return !state.hidden[n.type]; });
    var exact = visible.filter(function (n) { return n.label.toLowerCase() === q; });
    if (exact.length) { return exact[0]; }
    var part = visible.filter(function (n) { return n.label.toLowerCase().indexOf(q) >= 0; });
    return part.length ? part[0] : null;
  }

  document.getElementById("search-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = document.getElementById("search").value;
    var n = find(text);
    if (!n) { status.textContent = text.trim() ? "no node matches \u201c" + text.trim() + "\u201d" : ""; return; }
    status.textContent = "found: " + n.label;
    if (rep(n) !== n.id) { state.expanded[n.id] = true; refresh(); }
    if (n.concept && !state.showConcepts) { document.getElementById("show-concepts").click(); }
    if (typeof showMapNode === "function" && mapShown()) { showMapNode(n.id); return; }
    network.selectNodes([n.id]);
    network.focus(n.id, { scale: Math.max(network.getScale(), 1.0), animation: false });
    highlight(n.id);
  });

  // ---- the current view as a PNG file (the map's canvas when the map is shown)
  function savePng() {
    var canvas = mapShown() ? document.getElementById("map-canvas") : container.querySelector("canvas");
    var url = canvas.toDataURL("image/png");
    var a = document.createElement("a");
    a.download = mapShown() ? "map.png" : "network.png";
    a.setAttribute("href", url);  // a data: URL of the image itself; the anchor is never attached
    a.click();
    state.png = url.length;
  }
  document.getElementById("png").addEventListener("click", savePng);
