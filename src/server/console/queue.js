// queue.js: the queue (GET /api/v1/queue, every page), grouped by
// destination domain or by sender, each deferral reason run through
// GET /api/v1/explain, and the actions: hold, release, retry, delete,
// flush.

import { api, badge, busy, clear, confirmBox, enc, fmtSpan, fmtTime, h, now,
    problem, qs, reloader, say, section, table } from "./ui.js";

const MAX_PAGES = 20;	// 10,000 messages: past that, filter by state

async function fetchAll(state) {
	let msgs = [], cursor = "", more = false;
	for (let i = 0; i < MAX_PAGES; i++) {
		const doc = await api("GET", "/api/v1/queue" + qs({ state,
		    limit: 500, cursor }));
		msgs = msgs.concat(doc.messages);
		cursor = doc.next_cursor;
		if (!cursor)
			break;
		more = i === MAX_PAGES - 1;
	}
	return { msgs, more };
}

function domainOf(a) {
	const i = a.lastIndexOf("@");
	return i < 0 ? a : a.slice(i + 1).toLowerCase();
}

function groups(msgs, by) {
	const m = new Map();
	for (const msg of msgs) {
		const keys = by === "sender" ? [msg.sender || "<>"] :
		    [...new Set(msg.recipients.map((r) => domainOf(r.address)))];
		for (const k of keys) {
			if (!m.has(k))
				m.set(k, []);
			m.get(k).push(msg);
		}
	}
	return [...m.entries()].sort((a, b) => b[1].length - a[1].length);
}

// The distinct replies of deferred recipients, each explained once.
async function reasons(msgs, out) {
	const seen = new Map();
	for (const msg of msgs)
		for (const r of msg.recipients)
			if (r.reply && r.state === "pending")
				seen.set(r.reply, (seen.get(r.reply) || 0) + 1);
	if (!seen.size) {
		clear(out, h("p", { class: "muted" }, "No deferral reasons: " +
		    "nothing has been refused for now."));
		return;
	}
	clear(out);
	for (const [reply, n] of [...seen.entries()].slice(0, 30)) {
		const line = h("div", { class: "reason", "data-testid":
		    "queue-reason" }, h("code", { class: "wrap" }, reply),
		    " ", badge(n + " recipient" + (n > 1 ? "s" : "")));
		out.appendChild(line);
		try {
			const e = await api("GET", "/api/v1/explain" +
			    qs({ reply }));
			const m = (e.matches || [])[0];
			line.appendChild(m ? h("div", { class: "explained" },
			    h("strong", {}, m.title), " (" + m.side_text + "). ",
			    m.meaning, (m.fixes || []).length ? h("div",
			    { class: "fix" }, "Fix: ", m.fixes[0]) : null) :
			    h("div", { class: "muted" }, "No explanation known " +
			    "for this reply."));
		} catch (err) {
			line.appendChild(problem(err));
		}
	}
}

export async function render(main, params, current) {
	const by = params.get("by") || "domain";
	const state = params.get("state") || "";
	const { msgs, more } = await fetchAll(state);
	if (!current())
		return;
	const reload = reloader(main, render, params, current);
	const act = (label, testid, f, cls) => {
		const b = h("button", { type: "button", class: "small " +
		    (cls || ""), "data-testid": testid }, label);
		b.addEventListener("click", busy(b, async () => {
			try {
				await f();
				await reload();
			} catch (e) {
				say("");
				main.prepend(problem(e));
			}
		}));
		return b;
	};
	const msgActions = (m) => h("span", { class: "actions" },
	    m.held ? act("Release", "q-release", () => api("POST",
	    "/api/v1/queue/" + enc(m.id) + "/release")) : act("Hold", "q-hold",
	    () => api("POST", "/api/v1/queue/" + enc(m.id) + "/hold")),
	    act("Retry", "q-retry", () => api("POST", "/api/v1/queue/" +
	    enc(m.id) + "/retry")),
	    act("Delete", "q-delete", async () => {
		if (await confirmBox("Delete message " + m.id + " without a " +
		    "bounce?", "Delete"))
			await api("DELETE", "/api/v1/queue/" + enc(m.id));
	    }, "danger"));
	const msgTable = (list) => table([
		{ title: "id", cell: (m) => h("code", {}, m.id) },
		{ title: "age", cell: (m) => fmtSpan(now() - m.arrival) },
		{ title: "sender", cell: (m) => m.sender || "<>" },
		{ title: "recipients", cell: (m) => m.recipients.map((r) =>
		    h("div", {}, r.address, " ", badge(r.state, r.state ===
		    "bounced" ? "bad" : r.state === "sent" ? "ok" : ""),
		    r.attempts ? " " + r.attempts + (r.attempts === 1 ? " try" :
		    " tries") + ", next " + fmtTime(r.next_attempt) : "")) },
		{ title: "state", cell: (m) => badge(m.state, m.state ===
		    "held" ? "warn" : m.state === "deferred" ? "warn" : "") },
		{ title: "", cell: msgActions },
	], list, "queue-table");
	const link = (label, p, testid) => {
		const u = new URLSearchParams({ by, state, ...p });
		const on = "by" in p ? p.by === by : p.state === state;
		return h("a", { href: "#/queue?" + u.toString(), class: on ?
		    "tab active" : "tab", "data-testid": testid }, label);
	};
	const why = h("div", { "data-testid": "queue-reasons" });
	main.appendChild(h("h1", {}, "Queue"));
	main.appendChild(h("div", { class: "row" },
	    link("by destination domain", { by: "domain" }, "queue-by-domain"),
	    link("by sender", { by: "sender" }, "queue-by-sender"), " | ",
	    link("all", { state: "" }, "queue-all"),
	    link("deferred", { state: "deferred" }, "queue-deferred"),
	    link("held", { state: "held" }, "queue-held"),
	    act("Try every message now", "q-flush", () => api("POST",
	    "/api/v1/queue/flush"))));
	main.appendChild(h("p", { "data-testid": "queue-count" }, msgs.length +
	    " message" + (msgs.length === 1 ? "" : "s") + (more ?
	    " (the first 10,000: filter by state for the rest)" : "")));
	main.appendChild(section("Deferral reasons", why));
	for (const [k, list] of groups(msgs, by))
		main.appendChild(h("section", { class: "card", "data-testid":
		    "queue-group" }, h("h2", {}, k, " ", badge(String(list.length))),
		    msgTable(list)));
	await reasons(msgs, why);
}
