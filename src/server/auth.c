/*
 * auth: the process that owns the account store.  The main thread reads
 * requests from the SMTP process and queues them (auth_jobs.h);
 * auth_workers threads, each with its own store handle, answer them, so a
 * slow argon2id verification never stalls lookups behind it for long and
 * never touches the SMTP event loop.  Replies carry the request id, so
 * they may be sent out of order across sessions; one session's requests
 * are handled in the order they came (a message's recipient count before
 * that session's next limit question).  A mutex serialises writes to the
 * socket.
 *
 * Unknown users are verified against a dummy hash of the same cost, so
 * the reply and its timing are the same as for a wrong password.  The
 * reason ("unknown user", "wrong password") goes back to the SMTP process
 * for its log only, never to the client.  Passwords are wiped from every
 * buffer once verified.
 *
 * Locks follow the familiar-client rule (store_auth.c): a client is
 * judged by its network's own lock if that network logged in to the
 * mailbox within auth_familiar_days, else by the lock all unfamiliar
 * sources share; either answers 454 4.7.0, and the credential cache is
 * only consulted when the client's lock does not hold.
 *
 * The client lock (auth_ip_fail_limit, password spraying) never refuses
 * a login to a mailbox for which the client is familiar: that login is
 * judged by the mailbox's own locks alone.  So it is checked here, where
 * the mailbox is known, for the unfamiliar logins (454 4.7.0, SMTP and
 * IMAP alike); the connect-time check (auth_connect) refuses with 421
 * only a locked client familiar to no mailbox, which has nothing left
 * to log in to.  auth_trusted_clients are never client-locked and their
 * failures never count toward it; the per-mailbox locks still apply.
 *
 * The suppression list (store_suppress.c) is asked here too, at each
 * submission RCPT: the entry's reason goes back as stored, and the SMTP
 * process makes it safe before a client sees it.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/metrics.h"
#include "core/config.h"
#include "core/cred_check.h"
#include "core/password.h"
#include "core/proc.h"
#include "core/replies.h"
#include "core/sasl.h"
#include "core/smtp_parse.h"
#include "lib/clock.h"
#include "lib/ipc.h"
#include "lib/log.h"
#include "lib/util.h"
#include "server/auth_admin.h"
#include "server/auth_jobs.h"
#include "server/auth_sent.h"
#include "server/auth_imap.h"
#include "server/authcache.h"
#include "server/mailcheck.h"
#include "store/store.h"


/* What a worker answers on: the helper connection of its job, or -1. */
static __thread int auth_helper_fd = -1;

static struct {
	const struct config *cfg;
	const char	*datadir;
	int		 sock;
	int		 imap_sock;	/* helpers' connections, or -1 */
	pthread_mutex_t	 send_lock;
} A = {
	.send_lock = PTHREAD_MUTEX_INITIALIZER,
};

static void	*auth_worker(void *);
static void	 auth_handle(struct store *, struct ipc_msg *);
struct auth_login;
static void	 auth_verify(struct store *, struct ipc_msg *);
static int	 auth_login_parse(struct ipc_msg *, struct auth_login *);
static int	 auth_password_ok(const struct auth_login *,
		    const struct store_mailbox *);
static void	 auth_hint(struct auth_login *, const struct store_domain *);
static int	 auth_login_ok(struct store *, struct auth_login *,
		    const struct store_mailbox *, const struct store_policy *,
		    int64_t);
static void	 auth_login_failed(struct store *, const struct auth_login *,
		    int, const struct store_source *,
		    const struct store_policy *, int64_t);
static void	 auth_login_answer(struct ipc_msg *, struct auth_login *);
static void	 auth_rcpt(struct store *, struct ipc_msg *);
static void	 auth_connect(struct store *, struct ipc_msg *);
static void	 auth_unavailable(struct ipc_msg *);
static void	 auth_sender(struct store *, struct ipc_msg *);
static int	 auth_paused(struct store *, const char *, const char *,
		    struct ipc_msg *, uint32_t *);
static void	 auth_limit(struct store *, struct ipc_msg *);
static void	 auth_sent(struct store *, struct ipc_msg *);
static void	 auth_suppress(struct store *, struct ipc_msg *);
static int	 auth_host_serves(const char *, const struct store_domain *);
static void	 auth_reason(char *, size_t, const char *, const char *,
		    const char *);
static void	 auth_policy(struct store_policy *);
static void	 auth_locked_reason(char *, size_t, int64_t, int, int,
		    const struct store_source *);
static int	 auth_client_lock(struct store *, const char *,
		    const struct store_source *, int64_t, int64_t *);
static void	 auth_log_lock(const char *, const char *,
		    const struct store_source *, const struct store_policy *);
