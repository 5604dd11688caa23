/*
 * admin_routes: the admin listener's route table.  One table says method,
 * pattern, scope and handler, so dispatch (admin_match.c), authorisation
 * (admin_api.c) and the API description (admin_builtin.c) cannot
 * disagree.  Patterns are literal segments or one "{name}" segment
 * matched against a decoded segment (http_path.h: a segment can never
 * hold a '/').  Only data here: the router's fuzzer links it as it is.
 */
#include <stddef.h>

#include "server/admin.h"
#include "server/console.h"

const struct admin_route admin_routes[] = {
	{ AM_GET, "/metrics", "metrics", NULL, admin_route_metrics,
	    AR_LOOPBACK_OPEN,
	    "Prometheus metrics (text format 0.0.4); open to loopback "
	    "clients, others need a token with the metrics scope" },
	{ AM_GET, "/healthz/live", NULL, NULL, admin_route_live, 0,
	    "200 while the admin process runs" },
	{ AM_GET, "/healthz/ready", NULL, NULL, admin_route_ready, 0,
	    "200 while the server accepts mail, 503 while it starts or "
	    "stops" },
	{ AM_GET, "/api/v1/openapi.json", NULL, NULL, admin_route_openapi, 0,
	    "this API's OpenAPI 3.1 description" },
	{ AM_GET, "/api/v1/mailboxes", "read", "mailboxes.list", NULL, 0,
	    "mailboxes a page at a time: ?domain= &state=locked|paused|"
	    "active &q= (part of the address) &cursor= &limit= (1-500)" },
	{ AM_POST, "/api/v1/mailboxes", "mailboxes", "mailbox.create", NULL,
	    0, "create {\"address\", \"daily_limit\"?} with a generated "
	    "password, in this answer only; 201 (audited)" },
	{ AM_DELETE, "/api/v1/mailboxes/{address}", "mailboxes",
	    "mailbox.delete", NULL, 0,
	    "delete a mailbox, its locks and networks (audited)" },
	{ AM_GET, "/api/v1/mailboxes/{address}", "read", "mailbox.get", NULL,
	    0, "one mailbox: state, last login, recent failed logins with "
	    "reason and client, the networks it logs in from" },
	{ AM_POST, "/api/v1/mailboxes/{address}/unlock", "mailboxes",
	    "mailbox.unlock", NULL, 0,
	    "lift every login lock of the mailbox (audited)" },
	{ AM_POST, "/api/v1/mailboxes/{address}/lock", "mailboxes",
	    "mailbox.lock", NULL, 0,
	    "lock the mailbox for every source: ?for= seconds (default 3600; "
	    "audited)" },
	{ AM_POST, "/api/v1/mailboxes/{address}/password", "mailboxes",
	    "mailbox.password", NULL, 0,
	    "a new generated password, in this answer only (the store keeps "
	    "its hash); lifts the locks (audited)" },
	{ AM_GET, "/api/v1/suppressions", "read", "suppressions.list", NULL,
	    0, "the suppression list: ?domain=" },
	{ AM_POST, "/api/v1/suppressions", "mailboxes", "suppression.add",
	    NULL, 0, "add {\"domain\", \"address\", \"reason\"} (audited)" },
	{ AM_DELETE, "/api/v1/suppressions/{address}", "mailboxes",
	    "suppression.remove", NULL, 0,
	    "remove an entry: ?domain= (audited)" },
	{ AM_GET, "/api/v1/explain", "read", NULL, admin_route_explain, 0,
	    "what an SMTP reply means, whose side it is, how to fix it, as "
	    "postern explain --json: ?reply=" },
	{ AM_GET, "/api/v1/queue", "read", "queue.list", NULL, 0,
	    "queued messages in arrival order, with each recipient's state, "
	    "attempts and last reply: ?state=active|deferred|held|finishing "
	    "&domain= (a recipient's) &sender= &cursor= &limit= (1-500)" },
	{ AM_POST, "/api/v1/queue/flush", "queue", "queue.flush", NULL, 0,
	    "try every queued message now (audited)" },
	{ AM_GET, "/api/v1/queue/{id}", "read", "queue.show", NULL, 0,
	    "one queued message" },
	{ AM_DELETE, "/api/v1/queue/{id}", "queue", "queue.delete", NULL, 0,
	    "delete a message without a bounce (audited)" },
	{ AM_POST, "/api/v1/queue/{id}/hold", "queue", "queue.hold", NULL, 0,
	    "keep a message from delivery until released (audited)" },
	{ AM_POST, "/api/v1/queue/{id}/release", "queue", "queue.release",
	    NULL, 0, "let a held message go (audited)" },
	{ AM_POST, "/api/v1/queue/{id}/retry", "queue", "queue.retry", NULL, 0,
	    "try a message now (audited)" },
	{ AM_GET, "/api/v1/domains", "read", "domains.list", NULL, 0,
	    "the local domains and their settings" },
	{ AM_GET, "/api/v1/audit", "admin", "audit.list", NULL, 0,
	    "the audit log, newest first: ?cursor= &limit=" },
	{ AM_GET | AM_POST | AM_DELETE, "/api/v1/session", NULL, NULL,
	    admin_session_route, 0,
	    "the console's session: POST {\"user\", \"password\", "
	    "\"totp\"} logs in (a __Host- cookie and a CSRF token), GET "
	    "says who is logged in, DELETE logs out" },
	{ AM_GET, "/api/v1/overview", "read", "overview", NULL, 0,
	    "what needs attention: locked and paused mailboxes, the queue, "
	    "the certificate's expiry, 14 days of sending, the domains" },
	{ AM_GET, "/api/v1/logins", "read", "logins.list", NULL, 0,
	    "the newest failed logins with reason and client: "
	    "?result=failed &limit= (1-500)" },
	{ AM_GET, "/api/v1/tokens", "admin", "tokens.list", NULL, 0,
	    "the API tokens (never their secrets)" },
	{ AM_POST, "/api/v1/tokens", "admin", "token.create", NULL, 0,
	    "create {\"name\", \"scopes\", \"domain\"?, \"from\"?, "
	    "\"expires\"? (seconds)}: the token, in this answer only "
	    "(audited)" },
	{ AM_DELETE, "/api/v1/tokens/{name}", "admin", "token.revoke", NULL,
	    0, "revoke a token (audited)" },
	/* --- provisioning, domains, check (helper B) --- */
	{ AM_POST, "/api/v1/provision", "provision", "provision", NULL,
	    AR_BIG_BODY, "create mailboxes in bulk: {\"domain\", \"count\"} "
	    "or {\"domain\", \"csv\"} or {\"rows\": [{\"address\", "
	    "\"daily_limit\"?}]}, \"dry_run\", \"format\", \"daily_limit\", "
	    "\"warmup\"; per-row results, generated passwords and the "
	    "platform CSV in this answer only; Idempotency-Key; body up to "
	    "8 MiB (audited)" },
	{ AM_POST, "/api/v1/domains", "domains", "domain.create", NULL, 0,
	    "add a local domain {\"domain\", \"dkim\"?: \"rsa|ed25519|"
	    "both|none\"} with its DKIM key; 201, 409 if it exists "
	    "(audited)" },
	{ AM_DELETE, "/api/v1/domains/{domain}", "domains", "domain.delete",
	    NULL, 0, "remove a domain without mailboxes or aliases; 409 "
	    "while it has some (audited)" },
	{ AM_GET, "/api/v1/domains/{domain}/check", "read", "domain.check",
	    NULL, 0, "the live DNS check: each record postern dns DOMAIN "
	    "expects (MX, A/AAAA, SPF, DKIM, DMARC, SRV) with what DNS has, "
	    "ok, and the fix" },
	{ AM_POST, "/api/v1/check", "mailboxes", "check.run", NULL, 0,
	    "the step-by-step login test of postern check --json: {\"host\", "
	    "\"port\", \"mode\"?, \"user\", \"password\", \"from\"?}; "
	    "scope mailboxes, as a wrong password counts towards the "
	    "mailbox's lock; a host other than this server needs the admin "
	    "scope" },
	/* --- console (helper A) --- */
	{ AM_GET, "/", NULL, NULL, console_serve, AR_NO_API,
	    "redirect to the console" },
	{ AM_GET, "/console", NULL, NULL, console_serve, AR_NO_API,
	    "the web console (docs/CONSOLE.md)" },
	{ AM_GET, "/console/{file}", NULL, NULL, console_serve, AR_NO_API,
	    "the console's static files" },
};
const size_t admin_nroutes = sizeof(admin_routes) / sizeof(admin_routes[0]);
