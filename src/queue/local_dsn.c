/*
 * local_dsn: see local_dsn.h.  The DSN's Remote-MTA ("dns; mx.example")
 * and diagnostic are kept in the suppression's reason, on one line.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/bounce_class.h"
#include "core/bounce_parse.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/util.h"
#include "queue/djob.h"
#include "queue/health.h"
#include "queue/local_dsn.h"
#include "store/store.h"

static int	dsn_read(const struct djob_msg *, struct buf *);
static int	dsn_permanent(const struct bounce_rcpt *);
static void	dsn_reason(const struct bounce_rcpt *, char *, size_t);
static void	dsn_one(const struct djob_msg *, struct store *,
		    const char *, const char *, const struct bounce_rcpt *);

/* The first LOCAL_DSN_MAX bytes of the message; 0 or -1. */
static int
dsn_read(const struct djob_msg *jm, struct buf *out)
{
	size_t	want = jm->content_len < LOCAL_DSN_MAX ?
		    (size_t)jm->content_len : LOCAL_DSN_MAX;
	char	chunk[16384];
	ssize_t	n;
	off_t	off = 0;

	while ((size_t)off < want) {
		n = pread(jm->fd, chunk, want - (size_t)off < sizeof(chunk) ?
		    want - (size_t)off : sizeof(chunk),
		    (off_t)jm->content_off + off);
		if (n <= 0)
			return -1;
		if (buf_append(out, chunk, (size_t)n) == -1)
			return -1;
		off += n;
	}
	return 0;
}

/* A final failure: no Action but "failed", and a 5xx or 5.x.x. */
static int
dsn_permanent(const struct bounce_rcpt *r)
{
	if (r->action[0] != '\0' && strncasecmp(r->action, "failed", 6) != 0)
		return 0;
	return r->failed && (r->code >= 500 || r->reply.enhanced[0] == '5');
}

/* "bounce (DSN from mx.example): 550 5.1.1 ...", on one line. */
static void
dsn_reason(const struct bounce_rcpt *r, char *out, size_t outsz)
{
	const char	*mta = r->remote_mta, *semi;
	size_t		 i;

	if ((semi = strchr(mta, ';')) != NULL)
		for (mta = semi + 1; *mta == ' ' || *mta == '\t'; mta++)
			;
	(void)util_snprintf(out, outsz, "bounce (DSN from %s): %s",
	    mta[0] != '\0' ? mta : "unknown MTA", r->diag[0] != '\0' ?
	    r->diag : r->status);
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < ' ' || out[i] == 0x7f)
			out[i] = ' ';
}

static void
dsn_one(const struct djob_msg *jm, struct store *st, const char *rcpt,
    const char *mbox, const struct bounce_rcpt *r)
{
	const char	*at = strrchr(rcpt, '@');
	char		 reason[STORE_REASON_MAX + 1];
	int		 sup, rc;
	int64_t		 now = clock_now();

	sup = dsn_permanent(r) && bounce_suppress(&r->class) &&
	    strchr(r->addr, '@') != NULL;
	log_info("deliver: %s: DSN for %s: %s reason=%s fault=%s %s",
	    jm->id, rcpt, r->addr[0] ? r->addr : "(no recipient)",
	    bounce_reason_name(r->class.reason),
	    bounce_fault_name(r->class.fault), sup ? "suppress" :
	    "not suppressed");
	if (!sup)
		return;
	dsn_reason(r, reason, sizeof(reason));
	rc = store_suppress_add(st, at + 1, r->addr, reason, "dsn", now);
	if (rc != STORE_OK) {
		log_warnx("deliver: %s: DSN for %s: suppress %s: %s",
		    jm->id, rcpt, r->addr, store_errmsg(st));
		return;
	}
	health_dsn_bounce(st, mbox, now);
}

void
local_dsn(const struct djob_msg *jm, struct store *st, const char *rcpt,
    const char *mbox)
{
	struct bounce_report	 rep;
	struct buf		 msg;
	const char		*at = strrchr(rcpt, '@');
	size_t			 i;

	/* postern's own bounces (listener "bounce") were counted at once */
	if (jm->env->sender[0] != '\0' ||
	    strcmp(jm->env->listener, "mx") != 0 || st == NULL || at == NULL ||
	    store_domain_exists(st, at + 1) != STORE_OK)
		return;
	buf_init(&msg, LOCAL_DSN_MAX);
	if (dsn_read(jm, &msg) == -1) {
		log_warnx("deliver: %s: DSN for %s: cannot read the message",
		    jm->id, rcpt);
		buf_free(&msg);
		return;
	}
	/*
	 * Backscatter guard: only a bounce that returns a message submitted
	 * here with AUTH (our Received line, "with ESMTPSA" or
	 * "UTF8SMTPSA") is acted on; spam that forged a local sender makes
	 * bounces too, and those must not suppress anybody.
	 */
	if (memmem(msg.data, msg.len, "(Postern) with ESMTPSA id ", 26) ==
	    NULL && memmem(msg.data, msg.len, "(Postern) with UTF8SMTPSA "
	    "id ", 29) == NULL) {
		log_info("deliver: %s: DSN for %s: not acted on: it returns no "
		    "message submitted here", jm->id, rcpt);
		buf_free(&msg);
		return;
	}
	if (bounce_parse(buf_str(&msg), msg.len, &rep) == -1)
		log_warnx("deliver: %s: DSN for %s: not parsed (out of "
		    "memory)", jm->id, rcpt);
	else if (rep.dsn || rep.known)
		for (i = 0; i < rep.n; i++)
			dsn_one(jm, st, rcpt, mbox, &rep.rcpts[i]);
	bounce_report_free(&rep);
	buf_free(&msg);
}
