// overview.js: "needs attention": locked mailboxes with the time left
// (and an unlock button), paused ones with their reason, the
// certificate's expiry, the queue, DNS per domain on demand, and the
// last 14 days of delivered / deferred / bounced as an SVG bar chart.

import { api, badge, busy, clear, enc, fmtSpan, fmtTime, h, left, now, problem,
    reloader, say, section, table } from "./ui.js";

const SVG = "http://www.w3.org/2000/svg";

function s(tag, attrs, text) {
	const e = document.createElementNS(SVG, tag);
	for (const [k, v] of Object.entries(attrs))
		e.setAttribute(k, String(v));
	if (text !== undefined)
		e.appendChild(document.createTextNode(text));
	return e;
}

const SERIES = [["delivered", "sent"], ["deferred", "deferred"],
    ["bounced", "bounced"]];

// Grouped bars per day; heights scaled to the largest value.
export function chart(daily) {
	const W = 700, H = 220, top = 16, bottom = 40, left0 = 40;
	// whole-number grid lines: 4 steps of at least 1
	const step = Math.ceil(Math.max(1, ...daily.flatMap((d) =>
	    SERIES.map(([k]) => Number(d[k]) || 0))) / 4);
	const max = step * 4;
	const g = s("svg", { viewBox: "0 0 " + W + " " + H, class: "chart",
	    role: "img", "data-testid": "chart" });
	g.appendChild(s("title", {}, "sent, deferred and bounced per day"));
	const slot = (W - left0) / Math.max(1, daily.length);
	const bw = Math.max(2, slot / 4);
	for (let y = 0; y <= 4; y++) {
		const yy = top + (H - top - bottom) * (1 - y / 4);
		g.appendChild(s("line", { x1: left0, x2: W, y1: yy, y2: yy,
		    class: "grid" }));
		g.appendChild(s("text", { x: left0 - 4, y: yy + 4,
		    class: "axis", "text-anchor": "end" },
		    String(step * y)));
	}
	daily.forEach((d, i) => {
		SERIES.forEach(([k, label], j) => {
			const v = Number(d[k]) || 0;
			const bh = (H - top - bottom) * v / max;
			const x = left0 + i * slot + slot / 8 + j * bw;
			const r = s("rect", { x, y: H - bottom - bh, width: bw - 1,
			    height: bh, class: "bar-" + k });
			r.appendChild(s("title", {}, d.day + ": " + v + " " +
			    label));
			g.appendChild(r);
		});
		g.appendChild(s("text", { x: left0 + i * slot + slot / 2,
		    y: H - bottom + 14, class: "axis", "text-anchor": "middle" },
		    String(d.day).slice(5)));
	});
	SERIES.forEach(([k, label], j) => {
		g.appendChild(s("rect", { x: left0 + j * 110, y: H - 14,
		    width: 10, height: 10, class: "bar-" + k }));
		g.appendChild(s("text", { x: left0 + j * 110 + 14, y: H - 5,
		    class: "axis" }, label));
	});
	return g;
}

function stat(label, value, kind, testid) {
	return h("div", { class: "stat " + (kind || ""), "data-testid": testid },
	    h("div", { class: "stat-value" }, String(value)),
	    h("div", { class: "stat-label" }, label));
}

function certStat(c) {
	if (!c)
		return null;
	const kind = c.days_left < 14 ? "bad" : c.days_left < 30 ? "warn" : "";
	return stat("days left on the certificate" + (c.subject ? " (" +
	    c.subject + ")" : "") + (c.not_after ? ", until " +
	    fmtTime(c.not_after).slice(0, 10) : ""), c.days_left, kind,
	    "stat-cert");
}

