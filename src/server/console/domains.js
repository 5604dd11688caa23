// domains.js: the local domains (GET /api/v1/domains), adding and
// deleting one, and the live DNS check of one domain
// (GET /api/v1/domains/{d}/check): expected against found for each
// record, with the fix to copy.

import { api, badge, busy, clear, copyButton, enc, field, fmtTime, h, problem,
    reloader, say, section, table } from "./ui.js";

async function check(out, d) {
	clear(out, h("p", { class: "muted" }, "Asking the name servers of " +
	    d + "..."));
	let c;
	try {
		c = await api("GET", "/api/v1/domains/" + enc(d) + "/check");
	} catch (e) {
		clear(out, problem(e));
		return;
	}
	const bad = c.records.filter((r) => !r.ok).length;
	clear(out, h("h3", { "data-testid": "dns-title" }, "DNS of " + c.domain,
	    " ", bad ? badge(bad + " to fix", "bad") : badge("as expected",
	    "ok")),
	    table([
		{ title: "record", cell: (r) => r.type },
		{ title: "name", cell: (r) => h("code", {}, r.name) },
		{ title: "expected", cell: (r) => h("code", { class: "wrap" },
		    r.expected) },
		{ title: "found", cell: (r) => (r.found || []).length ?
		    (r.found || []).map((f) => h("div", {}, h("code",
		    { class: "wrap" }, f))) : h("em", {}, "nothing") },
		{ title: "", cell: (r) => r.ok ? badge("ok", "ok") :
		    badge("wrong", "bad") },
		{ title: "fix", cell: (r) => r.ok || !r.fix ? "" : h("div",
		    { class: "fixcell" }, h("code", { class: "wrap" }, r.fix),
		    copyButton(r.fix)) },
	    ], c.records, "dns-table"));
}

export async function render(main, params, current) {
	const doc = await api("GET", "/api/v1/domains");
	if (!current())
		return;
	const out = h("div", { "data-testid": "dns-out" });
	const reload = reloader(main, render, params, current);
	const rows = table([
		{ title: "domain", cell: (d) => d.name },
		{ title: "mailboxes", cls: "num", cell: (d) =>
		    h("a", { href: "#/mailboxes?domain=" + enc(d.name) },
		    String(d.mailboxes)) },
		{ title: "aliases", cls: "num", cell: (d) => String(d.aliases) },
		{ title: "sender", cell: (d) => d.sender_policy },
		{ title: "submission host", cell: (d) => d.submission_host ||
		    "" },
		{ title: "created", cell: (d) => fmtTime(d.created) },
		{ title: "", cell: (d) => {
			const b = h("button", { type: "button", class: "small",
			    "data-testid": "dns-check", "data-domain": d.name },
			    "Check DNS");
			b.addEventListener("click", busy(b, () => check(out,
			    d.name)));
			const del = h("button", { type: "button", class:
			    "small danger", "data-testid": "domain-delete" },
			    "Delete");
			del.addEventListener("click", busy(del, async () => {
				try {
					await api("DELETE", "/api/v1/domains/" +
					    enc(d.name));
					say("Deleted " + d.name);
					await reload();
				} catch (e) {
					clear(out, problem(e));
				}
			}));
			return h("span", { class: "actions" }, b, del);
		} },
	], doc.domains, "domains-table", "No domain yet.");
	const name = h("input", { placeholder: "example.com", "data-testid":
	    "domain-name" });
	const add = h("form", { class: "row" }, field("New domain", name),
	    h("button", { type: "submit", "data-testid": "domain-add" }, "Add"));
	add.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		try {
			await api("POST", "/api/v1/domains", { domain:
			    name.value.trim() });
			say("Added " + name.value.trim() + ": publish its DNS " +
			    "records next");
			await reload();
		} catch (e) {
			clear(out, problem(e));
		}
	});
	main.appendChild(h("h1", {}, "Domains"));
	main.appendChild(section("Local domains", rows, add));
	main.appendChild(section("DNS check", h("p", { class: "muted" },
	    "Each record postern expects (MX, SPF, DKIM, DMARC...) against " +
	    "what the domain's name servers answer now."), out));
	const d = params.get("d");
	if (d)
		await check(out, d);
}
