/*
 * api_check: POST /api/v1/check (api.h), `postern check` over the admin
 * API: {"host", "port", "mode"?, "user", "password", "from"?} answered
 * with exactly the JSON `postern check --json` prints (check_json.c):
 * each step with its reply, what it means, whose side it is on, the fix.
 *
 * Where it runs.  A check connects out and waits on a server (a greeting,
 * TLS, an AUTH that fails slowly on purpose), so it blocks for up to a few
 * seconds: never on the admin process's event loop, and not on the auth
 * process's admin thread either, which does one API operation at a time,
 * so one slow check would stall every other call (token checks included)
 * for its whole length.  Each check gets a thread of its own, at most
 * API_CHECKS_MAX (2) at once (a third is answered 429 at once), and sends
 * its answer itself through the caller's answer function, which
 * serialises it with the admin thread's answers on the shared socket
 * (auth_admin.c).  Measured against this server's own submission port on
 * loopback (STARTTLS, AUTH, MAIL; 2 shared cores under load): a good
 * login 35-100 ms (median of 5), a refused one 60-110 ms; a silent or
 * slow server holds its thread for up to the timeout below.
 * Every network wait of the check is bounded by a timeout of a quarter of
 * admin_timeout (at most 4 s), so a check ends; should one still outlast
 * the admin process's deadline, that process answers 504 and drops the
 * late answer.
 *
 * SSRF guard.  A check makes the server open a TCP connection to the
 * host and port given and speak SMTP there, from inside the network the
 * server sits in: with a free choice of host a token could probe or talk
 * to internal services no one outside may reach.  So a check whose host
 * is not a loopback address or one of this server's own SMTP listener
 * addresses, or whose port is not one of its SMTP listeners' ports,
 * needs the admin scope; the mailboxes scope the route asks for (a wrong
 * password counts towards a lock) only checks this server itself.
 * Host names other than "localhost" count as foreign: what they resolve
 * to is not ours to know beforehand.
 *
 * The password is never logged, kept or sent anywhere but to the server
 * checked; its copies are wiped when the check ends.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/config.h"
#include "core/token.h"
#include "diag/check.h"
#include "lib/http_srv.h"
#include "lib/log.h"
#include "lib/util.h"
#include "server/api.h"

#define CHECK_TIMEOUT_MAX	4000	/* ms, per network wait */
#define CHECK_PW_MAX		1024

struct check_job {
	uint64_t		 id;
	void			(*answer)(uint64_t, int, const struct buf *);
	struct check_opts	 o;
	char			 user[STORE_ADDR_MAX + 1];
	char			 password[CHECK_PW_MAX + 1];
	char			 from[STORE_ADDR_MAX + 1];
	char			 actor[96];
};

static struct {
	pthread_mutex_t	lock;
	int		running;
} CK = { PTHREAD_MUTEX_INITIALIZER, 0 };

static int	 own_target(const struct config *, const char *, unsigned);
static int	 check_parse(const struct api_call *, struct check_job *,
		    struct buf *);
static void	*check_thread(void *);

/* 1 if host:port is this server's own SMTP service (see the top). */
static int
own_target(const struct config *cfg, const char *host, unsigned port)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	char		 a[64];
	const struct sockaddr_storage *ss;
	unsigned	 lport;
	size_t		 k, i;
	int		 port_ok = 0, host_ok, v4;

	v4 = inet_pton(AF_INET, host, &a4) == 1;
	host_ok = strcasecmp(host, "localhost") == 0 ||
	    (v4 && (ntohl(a4.s_addr) >> 24) == 127) || (!v4 &&
	    inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6));
	for (k = 0; k < LISTEN_SMTP_COUNT; k++)
		for (i = 0; i < cfg->nlisten[k]; i++) {
			ss = &cfg->listen[k][i].ss;
			lport = ss->ss_family == AF_INET6 ? ntohs(((const
			    struct sockaddr_in6 *)(const void *)ss)->sin6_port) :
			    ntohs(((const struct sockaddr_in *)(const void *)
			    ss)->sin_port);
			port_ok |= lport == port;
			util_addr_str((const struct sockaddr *)ss, a,
			    sizeof(a));
			host_ok |= strcasecmp(a, host) == 0;
		}
	return host_ok && port_ok;
}