static void	 auth_reply(struct ipc_msg *);
static void	*auth_imap_accept(void *);

static void
auth_reply(struct ipc_msg *m)
{
	pthread_mutex_lock(&A.send_lock);
	if (ipc_send(A.sock, m) == -1)
		log_warn("auth: reply");
	pthread_mutex_unlock(&A.send_lock);
}

/* Does the TLS server name the client used serve the account's domain? */
static int
auth_host_serves(const char *sni, const struct store_domain *d)
{
	const char	*host = d->submission_host[0] ? d->submission_host :
			    A.cfg->hostname;
	size_t		 sl = strlen(sni), dl = strlen(d->name);

	if (strcasecmp(sni, host) == 0 || strcasecmp(sni, d->name) == 0)
		return 1;
	/* a host inside the domain: mail.example.com for example.com */
	return sl > dl + 1 && sni[sl - dl - 1] == '.' &&
	    strcasecmp(sni + sl - dl, d->name) == 0;
}

/*
 * Why a password failed, for the log and `mailbox show` only: the
 * hygiene findings say what was wrong with it without showing it.
 */
static void
auth_reason(char *out, size_t outsz, const char *base, const char *user,
    const char *pass)
{
	char	ucheck[160], pcheck[160];
	int	nu, np;

	nu = cred_summary(user, strlen(user), ucheck, sizeof(ucheck));
	np = cred_summary(pass, strlen(pass), pcheck, sizeof(pcheck));
	(void)util_snprintf(out, outsz, "%s%s%s%s%s%s%s", base,
	    nu > 0 || np > 0 ? " (" : "",
	    nu > 0 ? "username: " : "", nu > 0 ? ucheck : "",
	    nu > 0 && np > 0 ? "; " : "",
	    np > 0 ? "password: " : "", np > 0 ? pcheck : "");
	if (nu > 0 || np > 0)
		util_strlcpy(out + strlen(out), ")", outsz - strlen(out));
}

/* The lockout policy of postern.conf, as the store takes it. */
static void
auth_policy(struct store_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->fail_limit = A.cfg->auth_fail_limit;
	p->fail_window = A.cfg->auth_fail_window_ms / 1000;
	p->lock_time = A.cfg->auth_lock_time_ms / 1000;
	p->ip_fail_limit = A.cfg->auth_ip_fail_limit;
	p->familiar_time = (int64_t)A.cfg->auth_familiar_days * 86400;
	p->familiar_v4 = A.cfg->auth_familiar_v4;
	p->familiar_v6 = A.cfg->auth_familiar_v6;
}

/*
 * Why a login was refused while locked, for the log and `mailbox show`:
 * the end, whether the password was right, and which lock it was (the
 * client sees the same 454 whichever it is).
 */
static void
auth_locked_reason(char *out, size_t outsz, int64_t locked, int ok,
    int client, const struct store_source *src)
{
	const char	*which = "", *net = "";
	char		 when[40];

	if (client)
		which = "; client lock: failures for many usernames";
	else if (src->all)
		which = "; mailbox lock on every source";
	else if (src->network[0] != '\0') {
		which = "; own lock of familiar network ";
		net = src->network;
	} else if (A.cfg->auth_familiar_days > 0)
		which = "; lock on unfamiliar sources";
	util_time_utc(locked, when, sizeof(when));
	(void)util_snprintf(out, outsz, "locked until %s%s%s%s", when,
	    ok ? " (right password)" : "", which, net);
}

/*
 * The client lock a login is under, if any: none for a trusted client
 * or for a mailbox the client is familiar to (src->network is set only
 * then).  STORE_OK or STORE_ERR.
 */
static int
auth_client_lock(struct store *st, const char *client,
    const struct store_source *src, int64_t now, int64_t *until)
{
	*until = 0;
	if (src->network[0] != '\0' || config_trusted_client(A.cfg, client))
		return STORE_OK;
	return store_ip_lock_get(st, client, now, until);
}

/* A failure just locked the username for the client's source. */
static void
auth_log_lock(const char *user, const char *client,
    const struct store_source *src, const struct store_policy *p)
{
	char	esc[300];

	log_printable(esc, sizeof(esc), user, strlen(user));
	if (src->network[0] != '\0')
		log_info("auth: %s locked for %llds for familiar network %s "
		    "(client %s) after %u failures from it", esc,
		    (long long)p->lock_time, src->network, client,
		    p->fail_limit);
	else if (p->familiar_time > 0)
		log_info("auth: %s locked for %llds for unfamiliar sources "
		    "after %u failures; familiar networks still log in", esc,
		    (long long)p->lock_time, p->fail_limit);
	else
		log_info("auth: %s locked for %llds after %u failures", esc,
		    (long long)p->lock_time, p->fail_limit);
}

