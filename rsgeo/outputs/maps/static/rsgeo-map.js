/* rsgeo map controls: layers, legend, labels, measuring, GPS locate-me,
 * offline basemap tiles, and a phone layout (folding title and legend, popups
 * kept clear of the controls, labels that never overlap).
 * Part of rsgeo (MIT). Needs only Leaflet; no network.
 * Every text from the data goes in through textContent; popup HTML is built
 * (and escaped) by rsgeo in Python.
 */
(function () {
  "use strict";

  // Leaflet's layer switcher renders layer names as HTML: pass names through this
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  /* ---- GCJ-02 (same public algorithm as rsgeo.outputs.maps.gcj02) ---- */
  var GCJ_A = 6378245.0, GCJ_EE = 0.00669342162296594323;
  function outOfChina(lon, lat) {
    return !(lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271);
  }
  function wgsToGcj(lon, lat) {
    if (outOfChina(lon, lat)) { return [lon, lat]; }
    var x = lon - 105.0, y = lat - 35.0, pi = Math.PI;
    var c = (20.0 * Math.sin(6.0 * x * pi) + 20.0 * Math.sin(2.0 * x * pi)) * 2.0 / 3.0;
    var dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) + c;
    dlat += (20.0 * Math.sin(y * pi) + 40.0 * Math.sin(y / 3.0 * pi)) * 2.0 / 3.0;
    dlat += (160.0 * Math.sin(y / 12.0 * pi) + 320.0 * Math.sin(y * pi / 30.0)) * 2.0 / 3.0;
    var dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) + c;
    dlon += (20.0 * Math.sin(x * pi) + 40.0 * Math.sin(x / 3.0 * pi)) * 2.0 / 3.0;
    dlon += (150.0 * Math.sin(x / 12.0 * pi) + 300.0 * Math.sin(x / 30.0 * pi)) * 2.0 / 3.0;
    var rad = lat / 180.0 * pi, magic = 1 - GCJ_EE * Math.sin(rad) * Math.sin(rad), sm = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((GCJ_A * (1 - GCJ_EE)) / (magic * sm) * pi);
    dlon = (dlon * 180.0) / (GCJ_A / sm * Math.cos(rad) * pi);
    return [lon + dlon, lat + dlat];
  }

  /* ---- the compact payload (rsgeo.outputs.maps.payload) back to GeoJSON:
     coordinates as polyline-encoded differences of 1e-6 degree, the ragged
     counts outermost first, properties by column ---- */
  function decodeFeatures(data) {
    if (!data || typeof data.c !== "string") { return data; }
    var s = data.c, n = s.length, xy = [], i = 0, x = 0, y = 0, axis = 0;
    while (i < n) {
      var b, shift = 0, v = 0;
      do { b = s.charCodeAt(i++) - 63; v += (b & 31) * Math.pow(2, shift); shift += 5; } while (b >= 32);
      var d = (v % 2) ? -(v + 1) / 2 : v / 2;
      if (axis === 0) { x += d; axis = 1; } else { y += d; axis = 0; xy.push([x / 1e6, y / 1e6]); }
    }
    var at = 0, kind = data.g, counts = data.n, geoms = [];
    function ring(k) {
      var out = xy.slice(at, at + k);
      at += k;
      if (kind === "MultiPolygon" && out.length) { out.push(out[0]); }
      return out;
    }
    if (kind === "Point") {
      for (var p = 0; p < xy.length; p++) { geoms.push({ type: "Point", coordinates: xy[p] }); }
    } else if (kind === "MultiLineString") {
      var li = 0;
      counts[0].forEach(function (k) {
        var lines = [];
        for (var j = 0; j < k; j++) { lines.push(ring(counts[1][li++])); }
        geoms.push({ type: kind, coordinates: lines });
      });
    } else {
      var ri = 0, si = 0;
      counts[0].forEach(function (k) {
        var polys = [];
        for (var j = 0; j < k; j++) {
          var rings = [], nr = counts[1][ri++];
          for (var r = 0; r < nr; r++) { rings.push(ring(counts[2][si++])); }
          polys.push(rings);
        }
        geoms.push({ type: kind, coordinates: polys });
      });
    }
    var keys = Object.keys(data.p || {});
    var features = geoms.map(function (g, f) {
      var props = {};
      keys.forEach(function (key) { var v = data.p[key][f]; if (v !== null && v !== undefined) { props[key] = v; } });
      return { type: "Feature", geometry: g, properties: props };
    });
    return { type: "FeatureCollection", features: features };
  }

  /* ---- measuring: geodesic-enough length and spherical polygon area ---- */
  function pathLength(pts) {
    var d = 0;
    for (var i = 1; i < pts.length; i++) { d += pts[i - 1].distanceTo(pts[i]); }
    return d;
  }
  function sphericalArea(pts) {
    var r = 6378137.0, d2r = Math.PI / 180, a = 0, n = pts.length;
    if (n < 3) { return 0; }
    for (var i = 0; i < n; i++) {
      var p1 = pts[i], p2 = pts[(i + 1) % n];
      a += (p2.lng - p1.lng) * d2r * (2 + Math.sin(p1.lat * d2r) + Math.sin(p2.lat * d2r));
    }
    return Math.abs(a * r * r / 2.0);
  }
  function fmtLength(m) { return m >= 1000 ? (m / 1000).toFixed(3) + " 千米" : m.toFixed(1) + " 米"; }

  function toolButton(box, text, title) {
    var a = el("a", "rsgeo-btn", text);
    a.href = "#";
    a.title = title;
    a.setAttribute("role", "button");
    box.appendChild(a);
    return a;
  }

  var MeasureControl = L.Control.extend({
    options: { position: "topleft" },
    onAdd: function (map) {
      var self = this;
      var box = el("div", "leaflet-bar leaflet-control rsgeo-tool");
      var btn = toolButton(box, "测", "测量距离和面积：单击地图加点，双击或再点此按钮结束");
      var clear = toolButton(box, "清", "清除测量");
      var out = el("div", "rsgeo-tool-out");
      out.style.display = "none";
      box.appendChild(out);
      this._pts = [];
      this._active = false;
      this._group = L.layerGroup().addTo(map);
      this._line = L.polyline([], { color: "#0050ff", weight: 2, dashArray: "4 4", interactive: false });
      this._poly = L.polygon([], { color: "#0050ff", weight: 1, fillOpacity: 0.1, interactive: false });
      this._group.addLayer(this._poly).addLayer(this._line);
      function show() {
        var pts = self._pts, text = "已测 " + pts.length + " 点";
        if (pts.length >= 2) { text = "长度 " + fmtLength(pathLength(pts)); }
        if (pts.length >= 3) {
          var m2 = sphericalArea(pts);
          text += "；闭合周长 " + fmtLength(pathLength(pts.concat([pts[0]])));
          text += "；面积 " + m2.toFixed(1) + " 平方米（" + (m2 * 0.0015).toFixed(2) + " 亩，估算）";
        }
        if (self._active) { text += "。单击加点，双击结束"; }
        out.textContent = text;
        out.style.display = "block";
      }
      function add(e) {
        self._pts.push(e.latlng);
        self._line.setLatLngs(self._pts);
        self._poly.setLatLngs(self._pts.length >= 3 ? self._pts : []);
        show();
      }
      function stop() {
        self._active = false;
        map.off("click", add);
        map.off("dblclick", stop);
        map.doubleClickZoom.enable();
        L.DomUtil.removeClass(map.getContainer(), "rsgeo-measuring");
        L.DomUtil.removeClass(btn, "rsgeo-on");
        show();
      }
      function start() {
        self._pts = [];
        self._line.setLatLngs([]);
        self._poly.setLatLngs([]);
        self._active = true;
        map.closePopup();
        map.doubleClickZoom.disable();
        map.on("click", add);
        map.on("dblclick", stop);
        L.DomUtil.addClass(map.getContainer(), "rsgeo-measuring");
        L.DomUtil.addClass(btn, "rsgeo-on");
        show();
      }
      map.on("popupopen", function () { if (self._active) { map.closePopup(); } });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.on(btn, "click", function (e) { L.DomEvent.preventDefault(e); if (self._active) { stop(); } else { start(); } });
      L.DomEvent.on(clear, "click", function (e) {
        L.DomEvent.preventDefault(e);
        if (self._active) { stop(); }
        self._pts = [];
        self._line.setLatLngs([]);
        self._poly.setLatLngs([]);
        out.style.display = "none";
      });
      return box;
    }
  });

  var LocateControl = L.Control.extend({
    options: { position: "topleft", datum: "cgcs2000" },
    onAdd: function (map) {
      var self = this;
      var box = el("div", "leaflet-bar leaflet-control rsgeo-tool");
      var btn = toolButton(box, "位", "GPS 定位（本机卫星定位，无需网络）");
      var out = el("div", "rsgeo-tool-out");
      out.style.display = "none";
      box.appendChild(out);
      var group = L.layerGroup().addTo(map), on = false, first = true;
      function found(e) {
        var lon = e.latlng.lng, lat = e.latlng.lat, shown = [lon, lat];
        if (self.options.datum === "gcj02") { shown = wgsToGcj(lon, lat); }
        var ll = L.latLng(shown[1], shown[0]);
        group.clearLayers();
        L.circle(ll, { radius: e.accuracy || 0, weight: 1, color: "#1e90ff", fillOpacity: 0.1, interactive: false }).addTo(group);
        L.circleMarker(ll, { radius: 7, weight: 3, color: "#ffffff", fillColor: "#1e90ff", fillOpacity: 1, interactive: false }).addTo(group);
        out.textContent = "当前位置 " + lon.toFixed(6) + "°E, " + lat.toFixed(6) + "°N（精度约 " + Math.round(e.accuracy || 0) + " 米）";
        out.style.display = "block";
        if (first) { map.setView(ll, Math.max(map.getZoom(), 16)); first = false; }
      }
      function failed(e) {
        out.textContent = "无法定位：" + (e && e.message ? e.message : "定位不可用") + "（请开启手机定位并允许浏览器使用位置）";
        out.style.display = "block";
      }
      map.on("locationfound", found);
      map.on("locationerror", failed);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.on(btn, "click", function (e) {
        L.DomEvent.preventDefault(e);
        if (on) {
          map.stopLocate();
          group.clearLayers();
          out.style.display = "none";
          L.DomUtil.removeClass(btn, "rsgeo-on");
          on = false;
          return;
        }
        on = true;
        first = true;
        L.DomUtil.addClass(btn, "rsgeo-on");
        out.textContent = "正在定位……";
        out.style.display = "block";
        map.locate({ watch: true, setView: false, enableHighAccuracy: true, maximumAge: 10000, timeout: 60000 });
      });
      return box;
    }
  });

  /* narrow screens (phones): title and legend start folded */
  function isNarrow(map) { return map.getSize().x < 600; }

  function foldable(box, head, folded) {
    head.setAttribute("role", "button");
    head.setAttribute("tabindex", "0");
    function set(f) {
      if (f) { L.DomUtil.addClass(box, "rsgeo-folded"); } else { L.DomUtil.removeClass(box, "rsgeo-folded"); }
      head.setAttribute("aria-expanded", f ? "false" : "true");
    }
    set(folded);
    L.DomEvent.on(head, "click", function (e) { L.DomEvent.preventDefault(e); set(!L.DomUtil.hasClass(box, "rsgeo-folded")); });
    return set;
  }

  var InfoControl = L.Control.extend({
    options: { position: "topright", folded: false },
    initialize: function (lines, options) { this._lines = lines; L.setOptions(this, options); },
    onAdd: function () {
      var box = el("div", "leaflet-control rsgeo-info");
      var head = el("div", "rsgeo-title", this._lines[0]);
      box.appendChild(head);
      for (var i = 1; i < this._lines.length; i++) {
        box.appendChild(el("div", "rsgeo-subtitle", this._lines[i]));
      }
      if (this.options.link) {  // a part's page: back to the township's index of parts
        var a = el("a", "rsgeo-index-link", this.options.link.text);
        a.href = encodeURI(this.options.link.href);
        box.appendChild(el("div", "rsgeo-subtitle")).appendChild(a);
      }
      this.fold = foldable(box, head, this.options.folded);
      L.DomEvent.disableClickPropagation(box);
      return box;
    }
  });

  var LegendControl = L.Control.extend({
    options: { position: "bottomright", folded: false },
    initialize: function (sections, options) { this._sections = sections; L.setOptions(this, options); },
    onAdd: function () {
      var box = el("div", "leaflet-control rsgeo-legend");
      var head = el("div", "rsgeo-legend-head rsgeo-fold-head", "图例");
      box.appendChild(head);
      var body = el("div", "rsgeo-legend-body");
      box.appendChild(body);
      this._sections.forEach(function (sec) {
        body.appendChild(el("div", "rsgeo-legend-title", sec.title));
        sec.items.forEach(function (it) {
          var row = el("div", "rsgeo-legend-row" + (it.mark ? " rsgeo-legend-mark" : ""));
          var sw = el("span", "rsgeo-swatch" + (it.line ? " rsgeo-swatch-line" : ""));
          sw.style.background = it.line ? "transparent" : it.color;
          sw.style.borderColor = it.color;
          row.appendChild(sw);
          row.appendChild(el("span", null, it.label));
          body.appendChild(row);
        });
        if (sec.note) { body.appendChild(el("div", "rsgeo-legend-note", sec.note)); }
      });
      this.fold = foldable(box, head, this.options.folded);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    }
  });

  var ListControl = L.Control.extend({
    options: { position: "topright" },
    initialize: function (entries, options) { this._entries = entries; L.setOptions(this, options); },
    onAdd: function (map) {
      var box = el("div", "leaflet-control rsgeo-list");
      var head = el("div", "rsgeo-legend-head rsgeo-fold-head", "图斑列表（" + this._entries.length + "）");
      box.appendChild(head);
      var body = el("div", "rsgeo-list-body");
      box.appendChild(body);
      this._entries.forEach(function (entry) {
        var row = el("div", "rsgeo-list-row");
        row.appendChild(el("span", "rsgeo-list-id", entry.id));
        row.appendChild(el("span", "rsgeo-list-xy", entry.lon.toFixed(6) + ", " + entry.lat.toFixed(6)));
        L.DomEvent.on(row, "click", function () {
          if (entry.layer.getBounds) { map.fitBounds(entry.layer.getBounds(), { maxZoom: 17 }); }
          else { map.setView(entry.layer.getLatLng(), 17); }
          entry.layer.openPopup();
        });
        body.appendChild(row);
      });
      this.fold = foldable(box, head, true);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    }
  });

  /* offline basemap: tiles looked up in the page's index, from the folder
     beside the page or from data: URIs inside it; no tile is ever guessed */
  var OfflineTiles = L.GridLayer.extend({
    createTile: function (coords, done) {
      var o = this.options, key = coords.z + "/" + coords.x + "/" + coords.y, src = null;
      if (o.tiles) { src = o.tiles[key] || null; } else if (o.index[key]) { src = encodeURIComponent(o.folder) + "/" + key + "." + o.index[key]; }
      if (!src) {
        var empty = document.createElement("div");
        L.Util.requestAnimFrame(function () { done(null, empty); });
        return empty;
      }
      var img = document.createElement("img");
      img.alt = "";
      img.setAttribute("role", "presentation");
      img.className = "rsgeo-basetile";
      img.onload = function () { done(null, img); };
      img.onerror = function (e) { done(e, img); };
      img.src = src;
      return img;
    }
  });

  /* popups: inside the map and never under a control (title box, tools,
     layer switcher); Leaflet's own auto-pan is off, this one is immediate */
  function keepPopupClear(map, popup) {
    var size = map.getSize(), box = map.getContainer().getBoundingClientRect(), pad = 8;
    var mw = Math.max(160, Math.min(380, size.x - 60));
    var mh = Math.max(120, Math.round(size.y * 0.55));
    if (popup.options.maxWidth !== mw || popup.options.maxHeight !== mh) {
      popup.options.maxWidth = mw;
      popup.options.maxHeight = mh;
      popup.update();
    }
    var pel = popup.getElement();
    if (!pel) { return; }
    var pr = pel.getBoundingClientRect(), dx = 0, dy = 0;
    if (pr.left < box.left + pad) { dx = box.left + pad - pr.left; } else if (pr.right > box.right - pad) { dx = Math.max(box.right - pad - pr.right, box.left + pad - pr.left); }
    var top = box.top + pad, height = pr.bottom - pr.top;
    if (pr.bottom > box.bottom - pad) { dy = box.bottom - pad - pr.bottom; }
    if (pr.top + dy < top) { dy = top - pr.top; }
    var controls = map.getContainer().querySelectorAll(".leaflet-top .leaflet-control");
    // move down below every control the (moved) popup would touch, until none
    for (var pass = 0, moved = true; moved && pass < 8; pass++) {
      moved = false;
      var t = pr.top + dy;
      for (var i = 0; i < controls.length; i++) {
        var r = controls[i].getBoundingClientRect();
        if (r.width === 0 || r.height === 0) { continue; }
        if (r.left < pr.right + dx && r.right > pr.left + dx && r.top < t + height && r.bottom > t) {
          dy = r.bottom + 6 - pr.top;
          moved = true;
          break;
        }
      }
    }
    if (dx !== 0 || dy !== 0) { map.panBy([-Math.round(dx), -Math.ceil(dy)], { animate: false }); }
  }

  /* labels: from labelMinZoom, greedily placed (largest patch first); a label
     that would overlap one already placed waits for a closer zoom */
  function declutter(map, items, minZoom) {
    var c = map.getContainer();
    if (map.getZoom() < minZoom) { L.DomUtil.addClass(c, "rsgeo-hide-labels"); return; }
    L.DomUtil.removeClass(c, "rsgeo-hide-labels");
    var size = map.getSize(), placed = [];
    items.forEach(function (it) {
      var icon = it.marker.getElement();
      if (!icon) { return; }
      var span = icon.firstChild;
      if (!it.w) { it.w = span.offsetWidth; it.h = span.offsetHeight; }
      var pt = map.latLngToContainerPoint(it.latlng);
      var b = [pt.x - it.w / 2 - 2, pt.y - it.h / 2 - 1, pt.x + it.w / 2 + 2, pt.y + it.h / 2 + 1];
      var show = b[2] > 0 && b[0] < size.x && b[3] > 0 && b[1] < size.y;
      for (var i = 0; show && i < placed.length; i++) {
        var q = placed[i];
        if (b[0] < q[2] && b[2] > q[0] && b[1] < q[3] && b[3] > q[1]) { show = false; }
      }
      if (show) { placed.push(b); L.DomUtil.removeClass(icon, "rsgeo-label-off"); } else { L.DomUtil.addClass(icon, "rsgeo-label-off"); }
    });
  }

  window.rsgeoBuild = function (map, cfg) {
    cfg.patches = decodeFeatures(cfg.patches);
    cfg.townships = decodeFeatures(cfg.townships);
    (cfg.reference || []).forEach(function (ref) { ref.geojson = decodeFeatures(ref.geojson); });
    var overlays = {}, state = { map: map, cfg: cfg, layers: {} };
    var narrow = isNarrow(map);
    if (cfg.basemap) {
      var base = new OfflineTiles({
        tiles: cfg.basemap.tiles || null,
        index: cfg.basemap.index || {},
        folder: cfg.basemap.folder || "",
        minNativeZoom: cfg.basemap.minNativeZoom,
        maxNativeZoom: cfg.basemap.maxNativeZoom,
        maxZoom: 22,
        className: "rsgeo-basemap"
      }).addTo(map);
      overlays[escapeHtml(cfg.basemapLabel)] = base;
      state.layers.basemap = base;
    }
    var popupOptions = { maxWidth: 380, autoPan: false, className: "rsgeo-popup-box" };
    if (cfg.townships) {
      var tw = L.geoJSON(cfg.townships, {
        style: function (f) {
          return { color: "#444444", weight: 1.5, fillColor: f.properties.fill, fillOpacity: cfg.townshipFillOpacity, className: "rsgeo-township" };
        },
        onEachFeature: function (f, layer) {
          if (f.properties.tip) { layer.bindTooltip(el("span", null, f.properties.tip), { sticky: true }); }
          if (f.properties.popup) { layer.bindPopup(f.properties.popup, popupOptions); }
        }
      }).addTo(map);
      overlays[escapeHtml(cfg.townshipsLabel)] = tw;
      state.layers.townships = tw;
    }
    (cfg.reference || []).forEach(function (ref) {
      var layer = L.geoJSON(ref.geojson, {
        interactive: false,
        style: function () {
          return { color: ref.color, weight: 1.2, fillColor: ref.color, fillOpacity: 0.18, dashArray: ref.dash || null, className: "rsgeo-ref rsgeo-ref-" + ref.key };
        }
      });
      if (ref.show) { layer.addTo(map); }
      overlays[escapeHtml(ref.label)] = layer;
      state.layers[ref.key] = layer;
    });
    var entries = [], labelItems = [];
    var labels = L.layerGroup();
    var parts = cfg.popupParts || [];
    function patchColor(p) {
      return p.color || (cfg.classColors || {})[p.cls] || cfg.otherColor;
    }
    function joinParts(code) {  // a popup: its piece numbers as 5-bit groups (payload.py)
      var out = [], v = 0, shift = 0;
      for (var i = 0; i < code.length; i++) {
        var b = code.charCodeAt(i) - 63;
        v += (b & 31) * Math.pow(2, shift);
        shift += 5;
        if (b < 32) { out.push(parts[v]); v = 0; shift = 0; }
      }
      return out.join("");
    }
    var lean = cfg.lean;
    function leanPopup(p) {  // a bare point's popup, made from its id, class and township
      var box = el("div"), table = el("table", "rsgeo-popup");
      [p.id, lean.classes[p.c], lean.townships[p.t]].forEach(function (value, i) {
        if (!value) { return; }
        var tr = el("tr");
        tr.appendChild(el("th", null, lean.labels[i]));
        tr.appendChild(el("td", null, value));
        table.appendChild(tr);
      });
      box.appendChild(table);
      box.appendChild(el("div", "rsgeo-popup-note", lean.more));
      return box;
    }
    var canvas = cfg.patchPoints ? L.canvas({ padding: 0.2 }) : null;
    var patches = L.geoJSON(cfg.patches, {
      pointToLayer: function (f, ll) {
        return L.circleMarker(ll, { radius: 5, renderer: canvas });
      },
      style: function (f) {
        if (lean) { f.properties.cls = lean.classes[f.properties.c]; f.properties.color = lean.colors[f.properties.c]; }
        var c = patchColor(f.properties);
        return { color: c, weight: 2, opacity: 1, fillColor: c, fillOpacity: 0.8, className: "rsgeo-patch" };
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        if (p.lon === undefined && f.geometry.type === "Point") {  // a point is drawn at lon/lat
          p.lon = f.geometry.coordinates[0];
          p.lat = f.geometry.coordinates[1];
        }
        if (lean) {
          layer.bindPopup(function () { return leanPopup(p); }, popupOptions);
        } else {
          var html = typeof p.popup === "string" ? joinParts(p.popup) : p.popup;
          layer.bindPopup(html, popupOptions);
        }
        entries.push({ id: p.id, lon: p.lon, lat: p.lat, layer: layer });
        if (cfg.labels) {
          var span = el("span", null, p.short || p.id);
          span.title = p.id;
          var icon = L.divIcon({ className: "rsgeo-label", html: span, iconSize: null });
          var ll = L.latLng(p.label_lat === undefined ? p.lat : p.label_lat,
                            p.label_lon === undefined ? p.lon : p.label_lon);
          var marker = L.marker(ll, { icon: icon, interactive: false, keyboard: false }).addTo(labels);
          labelItems.push({ marker: marker, latlng: ll, size: p.size || 0 });
        }
      }
    }).addTo(map);
    overlays[escapeHtml(cfg.patchesLabel)] = patches;
    state.layers.patches = patches;
    labelItems.sort(function (a, b) { return b.size - a.size; });
    var placeLabels = function () { if (map.hasLayer(labels)) { declutter(map, labelItems, cfg.labelMinZoom); } };
    if (cfg.labels) {
      labels.addTo(map);
      overlays["图斑编号标注"] = labels;
      map.on("zoomend moveend resize overlayadd", placeLabels);
    }
    L.control.layers(null, overlays, { collapsed: cfg.collapseLayers || narrow, position: "topright" }).addTo(map);
    if (cfg.info && cfg.info.length) { state.info = new InfoControl(cfg.info, { position: "topright", folded: narrow, link: cfg.indexLink || null }).addTo(map); }
    if (cfg.list) { new ListControl(entries, { position: "topright" }).addTo(map); }
    state.legend = new LegendControl(cfg.legend, { position: "bottomright", folded: narrow }).addTo(map);
    map.on("popupopen", function (e) {
      if (isNarrow(map) && state.info) { state.info.fold(true); }
      keepPopupClear(map, e.popup);
    });
    L.control.scale({ metric: true, imperial: false, maxWidth: 160 }).addTo(map);
    new MeasureControl({ position: "topleft" }).addTo(map);
    if (cfg.locate) { new LocateControl({ position: "topleft", datum: cfg.datum }).addTo(map); }
    if (cfg.fit) { map.fitBounds(cfg.fit, { padding: [20, 20], maxZoom: 17 }); }
    placeLabels();
    state.placeLabels = placeLabels;
    state.patchCount = patches.getLayers().length;
    state.wgsToGcj = wgsToGcj;
    state.decodeFeatures = decodeFeatures;
    window.rsgeo = state;
    return state;
  };
}());
