/*
 * admin_session: the web console's sessions, in the admin process
 * (admin.h, docs/CONSOLE.md).  POST /api/v1/session sends the name,
 * password and TOTP code to the auth process ("session.login",
 * api_session.c), which alone sees the store; on yes this process makes
 * the session: 32 random bytes as its id, sent as the cookie
 * "__Host-postern" (Secure, HttpOnly, SameSite=Strict, Path=/, so no
 * script, other site or subdomain reads or sets it) and 32 more as its
 * CSRF token, given in the answer's JSON.  Sessions live here, in memory:
 * a restart logs everyone out.  A session ends after SESSION_IDLE without
 * a request or SESSION_LIFE in all, or at DELETE /api/v1/session; with
 * SESSIONS_MAX live the least recently used one gives way.
 *
 * A request carrying the cookie and no Authorization header acts as an
 * administrator (every scope).  Any method but GET and HEAD also needs
 * X-CSRF-Token equal to the session's token and an Origin equal to this
 * server's own (the scheme of the listener and the Host header, which the
 * pipeline already checked against admin_hosts): a page elsewhere can
 * neither read the token nor forge the Origin.  Logins share the failure
 * budget of bad tokens (admin_api.c): 429 with Retry-After past it.
 * Ids and tokens are compared in constant time and never logged.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"
#include "server/admin.h"

#define SESSIONS_MAX	256
#define SESSION_IDLE	(12 * 3600)
#define SESSION_LIFE	(7 * 86400)
#define COOKIE		"__Host-postern"
#define COOKIE_ATTRS	"; Path=/; Secure; HttpOnly; SameSite=Strict"

static struct admin_session	sessions[SESSIONS_MAX];

static int	 random_hex(char *, size_t);
static int	 cookie_value(const char *, char *, size_t);
static int	 origin_ok(struct admin_req *);
static struct admin_session *session_new(const char *);
static void	 session_answer(struct admin_req *, int,
		    const struct admin_session *, const char *);
static void	 login_done(struct admin_req *, int, struct buf *);
static void	 session_login(struct admin_req *);
static void	 session_logout(struct admin_req *);

/* 32 random bytes as 64 hex digits into out (65). */
static int
random_hex(char *out, size_t outsz)
{
	unsigned char	b[32];

	if (outsz < 2 * sizeof(b) + 1 || util_random(b, sizeof(b)) == -1)
		return -1;
	util_hex(b, sizeof(b), out);
	explicit_bzero(b, sizeof(b));
	return 0;
}

/* The value of our cookie in a Cookie header.  1 found, 0 not. */
static int
cookie_value(const char *h, char *out, size_t outsz)
{
	size_t	n, len = strlen(COOKIE);

	while (h != NULL && *h != '\0') {
		h += strspn(h, " ;");
		n = strcspn(h, ";");
		if (n > len + 1 && strncmp(h, COOKIE "=", len + 1) == 0 &&
		    n - len - 1 < outsz) {
			memcpy(out, h + len + 1, n - len - 1);
			out[n - len - 1] = '\0';
			return 1;
		}
		h += n;
	}
	return 0;
}

const struct admin_session *
admin_session_get(struct admin_req *r)
{
	struct admin_session	*s, *found = NULL;
	char			 id[80];
	int64_t			 now = (int64_t)time(NULL);
	size_t			 i;

	if (!cookie_value(http_req_header(r->req, "Cookie"), id, sizeof(id)) ||
	    strlen(id) != 64)
		return NULL;
	for (i = 0; i < SESSIONS_MAX; i++) {	/* every slot: no early out */
		s = &sessions[i];
		if (s->last != 0 && CRYPTO_memcmp(s->id, id, 64) == 0)
			found = s;
	}
	explicit_bzero(id, sizeof(id));
	if (found == NULL)
		return NULL;
	if (now - found->last > SESSION_IDLE ||
	    now - found->created > SESSION_LIFE) {
		explicit_bzero(found, sizeof(*found));
		return NULL;
	}
	found->last = now;
	return found;
}

/* Origin, when sent, is this server's own: scheme://Host. */
static int
origin_ok(struct admin_req *r)
{
	const char	*origin = http_req_header(r->req, "Origin");
	const char	*host = http_req_header(r->req, "Host");
	char		 own[320];

	if (origin == NULL || host == NULL)
		return origin == NULL;
	(void)util_snprintf(own, sizeof(own), "%s://%s",
	    http_xchg_tls(r->x) ? "https" : "http", host);
	return strcasecmp(origin, own) == 0;
}

