/*
 * admin_api: the authenticated part of the admin pipeline (admin.h).  A
 * route with a scope needs "Authorization: Bearer pst_..." (never a
 * token in the URL); the token is checked by the auth process, which
 * owns the store (api.h, "token.check"), and the route's operation runs
 * there too ("mailboxes.list", ...) or here (a handler).  Each call waits
 * for its answers under a request id, with a deadline (admin_timeout):
 * a store that does not answer gives 504, a closed auth process 503.
 *
 * Failed token checks are counted per client address: more than
 * FAIL_LIMIT in FAIL_WINDOW seconds and the client gets 429 with
 * Retry-After until the window ends, before any check is asked for
 * (the table holds FAIL_SLOTS addresses; the oldest window is reused).
 * A token's text is wiped once sent and never logged.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "core/config.h"
#include "core/token.h"
#include "lib/ipc_adm.h"
#include "lib/log.h"
#include "lib/util.h"
#include "server/admin.h"
#include "lib/http_srv.h"
#include "server/api.h"

#define FAIL_LIMIT	10
#define FAIL_WINDOW	60
#define FAIL_SLOTS	256
#define CALLS_MAX	64	/* requests waiting on the auth process */
#define ANSWER_MAX	(8 * 1024 * 1024)

#define CHALLENGE	"WWW-Authenticate: Bearer realm=\"postern\"\r\n"

enum call_stage { CALL_TOKEN, CALL_OP };

struct call {
	uint64_t			 id;	/* 0: slot free */
	struct admin_req		 r;
	const struct admin_route	*rt;	/* NULL: an admin_api_op */
	const char			*op;
	admin_done			 done;	/* NULL: relay the answer */
	enum call_stage			 stage;
	struct ipc_adm_req		 req;	/* what goes to auth */
	struct buf			 answer;
	struct event			*timer;
};

static struct {
	struct event_base	*base;
	struct ipc_chan		*auth;
	struct ipc_chan		*queue;
	uint64_t		 next_id;
	struct call		 calls[CALLS_MAX];
	struct fail {
		char		 client[64];
		time_t		 start;
		unsigned	 n;
	}			 fails[FAIL_SLOTS];
} AP;

static void	 api_dispatch(struct ipc_msg *, void *);
static void	 api_closed(void *);
static void	 api_timeout(evutil_socket_t, short, void *);
static struct call *call_new(struct admin_req *, const struct admin_route *);
static void	 call_free(struct call *);
static int	 call_send(struct call *);
static void	 call_token_done(struct call *, int);
static void	 call_answer(struct call *, int);
static int	 call_arg(struct call *);
static int	 call_fill(struct call *, struct admin_req *);
static struct fail *fail_find(const char *, int);
static int	 fail_blocked(const char *, time_t *);
static void	 fail_count(const char *);

void
admin_api_init(struct event_base *base, int auth_sock, int queue_sock)
{
	AP.base = base;
	AP.next_id = 1;
	if ((auth_sock != -1 && (AP.auth = ipc_chan_new(base, auth_sock,
	    "auth", api_dispatch, api_closed, &AP.auth)) == NULL) ||
	    (queue_sock != -1 && (AP.queue = ipc_chan_new(base, queue_sock,
	    "queue", api_dispatch, api_closed, &AP.queue)) == NULL))
		fatalx("admin: ipc set-up failed");
}

