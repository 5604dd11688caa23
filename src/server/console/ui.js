// ui.js: the console's small toolkit: building DOM nodes (text only:
// every value shown comes from the API and may hold a stranger's text,
// so nothing here ever parses HTML), the API client (session cookie +
// CSRF header, or a bearer token kept in memory), errors as the
// problem+json detail and fix, downloads built in the browser, and
// time formatting.  No framework, no build step (docs/CONSOLE.md).

export const auth = { user: "", csrf: "", token: "" };

// h("button", {class: "x", onclick: f, "data-testid": "t"}, "text", node)
export function h(tag, attrs, ...kids) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false)
			continue;
		if (k.startsWith("on"))
			e.addEventListener(k.slice(2), v);
		else if (k === "value")
			e.value = v;
		else if (k === "checked")
			e.checked = !!v;
		else
			e.setAttribute(k, v === true ? "" : String(v));
	}
	add(e, kids);
	return e;
}

function add(e, kids) {
	for (const k of kids) {
		if (k === undefined || k === null || k === false)
			continue;
		if (Array.isArray(k))
			add(e, k);
		else if (k instanceof Node)
			e.appendChild(k);
		else
			e.appendChild(document.createTextNode(String(k)));
	}
}

export function clear(e, ...kids) {
	while (e.firstChild)
		e.removeChild(e.firstChild);
	add(e, kids);
	return e;
}

export class ApiError extends Error {
	constructor(status, doc, path) {
		const d = doc && typeof doc === "object" ? doc : {};
		super(d.detail || d.title || ("HTTP " + status));
		this.status = status;
		this.detail = d.detail || d.title || ("HTTP " + status +
		    " from " + path);
		this.fix = d.fix || "";
		this.doc = d;	// the whole answer (provisioning's rows)
		this.retryAfter = 0;
	}
}

// Called when an answer says the session is gone (set by app.js).
export const hooks = { unauthorized: () => {} };

// One API call: the parsed JSON answer, or an ApiError.  Writes always
// carry a JSON body (the server refuses a write without one: 415) and,
// with the session cookie, the CSRF header; the browser adds Origin.
export async function api(method, path, body, headers) {
	const opt = { method, headers: Object.assign({}, headers || {}),
	    credentials: "same-origin", cache: "no-store" };
	if (auth.token)
		opt.headers["Authorization"] = "Bearer " + auth.token;
	else if (method !== "GET" && auth.csrf)
		opt.headers["X-CSRF-Token"] = auth.csrf;
	if (body !== undefined || method === "POST") {
		opt.headers["Content-Type"] = "application/json";
		opt.body = JSON.stringify(body === undefined ? {} : body);
	}
	let r;
	try {
		r = await fetch(path, opt);
	} catch (e) {
		throw new ApiError(0, { detail: "the server did not answer (" +
		    e.message + ")", fix: "is postern running?" }, path);
	}
	const ct = r.headers.get("Content-Type") || "";
	let doc = null;
	if (ct.includes("json") && r.status !== 204) {
		try {
			doc = await r.json();
		} catch (e) {
			doc = null;
		}
	}
	if (!r.ok) {
		const err = new ApiError(r.status, doc, path);
		err.retryAfter = Number(r.headers.get("Retry-After") || 0);
		if (r.status === 401 && !path.startsWith("/api/v1/session"))
			hooks.unauthorized();
		throw err;
	}
	return doc;
}

export function qs(params) {
	const u = new URLSearchParams();
	for (const [k, v] of Object.entries(params))
		if (v !== undefined && v !== null && v !== "")
			u.set(k, String(v));
	const s = u.toString();
	return s ? "?" + s : "";
}

export function enc(s) {
	return encodeURIComponent(s);
}

// A problem shown in place: its detail, and its fix when it has one.
export function problem(err, testid) {
	const detail = err instanceof ApiError ? err.detail : String(err &&
	    err.message || err);
	return h("div", { class: "problem", role: "alert",
	    "data-testid": testid || "problem" },
	    h("strong", {}, detail),
	    err && err.fix ? h("div", { class: "fix" }, "Fix: ", err.fix) :
	    null,
	    err && err.retryAfter ? h("div", { class: "fix" },
	    "Try again in " + err.retryAfter + " s.") : null);
}

// The page-wide message line (set by app.js).
export const flash = { node: null };

export function say(text, kind) {
	if (!flash.node)
		return;
	clear(flash.node, text ? h("div", { class: "flash " + (kind || "ok"),
	    "data-testid": "flash" }, text) : null);
}

export function sayError(err) {
	if (flash.node)
		clear(flash.node, problem(err, "flash-problem"));
}

// Run f(item) for every item, at most n at once; [{item, ok, value|err}].
export async function each(items, n, f, progress) {
	const out = new Array(items.length);
	let next = 0, done = 0;
	async function worker() {
		while (next < items.length) {
			const i = next++;
			try {
				out[i] = { item: items[i], ok: true,
				    value: await f(items[i]) };
			} catch (err) {
				out[i] = { item: items[i], ok: false, err };
			}
			done++;
			if (progress)
				progress(done, items.length);
		}
	}
	const ws = [];
	for (let k = 0; k < Math.min(n, items.length); k++)
		ws.push(worker());
	await Promise.all(ws);
	return out;
}

