/*
 * dsn: see dsn.h.  The three parts of the report are built into buffers
 * of their own first, so that the boundary can be checked against what
 * they hold and the top-level header can say whether anything is 8-bit;
 * header and parts are then joined into the caller's buffer, which is
 * rolled back to its old length on any failure.
 *
 * Every header field and every paragraph of the human-readable part goes
 * through dsn_put(): the text is formatted into a bounded array (peer
 * text longer than DSN_TEXT_MAX is cut, which is not an error), CR, LF,
 * the other controls and DEL become spaces (so nothing from a peer can
 * start a field of its own or end a header block), and dsn_fold() breaks
 * the lines at spaces to stay within 78 octets where it can and within
 * 998 always (RFC 5322 §2.1.1, §2.2.3).  The original message is copied
 * with any bare CR or LF turned into CRLF; its own long lines are its
 * sender's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/util.h"
#include "queue/dsn.h"

#define DSN_SOFT	78	/* RFC 5322 §2.1.1: SHOULD */
#define DSN_HARD	998	/* RFC 5322 §2.1.1: MUST */
#define DSN_WIDTH	76	/* human-readable paragraphs */
#define DSN_TEXT_MAX	4096	/* one field or paragraph, before folding */
#define DSN_HOST_MAX	255
#define DSN_TRIES	8	/* boundaries drawn before giving up */
#define DSN_RANDOM	16	/* random bytes in a boundary, Message-ID */
#define DSN_XTEXT_MAX	1024	/* decoded ENVID (100) or ORCPT (500) */
#define DSN_INDENT	"    "

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

int	(*dsn_random)(void *, size_t) = util_random;

struct dsn_parts {
	struct buf	 text;		/* part 1 body */
	struct buf	 status;	/* part 2 body */
	struct buf	 orig;		/* part 3 body */
	int		 full;		/* part 3 is message/rfc822 */
	int		 global;	/* RFC 6533: a non-ASCII address,
					   diagnostic or original header */
	char		 boundary[64];
};

/* RFC 3464 §2.3.3 action names; severity picks the subject. */
static const struct {
	const char	*name;
	int		 severity;
	const char	*what;		/* part 1; DELAYED is built apart */
} dsn_actions[] = {
	[DSN_FAILED] = { "failed", 2,
	    "Your message could not be delivered to this address. Delivery "
	    "has failed for good and will not be tried again." },
	[DSN_DELAYED] = { "delayed", 1, NULL },
	[DSN_DELIVERED] = { "delivered", 0,
	    "Your message was delivered to this address." },
	[DSN_RELAYED] = { "relayed", 0,
	    "Your message was passed on to a mail system that does not send "
	    "delivery reports, so no further report will come for this "
	    "address." },
	[DSN_EXPANDED] = { "expanded", 0,
	    "Your message was delivered to this address, a list or alias, "
	    "which passed it on to its members." },
};

static const struct {
	const char	*subject;
	const char	*intro;
} dsn_kinds[] = {
	{ "Successful Mail Delivery Report",
	    "This is a delivery report for your message, which you asked "
	    "for. The details for each address follow." },
	{ "Delayed Mail (still being retried)",
	    "Your message has not been delivered yet to one or more "
	    "addresses. It is still queued here and delivery will be tried "
	    "again; you do not need to send it again." },
	{ "Undelivered Mail Returned to Sender",
	    "Your message could not be delivered to one or more addresses. "
	    "The details for each address follow, and your message is "
	    "attached." },
};

/*
 * Advice by enhanced status (RFC 3463): a key ending in '.' matches as a
 * prefix, any other key exactly (so "5.1.1" does not match "5.1.10").
 * The first match wins.
 */
