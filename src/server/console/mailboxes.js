// mailboxes.js: the paged mailbox table (GET /api/v1/mailboxes, by key:
// next_cursor), its search and filters, and the actions on one row or
// on the selected rows: unlock, reset password (the new passwords go
// into a CSV made here, the only copy there is), check state, delete.

import { api, badge, busy, clear, confirmBox, csv, download, each, enc, field,
    fmtTime, h, left, problem, qs, redraw, say, section, table } from
    "./ui.js";

function stateCell(r) {
	if (r.state === "locked")
		return h("span", {}, badge("locked", "bad"), " ",
		    h("small", {}, left(r.locked_until)));
	if (r.state === "paused")
		return h("span", { title: r.pause_reason }, badge("paused",
		    "warn"), " ", h("small", {}, r.pause_reason));
	return badge(r.state, "ok");
}

// Sent in the last 24 hours against the daily limit (warm-up noted).
function sentCell(r) {
	const sent = r.sent_24h === undefined ? "?" : String(r.sent_24h);
	const text = sent + " / " + (r.daily_limit ? String(r.daily_limit) :
	    "no limit") + (r.warmup ? " (warm-up)" : "");
	return r.daily_limit && r.sent_24h >= r.daily_limit ?
	    badge(text, "warn") : text;
}

// The share of the last 7 days' deliveries that bounced.
function bounceCell(r) {
	const n = (r.delivered_7d || 0) + (r.bounced_7d || 0);
	if (r.bounced_7d === undefined || n === 0)
		return "-";
	const pct = 100 * r.bounced_7d / n;
	const text = pct.toFixed(pct < 10 ? 1 : 0) + "% of " + n;
	return pct >= 5 ? badge(text, "bad") : pct >= 2 ? badge(text, "warn") :
	    text;
}

// One bulk action over addresses; shows progress and the failures.
async function bulk(out, what, addrs, f) {
	const prog = h("p", { "data-testid": "bulk-progress" }, what + ": 0/" +
	    addrs.length);
	clear(out, prog);
	const res = await each(addrs, 4, f, (d, n) => {
		prog.textContent = what + ": " + d + "/" + n;
	});
	const bad = res.filter((x) => !x.ok);
	prog.textContent = what + ": " + (res.length - bad.length) + " of " +
	    res.length + " done" + (bad.length ? ", " + bad.length +
	    " failed" : "");
	prog.dataset.done = "1";
	for (const x of bad)
		out.appendChild(h("div", {}, x.item, ": ", problem(x.err)));
	return res;
}

async function resetPasswords(out, addrs) {
	const res = await bulk(out, "Reset passwords", addrs, (a) =>
	    api("POST", "/api/v1/mailboxes/" + enc(a) + "/password"));
	const ok = res.filter((x) => x.ok);
	if (!ok.length)
		return;
	const text = csv([["address", "password"], ...ok.map((x) =>
	    [x.value.address, x.value.password])]);
	const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, "");
	out.appendChild(h("div", { class: "secret" },
	    h("p", {}, h("strong", {}, "The new passwords exist only in this " +
	    "page."), " The server keeps their hashes and cannot show them " +
	    "again: download the CSV now."),
	    download("passwords-" + stamp + ".csv", text,
	    "Download the " + ok.length + " new passwords (CSV)",
	    "reset-csv")));
}

async function checkState(out, addrs) {
	const res = await bulk(out, "Check", addrs, (a) =>
	    api("GET", "/api/v1/mailboxes/" + enc(a)));
	out.appendChild(table([
		{ title: "mailbox", cell: (x) => x.item },
		{ title: "state", cell: (x) => x.ok ? stateCell(x.value) : "?" },
		{ title: "last login", cell: (x) => x.ok ?
		    fmtTime(x.value.last_login) : "" },
		{ title: "last failure", cell: (x) => {
			const f = x.ok && (x.value.recent_failures || [])[0];
			return f ? fmtTime(f.time) + " " + f.protocol + " from " +
			    f.client + ": " + f.reason : "none";
		} },
		{ title: "", cell: (x) => h("a", { href: "#/diagnose?user=" +
		    enc(x.item) }, "Test login") },
	], res, "check-table"));
}