/* A login as auth_verify() takes it apart, and what it decides. */
struct auth_login {
	char		 mech[16], user[SASL_USER_MAX + 1];
	char		 pass[SASL_PASS_MAX + 1], client[64], sni[256];
	char		 proto[8];
	uint32_t	 result;	/* AUTH_RES_* */
	uint32_t	 limit;		/* daily limit of the mailbox */
	uint32_t	 warmup;	/* its warm-up ramp is on */
	int64_t		 locked;	/* the client's lock, or 0 */
	char		 canon[STORE_ADDR_MAX + 1];
	char		 reason[STORE_REASON_MAX + 1];	/* for logs only */
	char		 hint[300];	/* for the client, after a 535 */
};

/* How a refused login counts toward the locks (store_auth_failure). */
#define AUTH_DONE	0	/* accepted: nothing to count */
#define AUTH_COUNTS	1	/* a failure that counts */
#define AUTH_NOCOUNT	2	/* recorded, but does not count */

static int
auth_login_parse(struct ipc_msg *req, struct auth_login *l)
{
	if (ipc_get_str(req, l->mech, sizeof(l->mech)) == -1 ||
	    ipc_get_str(req, l->user, sizeof(l->user)) == -1 ||
	    ipc_get_str(req, l->pass, sizeof(l->pass)) == -1 ||
	    ipc_get_str(req, l->client, sizeof(l->client)) == -1 ||
	    ipc_get_str(req, l->sni, sizeof(l->sni)) == -1 ||
	    ipc_get_str(req, l->proto, sizeof(l->proto)) == -1 ||
	    ipc_get_end(req) == -1)
		return -1;
	return 0;
}

/*
 * Verify once, known user or not: same cost, same timing.  mb is NULL
 * for an unknown user.  1 if the password is right, else 0.
 */
static int
auth_password_ok(const struct auth_login *l, const struct store_mailbox *mb)
{
	size_t	plen = strlen(l->pass);
	int	ok;

	if (mb == NULL) {
		(void)password_verify_dummy(l->pass, plen);
		return 0;
	}
	if (l->locked == 0 && authcache_hit(l->user, l->pass, plen, mb->hash))
		return 1;	/* verified recently against this very hash */
	ok = password_verify(mb->hash, l->pass, plen);
	if (ok == -1) {
		log_warnx("auth: %s: unsupported password hash", l->user);
		ok = 0;
	}
	if (ok == 1 && l->locked == 0)
		authcache_put(l->user, l->pass, plen, mb->hash);
	return ok;
}

/*
 * The text a refused login adds for the client, after "535 5.7.8
 * Authentication credentials invalid: " over SMTP and "Authentication
 * failed: " over IMAP; the one place both protocols' hints are made.
 * With d, the server name the client used does not serve the domain d;
 * without, a hint that follows from what the client itself sent
 * (cred_login_hint), so it reveals nothing about which accounts exist
 * (RFC 4954 §6 leaves the text free).
 */
static void
auth_hint(struct auth_login *l, const struct store_domain *d)
{
	if (d != NULL)
		(void)util_snprintf(l->hint, sizeof(l->hint), "SMTP host %s "
		    "does not serve %s; use %s", l->sni, d->name,
		    d->submission_host[0] ? d->submission_host :
		    A.cfg->hostname);
	else if (l->hint[0] == '\0')
		cred_login_hint(l->user, strlen(l->user), l->pass,
		    strlen(l->pass), l->hint, sizeof(l->hint));
}

/*
 * The right password: accepted, unless the account's domain wants the
 * server name the client used to serve it.  -1 if the store failed.
 */
static int
auth_login_ok(struct store *st, struct auth_login *l,
    const struct store_mailbox *mb, const struct store_policy *pol,
    int64_t now)
{
	struct store_domain	 dom;
	struct store_warmup	 w;
	const char		*at = strrchr(l->user, '@');
	int			 rc, need;

	rc = at ? store_domain_get(st, at + 1, &dom) : STORE_NOTFOUND;
	if (rc == STORE_ERR)
		return -1;
	need = rc == STORE_OK ? (dom.host_match == -1 ?
	    A.cfg->require_host_match : dom.host_match) : 0;
	if (need && l->sni[0] != '\0' && !auth_host_serves(l->sni, &dom)) {
		(void)util_snprintf(l->reason, sizeof(l->reason), "host "
		    "mismatch: server name %s does not serve %s", l->sni,
		    dom.name);
		auth_hint(l, &dom);
		return AUTH_NOCOUNT;
	}
	l->result = AUTH_RES_OK;
	l->limit = mb->daily_limit;
	/* RCPT asks about the ramp only for sessions that have one */
	l->warmup = store_warmup_get(st, mb->address, &w) != STORE_OK ||
	    w.start_day != 0;
	util_strlcpy(l->canon, mb->address, sizeof(l->canon));
	util_strlcpy(l->reason, "ok", sizeof(l->reason));
	/* the network becomes familiar; only the failures of the lock that
	   judged this login are forgotten */
	if (store_login_ok(st, l->user, l->client, now, pol) != STORE_OK)
		log_warnx("auth: store: %s", store_errmsg(st));
	return AUTH_DONE;
}