static const struct {
	const char	*status;
	const char	*advice;
} dsn_advice[] = {
	{ "5.1.10", "The recipient's domain publishes a null MX (RFC 7505): "
	    "the domain accepts no mail at all. Check the address for a "
	    "typing mistake; otherwise reach this person another way." },
	{ "5.1.1", "The address does not exist at that domain. Check it for "
	    "a typing mistake; if it is on a mailing list of yours, remove "
	    "it from the list." },
	{ "5.1.2", "The domain does not exist or has no mail server. Check "
	    "the part after the @ for a typing mistake." },
	{ "5.1.3", "The address is not valid. Check how it is written." },
	{ "5.2.2", "The recipient's mailbox is full. Try again later or "
	    "reach them another way." },
	{ "5.3.4", "The message is larger than the recipient's server "
	    "accepts. Send a smaller message, or share large files by "
	    "link." },
	{ "5.4.", "No mail server for the domain could be reached. Check "
	    "the domain for a typing mistake; if it is right, the problem "
	    "is on the recipient's side." },
	{ "5.7.", "The recipient's server refused the message by policy: "
	    "spam filtering, sender authentication (SPF, DKIM, DMARC) or a "
	    "block list. The reply above usually names the reason; if it "
	    "does not help, ask the recipient or their postmaster." },
	{ "5.", "Delivery failed for good. The reply above gives the "
	    "reason; resending the same message will fail the same way." },
	{ "4.", "This is a temporary problem. You do not need to do "
	    "anything now; if delivery finally fails you will get another "
	    "report." },
	{ "2.", "Nothing to do." },
};

static int	dsn_check(const struct dsn_info *, const struct dsn_rcpt *,
		    size_t);
static int	dsn_host_ok(const char *);
static int	dsn_status_ok(const char *);
static int	dsn_digits(const char **, size_t);
static int	dsn_severity(const struct dsn_rcpt *, size_t);
static const char *dsn_advice_for(const char *);
static void	dsn_date(int64_t, char *, size_t);
static void	dsn_clean(char *);
static int	dsn_has_8bit(const char *, size_t);
static int	dsn_fold(struct buf *, size_t, const char *, size_t,
		    const char *);
static int	dsn_word(struct buf *, size_t *, const char *, const char *,
		    size_t);
static int	dsn_vput(struct buf *, const char *, const char *, size_t,
		    const char *, va_list)
		    __attribute__((format(printf, 5, 0)));
