// settings.js: API tokens (list, create: the secret is shown once,
// revoke), the suppression list (add, remove) and the audit log.

import { api, badge, busy, clear, confirmBox, copyButton, enc, field, fmtTime,
    h, problem, qs, say, section, table } from "./ui.js";

const SCOPES = ["read", "mailboxes", "domains", "queue", "provision",
    "metrics", "admin"];

async function tokens(box) {
	const out = h("div", { "data-testid": "token-out" });
	let list;
	try {
		list = (await api("GET", "/api/v1/tokens")).items;
	} catch (e) {
		clear(box, problem(e));
		return;
	}
	const again = () => tokens(box);
	const name = h("input", { placeholder: "ci-reader", "data-testid":
	    "token-name" });
	const boxes = SCOPES.map((s) => h("input", { type: "checkbox",
	    value: s, checked: s === "read", "data-testid": "token-scope-" +
	    s }));
	const dom = h("input", { placeholder: "any", "data-testid":
	    "token-domain" });
	const from = h("input", { placeholder: "anywhere (e.g. 192.0.2.0/24)",
	    "data-testid": "token-from" });
	const exp = h("select", { "data-testid": "token-expires" },
	    [["", "never"], ["86400", "1 day"], ["2592000", "30 days"],
	    ["7776000", "90 days"], ["31536000", "1 year"]].map(([v, t]) =>
	    h("option", { value: v }, t)));
	const go = h("button", { type: "submit", class: "primary",
	    "data-testid": "token-create" }, "Create token");
	const form = h("form", {}, h("div", { class: "grid2" },
	    field("Name", name), field("Domain", dom), field("From", from),
	    field("Expires", exp)),
	    h("div", { class: "scopes" }, "Scopes: ", SCOPES.map((s, i) =>
	    h("label", { class: "check" }, boxes[i], s))), go, out);
	form.addEventListener("submit", busy(go, async () => {
		const b = { name: name.value.trim(), scopes: boxes.filter((x) =>
		    x.checked).map((x) => x.value).join(",") };
		if (dom.value.trim())
			b.domain = dom.value.trim();
		if (from.value.trim())
			b.from = from.value.trim();
		if (exp.value)
			b.expires = Number(exp.value);
		try {
			const t = await api("POST", "/api/v1/tokens", b);
			await tokens(box);
			box.appendChild(h("div", { class: "secret", "data-testid":
			    "token-secret-box" },
			    h("p", {}, h("strong", {}, "Token " + t.name + ":"),
			    " shown this once; the server keeps only its hash."),
			    h("code", { class: "wrap", "data-testid":
			    "token-secret" }, t.token), " ", copyButton(t.token)));
		} catch (e) {
			clear(out, problem(e));
		}
	}));
	clear(box, table([
		{ title: "name", cell: (t) => t.name },
		{ title: "id", cell: (t) => h("code", {}, t.id) },
		{ title: "scopes", cell: (t) => t.scopes },
		{ title: "domain", cell: (t) => t.domain || "any" },
		{ title: "from", cell: (t) => t.from || "anywhere" },
		{ title: "created", cell: (t) => fmtTime(t.created) },
		{ title: "expires", cell: (t) => t.expires ? fmtTime(t.expires) :
		    "never" },
		{ title: "last used", cell: (t) => fmtTime(t.last_used) },
		{ title: "", cell: (t) => {
			const b = h("button", { type: "button", class:
			    "small danger", "data-testid": "token-revoke" },
			    "Revoke");
			b.addEventListener("click", busy(b, async () => {
				if (!await confirmBox("Revoke token " + t.name +
				    "? Whatever uses it stops working now.",
				    "Revoke"))
					return;
				try {
					await api("DELETE", "/api/v1/tokens/" +
					    enc(t.name));
					say("Revoked " + t.name);
					await again();
				} catch (e) {
					clear(out, problem(e));
				}
			}));
			return b;
		} },
	], list, "token-table", "No token yet."), h("h3", {}, "New token"),
	    form);
}

async function suppressions(box) {
	const out = h("div", {});
	let list;
	try {
		list = (await api("GET", "/api/v1/suppressions")).suppressions;
	} catch (e) {
		clear(box, problem(e));
		return;
	}
	const dom = h("input", { placeholder: "example.com", "data-testid":
	    "sup-domain" });
	const addr = h("input", { placeholder: "someone@elsewhere.test",
	    "data-testid": "sup-address" });
	const reason = h("input", { placeholder: "asked to be removed",
	    "data-testid": "sup-reason" });
	const go = h("button", { type: "submit", "data-testid": "sup-add" },
	    "Add");
	const form = h("form", { class: "row" }, field("Domain", dom),
	    field("Address", addr), field("Reason", reason), go);
	form.addEventListener("submit", busy(go, async () => {
		try {
			await api("POST", "/api/v1/suppressions", { domain:
			    dom.value.trim(), address: addr.value.trim(), reason:
			    reason.value.trim() || "added in the console" });
			await suppressions(box);
		} catch (e) {
			clear(out, problem(e));
		}
	}));
	clear(box, table([
		{ title: "domain", cell: (s) => s.domain },
		{ title: "address", cell: (s) => s.address },
		{ title: "reason", cell: (s) => s.reason },
		{ title: "source", cell: (s) => badge(s.source) },
		{ title: "added", cell: (s) => fmtTime(s.created) },
		{ title: "", cell: (s) => {
			const b = h("button", { type: "button", class: "small",
			    "data-testid": "sup-remove" }, "Remove");
			b.addEventListener("click", busy(b, async () => {
				try {
					await api("DELETE", "/api/v1/suppressions/" +
					    enc(s.address) + qs({ domain: s.domain }));
					await suppressions(box);
				} catch (e) {
					clear(out, problem(e));
				}
			}));
			return b;
		} },
	], list, "sup-table", "The suppression list is empty."), form, out);
}

async function audit(box, cursor) {
	let d;
	try {
		d = await api("GET", "/api/v1/audit" + qs({ cursor, limit: 50 }));
	} catch (e) {
		clear(box, problem(e));
		return;
	}
	const more = h("button", { type: "button", "data-testid":
	    "audit-next" }, "Older");
	more.disabled = !d.next_cursor;
	more.addEventListener("click", busy(more, () => audit(box,
	    d.next_cursor)));
	clear(box, table([
		{ title: "time", cell: (e) => fmtTime(e.time) },
		{ title: "who", cell: (e) => e.actor },
		{ title: "client", cell: (e) => e.client },
		{ title: "action", cell: (e) => e.action },
		{ title: "target", cell: (e) => e.target },
		{ title: "detail", cell: (e) => e.detail },
	], d.events, "audit-table", "Nothing audited yet."),
	    h("div", { class: "pager" }, cursor ? h("button", { type: "button",
	    onclick: () => audit(box, "") }, "Newest") : null, more));
}

export async function render(main, params, current) {
	const t = h("div", { "data-testid": "tokens" });
	const s = h("div", { "data-testid": "suppressions" });
	const a = h("div", { "data-testid": "audit" });
	main.appendChild(h("h1", {}, "Settings"));
	main.appendChild(section("API tokens", t));
	main.appendChild(section("Suppression list", s));
	main.appendChild(section("Audit log", a));
	await Promise.all([tokens(t), suppressions(s), audit(a, "")]);
}