/* Record a refused login, and log the locks it set off. */
static void
auth_login_failed(struct store *st, const struct auth_login *l, int counts,
    const struct store_source *src, const struct store_policy *pol,
    int64_t now)
{
	int64_t	uu = 0, iu = 0;

	if (store_auth_failure(st, l->proto, l->user, l->client, l->reason,
	    counts, now, pol, &uu, &iu) != STORE_OK)
		log_warnx("auth: store: %s", store_errmsg(st));
	if (uu > 0)
		auth_log_lock(l->user, l->client, src, pol);
	if (iu > 0)
		log_info("auth: client %s locked for %llds: failures for %u "
		    "usernames", l->client, (long long)pol->lock_time,
		    pol->ip_fail_limit);
}

/* Answer the SMTP process, or the IMAP helper this worker serves. */
static void
auth_login_answer(struct ipc_msg *req, struct auth_login *l)
{
	struct ipc_msg	res;

	if (l->result == AUTH_RES_FAIL)
		auth_hint(l, NULL);
	/* the hints only matter for a refused login, and only when counted */
	metrics_auth(l->proto, (int)l->result, l->reason, metrics_on() &&
	    l->result != AUTH_RES_OK ? cred_hints(l->user, strlen(l->user)) |
	    cred_hints(l->pass, strlen(l->pass)) : 0);
	explicit_bzero(l->pass, sizeof(l->pass));
	explicit_bzero(req->data, req->len);
	if (auth_helper_fd != -1) {
		auth_imap_answer(auth_helper_fd, A.datadir, l->result,
		    l->user, l->canon, l->client, l->reason, l->hint,
		    l->locked);
		return;
	}
	ipc_msg_init(&res, IPC_AUTH_RES, req->id);
	ipc_put_u32(&res, l->result);
	ipc_put_str(&res, l->reason);
	ipc_put_str(&res, l->hint);
	ipc_put_u32(&res, l->limit);
	ipc_put_u64(&res, (uint64_t)(l->locked > 0 ? l->locked : 0));
	ipc_put_u32(&res, l->warmup);
	auth_reply(&res);
}

static void
auth_verify(struct store *st, struct ipc_msg *req)
{
	struct auth_login	 l;
	struct store_mailbox	 mb;
	struct store_policy	 pol;
	struct store_source	 src;
	int64_t			 now = (int64_t)(util_now_ms() / 1000);
	int64_t			 client_until = 0;
	int			 rc, found, ok;

	memset(&l, 0, sizeof(l));
	util_strlcpy(l.proto, "smtp", sizeof(l.proto));
	l.result = AUTH_RES_FAIL;
	if (auth_login_parse(req, &l) == -1) {
		log_warnx("auth: malformed request");
		l.result = AUTH_RES_TEMPFAIL;
		util_strlcpy(l.reason, "malformed request", sizeof(l.reason));
		goto reply;
	}
	auth_policy(&pol);
	if (config_trusted_client(A.cfg, l.client))
		pol.ip_fail_limit = 0;	/* never counted, never locked */
	rc = store_mailbox_get(st, l.user, &mb);
	found = rc == STORE_OK;
	/* the lock this client is under: its familiar network's own, else
	   the unfamiliar sources' (store_auth.c); a cached credential is
	   never looked at while it holds */
	if (rc == STORE_ERR || store_source_lock(st, l.user, l.client, now,
	    &pol, &src) != STORE_OK)
		goto storefail;
	l.locked = src.locked_until;
	/* the client lock, unless the client is familiar to this mailbox */
	if (l.locked == 0) {
		if (auth_client_lock(st, l.client, &src, now, &client_until) !=
		    STORE_OK)
			goto storefail;
		l.locked = client_until;
	}
	ok = auth_password_ok(&l, found ? &mb : NULL);
	if (l.locked > 0) {
		/* unknown addresses lock the same way: the answer is alike */
		l.result = AUTH_RES_LOCKED;
		auth_locked_reason(l.reason, sizeof(l.reason), l.locked, ok,
		    client_until > 0, &src);
		rc = AUTH_NOCOUNT;
	} else if (ok) {
		if ((rc = auth_login_ok(st, &l, &mb, &pol, now)) == -1)
			goto storefail;
	} else {
		auth_reason(l.reason, sizeof(l.reason), found ?
		    "wrong password" : "unknown user", l.user, l.pass);
		rc = AUTH_COUNTS;
	}
	if (rc != AUTH_DONE)
		auth_login_failed(st, &l, rc == AUTH_COUNTS, &src, &pol, now);
	goto reply;
storefail:
	log_warnx("auth: store: %s", store_errmsg(st));
	l.result = AUTH_RES_TEMPFAIL;
	util_strlcpy(l.reason, "account store unavailable", sizeof(l.reason));
reply:
	auth_login_answer(req, &l);
	explicit_bzero(&l, sizeof(l));
}