int
admin_session_write_ok(struct admin_req *r, const struct admin_session *s)
{
	const char	*m = r->req->method, *tok;

	if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
		return 0;
	tok = http_req_header(r->req, "X-CSRF-Token");
	if (tok == NULL || strlen(tok) != 64 ||
	    CRYPTO_memcmp(tok, s->csrf, 64) != 0) {
		admin_problem(r, 403, "a console write needs the session's "
		    "X-CSRF-Token header", "reload the console");
		return -1;
	}
	if (http_req_header(r->req, "Origin") == NULL || !origin_ok(r)) {
		log_info("admin: %s: a console write from a foreign origin",
		    http_xchg_client(r->x));
		admin_problem(r, 403, "a console write must come from the "
		    "console's own origin", NULL);
		return -1;
	}
	return 0;
}

static struct admin_session *
session_new(const char *user)
{
	struct admin_session	*s = &sessions[0];
	int64_t			 now = (int64_t)time(NULL);
	size_t			 i;

	for (i = 0; i < SESSIONS_MAX; i++) {
		if (sessions[i].last == 0 ||
		    now - sessions[i].last > SESSION_IDLE) {
			s = &sessions[i];
			break;
		}
		if (sessions[i].last < s->last)
			s = &sessions[i];
	}
	explicit_bzero(s, sizeof(*s));
	if (random_hex(s->id, sizeof(s->id)) == -1 ||
	    random_hex(s->csrf, sizeof(s->csrf)) == -1) {
		explicit_bzero(s, sizeof(*s));
		return NULL;
	}
	util_strlcpy(s->user, user, sizeof(s->user));
	s->created = s->last = now;
	return s;
}

/* {"user", "csrf", "idle_timeout"}, with a Set-Cookie when cookie. */
static void
session_answer(struct admin_req *r, int status, const struct admin_session *s,
    const char *cookie)
{
	struct buf	b;
	struct json	j;

	buf_init(&b, 4096);
	json_init(&j, &b);
	json_obj_begin(&j);
	json_kstr(&j, "user", s->user);
	json_kstr(&j, "csrf", s->csrf);
	json_kint(&j, "idle_timeout", SESSION_IDLE);
	json_obj_end(&j);
	if (json_finish(&j) == 0 && buf_appends(&b, "\n") == 0)
		admin_reply_extra(r, status, "application/json", cookie,
		    b.data, b.len);
	else
		admin_problem(r, 500, "out of memory", NULL);
	buf_free(&b);
}

/* The auth process's answer to "session.login". */
static void
login_done(struct admin_req *r, int status, struct buf *answer)
{
	struct admin_session	*s;
	json_t			*root;
	const char		*user;
	char			 cookie[160];

	if (status != 200) {
		if (status == 401 || status == 403)
			admin_api_failed(r);
		if (answer->len == 0 || status >= 500)
			admin_problem(r, status >= 500 ? status : 502,
			    "the account store did not answer", NULL);
		else
			admin_reply_extra(r, status, "application/problem+json",
			    NULL, answer->data, answer->len);
		return;
	}
	root = json_loadb(answer->data, answer->len, 0, NULL);
	if (root == NULL || json_unpack(root, "{s:s}", "user", &user) == -1 ||
	    (s = session_new(user)) == NULL) {
		json_decref(root);
		admin_problem(r, 502, "a bad answer from the auth process",
		    NULL);
		return;
	}
	json_decref(root);
	log_info("admin: %s: console session for %s", http_xchg_client(r->x),
	    s->user);
	(void)util_snprintf(cookie, sizeof(cookie), "Set-Cookie: " COOKIE
	    "=%s" COOKIE_ATTRS "\r\n", s->id);
	session_answer(r, 200, s, cookie);
	explicit_bzero(cookie, sizeof(cookie));
}

static void
session_login(struct admin_req *r)
{
	if (admin_api_blocked(r))
		return;
	if (!origin_ok(r)) {
		admin_problem(r, 403, "a console login must come from the "
		    "console's own origin", NULL);
		return;
	}
	if (admin_api_op(r, "session.login", "console", login_done) == -1)
		admin_problem(r, 503, "the account store is not reachable",
		    NULL);
}

static void
session_logout(struct admin_req *r)
{
	struct admin_session	*s;

	s = (struct admin_session *)(uintptr_t)admin_session_get(r);
	if (s == NULL) {
		admin_problem(r, 401, "no console session", NULL);
		return;
	}
	if (admin_session_write_ok(r, s) == -1)
		return;
	log_info("admin: %s: %s logged out", http_xchg_client(r->x), s->user);
	explicit_bzero(s, sizeof(*s));
	admin_reply_extra(r, 204, NULL, "Set-Cookie: " COOKIE "=" COOKIE_ATTRS
	    "; Max-Age=0\r\n", "", 0);
}

void
admin_session_route(struct admin_req *r)
{
	const struct admin_session	*s;

	if (strcmp(r->req->method, "POST") == 0)
		session_login(r);
	else if (strcmp(r->req->method, "DELETE") == 0)
		session_logout(r);
	else if ((s = admin_session_get(r)) != NULL)
		session_answer(r, 200, s, NULL);
	else
		admin_problem(r, 401, "no console session", "log in: POST "
		    "/api/v1/session");
}
