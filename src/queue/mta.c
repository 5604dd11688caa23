/*
 * mta: see mta.h.  A recipient's outcome is final once a server answered
 * for it; a transport failure (refused, timeout, closed, TLS) leaves the
 * recipients without a verdict, and the next host is tried for them.
 * Whatever is still without a verdict when the hosts run out is deferred
 * with the last failure as its reason.  A message is only counted as
 * sent after the reply to its final dot: a connection lost before that
 * reply leaves it pending, so it may reach the peer twice but is never
 * lost (RFC 5321 §6.1 prefers that to the opposite).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/metrics.h"
#include "core/bounce_class.h"
#include "core/config.h"
#include "core/proc.h"
#include "core/reply.h"
#include "core/smtp_client.h"
#include "lib/base64.h"
#include "lib/log.h"
#include "lib/util.h"
#include "queue/djob.h"
#include "queue/mta.h"
#include "queue/provider.h"
#include "queue/resolve.h"
#include "queue/shape.h"

#define MTA_LINE_MAX	2048
#define MTA_CHUNK	65536

/* MTA_MORE: the same address again, on a new connection */
enum mta_try { MTA_DONE, MTA_NEXT, MTA_PLAIN, MTA_MORE };
enum mta_stage { MTA_STAGE_MAIL, MTA_STAGE_RCPT, MTA_STAGE_DATA };

struct mta_conn {
	struct smtp_client	 c;
	struct mta_ctx		*ctx;
	const char		*host;		/* name, for SNI */
	char			 mta[SPOOL_MTA_MAX + 1];	/* host[addr] */
	int			 pipelining, dsn, eightbit, smtputf8;
	int			 starttls, auth_plain, auth_login;
	uint64_t		 size_max;	/* 0: not announced */
	struct shape_conn	 sh;		/* provider limits, holds */
	char			 err[SPOOL_REPLY_MAX + 1];	/* last failure */
	int			 metric_prov;	/* its provider label */
	unsigned		 tx;		/* transactions begun on it */
};

static void	mta_resolved(struct mta_ctx *, struct djob *,
		    struct resolve_result *);
static enum mta_try mta_try(struct mta_ctx *, struct djob *,
		    const struct resolve_host *, size_t, int);
static enum mta_try mta_send(struct mta_conn *, struct djob *);
static int	mta_greet(struct mta_conn *, int);
static int	mta_ehlo(struct mta_conn *);
static int	mta_auth(struct mta_conn *);
static int	mta_message(struct mta_conn *, struct djob_msg *);
static int	mta_body(struct mta_conn *, struct djob_msg *);
static int	mta_cmd(struct mta_conn *, const char *, struct reply *);
static void	mta_transport_err(struct mta_conn *, const char *);
static void	mta_reply_text(char *, size_t, const struct reply *);
static int	mta_hard_reply(const struct reply *, const char *);
static void	mta_outcome(struct djob_msg *, size_t,
		    const struct reply *, struct mta_conn *, enum mta_stage);
static int	mta_complete(const struct djob *);
static void	mta_flag_all(struct djob *, uint32_t);
static int	mta_relay_trusted(struct mta_conn *,
		    const struct sc_tls_info *);
static void	mta_mail_line(struct mta_conn *, const struct djob_msg *,
		    char *, size_t);

int
mta_init(struct mta_ctx *ctx, const struct config *cfg, char *err,
    size_t errsz)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->cfg = cfg;
	if ((ctx->tls = sc_tls_ctx(cfg->relayhost_cafile[0] ?
	    cfg->relayhost_cafile : NULL, err, errsz)) == NULL)
		return -1;
	ctx->res = resolver_new(cfg->dns_server, 5000, 2, err, errsz);
	if (ctx->res == NULL) {
		SSL_CTX_free(ctx->tls);
		return -1;
	}
	return 0;
}