static void *
auth_imap_accept(void *arg)
{
	struct auth_job	*job;
	int		 fd;

	for (;;) {
		if ((fd = accept4(A.imap_sock, NULL, NULL, SOCK_CLOEXEC)) ==
		    -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EINVAL)
				break;		/* shut down: stopping */
			log_warn("auth: imap: accept");
			poll(NULL, 0, 100);
			continue;
		}
		if ((job = calloc(1, sizeof(*job))) == NULL) {
			auth_imap_reply(fd, "111\t");
			continue;
		}
		job->msg.fd = -1;
		job->reply_fd = fd;
		if (auth_imap_request(fd, &job->msg) == -1) {
			log_warnx("auth: imap: malformed helper request");
			auth_imap_reply(fd, "111\t");
			explicit_bzero(&job->msg, sizeof(job->msg));
			free(job);
			continue;
		}
		if (auth_jobs_put(job) == -1) {
			auth_imap_reply(fd, "111\t");
			explicit_bzero(&job->msg, sizeof(job->msg));
			free(job);
		}
	}
	return NULL;
}

/*
 * At connect time the mailbox is not known yet, so the client lock is
 * only applied to a client familiar to no mailbox: one that is familiar
 * somewhere is let in, and auth_verify() applies the lock to its logins
 * to the other mailboxes (454 there instead of 421 here).  A trusted
 * client is never refused.
 */
static void
auth_connect(struct store *st, struct ipc_msg *req)
{
	struct ipc_msg		res;
	struct store_policy	pol;
	char			client[64];
	int64_t			until = 0;
	int64_t			now = (int64_t)(util_now_ms() / 1000);
	uint32_t		result = 0;
	int			familiar = 0;

	auth_policy(&pol);
	if (ipc_get_str(req, client, sizeof(client)) == -1 ||
	    ipc_get_end(req) == -1 || config_trusted_client(A.cfg, client) ||
	    store_ip_lock_get(st, client, now, &until) != STORE_OK ||
	    (until > 0 && store_client_familiar(st, client, now, &pol,
	    &familiar) != STORE_OK) || familiar)
		until = 0;	/* fail open: a broken store must not lock all */
	result = until > 0;
	ipc_msg_init(&res, IPC_CONNECT_RES, req->id);
	ipc_put_u32(&res, result);
	ipc_put_u64(&res, (uint64_t)until);
	auth_reply(&res);
}

static void
auth_sender(struct store *st, struct ipc_msg *req)
{
	struct ipc_msg	res;
	char		user[SMTP_ADDR_MAX + 1], sender[SMTP_ADDR_MAX + 1];
	const char	*at;
	uint32_t	result, any = 1;
	int		rc;

	if (ipc_get_str(req, user, sizeof(user)) == -1 ||
	    ipc_get_str(req, sender, sizeof(sender)) == -1 ||
	    ipc_get_end(req) == -1)
		rc = STORE_ERR;
	else if (sender[0] == '\0')
		rc = STORE_OK;	/* <>: asked for the pause only */
	else
		rc = store_sender_allowed(st, user, sender);
	result = rc == STORE_OK ? 0 : rc == STORE_NOTFOUND ? 1 : 2;
	if (rc == STORE_ERR)
		log_warnx("auth: store: %s", store_errmsg(st));
	/* no suppressed address for the domain: RCPT need not ask (only a
	   sure "none" skips the lookups); asked with the pause */
	at = rc == STORE_OK ? strrchr(sender, '@') : NULL;
	ipc_msg_init(&res, IPC_SENDER_RES, req->id);
	if (result == 0 && auth_paused(st, user, at ? at + 1 : NULL, &res,
	    &any) == 1)
		;	/* 3: paused, with what tripped */
	else {
		ipc_put_u32(&res, result);
		ipc_put_u32(&res, any);
	}
	auth_reply(&res);
}

