/*
 * local_arf: see local_arf.h.
 */
#include <string.h>
#include <unistd.h>

#include "core/arf.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "queue/djob.h"
#include "queue/local_arf.h"
#include "store/store.h"

static int	arf_read(const struct djob_msg *, size_t, struct buf *);
static int	arf_ours(const struct arf_report *);
static void	arf_count(const struct djob_msg *, struct store *,
		    const char *, const struct arf_report *);

/* The first max bytes of the message (all of it if shorter); 0 or -1. */
static int
arf_read(const struct djob_msg *jm, size_t max, struct buf *out)
{
	size_t	want = jm->content_len < max ? (size_t)jm->content_len : max;
	char	chunk[16384];
	ssize_t	n;

	buf_reset(out);
	while (out->len < want) {
		n = pread(jm->fd, chunk, want - out->len < sizeof(chunk) ?
		    want - out->len : sizeof(chunk),
		    (off_t)(jm->content_off + out->len));
		if (n <= 0 || buf_append(out, chunk, (size_t)n) == -1)
			return -1;
	}
	return 0;
}

/*
 * The returned message was submitted here with AUTH: our Received line
 * ("with ESMTPSA" or "UTF8SMTPSA").  A complaint about mail that only
 * forged a local sender must count against nobody.
 */
static int
arf_ours(const struct arf_report *r)
{
	const char	*s = buf_str(&r->received);

	return strstr(s, "(Postern) with ESMTPSA id ") != NULL ||
	    strstr(s, "(Postern) with UTF8SMTPSA id ") != NULL;
}

/* An abuse report about mail of ours: one complaint for its sender. */
static void
arf_count(const struct djob_msg *jm, struct store *st, const char *rcpt,
    const struct arf_report *r)
{
	const char	*who = r->reporter[0] ? r->reporter : "unknown reporter";
	const char	*sender = r->mail_from[0] ? r->mail_from : r->from;
	int		 rc;

	if (sender[0] == '\0') {
		log_info("deliver: %s: complaint (%s) for %s from %s: names no "
		    "sender; ignored", jm->id, r->type, rcpt, who);
		return;
	}
	rc = store_health_complaint(st, sender, clock_now());
	if (rc == STORE_OK)
		log_info("deliver: %s: complaint (%s) for %s from %s", jm->id,
		    r->type, sender, who);
	else if (rc == STORE_NOTFOUND)
		log_info("deliver: %s: complaint (%s) for %s from %s: not a "
		    "mailbox here; ignored", jm->id, r->type, sender, who);
	else
		log_warnx("deliver: %s: complaint (%s) for %s from %s: not "
		    "counted: %s", jm->id, r->type, sender, who,
		    store_errmsg(st));
}

int
local_arf(const struct djob_msg *jm, struct store *st, const char *rcpt)
{
	struct arf_report	 r;
	struct buf		 msg;
	int			 rc;

	if (strcmp(jm->env->listener, "mx") != 0 || st == NULL)
		return 0;
	buf_init(&msg, ARF_PARSE_MAX);
	if (arf_read(jm, LOCAL_ARF_HEAD, &msg) == -1 ||
	    !arf_header_is_report(msg.data ? msg.data : "", msg.len)) {
		buf_free(&msg);
		return 0;
	}
	if (arf_read(jm, ARF_PARSE_MAX, &msg) == -1) {
		log_warnx("deliver: %s: feedback report for %s: cannot read "
		    "the message", jm->id, rcpt);
		buf_free(&msg);
		return 1;
	}
	rc = arf_parse(buf_str(&msg), msg.len, &r);
	if (rc == -1 || !r.feedback)
		log_info("deliver: %s: feedback report for %s: %s", jm->id,
		    rcpt, rc == -1 ? "not parsed (out of memory)" :
		    "no feedback-report part; ignored");
	else if (strcmp(r.type, "abuse") != 0)
		log_info("deliver: %s: feedback report (%s) for %s from %s: "
		    "not a complaint; not counted", jm->id, r.type[0] ?
		    r.type : "no type", rcpt, r.reporter[0] ? r.reporter :
		    "unknown reporter");
	else if (!arf_ours(&r))
		log_info("deliver: %s: complaint (%s) for %s: not counted: it "
		    "returns no message submitted here", jm->id, r.type, rcpt);
	else
		arf_count(jm, st, rcpt, &r);
	arf_report_free(&r);
	buf_free(&msg);
	return 1;
}
