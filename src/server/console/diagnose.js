// diagnose.js: the login check (POST /api/v1/check: `postern check`'s
// steps, each with its reply, meaning and fix), the reply explainer
// (GET /api/v1/explain) and the recent failed logins with their reasons
// (GET /api/v1/logins?result=failed).

import { api, badge, busy, clear, field, fmtTime, h, problem, qs, section,
    table } from "./ui.js";

function explanation(x) {
	const e = x && (x.provider || x.enhanced || x.basic);
	if (!e)
		return null;
	return h("div", { class: "explained" }, h("strong", {}, e.title), " (" +
	    e.side_text + "). ", e.meaning, (e.fixes || []).length ?
	    h("div", { class: "fix" }, "Fix: ", e.fixes[0]) : null);
}

function checkResult(r) {
	const failed = r.result !== "ok";
	return h("div", { "data-testid": "check-result" },
	    h("h3", {}, failed ? badge("failed at " + r.failed_step, "bad") :
	    badge("login works", "ok"), " ", r.host + ":" + r.port + " (" +
	    r.mode + ")", r.software ? ", " + r.software : ""),
	    table([
		{ title: "step", cell: (s) => s.step },
		{ title: "", cell: (s) => badge(s.state, s.state === "ok" ? "ok" :
		    s.state === "warn" ? "warn" : "bad") },
		{ title: "ms", cls: "num", cell: (s) => String(s.ms) },
		{ title: "what happened", cell: (s) => h("div", {}, s.detail,
		    s.note ? h("div", { class: "muted" }, s.note) : null,
		    s.reply ? h("div", {}, h("code", { class: "wrap" },
		    s.reply.code + " " + (s.reply.enhanced ? s.reply.enhanced +
		    " " : "") + s.reply.text)) : null,
		    explanation(s.explanation)) },
	    ], r.steps || [], "check-steps"));
}

function checkForm(params) {
	const host = h("input", { placeholder: "mail.example.com",
	    value: params.get("host") || location.hostname, "data-testid":
	    "check-host" });
	const port = h("input", { type: "number", value: params.get("port") ||
	    "587", "data-testid": "check-port" });
	const mode = h("select", { "data-testid": "check-mode" },
	    ["", "starttls", "tls", "plain"].map((m) => h("option",
	    { value: m }, m || "from the port")));
	const user = h("input", { value: params.get("user") || "",
	    autocomplete: "off", "data-testid": "check-user" });
	const pass = h("input", { type: "password", autocomplete: "off",
	    "data-testid": "check-password" });
	const from = h("input", { placeholder: "optional: test MAIL FROM too",
	    "data-testid": "check-from" });
	const out = h("div", { "data-testid": "check-out" });
	const go = h("button", { type: "submit", class: "primary",
	    "data-testid": "check-run" }, "Test the login");
	const form = h("form", {}, h("div", { class: "grid2" },
	    field("Host", host), field("Port", port), field("TLS", mode),
	    field("User", user), field("Password", pass, "sent to the server, " +
	    "which tries it like a mail client; never stored or logged"),
	    field("From", from)), go, out);
	form.addEventListener("submit", busy(go, async () => {
		const b = { host: host.value.trim(), port: Number(port.value),
		    user: user.value.trim(), password: pass.value };
		if (mode.value)
			b.mode = mode.value;
		if (from.value.trim())
			b.from = from.value.trim();
		clear(out, h("p", { class: "muted" }, "Testing..."));
		try {
			clear(out, checkResult(await api("POST", "/api/v1/check",
			    b)));
		} catch (e) {
			clear(out, problem(e));
		}
	}));
	return form;
}

function explainForm() {
	const text = h("textarea", { rows: 3, placeholder: "550 5.7.1 ... " +
	    "(an SMTP reply or a bounce line)", "data-testid": "explain-text" });
	const out = h("div", { "data-testid": "explain-out" });
	const go = h("button", { type: "submit", "data-testid": "explain-run" },
	    "Explain");
	const form = h("form", {}, text, go, out);
	form.addEventListener("submit", busy(go, async () => {
		try {
			const e = await api("GET", "/api/v1/explain" + qs({ reply:
			    text.value.trim() }));
			clear(out, e.explained ? (e.matches || []).map((m) =>
			    h("div", { class: "explained", "data-testid":
			    "explain-match" }, h("strong", {}, m.title), " (" +
			    m.side_text + "). ", m.meaning,
			    h("ul", {}, (m.causes || []).map((c) => h("li", {},
			    "Cause: ", c)), (m.fixes || []).map((f) => h("li", {},
			    "Fix: ", f))))) : h("p", { "data-testid":
			    "explain-none" }, "Not in the knowledge base; the " +
			    "digits say: ", e.class ? e.class.meaning : "?",
			    e.subject ? "; " + e.subject.meaning : ""));
		} catch (err) {
			clear(out, problem(err));
		}
	}));
	return form;
}

async function failures(out) {
	try {
		const d = await api("GET", "/api/v1/logins" + qs({ result:
		    "failed", limit: 100 }));
		clear(out, table([
			{ title: "time", cell: (r) => fmtTime(r.time) },
			{ title: "mailbox", cell: (r) => r.address },
			{ title: "protocol", cell: (r) => r.protocol },
			{ title: "client", cell: (r) => r.client },
			{ title: "reason", cell: (r) => r.reason },
		], d.items, "failed-logins", "No failed login recently."));
	} catch (e) {
		clear(out, problem(e));
	}
}

export async function render(main, params, current) {
	const fails = h("div", { "data-testid": "failed-out" });
	const refresh = h("button", { type: "button", class: "small",
	    "data-testid": "failed-refresh" }, "Refresh");
	refresh.addEventListener("click", busy(refresh, () => failures(fails)));
	main.appendChild(h("h1", {}, "Diagnose"));
	main.appendChild(section("Test a mailbox's login", h("p",
	    { class: "muted" }, "The server connects to the host and port " +
	    "like a mail client and reports each step: connection, TLS, " +
	    "AUTH, MAIL FROM."), checkForm(params)));
	main.appendChild(section("Explain a reply or bounce", explainForm()));
	main.appendChild(section("Recent failed logins", refresh, fails));
	await failures(fails);
}