/*
 * Sending health (store_health.c): a paused mailbox, or one of a paused
 * domain, may not start a transaction.  Put result 3 with the pause
 * (scope 0 mailbox, 1 domain; until; the mailbox's reason, or the
 * domain's counts) and return 1; 0 if not paused.  The clock is the
 * one the pause was set by (lib/clock.h).  A pause that ended by itself
 * is logged here, at the first MAIL after its end.  A store error lets
 * the mail through: health is advice, and the store's failure is
 * logged.  The same statement says whether the suppression list of
 * domain (the sender's; NULL: none) holds any address: *any, 1 when
 * not known.
 */
static int
auth_paused(struct store *st, const char *user, const char *domain,
    struct ipc_msg *res, uint32_t *any)
{
	struct store_health_pause	p;
	uint64_t			gen;

	*any = 1;
	/* kept from an earlier MAIL: neither is paused (mailcheck.h) */
	if (mailcheck_get(user, domain, any))
		return 0;
	gen = mailcheck_gen();
	if (store_health_status_any(st, user, clock_now(), domain, &p) !=
	    STORE_OK) {
		log_warnx("auth: health: %s", store_errmsg(st));
		return 0;
	}
	*any = (uint32_t)p.suppressed_any;
	if (p.paused_until == 0 && !p.domain)
		mailcheck_put(gen, user, domain, *any);
	if (p.paused_until != 0 && !p.paused && store_health_expire(st, user,
	    p.paused_until) == STORE_OK)
		log_info("auth: health: mailbox %s: pause ended at %lld", user,
		    (long long)p.paused_until);
	if (!p.paused && !p.domain)
		return 0;
	ipc_put_u32(res, 3);
	ipc_put_u32(res, *any);
	ipc_put_u32(res, p.paused ? 0 : 1);
	ipc_put_u64(res, (uint64_t)(p.paused ? p.paused_until :
	    p.domain_until));
	ipc_put_str(res, p.reason);
	ipc_put_u32(res, p.dom_paused);
	ipc_put_u32(res, p.dom_total);
	return 1;
}

/*
 * RCPT of a session with a daily limit or a warm-up ramp: one hold on
 * the mailbox's budget for the session's transaction (store_quota.c),
 * or a refusal with the numbers for its reply.  A store error fails the
 * question (451 4.3.0).  The time is the ramp's clock (lib/clock.h),
 * like the sent records it counts: the same as util_now_ms() outside
 * tests.  The answer: result, reserved, limit, recipients in 24 h,
 * the oldest of them; then the ramp's active, day, total, allowance,
 * recipients today (holds included in both counts).
 */
static void
auth_limit(struct store *st, struct ipc_msg *req)
{
	struct ipc_msg		res;
	struct store_quota	q;
	char			user[SMTP_ADDR_MAX + 1];
	uint64_t		tx;
	uint32_t		result = 0;

	memset(&q, 0, sizeof(q));
	if (ipc_get_str(req, user, sizeof(user)) == -1 ||
	    ipc_get_u64(req, &tx) == -1 || ipc_get_end(req) == -1 ||
	    tx == 0)
		result = 1;
	else if (store_sent_reserve(st, user, tx, clock_now(),
	    A.cfg->warmup_target, &q) != STORE_OK) {
		log_warnx("auth: store: %s", store_errmsg(st));
		result = 1;
	}
	ipc_msg_init(&res, IPC_LIMIT_RES, req->id);
	ipc_put_u32(&res, result);
	ipc_put_u32(&res, (uint32_t)q.reserved);
	ipc_put_u32(&res, q.limit);
	ipc_put_u64(&res, q.sent);
	ipc_put_u64(&res, (uint64_t)(q.oldest > 0 ? q.oldest : 0));
	ipc_put_u32(&res, (uint32_t)q.ws.active);
	ipc_put_u64(&res, (uint64_t)q.ws.day);
	ipc_put_u64(&res, (uint64_t)q.ws.total);
	ipc_put_u32(&res, q.ws.allowance);
	ipc_put_u64(&res, q.ws.sent_today);
	auth_reply(&res);
}

/*
 * A transaction ended: n recipients sent (0: none), and tx, the holds
 * it took at RCPT (0: none), which go.
 */
static void
auth_sent(struct store *st, struct ipc_msg *req)
{
	char		user[SMTP_ADDR_MAX + 1];
	uint32_t	n;
	uint64_t	tx;

	if (ipc_get_str(req, user, sizeof(user)) == -1 ||
	    ipc_get_u32(req, &n) == -1 || ipc_get_u64(req, &tx) == -1 ||
	    ipc_get_end(req) == -1)
		return;
	/* the count, the health counter and the holds, at once, with
	   the other transactions of the second (auth_sent.h) */
	auth_sent_add(st, user, tx, n, clock_now());
}