int
mta_relay_password(const struct config *cfg, char *out, size_t outsz)
{
	FILE	*fp;

	out[0] = '\0';
	if (cfg->relayhost_password_file[0] == '\0')
		return 0;
	if ((fp = fopen(cfg->relayhost_password_file, "re")) == NULL) {
		log_warn("deliver: %s", cfg->relayhost_password_file);
		return -1;
	}
	if (fgets(out, (int)outsz, fp) == NULL)
		out[0] = '\0';
	fclose(fp);
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

void
mta_free(struct mta_ctx *ctx)
{
	if (ctx->res != NULL)
		resolver_free(ctx->res);
	if (ctx->tls != NULL)
		SSL_CTX_free(ctx->tls);
	explicit_bzero(ctx->relay_pass, sizeof(ctx->relay_pass));
}

void
mta_run(struct mta_ctx *ctx, struct djob *job)
{
	struct resolve_result	*rr;
	const struct config	*cfg = ctx->cfg;

	if ((rr = calloc(1, sizeof(*rr))) == NULL) {
		djob_result_all(job, SPOOL_R_PENDING, "4.3.0", "",
		    "out of memory", 1);
		return;
	}
	/* one bound for the job, whatever connections it makes: its
	   MX answer and its destination's slot are not kept longer */
	ctx->reuse_until = util_monotonic_ms() + cfg->connection_reuse_ms;
	if (job->relay)
		resolver_host(ctx->res, cfg->relayhost,
		    (uint16_t)cfg->relayhost_port, 0, rr);
	else
		resolver_mx(ctx->res, job->dest, (uint16_t)cfg->outbound_port,
		    0, rr);
	mta_resolved(ctx, job, rr);
	free(rr);
}

/* RFC 5321 §5.1: each host in order, each of its addresses in order. */
static void
mta_resolved(struct mta_ctx *ctx, struct djob *job, struct resolve_result *rr)
{
	char		last[SPOOL_REPLY_MAX + 1] = "no host answered";
	char		mta[SPOOL_MTA_MAX + 1] = "";
	enum mta_try	t;
	size_t		h, a;

	switch (rr->status) {
	case RESOLVE_NULLMX:
		djob_result_all(job, SPOOL_R_FAILED, "5.1.10", "", "556 5.1.10 "
		    "the domain publishes a null MX (RFC 7505): it accepts no "
		    "mail", 1);
		mta_flag_all(job, SPOOL_F_HARD);
		return;
	case RESOLVE_NXDOMAIN:
		djob_result_all(job, SPOOL_R_FAILED, "5.1.2", "",
		    "the recipient domain does not exist in DNS (NXDOMAIN)", 1);
		mta_flag_all(job, SPOOL_F_HARD);
		return;
	case RESOLVE_NOHOST:
		/* RFC 3463 5.4.4 "unable to route": nothing about the
		   mailbox, so no suppression */
		snprintf(last, sizeof(last), "the domain has no mail server "
		    "with an address: %s", rr->err);
		djob_result_all(job, SPOOL_R_FAILED, "5.4.4", "", last, 1);
		return;
	case RESOLVE_TEMPFAIL:
		snprintf(last, sizeof(last), "DNS lookup failed: %s",
		    rr->err);
		djob_result_all(job, SPOOL_R_PENDING, "4.4.3", "", last, 1);
		return;
	case RESOLVE_OK:
		break;
	}
	/* Gmail: shape "based on the MX record domain" */
	job->provider = job->relay || rr->nhost == 0 ? -1 :
	    provider_find(rr->host[0].name);
	for (h = 0; h < rr->nhost && !mta_complete(job); h++)
		for (a = 0; a < rr->host[h].naddr && !mta_complete(job) &&
		    !deliver_stopping(); a++) {
			do {
				t = mta_try(ctx, job, &rr->host[h], a, 1);
				if (t == MTA_PLAIN)
					t = mta_try(ctx, job, &rr->host[h], a,
					    0);
			} while (t == MTA_MORE && !mta_complete(job) &&
			    !deliver_stopping());
			if (t == MTA_NEXT && job->last_err[0] != '\0') {
				util_strlcpy(last, job->last_err,
				    sizeof(last));
				util_strlcpy(mta, job->last_mta, sizeof(mta));
			}
		}
	djob_result_all(job, SPOOL_R_PENDING, "4.4.1", mta, last, 1);
}

static void
mta_flag_all(struct djob *job, uint32_t flag)
{
	size_t	i, k;

	for (i = 0; i < job->nmsg; i++)
		for (k = 0; k < job->msg[i].n; k++)
			job->msg[i].res[k].flags |= flag;
}

static int
mta_complete(const struct djob *job)
{
	size_t	i, k;

	for (i = 0; i < job->nmsg; i++)
		for (k = 0; k < job->msg[i].n && !job->msg[i].skip; k++)
			if (job->msg[i].res[k].state == 0)
				return 0;
	return 1;
}

/*
 * One connection to one address.  MTA_DONE: every message got a verdict;
 * MTA_NEXT: try the next address (the reason is left in job->last_err);
 * MTA_PLAIN: TLS failed, opportunistic mode, try this address again
 * without it; MTA_MORE: messages are left for a new connection to it.
 * Messages the provider's limits or holds keep back are marked
 * (shape.h) and count as done here.
 */
static enum mta_try
mta_try(struct mta_ctx *ctx, struct djob *job, const struct resolve_host *rh,
    size_t a, int tls_ok)
{
	struct mta_conn	*cn;
	char		 addr[64];
	enum mta_try	 rc = MTA_NEXT;
	int		 g;

	if ((cn = calloc(1, sizeof(*cn))) == NULL)
		return MTA_NEXT;
	cn->sh.prov = job->provider;
	if (!shape_open(&cn->sh, job)) {
		free(cn);	/* nothing may go now: put back, untried */
		return MTA_DONE;
	}
	cn->ctx = ctx;
	cn->host = rh->name;
	util_addr_str((const struct sockaddr *)&rh->addr[a], addr,
	    sizeof(addr));
	(void)util_snprintf(cn->mta, sizeof(cn->mta), "%s[%s]", rh->name, addr);
	sc_init(&cn->c, ctx->cfg->timeout_connect_ms);
	if (sc_connect(&cn->c, (const struct sockaddr *)&rh->addr[a],
	    rh->addrlen[a]) == -1) {
		mta_transport_err(cn, "connect");
		goto done;
	}
	shape_local_addr(&cn->sh, cn->c.fd);
	/* labelled as its deliveries are (outcome.c): by the host's name */
	cn->metric_prov = job->provider >= 0 ? job->provider :
	    provider_find(rh->name);
	metrics_outbound_connection(cn->metric_prov);
	cn->c.timeout_ms = ctx->cfg->timeout_outbound_ms;
	if ((g = mta_greet(cn, tls_ok)) != 0) {
		rc = g == 2 ? MTA_PLAIN : MTA_NEXT;
		goto done;
	}
	if ((rc = mta_send(cn, job)) == MTA_NEXT)
		goto done;
	(void)sc_command(&cn->c, "QUIT", &(struct reply){ 0 });
done:
	sc_close(&cn->c);
	shape_close(&cn->sh);
	if (rc == MTA_NEXT || rc == MTA_PLAIN) {
		util_strlcpy(job->last_err, cn->err, sizeof(job->last_err));
		util_strlcpy(job->last_mta, cn->mta, sizeof(job->last_mta));
	}
	free(cn);
	return rc;
}

/*
 * The job's messages over one connection, at most the provider's number
 * per connection (then MTA_MORE: a new one).  A peer that closes after
 * some messages without an error (Yahoo, after its count) is connected
 * to again for the rest; what it answered is not sent again.
 *
 * The job done, the connection takes the destination's mail that fell
 * due meanwhile (djob_refill()) until connection_reuse_time after the
 * job began, as Postfix reuses a connection for a backlog: a receiver
 * counts connections, and a handshake with TLS costs both sides more
 * than a transaction.  A connection in trouble (an error, a close, a
 * provider's count reached) is not reused.  Between jobs the holds'
 * slots are given back, so mail of a hold this connection held a slot
 * of is not kept from the others meanwhile.
 */
static enum mta_try
mta_send(struct mta_conn *cn, struct djob *job)
{
	size_t	i;

	do {
		for (i = 0; i < job->nmsg; i++) {
			if (job->msg[i].answered)
				continue;
			if (deliver_stopping())
				return MTA_DONE;	/* SIGTERM: the rest
							   waits for the
							   restart */
			if (shape_full(&cn->sh))
				return MTA_MORE;
			if (!shape_msg(&cn->sh, &job->msg[i]))
				continue;
			if (mta_message(cn, &job->msg[i]) == -1)
				return !job->msg[i].answered &&
				    cn->sh.sent > 1 ? MTA_MORE : MTA_NEXT;
		}
		if (shape_full(&cn->sh) ||
		    util_monotonic_ms() >= cn->ctx->reuse_until)
			break;
		shape_between(&cn->sh);
	} while (djob_refill(job) > 0);
	return MTA_DONE;
}

static void
mta_transport_err(struct mta_conn *cn, const char *stage)
{
	(void)util_snprintf(cn->err, sizeof(cn->err), "%s: %s: %s", cn->mta,
	    stage,
	    cn->c.err[0] ? cn->c.err : sc_status_name(cn->c.status));
}

static void
mta_reply_text(char *out, size_t outsz, const struct reply *r)
{
	char	raw[SPOOL_REPLY_MAX + 1];

	(void)util_snprintf(raw, sizeof(raw), "%d%s%s %s", r->code,
	    r->enhanced[0] ? " " : "", r->enhanced, r->text);
	spool_printable(out, outsz, raw, strlen(raw));
}

/* 0 ready for MAIL; 1 go to the next address; 2 retry without TLS. */
static int
mta_greet(struct mta_conn *cn, int tls_ok)
{
	const struct config	*cfg = cn->ctx->cfg;
	struct reply		 r;
	struct sc_tls_info	 ti = { 0 };
	int			 relay = cfg->relayhost[0] != '\0';
	int			 want_tls, need_tls;

	if (relay && cfg->relayhost_tls == RELAY_TLS_IMPLICIT &&
	    sc_tls(&cn->c, cn->ctx->tls, cn->host, &ti) == -1) {
		metrics_tls_failure(MT_OUTBOUND);
		mta_transport_err(cn, "TLS handshake");
		return 1;
	}
	if (sc_read_reply(&cn->c, &r) == -1) {
		mta_transport_err(cn, "banner");
		return 1;
	}
	if (r.code != 220) {
		mta_reply_text(cn->err, sizeof(cn->err), &r);
		shape_reply(&cn->sh, NULL, r.code, r.enhanced, r.text);
		return 1;
	}
	if (mta_ehlo(cn) == -1)
		return 1;
	need_tls = relay ? cfg->relayhost_tls == RELAY_TLS_STARTTLS :
	    cfg->outbound_tls == OUTBOUND_TLS_REQUIRED;
	want_tls = need_tls || (!relay && tls_ok &&
	    cfg->outbound_tls == OUTBOUND_TLS_OPPORTUNISTIC);
	if (cn->c.ssl == NULL && want_tls && cn->starttls) {
		if (mta_cmd(cn, "STARTTLS", &r) == -1)
			return 1;
		if (r.code == 220) {
			if (cn->c.rlen != 0) {
				/* CVE-2011-0411, client side: nothing may
				   follow the 220 in plaintext */
				(void)util_snprintf(cn->err, sizeof(cn->err),
				    "%s: data pipelined after the STARTTLS "
				    "reply", cn->mta);
				return 1;
			}
			if (sc_tls(&cn->c, cn->ctx->tls, cn->host, &ti) ==
			    -1) {
				metrics_tls_failure(MT_OUTBOUND);
				mta_transport_err(cn, "TLS handshake");
				return need_tls ? 1 : 2;
			}
			if (mta_ehlo(cn) == -1)
				return 1;
		} else if (need_tls) {
			mta_reply_text(cn->err, sizeof(cn->err), &r);
			return 1;
		}
	}
	if (relay && cn->c.ssl != NULL && mta_relay_trusted(cn, &ti) == -1)
		return 1;
	if (need_tls && cn->c.ssl == NULL) {
		snprintf(cn->err, sizeof(cn->err), "%s does not offer "
		    "STARTTLS and TLS is required (%s)", cn->mta, relay ?
		    "relayhost_tls" : "outbound_tls = required");
		return 1;
	}
	return relay && cfg->relayhost_user[0] != '\0' && mta_auth(cn) == -1;
}

/*
 * The relayhost gets our password: its certificate must verify and name
 * it (relayhost_tls_verify = no to allow otherwise, relayhost_cafile for
 * a private CA).
 */
static int
mta_relay_trusted(struct mta_conn *cn, const struct sc_tls_info *ti)
{
	if (!cn->ctx->cfg->relayhost_tls_verify ||
	    (ti->verified && ti->name_matches))
		return 0;
	(void)util_snprintf(cn->err, sizeof(cn->err), "%s: the relayhost's "
	    "certificate is not trusted (%s); set relayhost_cafile, or "
	    "relayhost_tls_verify = no", cn->mta, !ti->verified ?
	    ti->verify_error : "it is for another name");
	return -1;
}

/* Send a command and read its reply; -1 on a transport failure. */
static int
mta_cmd(struct mta_conn *cn, const char *line, struct reply *r)
{
	if (sc_command(&cn->c, line, r) == -1) {
		mta_transport_err(cn, line);
		return -1;
	}
	return 0;
}

static void
mta_caps(struct mta_conn *cn, const struct reply *r)
{
	const char	*p = strchr(r->text, '\n');
	char		 kw[128];
	size_t		 len;

	cn->pipelining = cn->dsn = cn->eightbit = cn->smtputf8 = 0;
	cn->starttls = cn->auth_plain = cn->auth_login = 0;
	cn->size_max = 0;
	for (; p != NULL; p = strchr(p, '\n')) {
		p++;
		len = strcspn(p, "\n");
		snprintf(kw, sizeof(kw), "%.*s", (int)(len < 127 ? len : 127),
		    p);
		if (strcasecmp(kw, "PIPELINING") == 0)
			cn->pipelining = 1;
		else if (strcasecmp(kw, "DSN") == 0)
			cn->dsn = 1;
		else if (strcasecmp(kw, "8BITMIME") == 0)
			cn->eightbit = 1;
		else if (strcasecmp(kw, "SMTPUTF8") == 0)
			cn->smtputf8 = 1;
		else if (strcasecmp(kw, "STARTTLS") == 0)
			cn->starttls = 1;
		else if (strncasecmp(kw, "SIZE ", 5) == 0)
			cn->size_max = strtoull(kw + 5, NULL, 10);
		else if (strncasecmp(kw, "AUTH ", 5) == 0) {
			cn->auth_plain = strcasestr(kw, " PLAIN") != NULL;
			cn->auth_login = strcasestr(kw, " LOGIN") != NULL;
		}
	}
}

static int
mta_ehlo(struct mta_conn *cn)
{
	char		line[CONFIG_HOST_MAX + 8];
	struct reply	r;

	snprintf(line, sizeof(line), "EHLO %s", cn->ctx->cfg->hostname);
	if (mta_cmd(cn, line, &r) == -1)
		return -1;
	if (r.code == 250) {
		mta_caps(cn, &r);
		return 0;
	}
	snprintf(line, sizeof(line), "HELO %s", cn->ctx->cfg->hostname);
	if (mta_cmd(cn, line, &r) == -1)
		return -1;
	if (r.code != 250) {
		mta_reply_text(cn->err, sizeof(cn->err), &r);
		return -1;
	}
	mta_caps(cn, &(struct reply){ .code = 250 });
	return 0;
}

/* RFC 4954 AUTH PLAIN (or LOGIN) to the relayhost, over TLS only. */
static int
mta_auth(struct mta_conn *cn)
{
	const struct config	*cfg = cn->ctx->cfg;
	char			 raw[600], b64[820], line[840];
	struct reply		 r;
	size_t			 ul = strlen(cfg->relayhost_user);
	size_t			 pl = strlen(cn->ctx->relay_pass);
	int			 rc = -1;

	if (cn->c.ssl == NULL || !cn->auth_plain ||
	    ul + pl + 2 > sizeof(raw)) {
		snprintf(cn->err, sizeof(cn->err), "%s: cannot authenticate "
		    "(%s)", cn->mta, cn->c.ssl == NULL ? "no TLS" :
		    !cn->auth_plain ? "AUTH PLAIN is not offered" :
		    "credentials too long");
		return -1;
	}
	raw[0] = '\0';
	memcpy(raw + 1, cfg->relayhost_user, ul);
	raw[1 + ul] = '\0';
	memcpy(raw + 2 + ul, cn->ctx->relay_pass, pl);
	if (base64_encode(raw, ul + pl + 2, b64, sizeof(b64)) < 0)
		goto done;
	snprintf(line, sizeof(line), "AUTH PLAIN %s", b64);
	/* never logged: sc_command does not log, and errors name the verb */
	if (sc_command(&cn->c, line, &r) == -1) {
		mta_transport_err(cn, "AUTH");
		goto done;
	}
	if (r.code == 235)
		rc = 0;
	else
		mta_reply_text(cn->err, sizeof(cn->err), &r);
done:
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(b64, sizeof(b64));
	explicit_bzero(line, sizeof(line));
	return rc;
}

/*
 * Does the refusal say the recipient's address is bad for good?  The
 * classifier (core/bounce_class.h) reads the code and the text: "550
 * 5.1.1" and "550 no such user" are, "550 5.7.1 ... blocked" (the
 * sender is refused) and "550 5.2.1 account disabled" are not.
 */
static int
mta_hard_reply(const struct reply *r, const char *host)
{
	struct bounce_class	c;

	bounce_classify(r->code, r->enhanced, r->text, host, &c);
	return bounce_suppress(&c);
}

/* The outcome a reply at a stage gives recipient k of m. */
static void
mta_outcome(struct djob_msg *m, size_t k, const struct reply *r,
    struct mta_conn *cn, enum mta_stage stage)
{
	char			 text[SPOOL_REPLY_MAX + 1];
	char			 fixed[sizeof(r->enhanced)], cls;
	const char		*st = r->enhanced;
	enum spool_rstate	 s;

	mta_reply_text(text, sizeof(text), r);
	shape_reply(&cn->sh, m, r->code, r->enhanced, r->text);
	if (r->code >= 200 && r->code < 300)
		s = SPOOL_R_DONE;
	else if (r->code >= 500 && !(stage == MTA_STAGE_RCPT &&
	    r->code == 552))	/* RFC 5321 §4.5.3.1.10: 552 there is 452 */
		s = SPOOL_R_FAILED;
	else
		s = SPOOL_R_PENDING;
	cls = s == SPOOL_R_DONE ? '2' : s == SPOOL_R_FAILED ? '5' : '4';
	if (*st == '\0')
		st = s == SPOOL_R_DONE ? "2.0.0" : s == SPOOL_R_FAILED ?
		    "5.0.0" : "4.0.0";
	else if (*st != cls) {
		/*
		 * "550 4.2.2" or "452 5.2.2" (a 552 at RCPT): the outcome is
		 * the reply code's, so is the class (RFC 3463 §2: the class
		 * gives the outcome).  Postfix drops such a code for X.0.0;
		 * the subject and detail are kept here, for the classifier
		 * and the reader.  A DSN never says "failed" with a 4.
		 */
		util_strlcpy(fixed, st, sizeof(fixed));
		fixed[0] = cls;
		st = fixed;
	}
	djob_result(m, k, s, st, cn->mta, text);
	/* a DSN-capable hop was given NOTIFY/ORCPT: its reports, not ours */
	if (s == SPOOL_R_DONE && cn->dsn)
		m->res[k].flags |= SPOOL_F_DSN_PASSED;
	/* only a refused RCPT speaks about the address, not MAIL or DATA */
	if (s == SPOOL_R_FAILED && stage == MTA_STAGE_RCPT &&
	    mta_hard_reply(r, cn->host))
		m->res[k].flags |= SPOOL_F_HARD;
}

static void
mta_rcpt_params(struct mta_conn *cn, const struct env_rcpt *rc, char *out,
    size_t outsz)
{
	char	n[64] = "";

	out[0] = '\0';
	if (!cn->dsn || (rc->notify == 0 && rc->orcpt[0] == '\0'))
		return;
	if (rc->notify & DSN_NOTIFY_NEVER)
		util_strlcpy(n, " NOTIFY=NEVER", sizeof(n));
	else if (rc->notify != 0)
		snprintf(n, sizeof(n), " NOTIFY=%s%s%s",
		    rc->notify & DSN_NOTIFY_SUCCESS ? "SUCCESS," : "",
		    rc->notify & DSN_NOTIFY_FAILURE ? "FAILURE," : "",
		    rc->notify & DSN_NOTIFY_DELAY ? "DELAY," : "");
	if (n[0] && n[strlen(n) - 1] == ',')
		n[strlen(n) - 1] = '\0';
	snprintf(out, outsz, "%s%s%s", n, rc->orcpt[0] ? " ORCPT=" : "",
	    rc->orcpt);
}

static void
mta_mail_line(struct mta_conn *cn, const struct djob_msg *m, char *out,
    size_t outsz)
{
	const struct envelope	*e = m->env;
	char			 size[32] = "";

	if (cn->size_max)
		snprintf(size, sizeof(size), " SIZE=%" PRIu64,
		    m->content_len + m->prefix.len);
	snprintf(out, outsz, "MAIL FROM:<%s>%s%s%s%s%s%s\r\n", e->sender,
	    size, (e->flags & MSG_F_8BITMIME) && cn->eightbit ?
	    " BODY=8BITMIME" : "", (e->flags & MSG_F_SMTPUTF8) ?
	    " SMTPUTF8" : "", !cn->dsn || !e->ret ? "" :
	    e->ret == DSN_RET_FULL ? " RET=FULL" : " RET=HDRS",
	    cn->dsn && e->envid[0] ? " ENVID=" : "", cn->dsn ? e->envid : "");
}

/* Refuse before MAIL what the server told us it cannot take. */
static int
mta_precheck(struct mta_conn *cn, struct djob_msg *m)
{
	uint64_t	 size = m->content_len + m->prefix.len;
	char		 why[200];
	const char	*st;
	size_t		 k;

	if (cn->size_max != 0 && size > cn->size_max) {
		st = "5.3.4";
		snprintf(why, sizeof(why), "552 5.3.4 message of %" PRIu64
		    " bytes is larger than %s accepts (SIZE %" PRIu64 ")",
		    size, cn->host, cn->size_max);
	} else if ((m->env->flags & MSG_F_SMTPUTF8) && !cn->smtputf8) {
		st = "5.6.7";
		snprintf(why, sizeof(why), "553 5.6.7 the message needs "
		    "SMTPUTF8 and %s does not support it", cn->host);
	} else
		return 0;
	for (k = 0; k < m->n; k++)
		djob_result(m, k, SPOOL_R_FAILED, st, cn->mta, why);
	m->answered = 1;
	djob_msg_return(m);
	return 1;
}

/* MAIL and RCPT replies; acc[k] says which recipients were taken.  -1
   on a transport failure. */
static int
mta_envelope(struct mta_conn *cn, struct djob_msg *m, const char *mail,
    int *mail_ok, int *acc, int *accepted)
{
	const struct envelope	*e = m->env;
	struct reply		 r;
	char			 line[MTA_LINE_MAX], p[ENVELOPE_ORCPT_MAX + 64];
	size_t			 k;

	if (!cn->pipelining && sc_write(&cn->c, mail, strlen(mail)) == -1)
		return -1;
	if (sc_read_reply(&cn->c, &r) == -1)
		return -1;
	*mail_ok = r.code >= 200 && r.code < 300;
	for (k = 0; !*mail_ok && k < m->n; k++)
		mta_outcome(m, k, &r, cn, MTA_STAGE_MAIL);
	for (k = 0; k < m->n; k++) {
		acc[k] = 0;
		if (!*mail_ok && !cn->pipelining)
			continue;
		if (!cn->pipelining) {
			mta_rcpt_params(cn, &e->rcpt[m->idx[k]], p, sizeof(p));
			snprintf(line, sizeof(line), "RCPT TO:<%s>%s\r\n",
			    e->rcpt[m->idx[k]].addr, p);
			if (sc_write(&cn->c, line, strlen(line)) == -1)
				return -1;
		}
		if (sc_read_reply(&cn->c, &r) == -1)
			return -1;
		if (!*mail_ok)
			continue;	/* pipelined after a refused MAIL */
		if (r.code >= 200 && r.code < 300)
			acc[k] = 1, (*accepted)++;
		else
			mta_outcome(m, k, &r, cn, MTA_STAGE_RCPT);
	}
	return 0;
}

/*
 * DATA, content and the final reply.  -1: the connection failed before
 * the final dot (no verdict); -2: after it (the message may have been
 * taken: the recipients are deferred, never sent to another host now).
 */
static int
mta_data(struct mta_conn *cn, struct djob_msg *m, int mail_ok, int *acc,
    int accepted, struct reply *r)
{
	unsigned	saved = cn->c.timeout_ms;
	size_t		k;
	int		rc;

	if (!cn->pipelining && sc_write(&cn->c, "DATA\r\n", 6) == -1)
		return -1;
	if (sc_read_reply(&cn->c, r) == -1)
		return -1;
	if (r->code == 354 && (!mail_ok || accepted == 0)) {
		/* a server that should have refused DATA (RFC 2920 §3.1) */
		return sc_write(&cn->c, ".\r\n", 3) == -1 ||
		    sc_read_reply(&cn->c, r) == -1 ? -1 : 0;
	}
	if (!mail_ok || accepted == 0)
		return 0;
	if (r->code != 354) {
		if (r->code < 400) {
			/* nothing was sent: never "delivered" */
			util_strlcpy(cn->c.err, "unexpected reply to DATA",
			    sizeof(cn->c.err));
			return -1;
		}
		for (k = 0; k < m->n; k++)
			if (acc[k])
				mta_outcome(m, k, r, cn, MTA_STAGE_DATA);
		return 0;
	}
	if (mta_body(cn, m) == -1)
		return -1;
	/* RFC 5321 §4.5.3.2.6: 10 minutes for the reply to the dot */
	cn->c.timeout_ms = saved * 2;
	rc = sc_read_reply(&cn->c, r);
	cn->c.timeout_ms = saved;
	if (rc == -1) {
		mta_transport_err(cn, "reply to end of data");
		for (k = 0; k < m->n; k++)
			if (acc[k])
				djob_result(m, k, SPOOL_R_PENDING, "4.4.2",
				    cn->mta, cn->err);
		return -2;
	}
	for (k = 0; k < m->n; k++)
		if (acc[k])
			mta_outcome(m, k, r, cn, MTA_STAGE_DATA);
	return 0;
}

/*
 * One transaction.  -1: the connection failed (recipients still waiting
 * for a verdict keep none, and may go to the next host); 0 otherwise.
 */
static int
mta_message(struct mta_conn *cn, struct djob_msg *m)
{
	const struct envelope	*e = m->env;
	struct buf		 cmds;
	struct reply		 r;
	char			 mail[MTA_LINE_MAX], p[ENVELOPE_ORCPT_MAX + 64];
	int			 accepted = 0, mail_ok = 0, acc[DJOB_RCPT_MAX];
	int			 rc;
	size_t			 k;

	if (mta_precheck(cn, m))
		return 0;
	m->conn_use = ++cn->tx;
	metrics_outbound_transaction(cn->metric_prov);
	buf_init(&cmds, 1024 * 1024);
	mta_mail_line(cn, m, mail, sizeof(mail));
	buf_appends(&cmds, mail);
	for (k = 0; k < m->n; k++) {
		mta_rcpt_params(cn, &e->rcpt[m->idx[k]], p, sizeof(p));
		buf_appendf(&cmds, "RCPT TO:<%s>%s\r\n",
		    e->rcpt[m->idx[k]].addr, p);
	}
	buf_appends(&cmds, "DATA\r\n");
	rc = cn->pipelining && sc_write(&cn->c, cmds.data, cmds.len) == -1 ?
	    -1 : 0;
	buf_free(&cmds);
	r.code = 0;
	if (rc == 0)
		rc = mta_envelope(cn, m, mail, &mail_ok, acc, &accepted);
	if (rc == 0 && (cn->pipelining || (mail_ok && accepted > 0)))
		rc = mta_data(cn, m, mail_ok, acc, accepted, &r);
	if (rc == -1) {
		mta_transport_err(cn, "transaction");
		for (k = 0; k < m->n; k++)
			if (m->res[k].state != SPOOL_R_FAILED)
				m->res[k].state = 0;	/* no verdict yet */
		m->conn_use = 0;	/* its outcome may name another host */
		return -1;
	}
	m->answered = 1;
	djob_msg_return(m);	/* recorded before the next transaction */
	if (rc == -2)
		return -1;
	if (r.code != 250 && mta_cmd(cn, "RSET", &r) == -1)
		return -1;
	return 0;
}

/* The prefix, then the content dot-stuffed, then the final dot. */
static int
mta_body(struct mta_conn *cn, struct djob_msg *m)
{
	struct buf	 out;
	struct spool_map map;
	const char	*c, *p, *end, *nl;
	int		 rc = -1, bol = 1;

	if (spool_map(m->fd, m->content_off, m->content_len, &map) == -1) {
		snprintf(cn->c.err, sizeof(cn->c.err), "mmap: %s",
		    strerror(errno));
		return -1;
	}
	c = map.p;
	buf_init(&out, 2 * MTA_CHUNK);
	if (m->prefix.len > 0 && buf_append(&out, m->prefix.data,
	    m->prefix.len) == -1)
		goto done;
	for (p = c, end = c ? c + m->content_len : NULL; p < end; p = nl) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		else
			nl++;
		if (bol && *p == '.' && buf_append(&out, ".", 1) == -1)
			goto done;
		bol = nl[-1] == '\n';
		if (buf_append(&out, p, (size_t)(nl - p)) == -1)
			goto done;
		if (out.len >= MTA_CHUNK) {
			if (sc_write(&cn->c, out.data, out.len) == -1)
				goto done;
			buf_reset(&out);
		}
	}
	if (!bol && buf_append(&out, "\r\n", 2) == -1)
		goto done;
	if (buf_append(&out, ".\r\n", 3) == -1 ||
	    sc_write(&cn->c, out.data, out.len) == -1)
		goto done;
	rc = 0;
done:
	spool_unmap(&map);
	buf_free(&out);
	return rc;
}
