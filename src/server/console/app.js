// app.js: the console's entry: the session check at load, the login
// form, the layout and the hash router (#/mailboxes?q=...).  Each screen
// is a module exporting render(main, params).

import { api, ApiError, auth, clear, field, flash, h, hooks, problem, say }
    from "./ui.js";
import * as overview from "./overview.js";
import * as mailboxes from "./mailboxes.js";
import * as provision from "./provision.js";
import * as domains from "./domains.js";
import * as queue from "./queue.js";
import * as diagnose from "./diagnose.js";
import * as settings from "./settings.js";

const screens = [
	["overview", "Overview", overview],
	["mailboxes", "Mailboxes", mailboxes],
	["provision", "Provision", provision],
	["domains", "Domains", domains],
	["queue", "Queue", queue],
	["diagnose", "Diagnose", diagnose],
	["settings", "Settings", settings],
];

const root = document.getElementById("app");
let shell = null;	// {nav, main} once logged in
let seq = 0;		// the render in progress: an older one stops

function route() {
	const hash = location.hash.replace(/^#\/?/, "");
	const [name, query] = hash.split("?", 2);
	return { name: name || "overview",
	    params: new URLSearchParams(query || "") };
}

function layout() {
	const nav = h("nav", { "data-testid": "nav" },
	    h("div", { class: "brand" }, "postern"),
	    screens.map(([id, title]) => h("a", { href: "#/" + id,
	    "data-testid": "nav-" + id, "data-screen": id, onclick: () => {
		// the screen shown already: draw it again (fresh data)
		if (location.hash === "#/" + id)
			render();
	    } }, title)),
	    h("div", { class: "who" },
	    h("span", { "data-testid": "who" }, auth.user),
	    h("button", { type: "button", class: "small", "data-testid":
	    "logout", onclick: logout }, "Log out")));
	const msg = h("div", { class: "msgs" });
	const main = h("main", { "data-testid": "main" });
	flash.node = msg;
	clear(root, h("div", { class: "shell" }, nav,
	    h("div", { class: "content" }, msg, main)));
	shell = { nav, main };
}

async function render() {
	if (!shell)
		return;
	const { name, params } = route();
	const s = screens.find((x) => x[0] === name) || screens[0];
	for (const a of shell.nav.querySelectorAll("a"))
		a.classList.toggle("active", a.dataset.screen === s[0]);
	document.title = s[1] + " - postern";
	const my = ++seq;
	say("");
	const main = clear(shell.main);
	main.dataset.screen = s[0];
	main.dataset.ready = "0";
	try {
		await s[2].render(main, params, () => my === seq);
	} catch (err) {
		if (my === seq)
			main.appendChild(problem(err));
	}
	if (my === seq)
		main.dataset.ready = "1";
}

function loginForm(err) {
	shell = null;
	flash.node = null;
	const user = h("input", { name: "user", autocomplete: "username",
	    required: true, "data-testid": "login-user" });
	const pass = h("input", { name: "password", type: "password",
	    autocomplete: "current-password", required: true,
	    "data-testid": "login-password" });
	const totp = h("input", { name: "totp", inputmode: "numeric",
	    autocomplete: "one-time-code", pattern: "[0-9]{6}",
	    placeholder: "123456", "data-testid": "login-totp" });
	const token = h("input", { name: "token", type: "password",
	    autocomplete: "off", placeholder: "pst_...",
	    "data-testid": "login-token" });
	const out = h("div", {}, err ? problem(err, "login-problem") : null);
	const tform = h("form", {}, field("Token", token, "kept in this " +
	    "page's memory only: a reload forgets it"),
	    h("button", { type: "submit", "data-testid": "login-token-submit" },
	    "Use token"));
	tform.addEventListener("submit", (ev) => {
		ev.preventDefault();
		useToken(token.value.trim(), out);
	});
	const form = h("form", {}, field("User", user),
	    field("Password", pass), field("TOTP code", totp, "only if your " +
	    "account has one, and always when the console is not on loopback"),
	    h("button", { type: "submit", class: "primary",
	    "data-testid": "login-submit" }, "Log in"));
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		const body = { user: user.value.trim(), password: pass.value };
		if (totp.value.trim())
			body.totp = totp.value.trim();
		try {
			const s = await api("POST", "/api/v1/session", body);
			pass.value = "";
			start(s);
		} catch (e) {
			clear(out, problem(e, "login-problem"));
		}
	});
	clear(root, h("div", { class: "card login", "data-testid": "login" },
	    h("h1", {}, "postern"),
	    h("p", { class: "muted" }, "Log in as an administrator (",
	    h("code", {}, "postern admin add NAME"), ")."), form,
	    h("details", {}, h("summary", {}, "Use an API token instead"),
	    tform), out));
	user.focus();
}

async function useToken(t, out) {
	auth.token = t;
	try {
		await api("GET", "/api/v1/domains");
		start({ user: "token " + t.slice(0, 16), csrf: "" });
	} catch (e) {
		auth.token = "";
		clear(out, problem(e, "login-problem"));
	}
}

function start(s) {
	auth.user = s.user;
	auth.csrf = s.csrf || "";
	layout();
	render();
}

async function logout() {
	try {
		if (!auth.token)
			await api("DELETE", "/api/v1/session");
	} catch (e) {
		// gone already: the login form either way
	}
	auth.user = auth.csrf = auth.token = "";
	loginForm(null);
}

hooks.unauthorized = () => {
	if (auth.token)
		return;
	auth.user = auth.csrf = "";
	loginForm(new ApiError(401, { detail: "your session has ended",
	    fix: "log in again" }, ""));
};

async function boot() {
	window.addEventListener("hashchange", render);
	try {
		start(await api("GET", "/api/v1/session"));
	} catch (e) {
		loginForm(e.status === 401 ? null : e.status === 404 ?
		    new ApiError(404, { detail: "this server has no console " +
		    "login (GET /api/v1/session is missing)", fix: "use an API " +
		    "token below, or update postern" }, "") : e);
	}
}

boot();