/* Is rcpt suppressed for mail from domain?  0 no, 1 yes, 2 error. */
static void
auth_suppress(struct store *st, struct ipc_msg *req)
{
	struct ipc_msg			res;
	struct store_suppression	sup;
	char				domain[SMTP_DOMAIN_MAX + 1];
	char				rcpt[SMTP_ADDR_MAX + 1];
	uint32_t			result = 2;
	int				rc;

	if (ipc_get_str(req, domain, sizeof(domain)) == -1 ||
	    ipc_get_str(req, rcpt, sizeof(rcpt)) == -1 ||
	    ipc_get_end(req) == -1)
		log_warnx("auth: malformed suppression request");
	else if ((rc = store_suppress_get(st, domain, rcpt, &sup)) ==
	    STORE_OK)
		result = 1;
	else if (rc == STORE_NOTFOUND)
		result = 0;
	else
		log_warnx("auth: store: %s", store_errmsg(st));
	ipc_msg_init(&res, IPC_SUPPRESS_RES, req->id);
	ipc_put_u32(&res, result);
	if (result == 1) {
		ipc_put_str(&res, sup.domain);
		ipc_put_str(&res, sup.reason);
		ipc_put_str(&res, sup.source);
		ipc_put_u64(&res, (uint64_t)(sup.created > 0 ?
		    sup.created : 0));
	}
	auth_reply(&res);
}

static void
auth_rcpt(struct store *st, struct ipc_msg *req)
{
	struct ipc_msg	 res;
	char		 addr[SMTP_ADDR_MAX + 1], *at;
	uint32_t	 result;
	int		 rc;

	if (ipc_get_str(req, addr, sizeof(addr)) == -1 ||
	    ipc_get_end(req) == -1) {
		log_warnx("auth: malformed recipient request");
		result = RCPT_RES_TEMPFAIL;
		goto reply;
	}
	if ((at = strrchr(addr, '@')) == NULL) {
		/* bare <postmaster>, RFC 5321 §4.1.1.3 */
		result = RCPT_RES_OK;
		goto reply;
	}
	rc = store_domain_exists(st, at + 1);
	if (rc == STORE_NOTFOUND) {
		result = RCPT_RES_RELAY;
		goto reply;
	}
	if (rc == STORE_OK) {
		*at = '\0';
		if (strcasecmp(addr, "postmaster") == 0) {
			result = RCPT_RES_OK;
			goto reply;
		}
		*at = '@';
		rc = store_address_exists(st, addr);
	}
	result = rc == STORE_OK ? RCPT_RES_OK : rc == STORE_NOTFOUND ?
	    RCPT_RES_UNKNOWN : RCPT_RES_TEMPFAIL;
	if (result == RCPT_RES_TEMPFAIL)
		log_warnx("auth: store: %s", store_errmsg(st));
reply:
	ipc_msg_init(&res, IPC_RCPT_RES, req->id);
	ipc_put_u32(&res, result);
	auth_reply(&res);
}

/* No store: answer every request that expects one, as a temporary
   failure (a lock check fails open: a broken store must not lock out
   every client). */
static void
auth_unavailable(struct ipc_msg *req)
{
	static const struct {
		uint32_t	req, res, result;
	} table[] = {
		{ IPC_AUTH_REQ, IPC_AUTH_RES, AUTH_RES_TEMPFAIL },
		{ IPC_RCPT_REQ, IPC_RCPT_RES, RCPT_RES_TEMPFAIL },
		{ IPC_CONNECT_REQ, IPC_CONNECT_RES, 0 },
		{ IPC_SENDER_REQ, IPC_SENDER_RES, 2 },
		{ IPC_LIMIT_REQ, IPC_LIMIT_RES, 1 },
		{ IPC_SUPPRESS_REQ, IPC_SUPPRESS_RES, 2 },
	};
	struct ipc_msg	res;
	size_t		i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (table[i].req != req->type)
			continue;
		ipc_msg_init(&res, table[i].res, req->id);
		ipc_put_u32(&res, table[i].result);
		if (req->type == IPC_AUTH_REQ) {
			ipc_put_str(&res, "account store unavailable");
			ipc_put_str(&res, "");
			ipc_put_u32(&res, 0);
			ipc_put_u64(&res, 0);
			ipc_put_u32(&res, 0);
		} else if (req->type == IPC_CONNECT_REQ)
			ipc_put_u64(&res, 0);
		auth_reply(&res);
	}
}