static int	dsn_field(struct buf *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	dsn_para(struct buf *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	dsn_xtext_text(const char *, size_t, char *, size_t);
static int	dsn_text(struct buf *, const struct dsn_info *,
		    const struct dsn_rcpt *, size_t);
static int	dsn_text_rcpt(struct buf *, const struct dsn_rcpt *);
static int	dsn_text_what(struct buf *, const struct dsn_rcpt *);
static int	dsn_status(struct buf *, const struct dsn_info *,
		    const struct dsn_rcpt *, size_t, int);
static int	dsn_status_rcpt(struct buf *, const struct dsn_rcpt *, int);
static int	dsn_global(const struct dsn_info *, const struct dsn_rcpt *,
		    size_t);
static int	dsn_orcpt(struct buf *, const char *);
static int	dsn_diagnostic(struct buf *, const char *);
static size_t	dsn_header_len(const char *, size_t, size_t *);
static int	dsn_original(struct dsn_parts *, const struct dsn_info *);
static int	dsn_copy_crlf(struct buf *, const char *, size_t);
static int	dsn_end_crlf(struct buf *);
static int	dsn_occurs(const struct buf *, const char *);
static int	dsn_boundary(struct dsn_parts *);
static int	dsn_header(struct buf *, const struct dsn_info *,
		    const struct dsn_rcpt *, size_t, int64_t,
		    const struct dsn_parts *);
static int	dsn_part(struct buf *, const char *, const char *,
		    const char *, const struct buf *);
static int	dsn_assemble(struct buf *, const struct dsn_info *,
		    const struct dsn_rcpt *, size_t, int64_t,
		    const struct dsn_parts *);
static int	dsn_xchar(unsigned char);
static int	dsn_hexval(char);

/* Arguments. */

static int
dsn_check(const struct dsn_info *info, const struct dsn_rcpt *r, size_t n)
{
	size_t	i;

	if (info == NULL || r == NULL || n == 0 ||
	    !dsn_host_ok(info->reporting_mta) || info->queue_id == NULL ||
	    info->original_sender == NULL || info->original_sender[0] == '\0' ||
	    (info->original == NULL && info->original_len > 0))
		return -1;
	for (i = 0; i < n; i++) {
		if (r[i].rcpt == NULL || r[i].rcpt[0] == '\0' ||
		    (unsigned)r[i].action >= nitems(dsn_actions) ||
		    !dsn_status_ok(r[i].status))
			return -1;
	}
	return 0;
}

/* Our own host name goes into addresses and the Message-ID unquoted. */
static int
dsn_host_ok(const char *s)
{
	size_t	n;

	if (s == NULL || (n = strlen(s)) == 0 || n > DSN_HOST_MAX)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") == n;
}

/* RFC 3463 §2: class "." subject "." detail, 1-3 digits each. */
static int
dsn_status_ok(const char *s)
{
	if (s == NULL || (s[0] != '2' && s[0] != '4' && s[0] != '5') ||
	    s[1] != '.')
		return 0;
	s += 2;
	if (!dsn_digits(&s, 3) || *s++ != '.' || !dsn_digits(&s, 3))
		return 0;
	return *s == '\0';
}

static int
dsn_digits(const char **sp, size_t max)
{
	size_t	n = 0;

	while (**sp >= '0' && **sp <= '9' && n <= max) {
		(*sp)++;
		n++;
	}
	return n >= 1 && n <= max;
}

static int
dsn_severity(const struct dsn_rcpt *r, size_t n)
{
	size_t	i;
	int	s = 0;

	for (i = 0; i < n; i++)
		if (dsn_actions[r[i].action].severity > s)
			s = dsn_actions[r[i].action].severity;
	return s;
}

static const char *
dsn_advice_for(const char *status)
{
	size_t	i, k;

	for (i = 0; i < nitems(dsn_advice); i++) {
		k = strlen(dsn_advice[i].status);
		if (dsn_advice[i].status[k - 1] == '.' ?
		    strncmp(status, dsn_advice[i].status, k) == 0 :
		    strcmp(status, dsn_advice[i].status) == 0)
			return dsn_advice[i].advice;
	}
	return NULL;
}

/* RFC 5322 §3.3 date-time in UTC, independent of the locale. */
static void
dsn_date(int64_t t, char *out, size_t outsz)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed",
	    "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (gmtime_r(&tt, &tm) == NULL) {
		tt = 0;
		gmtime_r(&tt, &tm);
	}
	if (util_snprintf(out, outsz, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec) == -1 &&
	    outsz > 0)
		out[0] = '\0';
}

/* Text formatting. */