// CSV text (RFC 4180): a field with a comma, quote or line break is
// quoted; a leading = + - @ is prefixed with ' so a spreadsheet does
// not take it for a formula.
export function csv(rows) {
	return rows.map((r) => r.map((v) => {
		let s = String(v === undefined || v === null ? "" : v);
		if (/^[=+\-@\t\r]/.test(s))
			s = "'" + s;
		return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' :
		    s;
	}).join(",")).join("\r\n") + "\r\n";
}

// A link that downloads text made here (a Blob: no request, no copy on
// the server).
export function download(name, text, label, testid) {
	const url = URL.createObjectURL(new Blob([text],
	    { type: "text/csv;charset=utf-8" }));
	return h("a", { class: "button download", href: url, download: name,
	    "data-testid": testid || "download" }, label || ("Download " +
	    name));
}

export function copyButton(text) {
	const b = h("button", { type: "button", class: "small",
	    "data-testid": "copy", title: "copy to the clipboard" }, "Copy");
	b.addEventListener("click", async () => {
		try {
			await navigator.clipboard.writeText(text);
			b.textContent = "Copied";
		} catch (e) {
			b.textContent = "Select and copy";
		}
	});
	return b;
}

// An in-page confirmation (no window.confirm: it blocks and cannot be
// styled); resolves true or false.
export function confirmBox(text, yes) {
	return new Promise((resolve) => {
		const close = (v) => {
			box.remove();
			resolve(v);
		};
		const box = h("div", { class: "modal", "data-testid": "confirm" },
		    h("div", { class: "modal-box" },
		    h("p", {}, text),
		    h("div", { class: "row" },
		    h("button", { type: "button", class: "danger",
		    "data-testid": "confirm-yes", onclick: () => close(true) },
		    yes || "Yes"),
		    h("button", { type: "button", "data-testid": "confirm-no",
		    onclick: () => close(false) }, "Cancel"))));
		document.body.appendChild(box);
	});
}

export function fmtTime(t) {
	if (!t)
		return "never";
	return new Date(t * 1000).toISOString().slice(0, 16).replace("T",
	    " ") + " UTC";
}

export function fmtSpan(s) {
	s = Math.max(0, Math.round(s));
	const m = Math.round(s / 60);
	if (s < 90)
		return s + " s";
	if (m < 90)
		return m + " min";
	if (s < 172800)
		return Math.floor(m / 60) + " h " + m % 60 + " min";
	return Math.round(s / 86400) + " days";
}

export function now() {
	return Date.now() / 1000;
}

export function left(t) {
	return t ? fmtSpan(t - now()) + " left" : "";
}

// A table: columns [{title, cell: row => node|text}], rows.
export function table(cols, rows, testid, empty) {
	if (!rows.length)
		return h("p", { class: "muted", "data-testid": (testid || "table") +
		    "-empty" }, empty || "Nothing here.");
	return h("table", { "data-testid": testid || "table" },
	    h("thead", {}, h("tr", {}, cols.map((c) => h("th", {}, c.title)))),
	    h("tbody", {}, rows.map((r) => h("tr", {}, cols.map((c) =>
	    h("td", c.cls ? { class: c.cls } : {}, c.cell(r)))))));
}

export function field(label, input, hint) {
	return h("label", { class: "field" }, h("span", {}, label), input,
	    hint ? h("small", { class: "muted" }, hint) : null);
}

export function section(title, ...kids) {
	return h("section", { class: "card" }, title ? h("h2", {}, title) :
	    null, kids);
}

export function badge(text, kind) {
	return h("span", { class: "badge " + (kind || "") }, text);
}

// Draw a screen again in place (after an action), marking it not ready
// meanwhile as app.js does for a new screen (tests wait on the mark).
export async function redraw(main, f) {
	main.dataset.ready = "0";
	try {
		await f();
	} finally {
		main.dataset.ready = "1";
	}
}

// The function that draws a screen again with fresh data (while it is
// still the one shown).
export function reloader(main, render, params, current) {
	return () => current() ? redraw(main, () => render(clear(main), params,
	    current)) : undefined;
}

// Disable a button while an async action runs; the screen is marked
// not ready meanwhile (tests wait on the mark, as after a redraw).
export function busy(button, f) {
	return async (ev) => {
		if (ev)
			ev.preventDefault();
		const main = button.closest("main");
		button.disabled = true;
		if (main)
			main.dataset.ready = "0";
		try {
			await f();
		} finally {
			button.disabled = false;
			if (main)
				main.dataset.ready = "1";
		}
	};
}

// A random key for Idempotency-Key (a secure context has randomUUID).
export function randomKey() {
	if (crypto.randomUUID)
		return crypto.randomUUID();
	const b = new Uint8Array(16);
	crypto.getRandomValues(b);
	return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
