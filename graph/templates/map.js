
  // ---- the map view (graph/templates/map.js): bases and countries at their coordinates on Natural Earth
  // outlines (graph/data/world-110m.json), equirectangular: x = (lon - west) * scale, y = (north - lat) * scale
  var BASE_TYPES = { MilitaryBase: true, AirBase: true, NavalBase: true };
  var mapBox = document.getElementById("map-view"), mapCanvas = document.getElementById("map-canvas");
  var mapTip = document.getElementById("map-tip");
  var located = data.nodes.filter(function (n) { return n.lat !== undefined && n.lon !== undefined; });
  var kgMap = { view: null, markers: [], selected: null, arcs: 0 };
  window.kgMap = kgMap;
  var world = data.world ? data.world.rings : [], worldScale = data.world ? data.world.scale : 10;

  function mapShown() { return !mapBox.hidden; }

  function fitMap() {
    var w = mapCanvas.clientWidth, h = mapCanvas.clientHeight;
    var shown = located.filter(function (n) { return !state.hidden[n.type]; });
    if (!shown.length) { shown = located; }
    var west = 180, east = -180, south = 90, north = -90;
    shown.forEach(function (n) {
      west = Math.min(west, n.lon); east = Math.max(east, n.lon);
      south = Math.min(south, n.lat); north = Math.max(north, n.lat);
    });
    var padX = Math.max(8, (east - west) * 0.12), padY = Math.max(6, (north - south) * 0.12);
    west = Math.max(-180, west - padX); east = Math.min(180, east + padX);
    south = Math.max(-85, south - padY); north = Math.min(85, north + padY);
    var scale = Math.min(w / (east - west), h / (north - south));
    // centre the box in the canvas
    kgMap.view = { west: (west + east) / 2 - w / 2 / scale, north: (north + south) / 2 + h / 2 / scale, scale: scale };
  }

  function project(lon, lat) {
    var v = kgMap.view;
    return [(lon - v.west) * v.scale, (v.north - lat) * v.scale];
  }

  function sizeCanvas() {
    var r = window.devicePixelRatio || 1;
    mapCanvas.width = Math.round(mapCanvas.clientWidth * r);
    mapCanvas.height = Math.round(mapCanvas.clientHeight * r);
  }

  function mapEdges() {
    return data.edges.filter(function (e) {
      var a = byId[e.from], b = byId[e.to];
      return e.relation !== "locatedIn" && a.lat !== undefined && b.lat !== undefined && !edgeFiltered(e) &&
        !nodeHidden(a) && !nodeHidden(b);
    });
  }

  function drawMap() {
    if (!mapShown() || !kgMap.view) { return; }
    var ctx = mapCanvas.getContext("2d"), r = window.devicePixelRatio || 1;
    var w = mapCanvas.clientWidth, h = mapCanvas.clientHeight;
    ctx.setTransform(r, 0, 0, r, 0, 0);
    ctx.fillStyle = "#dde9f3";
    ctx.fillRect(0, 0, w, h);
    // land
    ctx.fillStyle = "#f6f3ea";
    ctx.strokeStyle = "#a9a392";
    ctx.lineWidth = 0.7;
    world.forEach(function (ring) {
      ctx.beginPath();
      for (var i = 0; i < ring.length; i += 2) {
        var p = project(ring[i] / worldScale, ring[i + 1] / worldScale);
        if (i === 0) { ctx.moveTo(p[0], p[1]); } else { ctx.lineTo(p[0], p[1]); }
      }
      ctx.closePath();
      ctx.fill();
      ctx.stroke();
    });
    // arcs: one per fact between two placed entities (host base -> partner country, ...)
    var sel = kgMap.selected, arcs = mapEdges();
    kgMap.arcs = arcs.length;
    arcs.forEach(function (e) {
      var a = project(byId[e.from].lon, byId[e.from].lat), b = project(byId[e.to].lon, byId[e.to].lat);
      var dx = b[0] - a[0], dy = b[1] - a[1], len = Math.sqrt(dx * dx + dy * dy) || 1;
      var bend = 0.2 * len * (dx >= 0 ? -1 : 1);
      var cx = (a[0] + b[0]) / 2 - dy / len * bend, cy = (a[1] + b[1]) / 2 + dx / len * bend;
      var on = sel === null || e.from === sel || e.to === sel;
      ctx.strokeStyle = relColor[e.relation] || "#888";
      ctx.globalAlpha = on ? 0.85 : 0.12;
      ctx.lineWidth = on && sel !== null ? 2.4 : 1.5;
      ctx.beginPath();
      ctx.moveTo(a[0], a[1]);
      ctx.quadraticCurveTo(cx, cy, b[0], b[1]);
      ctx.stroke();
    });
    ctx.globalAlpha = 1;
    // markers: countries first, bases on top
    var markers = [];
    var order = located.filter(function (n) { return !nodeHidden(n) || n.concept; })
      .sort(function (a, b) { return (BASE_TYPES[a.type] ? 1 : 0) - (BASE_TYPES[b.type] ? 1 : 0); });
    order.forEach(function (n) {
      var p = project(n.lon, n.lat), base = !!BASE_TYPES[n.type], radius = base ? 6 : 4;
      ctx.beginPath();
      ctx.arc(p[0], p[1], radius, 0, 2 * Math.PI);
      ctx.fillStyle = styleOf(n).color;
      ctx.globalAlpha = sel === null || sel === n.id || isNeighbour(sel, n.id) ? 1 : 0.35;
      ctx.fill();
      ctx.lineWidth = sel === n.id ? 3 : 1.5;
      ctx.strokeStyle = sel === n.id ? "#000" : "#ffffff";
      ctx.stroke();
      markers.push({ id: n.id, key: n.key, type: n.type, base: base, x: p[0], y: p[1], r: radius });
    });
    ctx.globalAlpha = 1;
    kgMap.markers = markers;
    // labels: bases first, then countries by links, none on top of another
    var boxes = [];
    ctx.font = "12px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    markers.slice().sort(function (a, b) {
      return (b.base ? 1 : 0) - (a.base ? 1 : 0) || (byId[b.id].deg || 0) - (byId[a.id].deg || 0);
    }).forEach(function (m) {
      var text = byId[m.id].label, tw = ctx.measureText(text).width;
      var free = function (b) {
        return b[0] >= 0 && b[2] <= w && !boxes.some(function (o) { return b[0] < o[2] && b[2] > o[0] && b[1] < o[3] && b[3] > o[1]; });
      };
      var right = [m.x + m.r + 3, m.y - 8, m.x + m.r + 3 + tw, m.y + 8], left = [m.x - m.r - 3 - tw, m.y - 8, m.x - m.r - 3, m.y + 8];
      var box = free(right) ? right : free(left) ? left : null;
      if (!box) { return; }
      boxes.push(box);
      ctx.lineWidth = 3;
      ctx.strokeStyle = "rgba(255,255,255,0.85)";
      ctx.strokeText(text, box[0], m.y);
      ctx.fillStyle = m.base ? "#222" : "#4a5a70";
      ctx.fillText(text, box[0], m.y);
    });
  }

  function isNeighbour(a, b) {
    return (incident[a] || []).some(function (e) { return other(e, a) === b; });
  }

  function markerAt(x, y) {
    var best = null, bestD = 10;
    kgMap.markers.forEach(function (m) {
      var d = Math.sqrt((m.x - x) * (m.x - x) + (m.y - y) * (m.y - y));
      if (d <= bestD + (m.base ? 0.5 : 0)) { best = m; bestD = d; }
    });
    return best;
  }

  function showMapNode(id) {
    kgMap.selected = id;
    var n = byId[id];
    if (n.lat !== undefined) {
      var p = project(n.lon, n.lat), v = kgMap.view;
      v.west += (p[0] - mapCanvas.clientWidth / 2) / v.scale;
      v.north -= (p[1] - mapCanvas.clientHeight / 2) / v.scale;
    }
    state.selected = n.key;
    showDetails(id);
    drawMap();
  }

  function setTab(map) {
    document.getElementById("tab-network").setAttribute("aria-selected", map ? "false" : "true");
    document.getElementById("tab-map").setAttribute("aria-selected", map ? "true" : "false");
    mapBox.hidden = !map;
    container.hidden = map;
    if (map) {
      sizeCanvas();
      if (!kgMap.view) { fitMap(); }
      drawMap();
    }
  }
  if (located.length) { document.getElementById("tab-map").hidden = false; }
  document.getElementById("tab-network").addEventListener("click", function () { setTab(false); });
  document.getElementById("tab-map").addEventListener("click", function () { setTab(true); });
  window.addEventListener("resize", function () { if (mapShown()) { sizeCanvas(); drawMap(); } });

  // pan (drag), zoom (wheel, around the pointer), click a marker (details), hover (a short tooltip)
  var drag = null;
  function local(ev) { var r = mapCanvas.getBoundingClientRect(); return [ev.clientX - r.left, ev.clientY - r.top]; }
  mapCanvas.addEventListener("mousedown", function (ev) { drag = { at: local(ev), moved: false }; });
  window.addEventListener("mouseup", function (ev) {
    if (!drag) { return; }
    var wasClick = !drag.moved;
    drag = null;
    if (!wasClick || ev.target !== mapCanvas) { return; }
    var p = local(ev), m = markerAt(p[0], p[1]);
    if (m) { showMapNode(m.id); } else { kgMap.selected = null; state.selected = null; showDetails(null); drawMap(); }
  });
  mapCanvas.addEventListener("mousemove", function (ev) {
    var p = local(ev);
    if (drag) {
      var dx = p[0] - drag.at[0], dy = p[1] - drag.at[1];
      if (Math.abs(dx) + Math.abs(dy) > 3) { drag.moved = true; }
      if (drag.moved) {
        kgMap.view.west -= dx / kgMap.view.scale;
        kgMap.view.north += dy / kgMap.view.scale;
        drag.at = p;
        drawMap();
      }
      return;
    }
    var m = markerAt(p[0], p[1]);
    if (!m) { mapTip.hidden = true; return; }
    var n = byId[m.id], facts = (incident[m.id] || []).filter(function (e) { return !edgeFiltered(e); });
    clear(mapTip);
    mapTip.appendChild(el("div", "tip-title", n.label));
    mapTip.appendChild(el("div", "tip-type", styleOf(n).label + " \u00b7 " + n.lat.toFixed(2) + ", " + n.lon.toFixed(2)));
    facts.slice(0, MAX_FACTS).forEach(function (e) { mapTip.appendChild(el("div", "", edgeHeadline(e))); });
    if (facts.length > MAX_FACTS) { mapTip.appendChild(el("div", "tip-more", "\u2026 and " + (facts.length - MAX_FACTS) + " more")); }
    mapTip.style.left = (p[0] + 14) + "px";
    mapTip.style.top = (p[1] + 10) + "px";
    mapTip.hidden = false;
  });
  mapCanvas.addEventListener("mouseleave", function () { mapTip.hidden = true; });
  mapCanvas.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var p = local(ev), v = kgMap.view, f = ev.deltaY < 0 ? 1.25 : 0.8;
    var lon = v.west + p[0] / v.scale, lat = v.north - p[1] / v.scale;
    v.scale = Math.min(Math.max(v.scale * f, 0.5), 400);
    v.west = lon - p[0] / v.scale;
    v.north = lat + p[1] / v.scale;
    drawMap();
  }, { passive: false });

  function ready() {
    state.ready = true;
    document.body.setAttribute("data-ready", "true");
  }
  if (data.physics && data.nodes.length) {
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: false });
      network.fit({ animation: false });
      ready();
    });
  } else {
    network.fit({ animation: false });
    // labels stick out of the nodes' box: a little room around the whole
    network.moveTo({ scale: network.getScale() * 0.9, animation: false });
    ready();
  }