static struct fail *
fail_find(const char *client, int create)
{
	struct fail	*f, *oldest = &AP.fails[0];
	size_t		 i;

	for (i = 0; i < FAIL_SLOTS; i++) {
		f = &AP.fails[i];
		if (strcmp(f->client, client) == 0)
			return f;
		if (f->start < oldest->start)
			oldest = f;
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	util_strlcpy(oldest->client, client, sizeof(oldest->client));
	return oldest;
}

/* 1 while the client is over its budget; *retry: seconds left. */
static int
fail_blocked(const char *client, time_t *retry)
{
	struct fail	*f = fail_find(client, 0);
	time_t		 now = time(NULL);

	if (f == NULL || now >= f->start + FAIL_WINDOW || f->n < FAIL_LIMIT)
		return 0;
	*retry = f->start + FAIL_WINDOW - now;
	return 1;
}

static void
fail_count(const char *client)
{
	struct fail	*f = fail_find(client, 1);
	time_t		 now = time(NULL);

	if (now >= f->start + FAIL_WINDOW) {
		f->start = now;
		f->n = 0;
	}
	if (++f->n == FAIL_LIMIT)
		log_warnx("admin: client %s: %d failed authentications in "
		    "%ds; refused until the window ends", client, FAIL_LIMIT,
		    FAIL_WINDOW);
}

static struct call *
call_new(struct admin_req *r, const struct admin_route *rt)
{
	struct call	*c = NULL;
	struct timeval	 tv;
	size_t		 i;

	for (i = 0; i < CALLS_MAX && c == NULL; i++)
		if (AP.calls[i].id == 0)
			c = &AP.calls[i];
	if (c == NULL)
		return NULL;
	memset(c, 0, sizeof(*c));
	if ((c->timer = evtimer_new(AP.base, api_timeout, c)) == NULL)
		return NULL;
	c->id = AP.next_id++;
	c->r = *r;
	/* the copy's query points into its own path, not the caller's
	   (on its stack, gone by the time the token is answered) */
	if (r->path.query == r->path.qbuf)
		c->r.path.query = c->r.path.qbuf;
	c->r.req = http_xchg_req(r->x);
	c->rt = rt;
	c->op = rt != NULL ? rt->op : NULL;
	buf_init(&c->answer, ANSWER_MAX);
	util_strlcpy(c->req.client, http_xchg_client(r->x),
	    sizeof(c->req.client));
	tv.tv_sec = r->cfg->admin_timeout_ms / 1000;
	tv.tv_usec = (r->cfg->admin_timeout_ms % 1000) * 1000;
	evtimer_add(c->timer, &tv);
	return c;
}

static void
call_free(struct call *c)
{
	event_free(c->timer);
	buf_free(&c->answer);
	explicit_bzero(&c->req, sizeof(c->req));
	c->id = 0;
}

/*
 * Send the call's current stage: the token check and the accounts'
 * operations to the auth process, "queue." operations to the queue
 * process.  0 or -1.
 */
static int
call_send(struct call *c)
{
	struct ipc_chan	*ch = AP.auth;
	size_t		 len;
	int		 rc;

	if (c->stage == CALL_TOKEN)
		util_strlcpy(c->req.op, "token.check", sizeof(c->req.op));
	else {
		util_strlcpy(c->req.op, c->op, sizeof(c->req.op));
		explicit_bzero(c->req.token, sizeof(c->req.token));
		if (strncmp(c->op, "queue.", 6) == 0)
			ch = AP.queue;
	}
	if (ch == NULL)
		return -1;
	/* the token check does not need the body */
	if (c->stage == CALL_TOKEN) {
		len = c->req.body_len;
		c->req.body_len = 0;
		rc = ipc_adm_send(ch, c->id, &c->req);
		c->req.body_len = len;
	} else
		rc = ipc_adm_send(ch, c->id, &c->req);
	return rc;
}

/* The {parameter} segment of the route, decoded, into api.arg. */
static int
call_arg(struct call *c)
{
	const char	*p = c->rt != NULL ? c->rt->pattern : "";
	size_t		 seg = 0;

	for (; *p != '\0'; p++) {
		if (*p == '/')
			seg++;
		else if (*p == '{' && seg >= 1 && seg <= c->r.path.nseg)
			return util_strlcpy(c->req.arg,
			    c->r.path.seg[seg - 1], sizeof(c->req.arg));
	}
	return 0;
}

/* A call's body and query from the request.  0, or -1 (413 sent). */
static int
call_fill(struct call *c, struct admin_req *r)
{
	const char	*body;
	size_t		 blen;

	body = http_xchg_body(r->x, &blen);
	c->req.body = (char *)(uintptr_t)body;	/* only read, while r lives */
	c->req.body_len = blen;
	util_strlcpy(c->req.query, r->path.query, sizeof(c->req.query));
	return call_arg(c);
}

void
admin_api_request(struct admin_req *r, const struct admin_route *rt)
{
	const char		*auth = http_req_header(r->req, "Authorization");
	const char		*client = http_xchg_client(r->x);
	const struct admin_session *s = NULL;
	struct call		*c;
	const char		*idem;

	if ((rt->flags & AR_LOOPBACK_OPEN) && util_addr_loopback(client) &&
	    rt->handler != NULL) {
		rt->handler(r);
		return;
	}
	if (admin_api_blocked(r))
		return;
	if (auth == NULL && (s = admin_session_get(r)) != NULL &&
	    admin_session_write_ok(r, s) == -1)
		return;				/* 403 sent */
	if (s == NULL && (auth == NULL || strncasecmp(auth, "Bearer ", 7) !=
	    0)) {
		admin_problem_extra(r, 401, CHALLENGE, "this route needs "
		    "Authorization: Bearer TOKEN (postern token create) or a "
		    "console session", NULL);
		return;
	}
	if (s != NULL && rt->op == NULL) {	/* a handler of this process */
		rt->handler(r);
		return;
	}
	if ((c = call_new(r, rt)) == NULL) {
		admin_problem(r, 503, "too many requests in progress", NULL);
		return;
	}
	if (s != NULL) {	/* an administrator: every scope, no token */
		c->stage = CALL_OP;
		(void)util_snprintf(c->req.actor, sizeof(c->req.actor),
		    "admin:%s", s->user);
		c->req.scopes = TS_ADMIN;
	} else {
		c->stage = CALL_TOKEN;
		util_strlcpy(c->req.token, auth + 7 + strspn(auth + 7, " "),
		    sizeof(c->req.token));
	}
	if ((idem = http_req_header(r->req, "Idempotency-Key")) != NULL &&
	    util_strlcpy(c->req.idem_key, idem, sizeof(c->req.idem_key)) ==
	    -1) {
		call_free(c);
		admin_problem(r, 400, "Idempotency-Key is longer than 255 "
		    "characters", NULL);
		return;
	}
	if (call_fill(c, r) == -1 || call_send(c) == -1) {
		call_free(c);
		admin_problem(r, 503, "the account store is not reachable",
		    NULL);
	}
}

int
admin_api_op(struct admin_req *r, const char *op, const char *actor,
    admin_done done)
{
	struct call	*c;

	if ((c = call_new(r, NULL)) == NULL)
		return -1;
	c->op = op;
	c->done = done;
	c->stage = CALL_OP;
	util_strlcpy(c->req.actor, actor, sizeof(c->req.actor));
	if (call_fill(c, r) == -1 || call_send(c) == -1) {
		call_free(c);
		return -1;
	}
	return 0;
}

void
admin_api_failed(struct admin_req *r)
{
	fail_count(http_xchg_client(r->x));
}

int
admin_api_blocked(struct admin_req *r)
{
	time_t	retry;
	char	hdr[64];

	if (!fail_blocked(http_xchg_client(r->x), &retry))
		return 0;
	(void)util_snprintf(hdr, sizeof(hdr), "Retry-After: %lld\r\n",
	    (long long)retry);
	admin_problem_extra(r, 429, hdr, "too many failed authentications "
	    "from this address", NULL);
	return 1;
}

/* An answer chunk from the auth process. */
static void
api_dispatch(struct ipc_msg *m, void *arg)
{
	struct call	*c = NULL;
	uint32_t	 status, more, n;
	size_t		 i;

	(void)arg;
	for (i = 0; i < CALLS_MAX && c == NULL; i++)
		if (AP.calls[i].id != 0 && AP.calls[i].id == m->id)
			c = &AP.calls[i];
	if (m->type != IPC_ADM_RES || ipc_get_u32(m, &status) == -1 ||
	    ipc_get_u32(m, &more) == -1 || ipc_get_u32(m, &n) == -1 ||
	    n != m->len - m->pos) {
		log_warnx("admin: malformed answer from auth");
		if (c != NULL)
			call_answer(c, 502);
		return;
	}
	if (c == NULL)		/* timed out meanwhile */
		return;
	if (buf_append(&c->answer, m->data + m->pos, n) == -1) {
		call_answer(c, 502);
		return;
	}
	if (more)
		return;
	if (c->stage == CALL_TOKEN)
		call_token_done(c, (int)status);
	else
		call_answer(c, (int)status);
}

/* The token is checked: refuse, run the handler here, or ask for op. */
static void
call_token_done(struct call *c, int status)
{
	json_t		*root;
	json_error_t	 e;
	const char	*name, *scopes, *domain;
	unsigned	 have, need = 0;

	if (status != 200) {
		if (status == 401) {
			fail_count(c->req.client);
			log_info("admin: %s: token refused", c->req.client);
		}
		call_answer(c, status);
		return;
	}
	root = json_loadb(c->answer.data, c->answer.len, 0, &e);
	if (root == NULL || json_unpack(root, "{s:s, s:s, s:s}", "name",
	    &name, "scopes", &scopes, "domain", &domain) == -1 ||
	    token_scopes_parse(scopes, &have, NULL, 0) == -1 ||
	    token_scopes_parse(c->rt->scope, &need, NULL, 0) == -1) {
		json_decref(root);
		call_answer(c, 502);
		return;
	}
	(void)util_snprintf(c->req.actor, sizeof(c->req.actor), "token:%s",
	    name);
	util_strlcpy(c->req.domain, domain, sizeof(c->req.domain));
	c->req.scopes = have;
	json_decref(root);
	buf_reset(&c->answer);
	if (!token_allows(have, need)) {
		char	fix[128];

		log_info("admin: %s: token %s lacks the %s scope for %s",
		    c->req.client, c->req.actor, c->rt->scope, c->rt->pattern);
		(void)util_snprintf(fix, sizeof(fix), "use a token with the "
		    "%s scope (postern token create NAME --scope %s)",
		    c->rt->scope, c->rt->scope);
		(void)http_problem(&c->answer, 403, "this token lacks the "
		    "scope this route needs", fix);
		call_answer(c, 403);
		return;
	}
	if (c->rt->op == NULL) {		/* a handler of this process */
		c->rt->handler(&c->r);
		call_free(c);
		return;
	}
	c->stage = CALL_OP;
	if (call_send(c) == -1)
		call_answer(c, 503);
}

/* Relay the answer (or a problem for status) and end the call. */
static void
call_answer(struct call *c, int status)
{
	const char	*ctype = status < 400 ? "application/json" :
			    "application/problem+json";

	if (c->done != NULL) {
		c->done(&c->r, status, &c->answer);
		call_free(c);
		return;
	}
	if (c->answer.len == 0 || status == 502 || status == 503 ||
	    status == 504) {
		(void)http_problem(&c->answer, status, status == 504 ? "the "
		    "account store did not answer in time" : status == 503 ?
		    "the account store is not reachable" : "a bad answer "
		    "from the auth process", NULL);
		ctype = "application/problem+json";
	}
	if (c->answer.len == 0 || c->answer.data[c->answer.len - 1] != '\n')
		(void)buf_appends(&c->answer, "\n");
	admin_reply_extra(&c->r, status, ctype, status == 401 ? CHALLENGE :
	    NULL, c->answer.data, c->answer.len);
	call_free(c);
}

static void
api_timeout(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	call_answer(arg, 504);
}

/*
 * The auth or the queue process closed its socket (it is stopping):
 * the calls waiting on it get 503.  A call's stage says which process
 * it waits on; both are answered, the server is going down anyway.
 */
static void
api_closed(void *arg)
{
	struct ipc_chan	**ch = arg;
	size_t		  i;

	log_warnx("admin: the %s process closed its socket", ch == &AP.auth ?
	    "auth" : "queue");
	ipc_chan_free(*ch);
	*ch = NULL;
	for (i = 0; i < CALLS_MAX; i++)
		if (AP.calls[i].id != 0)
			call_answer(&AP.calls[i], 503);
}