export async function render(main, params, current) {
	const st = { cursors: [""], page: 0, rows: [], next: "" };
	const doms = await api("GET", "/api/v1/domains").catch(() => ({
	    domains: [] }));
	if (!current())
		return;
	const q = h("input", { type: "search", placeholder: "part of the " +
	    "address", value: params.get("q") || "", "data-testid": "mb-q" });
	const dom = h("select", { "data-testid": "mb-domain" },
	    h("option", { value: "" }, "all domains"),
	    doms.domains.map((d) => h("option", { value: d.name }, d.name)));
	dom.value = params.get("domain") || "";
	const state = h("select", { "data-testid": "mb-state" },
	    ["", "locked", "paused", "active"].map((v) => h("option",
	    { value: v }, v || "any state")));
	state.value = params.get("state") || "";
	const limit = h("select", { "data-testid": "mb-limit" },
	    ["50", "100", "500"].map((v) => h("option", { value: v }, v +
	    " a page")));
	limit.value = params.get("limit") || "100";
	const body = h("div", {});
	const info = h("span", { class: "muted", "data-testid": "mb-info" });
	const prev = h("button", { type: "button", "data-testid": "mb-prev" },
	    "Previous");
	const next = h("button", { type: "button", "data-testid": "mb-next" },
	    "Next page");
	const out = h("div", { "data-testid": "bulk-out" });
	const selected = new Set();
	const count = h("span", { "data-testid": "mb-selected" }, "0 selected");

	async function load() {
		const doc = await api("GET", "/api/v1/mailboxes" + qs({
		    q: q.value.trim(), domain: dom.value, state: state.value,
		    limit: limit.value, cursor: st.cursors[st.page] }));
		if (!current())
			return;
		st.rows = doc.mailboxes;
		st.next = doc.next_cursor;
		selected.clear();
		draw();
	}

	function draw() {
		count.textContent = selected.size + " selected";
		const all = h("input", { type: "checkbox", "data-testid":
		    "mb-all", title: "select the page" });
		all.checked = st.rows.length > 0 && selected.size ===
		    st.rows.length;
		all.addEventListener("change", () => {
			for (const r of st.rows)
				all.checked ? selected.add(r.address) :
				    selected.delete(r.address);
			draw();
		});
		const t = table([
			{ title: all, cell: (r) => {
				const c = h("input", { type: "checkbox",
				    "data-testid": "mb-select", "data-address":
				    r.address, checked: selected.has(r.address) });
				c.addEventListener("change", () => {
					c.checked ? selected.add(r.address) :
					    selected.delete(r.address);
					count.textContent = selected.size +
					    " selected";
				});
				return c;
			} },
			{ title: "address", cell: (r) => r.address },
			{ title: "state", cell: stateCell },
			{ title: "last good login", cell: (r) =>
			    fmtTime(r.last_login) },
			{ title: "failed 24 h", cls: "num", cell: (r) =>
			    r.failures_24h ? badge(String(r.failures_24h),
			    r.failures_24h > 5 ? "bad" : "warn") : "0" },
			{ title: "sent 24 h / limit", cls: "num", cell: sentCell },
			{ title: "bounces 7 d", cls: "num", cell: bounceCell },
			{ title: "created", cell: (r) => fmtTime(r.created) },
			{ title: "", cell: (r) => rowActions(r) },
		], st.rows, "mb-table", "No mailbox matches.");
		const first = st.page * Number(limit.value);
		info.textContent = st.rows.length ? "rows " + (first + 1) + "-" +
		    (first + st.rows.length) + (st.next ? "" : " (last page)") :
		    "";
		prev.disabled = st.page === 0;
		next.disabled = !st.next;
		clear(body, t);
	}

	function rowActions(r) {
		const act = (label, testid, f) => {
			const b = h("button", { type: "button", class: "small",
			    "data-testid": testid }, label);
			b.addEventListener("click", busy(b, async () => {
				try {
					await f();
				} catch (e) {
					clear(out, problem(e));
				}
			}));
			return b;
		};
		return h("span", { class: "actions" },
		    r.state === "locked" ? act("Unlock", "mb-unlock", async () => {
			await api("POST", "/api/v1/mailboxes/" + enc(r.address) +
			    "/unlock");
			say("Unlocked " + r.address);
			await load();
		    }) : null,
		    act("Reset password", "mb-reset", async () => {
			if (await confirmBox("Give " + r.address + " a new " +
			    "password? The old one stops working now.", "Reset"))
				await resetPasswords(out, [r.address]);
		    }),
		    h("a", { class: "small", href: "#/diagnose?user=" +
		    enc(r.address) }, "Test login"));
	}

	const sel = () => st.rows.map((r) => r.address).filter((a) =>
	    selected.has(a));
	const bulkButton = (label, testid, f, cls) => {
		const b = h("button", { type: "button", class: cls || "",
		    "data-testid": testid }, label);
		b.addEventListener("click", busy(b, async () => {
			const a = sel();
			if (!a.length) {
				say("Select mailboxes first.", "warn");
				return;
			}
			await f(a);
		}));
		return b;
	};
	const reload = async () => {
		st.cursors = [""];
		st.page = 0;
		try {
			await load();
		} catch (e) {
			clear(body, problem(e));
		}
	};
	// not busy(): draw() decides whether the buttons are enabled
	const turn = (step) => redraw(main, async () => {
		prev.disabled = next.disabled = true;
		if (step > 0)
			st.cursors[st.page + 1] = st.next;
		st.page += step;
		try {
			await load();
		} catch (e) {
			clear(out, problem(e));
			st.page -= step;
			draw();
		}
	});
	prev.addEventListener("click", () => turn(-1));
	next.addEventListener("click", () => turn(1));
	const form = h("form", { class: "filters", "data-testid": "mb-filters" },
	    field("Search", q), field("Domain", dom), field("State", state),
	    field("Page", limit), h("button", { type: "submit",
	    "data-testid": "mb-search" }, "Search"));
	form.addEventListener("submit", (ev) => {
		ev.preventDefault();
		reload();
	});
	for (const s of [dom, state, limit])
		s.addEventListener("change", reload);
	main.appendChild(h("h1", {}, "Mailboxes"));
	main.appendChild(form);
	main.appendChild(h("div", { class: "bulkbar" }, count,
	    bulkButton("Unlock", "bulk-unlock", async (a) => {
		await bulk(out, "Unlock", a, (x) => api("POST",
		    "/api/v1/mailboxes/" + enc(x) + "/unlock"));
		await load();
	    }),
	    bulkButton("Reset passwords", "bulk-reset", async (a) => {
		if (await confirmBox("Give " + a.length + " mailboxes new " +
		    "passwords? Their old ones stop working now.", "Reset"))
			await resetPasswords(out, a);
	    }),
	    bulkButton("Check", "bulk-check", (a) => checkState(out, a)),
	    bulkButton("Delete", "bulk-delete", async (a) => {
		if (!await confirmBox("Delete " + a.length + " mailboxes " +
		    "with their locks and networks? Their mail stays in the " +
		    "Maildirs.", "Delete"))
			return;
		await bulk(out, "Delete", a, (x) => api("DELETE",
		    "/api/v1/mailboxes/" + enc(x)));
		await load();
	    }, "danger")));
	main.appendChild(out);
	main.appendChild(section("", body, h("div", { class: "pager" }, prev,
	    next, info)));
	await reload();
}