static void
auth_handle(struct store *st, struct ipc_msg *m)
{
	static const struct {
		uint32_t	 type;
		void		(*fn)(struct store *, struct ipc_msg *);
	} handlers[] = {
		{ IPC_AUTH_REQ, auth_verify },
		{ IPC_RCPT_REQ, auth_rcpt },
		{ IPC_CONNECT_REQ, auth_connect },
		{ IPC_SENDER_REQ, auth_sender },
		{ IPC_LIMIT_REQ, auth_limit },
		{ IPC_SENT, auth_sent },
		{ IPC_SUPPRESS_REQ, auth_suppress },
	};
	size_t	i;

	if (m->fd != -1) {
		close(m->fd);	/* auth is never sent descriptors */
		m->fd = -1;
	}
	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (handlers[i].type == m->type) {
			handlers[i].fn(st, m);
			return;
		}
	log_warnx("auth: unexpected message type %u", m->type);
}

static void *
auth_worker(void *arg)
{
	struct store	*st;
	struct auth_job	*job;
	size_t		 w = (size_t)(uintptr_t)arg;
	char		 err[512];

	if ((st = store_open(A.datadir, 0, err, sizeof(err))) == NULL)
		log_warnx("auth: %s", err);
	while ((job = auth_jobs_get(w)) != NULL) {
		if (st == NULL && (st = store_open(A.datadir, 0, err,
		    sizeof(err))) == NULL)
			log_warnx("auth: %s", err);
		auth_helper_fd = job->reply_fd;
		if (st != NULL)
			auth_handle(st, &job->msg);
		else if (job->reply_fd != -1)
			auth_imap_reply(job->reply_fd, "111\t");
		else
			auth_unavailable(&job->msg);
		auth_helper_fd = -1;
		/* nothing waits: the transactions' counts batched meanwhile
		   go to the store now (auth_sent.h) */
		if (auth_jobs_done(w) && st != NULL)
			auth_sent_flush(st);
		explicit_bzero(&job->msg, sizeof(job->msg));
		free(job);
	}
	store_close(st);
	return NULL;
}

void
auth_main(const struct config *cfg, const char *datadir, int sock,
    int imap_sock, int admin_sock)
{
	pthread_t	*tids, acceptor;
	struct auth_job	*job;
	unsigned	 i;
	int		 r;

	log_set_role("auth");
	A.cfg = cfg;
	A.datadir = datadir;
	A.sock = sock;
	A.imap_sock = imap_sock;
	if (authcache_init(cfg->auth_cache_ttl_ms / 1000) == -1)
		log_warnx("auth: no random key, credential cache off");
	/* stop with the SMTP process (EOF), not with the terminal's ^C */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	if ((tids = calloc(cfg->auth_workers, sizeof(*tids))) == NULL ||
	    auth_jobs_init(cfg->auth_workers) == -1)
		fatal("auth: calloc");
	/* before the workers, who read what it sets up; only a store with
	   change notices has anything to listen to (mailcheck.h) */
	if (store_uri_is_pg(cfg->store) && mailcheck_start(datadir) == -1)
		fatalx("auth: cannot start the store's listener thread");
	for (i = 0; i < cfg->auth_workers; i++)
		if (pthread_create(&tids[i], NULL, auth_worker,
		    (void *)(uintptr_t)i) != 0)
			fatalx("auth: cannot start worker thread");
	if (auth_sent_start(datadir) == -1)
		fatalx("auth: cannot start the ticker thread");
	if (imap_sock != -1 && pthread_create(&acceptor, NULL,
	    auth_imap_accept, NULL) != 0)
		fatalx("auth: cannot start the imap helper thread");
	if (auth_admin_start(cfg, datadir, admin_sock) == -1)
		fatalx("auth: cannot start the admin thread");
	for (;;) {
		if ((job = malloc(sizeof(*job))) == NULL)
			fatal("auth: malloc");
		r = ipc_recv(sock, &job->msg);
		if (r <= 0) {
			free(job);
			if (r == -1)
				log_warn("auth: receive");
			break;
		}
		job->reply_fd = -1;
		if (auth_jobs_put(job) == -1) {
			auth_unavailable(&job->msg);	/* 454 */
			explicit_bzero(&job->msg, sizeof(job->msg));
			free(job);
		}
	}
	if (imap_sock != -1) {
		shutdown(imap_sock, SHUT_RDWR);	/* wakes the acceptor */
		pthread_join(acceptor, NULL);
	}
	auth_admin_stop();
	auth_jobs_stop();
	for (i = 0; i < cfg->auth_workers; i++)
		pthread_join(tids[i], NULL);
	auth_sent_stop();	/* the last transactions' counts */
	mailcheck_stop();
	free(tids);
	log_debug("auth: exiting");
	exit(0);
}