/* Controls (CR and LF above all) and DEL become spaces; 8-bit stays. */
static void
dsn_clean(char *s)
{
	unsigned char	*p;

	for (p = (unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

static int
dsn_has_8bit(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

/*
 * Append the words of s (runs of spaces collapse to one) from column
 * col, breaking before a word that would pass width with CRLF and
 * indent.  No final CRLF.
 */
static int
dsn_fold(struct buf *b, size_t col, const char *indent, size_t width,
    const char *s)
{
	size_t	wlen;
	int	first = 1;

	for (;;) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			return 0;
		wlen = strcspn(s, " ");
		if (!first && col + 1 + wlen > width) {
			if (buf_appends(b, "\r\n") == -1 ||
			    buf_appends(b, indent) == -1)
				return -1;
			col = strlen(indent);
		} else if (!first) {
			if (buf_append(b, " ", 1) == -1)
				return -1;
			col++;
		}
		if (dsn_word(b, &col, indent, s, wlen) == -1)
			return -1;
		s += wlen;
		first = 0;
	}
}

/* One word; only a word longer than a whole line is cut, at DSN_HARD. */
static int
dsn_word(struct buf *b, size_t *col, const char *indent, const char *w,
    size_t n)
{
	size_t	take;

	while (n > 0) {
		if (*col >= DSN_HARD) {
			if (buf_appends(b, "\r\n") == -1 ||
			    buf_appends(b, indent) == -1)
				return -1;
			*col = strlen(indent);
		}
		take = DSN_HARD - *col < n ? DSN_HARD - *col : n;
		if (buf_append(b, w, take) == -1)
			return -1;
		*col += take;
		w += take;
		n -= take;
	}
	return 0;
}

/* lead, then the cleaned, folded text, then CRLF. */
static int
dsn_vput(struct buf *b, const char *lead, const char *indent, size_t width,
    const char *fmt, va_list ap)
{
	char	text[DSN_TEXT_MAX];

	if (vsnprintf(text, sizeof(text), fmt, ap) < 0)
		return -1;
	dsn_clean(text);
	if (buf_appends(b, lead) == -1 ||
	    dsn_fold(b, strlen(lead), indent, width, text) == -1)
		return -1;
	return buf_appends(b, "\r\n");
}

static int
dsn_field(struct buf *b, const char *name, const char *fmt, ...)
{
	char	lead[64];
	va_list	ap;
	int	rc;

	if (util_snprintf(lead, sizeof(lead), "%s: ", name) == -1)
		return -1;
	va_start(ap, fmt);
	rc = dsn_vput(b, lead, " ", DSN_SOFT, fmt, ap);
	va_end(ap);
	return rc;
}

static int
dsn_para(struct buf *b, const char *indent, const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = dsn_vput(b, indent, indent, DSN_WIDTH, fmt, ap);
	va_end(ap);
	return rc;
}

/*
 * An xtext value (RFC 3461 §4) as report text: decoded when it is valid
 * and decodes to printable ASCII, else as given (RFC 3461 §6.3 wants the
 * decoded form; a value we cannot show safely stays encoded).
 */
static void
dsn_xtext_text(const char *s, size_t n, char *out, size_t outsz)
{
	size_t	i;

	if (dsn_xtext_decode(s, n, out, outsz) == 0) {
		for (i = 0; out[i] != '\0'; i++)
			if ((unsigned char)out[i] < 0x20 ||
			    (unsigned char)out[i] > 0x7e)
				break;
		if (out[i] == '\0')
			return;
	}
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* Part 1: text/plain for people. */

static int
dsn_text(struct buf *b, const struct dsn_info *info,
    const struct dsn_rcpt *r, size_t n)
{
	size_t	i;

	if (dsn_para(b, "", "This is the mail system at host %s.",
	    info->reporting_mta) == -1 || buf_appends(b, "\r\n") == -1 ||
	    dsn_para(b, "", "%s", dsn_kinds[dsn_severity(r, n)].intro) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (buf_appends(b, "\r\n") == -1 ||
		    dsn_text_rcpt(b, &r[i]) == -1)
			return -1;
	return 0;
}

static int
dsn_text_rcpt(struct buf *b, const struct dsn_rcpt *r)
{
	const char	*advice = dsn_advice_for(r->status);
	const char	*diag = r->diagnostic;

	if (dsn_para(b, "", "<%s>:", r->rcpt) == -1 ||
	    dsn_text_what(b, r) == -1)
		return -1;
	if (diag != NULL && diag[0] != '\0' && (r->remote_mta != NULL &&
	    r->remote_mta[0] != '\0' ? dsn_para(b, DSN_INDENT,
	    "The server %s replied: %s", r->remote_mta, diag) :
	    dsn_para(b, DSN_INDENT, "Reason: %s", diag)) == -1)
		return -1;
	if (advice != NULL && dsn_para(b, DSN_INDENT, "What to do: %s",
	    advice) == -1)
		return -1;
	return 0;
}

static int
dsn_text_what(struct buf *b, const struct dsn_rcpt *r)
{
	char	until[64];

	if (r->action != DSN_DELAYED)
		return dsn_para(b, DSN_INDENT, "%s",
		    dsn_actions[r->action].what);
	if (r->will_retry_until == 0)
		return dsn_para(b, DSN_INDENT, "Your message has not been "
		    "delivered to this address yet. We are still trying.");
	dsn_date(r->will_retry_until, until, sizeof(until));
	return dsn_para(b, DSN_INDENT, "Your message has not been delivered "
	    "to this address yet. We are still trying, until %s.", until);
}

/* Part 2: message/delivery-status, RFC 3464 §2.2 and §2.3. */

static int
dsn_status(struct buf *b, const struct dsn_info *info,
    const struct dsn_rcpt *r, size_t n, int global)
{
	char	text[DSN_XTEXT_MAX], date[64];
	size_t	i;

	if (dsn_field(b, "Reporting-MTA", "dns; %s",
	    info->reporting_mta) == -1)
		return -1;
	if (info->envid != NULL && info->envid[0] != '\0') {
		dsn_xtext_text(info->envid, strlen(info->envid), text,
		    sizeof(text));
		if (dsn_field(b, "Original-Envelope-Id", "%s", text) == -1)
			return -1;
	}
	dsn_date(info->arrival, date, sizeof(date));
	if (dsn_field(b, "X-Postern-Queue-ID", "%s", info->queue_id) == -1 ||
	    dsn_field(b, "Arrival-Date", "%s", date) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (buf_appends(b, "\r\n") == -1 ||
		    dsn_status_rcpt(b, &r[i], global) == -1)
			return -1;
	return 0;
}

/*
 * A recipient's fields.  In a global report (RFC 6533 §3) an address
 * with non-ASCII characters is of type utf-8 and written as it is.
 */
static int
dsn_status_rcpt(struct buf *b, const struct dsn_rcpt *r, int global)
{
	char		 date[64];
	const char	*type = global && dsn_has_8bit(r->rcpt,
	    strlen(r->rcpt)) ? "utf-8" : "rfc822";

	if ((r->orcpt != NULL && dsn_orcpt(b, r->orcpt) == -1) ||
	    dsn_field(b, "Final-Recipient", "%s; %s", type, r->rcpt) == -1 ||
	    dsn_field(b, "Action", "%s", dsn_actions[r->action].name) == -1 ||
	    dsn_field(b, "Status", "%s", r->status) == -1)
		return -1;
	if (r->remote_mta != NULL && r->remote_mta[0] != '\0' &&
	    dsn_field(b, "Remote-MTA", "dns; %s", r->remote_mta) == -1)
		return -1;
	if (r->diagnostic != NULL && r->diagnostic[0] != '\0' &&
	    dsn_diagnostic(b, r->diagnostic) == -1)
		return -1;
	if (r->last_attempt != 0) {
		dsn_date(r->last_attempt, date, sizeof(date));
		if (dsn_field(b, "Last-Attempt-Date", "%s", date) == -1)
			return -1;
	}
	if (r->action != DSN_DELAYED || r->will_retry_until == 0)
		return 0;
	dsn_date(r->will_retry_until, date, sizeof(date));
	return dsn_field(b, "Will-Retry-Until", "%s", date);
}

/* "type;xtext" (RFC 3461 §4.2) as "Original-Recipient: type;address". */
static int
dsn_orcpt(struct buf *b, const char *orcpt)
{
	char		 addr[DSN_XTEXT_MAX];
	const char	*semi;
	size_t		 tlen;

	if ((semi = strchr(orcpt, ';')) == NULL)
		return 0;	/* no address type: nothing to report */
	tlen = (size_t)(semi - orcpt);
	if (tlen == 0 || tlen > 32)
		return 0;
	dsn_xtext_text(semi + 1, strlen(semi + 1), addr, sizeof(addr));
	return dsn_field(b, "Original-Recipient", "%.*s;%s", (int)tlen, orcpt,
	    addr);
}

/*
 * RFC 3464 §2.3.6: "smtp" when the text is an SMTP reply (three digits,
 * then a space, a hyphen or nothing), else our own diagnostic type.
 */
static int
dsn_diagnostic(struct buf *b, const char *d)
{
	int	smtp;

	smtp = d[0] >= '2' && d[0] <= '5' && d[1] >= '0' && d[1] <= '9' &&
	    d[2] >= '0' && d[2] <= '9' &&
	    (d[3] == ' ' || d[3] == '-' || d[3] == '\0');
	return dsn_field(b, "Diagnostic-Code", "%s; %s",
	    smtp ? "smtp" : "X-Postern", d);
}

/* Part 3: the original, or its header. */

/*
 * Length of the header block, with the CRLF ending its last field but
 * without the empty line; *body gets the length of what follows that
 * line.  No empty line: it is all header.
 */
static size_t
dsn_header_len(const char *p, size_t n, size_t *body)
{
	const char	*e;

	*body = 0;
	if (n >= 2 && p[0] == '\r' && p[1] == '\n') {
		*body = n - 2;
		return 0;
	}
	if ((e = memmem(p, n, "\r\n\r\n", 4)) == NULL)
		return n;
	*body = n - (size_t)(e - p) - 4;
	return (size_t)(e - p) + 2;
}

static int
dsn_original(struct dsn_parts *pt, const struct dsn_info *info)
{
	const char	*p = info->original != NULL ? info->original : "";
	size_t		 hlen, blen;

	hlen = dsn_header_len(p, info->original_len, &blen);
	pt->full = info->ret_full &&
	    (info->max_original == 0 || blen <= info->max_original);
	if (dsn_copy_crlf(&pt->orig, p, pt->full ? info->original_len :
	    hlen) == -1)
		return -1;
	return dsn_end_crlf(&pt->orig);
}

/* Copy, turning a bare CR or LF into CRLF. */
static int
dsn_copy_crlf(struct buf *b, const char *p, size_t n)
{
	size_t	run;

	while (n > 0) {
		for (run = 0; run < n && p[run] != '\r' && p[run] != '\n';
		    run++)
			;
		if (buf_append(b, p, run) == -1)
			return -1;
		p += run;
		n -= run;
		if (n == 0)
			break;
		run = n >= 2 && p[0] == '\r' && p[1] == '\n' ? 2 : 1;
		if (buf_appends(b, "\r\n") == -1)
			return -1;
		p += run;
		n -= run;
	}
	return 0;
}

/*
 * A part's body must end with CRLF: that CRLF is taken by the delimiter
 * that follows (RFC 2046 §5.1.1), so the body's last line stays whole.
 */
static int
dsn_end_crlf(struct buf *b)
{
	if (b->len >= 2 && b->data[b->len - 2] == '\r' &&
	    b->data[b->len - 1] == '\n')
		return 0;
	return buf_appends(b, "\r\n");
}

/* Boundary. */

static int
dsn_occurs(const struct buf *b, const char *s)
{
	return b->len > 0 && memmem(b->data, b->len, s, strlen(s)) != NULL;
}

/*
 * "=_" cannot occur in quoted-printable text (RFC 2045 §6.7), and the
 * random part makes a match in the original unlikely; a match is still
 * checked for, in every part, and a new boundary drawn.
 */
static int
dsn_boundary(struct dsn_parts *pt)
{
	unsigned char	r[DSN_RANDOM];
	char		hex[2 * DSN_RANDOM + 1];
	int		i;

	for (i = 0; i < DSN_TRIES; i++) {
		if (dsn_random(r, sizeof(r)) == -1)
			return -1;
		util_hex(r, sizeof(r), hex);
		if (util_snprintf(pt->boundary, sizeof(pt->boundary),
		    "=_postern_%s", hex) == -1)
			return -1;
		if (!dsn_occurs(&pt->text, pt->boundary) &&
		    !dsn_occurs(&pt->status, pt->boundary) &&
		    !dsn_occurs(&pt->orig, pt->boundary))
			return 0;
	}
	return -1;
}

/* Assembly. */

static int
dsn_header(struct buf *b, const struct dsn_info *info,
    const struct dsn_rcpt *r, size_t n, int64_t now,
    const struct dsn_parts *pt)
{
	unsigned char	rnd[DSN_RANDOM];
	char		hex[2 * DSN_RANDOM + 1], date[64];

	if (dsn_random(rnd, sizeof(rnd)) == -1)
		return -1;
	util_hex(rnd, sizeof(rnd), hex);
	dsn_date(now, date, sizeof(date));
	if (dsn_field(b, "Date", "%s", date) == -1 ||
	    dsn_field(b, "From", "\"Mail Delivery System\" "
	    "<MAILER-DAEMON@%s>", info->reporting_mta) == -1 ||
	    dsn_field(b, "To", "<%s>", info->original_sender) == -1 ||
	    dsn_field(b, "Subject", "%s",
	    dsn_kinds[dsn_severity(r, n)].subject) == -1 ||
	    dsn_field(b, "Message-ID", "<%s.%s@%s>", hex, "dsn",
	    info->reporting_mta) == -1 ||
	    dsn_field(b, "Auto-Submitted", "auto-replied") == -1 ||
	    dsn_field(b, "MIME-Version", "1.0") == -1 ||
	    dsn_field(b, "Content-Type", "multipart/report; "
	    "report-type=delivery-status; boundary=\"%s\"", pt->boundary) == -1)
		return -1;
	if ((dsn_has_8bit(pt->text.data, pt->text.len) ||
	    dsn_has_8bit(pt->status.data, pt->status.len) ||
	    dsn_has_8bit(pt->orig.data, pt->orig.len)) &&
	    dsn_field(b, "Content-Transfer-Encoding", "8bit") == -1)
		return -1;
	return buf_appends(b, "\r\nThis is a MIME-encapsulated message.\r\n"
	    "\r\n");
}

/* Delimiter, part header, body (ending in CRLF). */
static int
dsn_part(struct buf *b, const char *boundary, const char *type,
    const char *description, const struct buf *body)
{
	if (buf_appendf(b, "--%s\r\n", boundary) == -1 ||
	    dsn_field(b, "Content-Type", "%s", type) == -1 ||
	    dsn_field(b, "Content-Description", "%s", description) == -1)
		return -1;
	if (dsn_has_8bit(body->data, body->len) &&
	    dsn_field(b, "Content-Transfer-Encoding", "8bit") == -1)
		return -1;
	if (buf_appends(b, "\r\n") == -1)
		return -1;
	return buf_append(b, body->data, body->len);
}

static int
dsn_assemble(struct buf *out, const struct dsn_info *info,
    const struct dsn_rcpt *r, size_t n, int64_t now,
    const struct dsn_parts *pt)
{
	const char	*charset;

	charset = dsn_has_8bit(pt->text.data, pt->text.len) ?
	    "text/plain; charset=utf-8" : "text/plain; charset=us-ascii";
	if (dsn_header(out, info, r, n, now, pt) == -1 ||
	    dsn_part(out, pt->boundary, charset, "Notification",
	    &pt->text) == -1 ||
	    dsn_part(out, pt->boundary, pt->global ?
	    "message/global-delivery-status" : "message/delivery-status",
	    "Delivery report", &pt->status) == -1 ||
	    dsn_part(out, pt->boundary, pt->full ? (pt->global ?
	    "message/global" : "message/rfc822") : pt->global ?
	    "message/global-headers" : "text/rfc822-headers", pt->full ?
	    "Original message" : "Original message header", &pt->orig) == -1)
		return -1;
	return buf_appendf(out, "--%s--\r\n", pt->boundary);
}

int
dsn_build(const struct dsn_info *info, const struct dsn_rcpt *r, size_t n,
    int64_t now, struct buf *out)
{
	struct dsn_parts	pt;
	size_t			mark;
	int			rc = -1;

	if (out == NULL || dsn_check(info, r, n) == -1)
		return -1;
	mark = out->len;
	memset(&pt, 0, sizeof(pt));
	buf_init(&pt.text, out->max);
	buf_init(&pt.status, out->max);
	buf_init(&pt.orig, out->max);
	pt.global = dsn_global(info, r, n);
	if (dsn_text(&pt.text, info, r, n) == 0 &&
	    dsn_status(&pt.status, info, r, n, pt.global) == 0 &&
	    dsn_original(&pt, info) == 0 && dsn_boundary(&pt) == 0 &&
	    dsn_assemble(out, info, r, n, now, &pt) == 0)
		rc = 0;
	if (rc == -1 && out->data != NULL) {
		out->len = mark;
		out->data[mark] = '\0';
	}
	buf_free(&pt.text);
	buf_free(&pt.status);
	buf_free(&pt.orig);
	return rc;
}

/*
 * RFC 6533: a report about internationalized mail is a global one
 * (message/global-delivery-status, the original as message/global or
 * message/global-headers) when the sender, a recipient, a diagnostic or
 * the original's header holds non-ASCII characters.
 */
static int
dsn_global(const struct dsn_info *info, const struct dsn_rcpt *r, size_t n)
{
	const char	*hdr_end;
	size_t		 i, hlen;

	if (dsn_has_8bit(info->original_sender,
	    strlen(info->original_sender)))
		return 1;
	for (i = 0; i < n; i++)
		if (dsn_has_8bit(r[i].rcpt, strlen(r[i].rcpt)) ||
		    (r[i].diagnostic != NULL && dsn_has_8bit(r[i].diagnostic,
		    strlen(r[i].diagnostic))))
			return 1;
	if (info->original == NULL)
		return 0;
	hdr_end = memmem(info->original, info->original_len, "\r\n\r\n", 4);
	hlen = hdr_end ? (size_t)(hdr_end - info->original) :
	    info->original_len;
	return dsn_has_8bit(info->original, hlen);
}

/* xtext, RFC 3461 §4. */

/* xchar: "!" to "~" except "+" and "=". */
static int
dsn_xchar(unsigned char c)
{
	return c >= 33 && c <= 126 && c != '+' && c != '=';
}

/* Upper-case hex only: RFC 3461 §4 hexchar. */
static int
dsn_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
dsn_xtext_valid(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (dsn_xchar((unsigned char)s[i]))
			continue;
		if (s[i] != '+' || n - i < 3 || dsn_hexval(s[i + 1]) == -1 ||
		    dsn_hexval(s[i + 2]) == -1)
			return 0;
		i += 2;
	}
	return 1;
}

int
dsn_xtext_decode(const char *s, size_t n, char *out, size_t outsz)
{
	size_t	i, o = 0;
	int	c;

	if (outsz == 0)
		return -1;
	out[0] = '\0';
	if (!dsn_xtext_valid(s, n))
		return -1;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '+') {
			c = dsn_hexval(s[i + 1]) * 16 + dsn_hexval(s[i + 2]);
			i += 2;
		}
		if (c == 0 || o + 1 >= outsz) {
			out[0] = '\0';
			return -1;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

int
dsn_xtext_encode(const char *s, char *out, size_t outsz)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	size_t			 o = 0, need;

	if (outsz == 0)
		return -1;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		need = dsn_xchar(*p) ? 1 : 3;
		if (o + need >= outsz) {
			out[0] = '\0';
			return -1;
		}
		if (need == 1)
			out[o++] = (char)*p;
		else {
			out[o++] = '+';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 0x0f];
		}
	}
	out[o] = '\0';
	return 0;
}
