// The leaders' dashboard. Plain JavaScript, no outside request: the page, ECharts and the
// data all come from this server. Who the person is travels with every API request:
// Telegram's initData (from the Telegram object when the host injected it, else from the
// URL hash Telegram opens Mini Apps with), or the session cookie a signed link set.
"use strict";
(function () {
  const LEVELS = ["serious", "lagging", "no_data", "on_track", "ahead", "no_target"];
  const state = { me: null, T: {}, charts: [], pending: 0, started: performance.now() };

  // ---- who and theme ----
  const hash = new URLSearchParams(location.hash.slice(1));
  const tg = window.Telegram && window.Telegram.WebApp;
  let initData = (tg && tg.initData) || hash.get("tgWebAppData") || sessionStorage.getItem("pbInitData") || "";
  if (initData) sessionStorage.setItem("pbInitData", initData);
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  applyTheme((tg && tg.themeParams) || parseJSON(hash.get("tgWebAppThemeParams")) || {});
  if (tg && tg.ready) tg.ready();
  if (tg && tg.expand) tg.expand();

  function parseJSON(s) { try { return s ? JSON.parse(s) : null; } catch (e) { return null; } }
  function applyTheme(p) {
    const map = { bg_color: "--bg", text_color: "--text", hint_color: "--hint", link_color: "--link", button_color: "--button",
      button_text_color: "--button-text", secondary_bg_color: "--secondary-bg", section_bg_color: "--section-bg" };
    for (const k in map) if (p[k]) document.documentElement.style.setProperty(map[k], p[k]);
  }
  function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

  // ---- helpers ----
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) {
      if (k === "class") e.className = attrs[k];
      else if (k === "onclick") e.addEventListener("click", attrs[k]);
      else e.setAttribute(k, attrs[k]);
    }
    for (const k of kids.flat()) if (k != null && k !== false) e.append(k.nodeType ? k : String(k));
    return e;
  }
  const t = (k) => state.T[k] || "";
  const lvl = (l) => t("level." + l) || l;
  const dot = (l) => el("span", { class: "dot lvl-" + l, title: lvl(l) });
  function pct(r) { return r == null ? "—" : Math.round(r * 100) + "%"; }
  function fmt(v) { return v == null ? "—" : (Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 100) / 100).toLocaleString(); }

  function api(path, params) {
    const q = new URLSearchParams(params || {});
    const url = "/app/api/" + path + (q.toString() ? "?" + q : "");
    const headers = initData ? { Authorization: "tma " + initData } : {};
    return fetch(url, { headers, credentials: "same-origin" }).then(async (r) => {
      const body = await r.json().catch(() => ({}));
      if (!r.ok) { const err = new Error(body.error || r.statusText); err.status = r.status; throw err; }
      return body;
    });
  }

  function refuse(err) {
    document.getElementById("refusal-title").textContent = t("refused") || "⛔";
    document.getElementById("refusal-text").textContent = err.message;
    document.getElementById("refusal").hidden = false;
    document.body.dataset.refused = "1";
    document.body.dataset.ready = "1";
  }

  // ---- view state in the URL: period, subject, within, indicator ----
  function view() { return Object.fromEntries(new URLSearchParams(location.search)); }
  function go(v) {
    const cur = view();
    const next = Object.assign({ period: cur.period }, v);
    for (const k in next) if (!next[k]) delete next[k];
    history.pushState(null, "", "?" + new URLSearchParams(next));
    render();
    window.scrollTo(0, 0);
  }
  window.addEventListener("popstate", render);

  // ---- charts ----
  function chart(node) {
    const c = echarts.init(node, null, { renderer: "svg" });
    state.charts.push(c);
    return c;
  }
  window.addEventListener("resize", () => state.charts.forEach((c) => c.resize()));
  function disposeCharts() { state.charts.forEach((c) => c.dispose()); state.charts = []; }

  function levelColor(l) { return css("--" + l) || "#999"; }

  function levelsChart(node, counts) {
    const data = LEVELS.filter((l) => counts[l]).map((l) => ({ name: lvl(l), value: counts[l], itemStyle: { color: levelColor(l) } }));
    chart(node).setOption({
      animation: false,
      tooltip: { trigger: "item" },
      legend: { bottom: 0, textStyle: { color: css("--text") }, itemWidth: 10, itemHeight: 10 },
      series: [{ type: "pie", radius: ["40%", "68%"], center: ["50%", "42%"], label: { formatter: "{c}", color: css("--text") }, data }],
    });
  }

  function pathChart(node, p) {
    const labels = p.points.map((x) => x.label);
    chart(node).setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0, textStyle: { color: css("--text") } },
      grid: { left: 48, right: 12, top: 30, bottom: 28 },
      xAxis: { type: "category", data: labels, axisLabel: { color: css("--hint"), hideOverlap: true } },
      yAxis: { type: "value", name: p.measure, axisLabel: { color: css("--hint") }, scale: true },
      series: [
        { name: t("actual"), type: "line", data: p.points.map((x) => ({ value: x.value, itemStyle: { color: levelColor(x.level) } })),
          symbolSize: 8, lineStyle: { color: css("--button") }, connectNulls: false },
        { name: t("target"), type: "line", data: p.points.map((x) => x.expected), lineStyle: { type: "dashed", color: css("--hint") },
          itemStyle: { color: css("--hint") }, symbol: "none" },
      ],
    });
  }

  let geoLoaded = null;
  function mapChart(node, m) {
    geoLoaded = geoLoaded || api("geo").then((g) => { echarts.registerMap("plan", g); });
    return geoLoaded.then(() => {
      const nameMap = Object.assign({}, m.names), data = [];
      for (const c of m.counties) {
        nameMap[c.unit] = c.unit_name;
        data.push({ name: c.unit_name, value: c.ratio == null ? null : Math.round(c.ratio * 100), unit: c.unit, level: c.level,
          itemStyle: { areaColor: levelColor(c.level) } });
      }
      const ch = chart(node);
      ch.setOption({
        animation: false,
        tooltip: { trigger: "item", formatter: (x) => x.data ? x.name + "<br>" + lvl(x.data.level) + (x.data.value != null ? " · " + x.data.value + "%" : "") : x.name },
        series: [{
          type: "map", map: "plan", nameMap, data, roam: false, selectedMode: false,
          label: { show: true, fontSize: 11, color: "#1c1c1e" }, itemStyle: { borderColor: "#ffffff", areaColor: css("--no_target") },
          emphasis: { label: { show: true }, itemStyle: { areaColor: css("--button") } },
        }],
      });
      ch.on("click", (x) => { if (x.data && x.data.unit) go({ subject: "unit:" + x.data.unit }); });
    });
  }

  // ---- sections ----
  // Sections fill slots laid out in order before their data arrives, so that the page
  // does not reorder itself as answers come back.
  let slots = {};
  function layout(names) {
    slots = {};
    const main = document.getElementById("main");
    for (const n of names) { slots[n] = el("div", { style: "display:contents" }); main.append(slots[n]); }
  }
  function section(title, cls, slot) {
    const s = el("section", { class: cls || "" }, el("h2", {}, title));
    (slots[slot] || document.getElementById("main")).append(s);
    return s;
  }

  function entryLine(e, withUnit) {
    const name = withUnit && e.unit_name ? e.unit_name + " · " + e.item_name : e.item_name;
    const extra = e.ratio != null ? pct(e.ratio) : (e.status ? t("status." + e.status) : lvl(e.level));
    return el("li", { class: "go", onclick: () => go(e.unit ? { subject: e.item, within: "unit:" + e.unit } : { subject: e.item }) },
      dot(e.level), el("span", { class: "name" }, name), el("span", { class: "num" }, extra));
  }

  function headline(ru, s) {
    const r = ru.reports;
    s.append(el("div", { class: "hint" }, ru.period_label + " · " + t("reports")));
    s.append(el("div", { class: "tiles" },
      el("div", { class: "tile" }, el("b", {}, r.units), el("span", {}, t("owe"))),
      el("div", { class: "tile good" }, el("b", {}, r.on_time), el("span", {}, t("on_time"))),
      el("div", { class: "tile warn" }, el("b", {}, r.late), el("span", {}, t("late"))),
      el("div", { class: "tile bad" }, el("b", {}, r.missing + r.pending), el("span", {}, r.pending ? t("pending") : t("missing")))));
    // Indicators by pace when there are a few to count, else every item.
    const ind = ru.indicator_levels || {};
    const byIndicator = Object.values(ind).reduce((a, b) => a + b, 0) >= 5;
    const counts = byIndicator ? ind : ru.head;
    s.append(el("h3", {}, byIndicator ? t("indicators") : t("items")));
    const c = el("div", { class: "chart", id: "levels-chart" });
    s.append(c);
    levelsChart(c, counts);
  }

  function attention(ru, s) {
    s.append(el("h3", {}, t("attention") + (ru.attention_total ? " (" + ru.attention_total + ")" : "")));
    if (!ru.attention || !ru.attention.length) { s.append(el("p", { class: "hint" }, t("nothing_lagging"))); return; }
    s.append(el("ul", { class: "list" }, ru.attention.map((e) => entryLine(e, true))));
  }

  function coordination(ru, s) {
    if (!ru.coordination || !ru.coordination.length) return;
    s.append(el("h3", {}, t("coordination")));
    s.append(el("ul", { class: "list" }, ru.coordination.map((e) =>
      el("li", { class: "go", onclick: () => go({ subject: e.item }) }, dot(e.level),
        el("span", { class: "name" }, e.unit_name + " · " + e.item_name + "：" + e.coordination)))));
  }

  function cards(data) {
    if (!data.cards.length) return;
    const s = section(t("cards"), "wide", "cards");
    s.append(el("div", { class: "cards", id: "cards" }, data.cards.map((c) => {
      const bar = el("div", { class: "bar" });
      for (const l of LEVELS) if (c.head[l]) bar.append(el("span", { style: "flex:" + c.head[l] + ";background:" + levelColor(l) }));
      return el("div", { class: "card l-" + c.level, "data-subject": c.subject, onclick: () => go({ subject: c.subject }) },
        el("div", { class: "kind" }, t(c.kind)), el("b", {}, c.name), bar,
        el("div", { class: "hint" }, lvl("lagging") + " " + (c.head.lagging + c.head.serious) + " · " + lvl("no_data") + " " + c.head.no_data + " / " + c.head.total),
        c.worst && c.worst.length ? el("ul", {}, c.worst.map((e) => el("li", {}, e.unit_name + " · " + e.item_name))) : el("div", { class: "hint" }, t("nothing_lagging")));
    })));
  }

  function mapSection(period, indicator) {
    const me = state.me;
    if (!me.map) return Promise.resolve();
    const s = section(t("map"), "", "map");
    const sel = el("select", { id: "map-indicator" }, me.map_indicators.map((i) => el("option", { value: i.id }, i.name)));
    sel.value = indicator || me.map_indicators[0].id;
    sel.addEventListener("change", () => { const v = view(); v.indicator = sel.value; history.replaceState(null, "", "?" + new URLSearchParams(v)); render(); });
    s.append(el("div", { class: "row" }, el("span", { class: "hint" }, t("map_indicator")), sel));
    const node = el("div", { class: "chart", id: "map-chart" });
    s.append(node);
    return api("map", { period, indicator: sel.value }).then((m) => {
      const notes = [t("map_note")];
      if (m.unmapped && m.unmapped.length) notes.push(t("map_unmapped") + m.unmapped.join("、"));
      s.append(el("div", { class: "hint" }, notes.join(" · ")));
      if (m.total) s.append(el("div", {}, dot(m.total.level), " " + t("city_total") + " " + fmt(m.total.value) + " " + (m.measure || "") + " · " + t("ratio") + " " + pct(m.total.ratio)));
      return mapChart(node, m).then(() => m);
    });
  }

  function pathSection(period, indicator, unit, into) {
    const s = into || section(t("path"), "", "path");
    if (into) s.append(el("h3", {}, t("path")));
    const node = el("div", { class: "chart", id: "path-chart" });
    s.append(node);
    const params = { period, indicator };
    if (unit) params.unit = unit;
    return api("path", params).then((p) => { s.querySelector("h2,h3").textContent = t("path") + " · " + p.name; pathChart(node, p); });
  }

  function tasksSection(period, subject) {
    const params = { period };
    if (subject) params.subject = subject;
    return api("tasks", params).then((d) => {
      if (!d.rows.length) return;
      const s = section(t("tasks"), "wide", "tasks");
      const rows = d.rows.slice().sort((a, b) => LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level));
      s.append(el("div", { class: "scroll" }, el("table", { id: "tasks" },
        el("thead", {}, el("tr", {}, el("th", {}, t("task")), el("th", {}, t("unit")), el("th", {}, t("status")), el("th", {}, t("coordination")))),
        el("tbody", {}, rows.map((r) => el("tr", { class: "go", onclick: () => go({ subject: r.item }) },
          el("td", {}, r.item_name), el("td", {}, r.unit_name),
          el("td", {}, dot(r.level), " ", r.status ? t("status." + r.status) : lvl(r.level)),
          el("td", { class: "coord" }, r.coordination || "")))))));
    });
  }

  function boardSection(period) {
    return api("board", { period }).then((b) => {
      const s = section(t("board"), "", "board");
      if (b.state === "none") { s.append(el("p", { class: "hint" }, t("board_none"))); return; }
      if (b.state === "draft") s.append(el("p", { class: "hint" }, t("board_draft")));
      if (b.state === "approved") s.append(el("p", { class: "hint" }, t("board_approved")));
      const list = (rows, cls, title) => el("div", {}, el("h3", { class: cls }, title),
        rows.length ? el("ol", { class: "list" }, rows.map((r) => el("li", { class: "go", onclick: () => go({ subject: "unit:" + r.unit }) },
          el("span", { class: "name" }, r.name), el("span", { class: "num" }, t("board." + r.reason) + (r.days ? " · " + t("days_late").replace("{n}", r.days) : "")))))
          : el("p", { class: "hint" }, t("none")));
      s.append(el("div", { class: "board" }, list(b.red, "red", t("board_red")), list(b.yellow, "yellow", t("board_yellow"))));
    });
  }

  function missingSection(period) {
    return api("missing", { period }).then((m) => {
      const s = section(t("who_missing") + " (" + m.units.length + "/" + m.owing + ")", "", "missing");
      if (!m.units.length) { s.append(el("p", { class: "hint" }, t("all_in"))); return; }
      s.append(el("ul", { class: "list", id: "missing" }, m.units.map((u) => el("li", { class: "go", onclick: () => go({ subject: "unit:" + u.unit }) },
        el("span", { class: "name" }, u.name),
        el("span", { class: "num" }, u.timeliness === "missing" ? t("days_late").replace("{n}", u.days) : t("pending"))))));
    });
  }

  function listSection(title, rows, line, slot) {
    if (!rows || !rows.length) return;
    const s = section(title, "", slot);
    s.append(el("ul", { class: "list" }, rows.map(line)));
  }

  // top is the headline and what needs attention, at the top of either screen.
  function top(ru) {
    const s = section(t("headline"), "", "headline");
    s.id = "headline";
    headline(ru, s);
    const a = section(t("attention"), "", "attention");
    a.querySelector("h2").remove();
    attention(ru, a);
    coordination(ru, a);
  }

  // ---- the two screens: the overview of the person's scope, and a drill-down ----
  function overview(period, v) {
    layout(["headline", "attention", "map", "path", "cards", "tasks", "board", "missing"]);
    // Every request at once: the slots keep the order.
    return Promise.all([
      api("rollup", { period }).then(top),
      mapSection(period, v.indicator).then((m) => m && pathSection(period, m.indicator)),
      api("cards", { period }).then(cards),
      tasksSection(period),
      boardSection(period),
      missingSection(period),
    ]);
  }

  function drill(period, v) {
    layout(["headline", "attention", "path", "units", "items", "tasks"]);
    const params = { period, subject: v.subject };
    if (v.within) params.within = v.within;
    return api("rollup", params).then((ru) => {
      document.getElementById("drill-title").textContent = ru.title;
      top(ru);
      const work = [];
      if (ru.kind === "indicator") {
        const unit = v.within && v.within.startsWith("unit:") ? v.within.slice(5) : "";
        work.push(pathSection(period, v.subject.slice(10), unit));
      }
      listSection(t("units"), ru.units, (u) => el("li", { class: "go", onclick: () => go(ru.kind === "unit" ? { subject: "unit:" + u.unit } : { subject: "unit:" + u.unit, within: ru.subject }) },
        dot(u.counts.serious ? "serious" : u.counts.lagging ? "lagging" : u.counts.no_data ? "no_data" : "on_track"),
        el("span", { class: "name" }, u.name),
        el("span", { class: "num" }, u.timeliness ? t(u.timeliness) : "")), "units");
      listSection(t("items"), ru.items, (it) => el("li", { class: "go", onclick: () => go({ subject: it.item, within: ru.kind === "unit" ? ru.subject : "" }) },
        dot(it.level), el("span", { class: "name" }, it.name),
        el("span", { class: "num" }, it.total && it.total.ratio != null ? pct(it.total.ratio) : lvl(it.level))), "items");
      if (ru.kind !== "indicator") work.push(tasksSection(period, v.within && ru.kind !== "unit" ? "" : v.subject));
      return Promise.all(work);
    });
  }

  function render() {
    disposeCharts();
    const me = state.me;
    const v = view();
    const period = v.period || me.period;
    const month = document.getElementById("month");
    month.value = period;
    const main = document.getElementById("main");
    main.replaceChildren();
    document.body.dataset.ready = "";
    const drilling = !!v.subject;
    document.getElementById("crumbs").hidden = !drilling;
    const work = drilling ? drill(period, v) : overview(period, v);
    work.then(() => {
      document.body.dataset.ready = "1";
      window.pbRenderMs = Math.round(performance.now() - state.started);
    }).catch((err) => {
      if (err.status === 401 || (err.status === 403 && !drilling)) return refuse(err);
      main.append(el("section", { class: "wide" }, el("p", {}, "⛔ " + err.message)));
      document.body.dataset.ready = "1";
    });
  }

  function start() {
    api("me").then((me) => {
      state.me = me;
      state.T = me.texts;
      document.documentElement.lang = me.lang;
      document.title = t("title");
      document.getElementById("title").textContent = t("title");
      document.getElementById("scope").textContent = t("scope") + "：" + me.scope_name;
      document.getElementById("month-label").textContent = t("month");
      document.getElementById("back").textContent = t("back");
      document.getElementById("back").addEventListener("click", () => history.back());
      const month = document.getElementById("month");
      month.replaceChildren(...me.periods.map((p) => el("option", { value: p.id }, p.label)));
      month.addEventListener("change", () => { const v = view(); v.period = month.value; history.pushState(null, "", "?" + new URLSearchParams(v)); render(); });
      render();
    }).catch(refuse);
  }
  if (window.echarts) start(); else window.addEventListener("load", start);
})();