function lockedTable(rows, reload) {
	return table([
		{ title: "mailbox", cell: (r) => h("a", { href: "#/mailboxes?q=" +
		    enc(r.address) }, r.address) },
		{ title: "locked until", cell: (r) => fmtTime(r.locked_until) },
		{ title: "", cell: (r) => left(r.locked_until) },
		{ title: "", cell: (r) => {
			const b = h("button", { type: "button", class: "small",
			    "data-testid": "overview-unlock" }, "Unlock");
			b.addEventListener("click", busy(b, async () => {
				await api("POST", "/api/v1/mailboxes/" +
				    enc(r.address) + "/unlock");
				say("Unlocked " + r.address);
				await reload();
			}));
			return b;
		} },
	], rows, "overview-locked", "No mailbox is locked.");
}

function dnsPanel(doms) {
	const out = h("div", { "data-testid": "overview-dns" });
	const b = h("button", { type: "button", "data-testid": "overview-dns-run"
	    }, "Check DNS of every domain");
	b.addEventListener("click", busy(b, async () => {
		clear(out);
		for (const d of doms) {
			const line = h("div", { class: "dnsline" }, d.name, ": ",
			    "checking...");
			out.appendChild(line);
			try {
				const c = await api("GET", "/api/v1/domains/" +
				    enc(d.name) + "/check");
				const bad = c.records.filter((r) => !r.ok);
				clear(line, h("a", { href: "#/domains?d=" +
				    enc(d.name) }, d.name), " ",
				    bad.length ? badge(bad.length + " failing: " +
				    bad.map((r) => r.type).join(", "), "bad") :
				    badge("all records as expected", "ok"));
			} catch (e) {
				clear(line, d.name, ": ", problem(e));
			}
		}
	}));
	return h("div", {}, h("p", { class: "muted" }, "DNS is checked on " +
	    "demand: each check asks the domain's name servers."), b, out);
}

export async function render(main, params, current) {
	const o = await api("GET", "/api/v1/overview");
	if (!current())
		return;
	const reload = reloader(main, render, params, current);
	const q = o.queue;	// null for a token limited to a domain
	const m = o.mailboxes || {};
	const oldest = q && (q.oldest_age || (q.oldest ? now() - q.oldest : 0));
	// the counts the server gives: a field it lacks is not shown
	const opt = (v, label, kind, testid) => v === undefined || v === null ?
	    null : stat(label, v, v ? kind : "", testid);
	main.appendChild(h("h1", {}, "Overview"));
	main.appendChild(h("div", { class: "stats" },
	    stat("mailboxes", m.total, "", "stat-total"),
	    stat("locked", m.locked, m.locked ? "bad" : "", "stat-locked"),
	    stat("paused", m.paused, m.paused ? "warn" : "", "stat-paused"),
	    q ? stat("queued messages", q.messages, "", "stat-queue") : null,
	    q ? opt(q.deferred, "deferred", "warn", "stat-deferred") : null,
	    q ? opt(q.held, "held", "warn", "stat-held") : null,
	    q ? stat("oldest in queue", oldest ? fmtSpan(oldest) : "-",
	    oldest > 86400 ? "warn" : "", "stat-oldest") : null,
	    certStat(o.certificate)));
	main.appendChild(section("Needs attention",
	    h("h3", {}, "Locked mailboxes"), lockedTable(o.locked || [], reload),
	    h("h3", {}, "Paused mailboxes"),
	    table([
		{ title: "mailbox", cell: (r) => r.address },
		{ title: "paused until", cell: (r) => fmtTime(r.paused_until) },
		{ title: "reason", cell: (r) => r.reason },
	    ], o.paused || [], "overview-paused", "No mailbox is paused.")));
	main.appendChild(section("Last 14 days", chart(o.daily || [])));
	main.appendChild(section("Domains",
	    table([
		{ title: "domain", cell: (r) => h("a", { href: "#/domains?d=" +
		    enc(r.name) }, r.name) },
		{ title: "mailboxes", cell: (r) => String(r.mailboxes), cls:
		    "num" },
	    ], o.domains || [], "overview-domains", "No domain yet."),
	    dnsPanel(o.domains || [])));
}