/* The body into j's options.  200, or a problem. */
static int
check_parse(const struct api_call *c, struct check_job *j, struct buf *out)
{
	json_t		*root;
	const char	*host = NULL, *mode = "auto", *user = NULL;
	const char	*pw = NULL, *from = NULL;
	json_int_t	 port = 587;
	size_t		 pwlen = 0;
	int		 bad;

	root = json_loadb(c->r.body, c->r.body_len, JSON_REJECT_DUPLICATES,
	    NULL);
	bad = root == NULL || json_unpack(root, "{s:s, s?:I, s?:s, s:s, "
	    "s:s%, s?:s}", "host", &host, "port", &port, "mode", &mode,
	    "user", &user, "password", &pw, &pwlen, "from", &from) == -1 ||
	    port < 1 || port > 65535 || pwlen > CHECK_PW_MAX ||
	    util_strlcpy(j->o.host, host, sizeof(j->o.host)) == -1 ||
	    util_strlcpy(j->user, user, sizeof(j->user)) == -1 ||
	    (from != NULL && util_strlcpy(j->from, from,
	    sizeof(j->from)) == -1);
	if (!bad) {
		memcpy(j->password, pw, pwlen);
		j->o.passlen = pwlen;
		j->o.mode = strcmp(mode, "starttls") == 0 ? CHECK_STARTTLS :
		    strcmp(mode, "tls") == 0 ? CHECK_TLS :
		    strcmp(mode, "plain") == 0 ? CHECK_PLAIN : CHECK_AUTO;
		bad = j->o.mode == CHECK_AUTO && strcmp(mode, "auto") != 0;
	}
	json_decref(root);
	if (bad)
		return http_problem(out, 400, "the body is {\"host\", \"port\", "
		    "\"mode\": \"auto|starttls|tls|plain\", \"user\", "
		    "\"password\", \"from\"?}", NULL);
	j->o.port = (unsigned)port;
	if (!own_target(api_cfg, j->o.host, j->o.port) &&
	    !token_allows(c->r.scopes, TS_ADMIN))
		return http_problem(out, 403, "checking a server other than "
		    "this one needs the admin scope: it makes this server "
		    "connect where the request says", "check this server "
		    "(127.0.0.1 and one of its SMTP ports), or use a token "
		    "with the admin scope");
	j->o.user = j->user;
	j->o.password = j->password;
	j->o.from = j->from[0] != '\0' ? j->from : NULL;
	j->o.timeout_ms = api_cfg->admin_timeout_ms / 4;
	if (j->o.timeout_ms > CHECK_TIMEOUT_MAX || j->o.timeout_ms == 0)
		j->o.timeout_ms = CHECK_TIMEOUT_MAX;
	util_strlcpy(j->actor, c->r.actor, sizeof(j->actor));
	return 200;
}

static void *
check_thread(void *arg)
{
	struct check_job	*j = arg;
	struct check_result	*r;
	struct buf		 b;
	int			 status = 200;

	buf_init(&b, 1024 * 1024);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		status = http_problem(&b, 500, "out of memory", NULL);
	else {
		(void)check_run(&j->o, r);
		if (check_json(r, &b) == -1 || buf_appends(&b, "\n") == -1)
			status = http_problem(&b, 500, "the result could not "
			    "be written", NULL);
		else
			log_info("api: check %s:%u for %s by %s: %s",
			    j->o.host, j->o.port, j->user, j->actor,
			    check_failed_step(r) ? check_failed_step(r) :
			    "ok");
		free(r);
	}
	j->answer(j->id, status, &b);
	buf_free(&b);
	explicit_bzero(j, sizeof(*j));
	free(j);
	pthread_mutex_lock(&CK.lock);
	CK.running--;
	pthread_mutex_unlock(&CK.lock);
	return NULL;
}

int
api_check_start(const struct api_call *c, uint64_t id,
    void (*answer)(uint64_t, int, const struct buf *), struct buf *out)
{
	struct check_job	*j;
	pthread_attr_t		 attr;
	pthread_t		 t;
	int			 rc, full;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return http_problem(out, 500, "out of memory", NULL);
	if ((rc = check_parse(c, j, out)) != 200) {
		explicit_bzero(j, sizeof(*j));
		free(j);
		return rc;
	}
	j->id = id;
	j->answer = answer;
	pthread_mutex_lock(&CK.lock);
	if (!(full = CK.running >= API_CHECKS_MAX))
		CK.running++;
	pthread_mutex_unlock(&CK.lock);
	if (full)
		rc = http_problem(out, 429, "two checks are running: try "
		    "again when one has ended", NULL);
	else if (pthread_attr_init(&attr) != 0)
		rc = -1;
	else {
		rc = pthread_attr_setdetachstate(&attr,
		    PTHREAD_CREATE_DETACHED) != 0 ||
		    pthread_create(&t, &attr, check_thread, j) != 0 ? -1 : 0;
		(void)pthread_attr_destroy(&attr);
	}
	if (rc == -1) {
		pthread_mutex_lock(&CK.lock);
		CK.running--;
		pthread_mutex_unlock(&CK.lock);
		rc = http_problem(out, 503, "no thread for the check", NULL);
	}
	if (rc != 0) {
		explicit_bzero(j, sizeof(*j));
		free(j);
	}
	return rc;
}

int
api_check(struct store *st, const struct api_call *c, struct buf *out)
{
	(void)st;
	(void)c;
	return http_problem(out, 500, "the check runs on a thread of its own "
	    "(api_check_start)", NULL);
}
