/*
 * bounce_parse: see bounce_parse.h.
 *
 * A bounce is read as a MIME message (RFC 2045/2046; base64 and
 * quoted-printable parts are decoded; a multipart whose boundary
 * parameter is missing or never used takes its first "--word" line as
 * the boundary, as some MTAs get it wrong); bounce_scan.c finds the
 * recipients, their diagnostics and the SMTP command that failed, which
 * the classifier is given (bounce_classify_cmd: a "user unknown" after
 * DATA is a filter).  A recipient whose diagnostic says nothing the
 * classifier knows is classified on the prose of the bounce (many MTAs
 * put the reason there, not beside the address).
 *
 * Invariants: input is bounded (BOUNCE_PARSE_MAX), MIME nesting is
 * bounded (BP_DEPTH_MAX), every copy goes through struct buf or a
 * checked bounded copy.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/bounce_class.h"
#include "core/bounce_parse.h"
#include "core/bounce_parse_int.h"
#include "core/bounce_text.h"
#include "core/reply.h"
#include "lib/buf.h"
#include "lib/util.h"

static const struct {
	const char	*needle;
	const char	*format;
} bp_formats[] = {
	{ "This is the qmail-send program", "qmail" },
	{ "created automatically by mail delivery software", "Exim" },
	{ "Delivery has failed to these recipients", "Microsoft" },
	{ "Diagnostic information for administrators", "Microsoft" },
	{ "Your message wasn't delivered", "Gmail" },
	{ "unable to deliver your message to the following", "Yahoo" },
	{ "This is the mail system at host", "Postfix" },
};

static int	bp_boundary(const char *, size_t, const char *, char *,
		    size_t);
static void	bp_decode(const char *, size_t, const char *, struct buf *);
static void	bp_mime(struct bounce_report *, const char *, size_t, int);
static void	bp_multipart(struct bounce_report *, const char *, size_t,
		    const char *, int);
static void	bp_format(struct bounce_report *);
static void	bp_classify(struct bounce_report *, struct bounce_rcpt *);
static void	bp_classify_unix(struct bounce_rcpt *);
static int	bp_parse(const char *, size_t, struct bounce_report *, int);
static int	bp_says_why(const struct bounce_report *);
static void	bp_returned_bounce(struct bounce_report *);

/* ---- MIME ----------------------------------------------------------- */

/* The unfolded value of header name in the header block h. */
int
bp_header(const char *h, size_t n, const char *name, struct buf *out)
{
	size_t	i = 0, e, k = strlen(name);
	int	found = 0;

	buf_reset(out);
	while (i < n) {
		e = bounce_line_end(h, n, i);
		if (found && (h[i] == ' ' || h[i] == '\t')) {
			(void)buf_append(out, " ", 1);
			(void)buf_append(out, h + i, e - i);
		} else if (found)
			break;
		else if (e - i > k && strncasecmp(h + i, name, k) == 0 &&
		    h[i + k] == ':') {
			found = 1;
			(void)buf_append(out, h + i + k + 1, e - i - k - 1);
		}
		i = e + 1;
	}
	return found;
}

/*
 * The boundary of a multipart body: its "boundary" parameter, or, when
 * that is missing (a parameter on an unfolded line) or never used in the
 * body (some MTAs write one and use another), the first line of the body
 * that looks like a delimiter, "--" and a word.  1 if found.
 */
static int
bp_boundary(const char *body, size_t n, const char *ct, char *out,
    size_t outsz)
{
	size_t	i = 0, e, k;

	if (bounce_mime_param(ct, "boundary", out, outsz)) {
		k = strlen(out);
		for (i = 0; i + k + 2 <= n; i = e + 1) {
			e = bounce_line_end(body, n, i);
			if (body[i] == '-' && body[i + 1] == '-' &&
			    strncmp(body + i + 2, out, k) == 0)
				return 1;
		}
	}
	for (i = 0; i < n; i = e + 1) {
		e = bounce_line_end(body, n, i);
		for (k = i + 2; k < e && !isspace((unsigned char)body[k]); k++)
			;
		if (e - i > 3 && e - i - 2 < outsz && k == e &&
		    body[i] == '-' && body[i + 1] == '-') {
			memcpy(out, body + i + 2, e - i - 2);
			out[e - i - 2] = '\0';
			return 1;
		}
	}
	return 0;
}

/* Decode a body per its Content-Transfer-Encoding (lenient). */
static void
bp_decode(const char *s, size_t n, const char *cte, struct buf *out)
{
	static const char	b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned		acc = 0;
	int			bits = 0, hi, lo;
	const char		*c;
	char			 ch;
	size_t			 i;

	if (bounce_memcasestr(cte, strlen(cte), "base64") != NULL) {
		for (i = 0; i < n && s[i] != '='; i++) {
			if (s[i] == '\0' || (c = strchr(b64, s[i])) == NULL)
				continue;
			acc = (acc << 6) | (unsigned)(c - b64);
			if ((bits += 6) >= 8) {
				bits -= 8;
				ch = (char)((acc >> bits) & 0xff);
				(void)buf_append(out, &ch, 1);
			}
		}
		return;
	}
	if (bounce_memcasestr(cte, strlen(cte), "quoted-printable") == NULL) {
		(void)buf_append(out, s, n);
		return;
	}
	for (i = 0; i < n; i++) {
		if (s[i] != '=') {
			(void)buf_append(out, s + i, 1);
			continue;
		}
		if (i + 1 < n && s[i + 1] == '\n') {
			i++;
			continue;
		}
		if (i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			hi = isdigit((unsigned char)s[i + 1]) ? s[i + 1] - '0' :
			    tolower((unsigned char)s[i + 1]) - 'a' + 10;
			lo = isdigit((unsigned char)s[i + 2]) ? s[i + 2] - '0' :
			    tolower((unsigned char)s[i + 2]) - 'a' + 10;
			ch = (char)(hi * 16 + lo);
			(void)buf_append(out, &ch, 1);
			i += 2;
			continue;
		}
		(void)buf_append(out, s + i, 1);
	}
}

/* One MIME entity (headers, blank line, body) with LF line ends. */
static void
bp_mime(struct bounce_report *b, const char *s, size_t n, int depth)
{
	struct buf	 ct, cte, body;
	const char	*sep, *bd, *t;
	size_t		 hlen, tlen;
	char		 boundary[256];

	if (depth > BP_DEPTH_MAX)
		return;
	if (n > 0 && s[0] == '\n') {
		hlen = 0;
		bd = s + 1;
	} else if ((sep = bounce_memcasestr(s, n, "\n\n")) != NULL) {
		hlen = (size_t)(sep - s) + 1;
		bd = sep + 2;
	} else {
		hlen = n;
		bd = s + n;
	}
	buf_init(&ct, BP_HDR_MAX);
	buf_init(&cte, BP_HDR_MAX);
	buf_init(&body, BP_TEXT_MAX);
	if (!bp_header(s, hlen, "Content-Type", &ct))
		(void)buf_appends(&ct, "text/plain");
	(void)bp_header(s, hlen, "Content-Transfer-Encoding", &cte);
	for (t = buf_str(&ct); *t == ' ' || *t == '\t'; t++)
		;
	tlen = strlen(t);
	if (bounce_istarts(t, tlen, "multipart/")) {
		if (bp_boundary(bd, (size_t)(s + n - bd), t, boundary,
		    sizeof(boundary)))
			bp_multipart(b, bd, (size_t)(s + n - bd), boundary,
			    depth);
	} else if (bounce_istarts(t, tlen, "message/delivery-status") ||
	    bounce_istarts(t, tlen, "message/global-delivery-status")) {
		bp_decode(bd, (size_t)(s + n - bd), buf_str(&cte), &body);
		if (buf_append(&b->dsnbuf, body.data, body.len) == -1 ||
		    buf_append(&b->dsnbuf, "\n\n", 2) == -1)
			b->error = 1;
	} else if (bounce_istarts(t, tlen, "text/plain")) {
		bp_decode(bd, (size_t)(s + n - bd), buf_str(&cte), &body);
		if (buf_append(&b->human, body.data, body.len) == -1 ||
		    buf_append(&b->human, "\n\n", 2) == -1)
			b->error = 1;
	} else if (bounce_istarts(t, tlen, "message/rfc822") &&
	    b->returned.len == 0) {
		if (buf_append(&b->returned, bd, (size_t)(s + n - bd)) == -1)
			b->error = 1;
	}
	/* text/rfc822-headers, html...: not searched. */
	buf_free(&ct);
	buf_free(&cte);
	buf_free(&body);
}

/* The parts between "--boundary" lines (RFC 2046 §5.1.1). */
static void
bp_multipart(struct bounce_report *b, const char *s, size_t n,
    const char *boundary, int depth)
{
	size_t	i = 0, e, blen = strlen(boundary), start = 0;
	int	in = 0;

	while (i < n) {
		e = bounce_line_end(s, n, i);
		if (e - i >= blen + 2 && s[i] == '-' && s[i + 1] == '-' &&
		    memcmp(s + i + 2, boundary, blen) == 0) {
			/* The LF before a delimiter belongs to it. */
			if (in)
				bp_mime(b, s + start, i > start ?
				    i - start - 1 : 0, depth + 1);
			if (e - i >= blen + 4 && s[i + blen + 2] == '-' &&
			    s[i + blen + 3] == '-')
				return;
			in = 1;
			start = e + 1;
		}
		i = e + 1;
	}
	if (in && start < n)
		bp_mime(b, s + start, n - start, depth + 1);
}

/* The format the prose names; the DSN's, once it gave recipients. */
static void
bp_format(struct bounce_report *b)
{
	const char	*s = buf_str(&b->human);
	size_t		 f, nformats;

	nformats = sizeof(bp_formats) / sizeof(bp_formats[0]);
	b->format = "unrecognised text";
	for (f = 0; f < nformats; f++)
		if (bounce_memcasestr(s, b->human.len, bp_formats[f].needle)) {
			b->format = bp_formats[f].format;
			b->known = 1;
			break;
		}
	if (b->dsnbuf.len == 0)
		return;
	bp_dsn(b);
	if (b->n == 0)
		return;
	b->dsn = b->known = 1;
	(void)util_snprintf(b->fmtbuf, sizeof(b->fmtbuf),
	    "RFC 3464 delivery status notification%s%s%s",
	    f < nformats ? " (" : "", f < nformats ? b->format : "",
	    f < nformats ? ")" : "");
	b->format = b->fmtbuf;
}

/*
 * "Diagnostic-Code: X-Unix; ..." (RFC 3464 §2.3.6; Sendmail, Postfix):
 * a local delivery agent or a pipe failed, and its Status is the agent's
 * exit code mapped by the MTA (sysexits.h: EX_NOUSER is 5.1.1 even when
 * procmail could not create a file), not a server's judgement of the
 * address.  So the words decide alone ("Quota exceeded" is a full
 * mailbox), and what they do not name is the mailer's error (Sisimai's
 * Reason::MailerError).  An agent's "No such user" is that error too:
 * it may be a file or a lookup that failed, and a wrong user-unknown
 * would suppress a real address.
 */
static void
bp_classify_unix(struct bounce_rcpt *r)
{
	bounce_classify_cmd(550, "", r->diag, NULL, BOUNCE_CMD_ANY,
	    &r->class);
	if (r->class.reason == BOUNCE_UNDEFINED ||
	    r->class.reason == BOUNCE_USERUNKNOWN)
		bounce_class_set(&r->class, BOUNCE_MAILERERROR,
		    "X-Unix diagnostic");
}

/*
 * A recipient's reply: its diagnostic, with Status as fallback.  A
 * recipient of a bounce failed, or was delayed, whatever its digits say:
 * without a code it is classified on its text as a 5xx, on its
 * diagnostic, or, when that says nothing the classifier knows, on the
 * human-readable part of the bounce up to the returned message.
 */
static void
bp_classify(struct bounce_report *b, struct bounce_rcpt *r)
{
	struct reply	*rep = &r->reply;
	char		 inner[BOUNCE_DIAG_MAX];
	const char	*dt = r->diag;

	/* a relay's wrapper: the receiving server's own reply decides */
	if (bounce_unwrap_relay(r->diag, inner, sizeof(inner)))
		dt = inner;
	if (dt[0] == '\0' || bounce_reply_parse(rep, dt) == -1) {
		reply_init(rep);
		(void)util_strlcpy(rep->text, dt, sizeof(rep->text));
	}
	if (rep->enhanced[0] == '\0' && reply_valid_enhanced(r->status))
		(void)util_strlcpy(rep->enhanced, r->status,
		    sizeof(rep->enhanced));
	r->code = rep->code;
	if (r->code == 0 && rep->enhanced[0] == '\0')
		r->code = 550;
	r->failed = r->code >= 400 || rep->enhanced[0] == '4' ||
	    rep->enhanced[0] == '5';
	r->class_text = r->diag;
	if (strcasecmp(r->diag_type, "x-unix") == 0) {
		bp_classify_unix(r);
		return;
	}
	bounce_classify_cmd(r->code, rep->enhanced, dt, r->remote_mta,
	    r->cmd, &r->class);
	if (r->class.reason != BOUNCE_UNDEFINED || b->human.len == 0)
		return;
	r->class_text = b->prose;
	bounce_classify_cmd(r->code, rep->enhanced, r->class_text,
	    r->remote_mta, r->cmd, &r->class);
}

/*
 * Does the bounce say why, for some recipient?  A recipient that failed
 * with a reason, or, with none found, prose the classifier knows.
 */
static int
bp_says_why(const struct bounce_report *b)
{
	struct bounce_class	c;
	size_t			i;

	for (i = 0; i < b->n; i++)
		if (b->rcpts[i].failed &&
		    b->rcpts[i].class.reason != BOUNCE_UNDEFINED)
			return 1;
	if (b->n > 0 || b->prose[0] == '\0')
		return 0;
	bounce_classify_cmd(550, "", b->prose, NULL, b->cmd, &c);
	return c.reason != BOUNCE_UNDEFINED;
}

/*
 * A bounce whose own text says nothing, returning a message that is
 * itself a bounce: a gateway (InterScan, Mirapoint) that failed to pass
 * on the first server's bounce, or wraps it.  The returned bounce's
 * recipients and reasons stand for the outer one's; only one level is
 * read, and only when the outer one says nothing the classifier knows.
 */
static void
bp_returned_bounce(struct bounce_report *b)
{
	struct bounce_report	in;
	size_t			i;

	if (b->returned.len == 0 || bp_says_why(b))
		return;
	if (bp_parse(b->returned.data, b->returned.len, &in, 1) == 0 &&
	    bp_says_why(&in) && in.n > 0) {
		for (i = 0; i < in.n; i++) {
			b->rcpts[i] = in.rcpts[i];
			b->rcpts[i].class_text = b->rcpts[i].diag;
		}
		b->n = in.n;
		b->dsn = in.dsn;
		b->known = in.known;
		(void)util_snprintf(b->fmtbuf, sizeof(b->fmtbuf),
		    "%s, returned in a bounce", in.format);
		b->format = b->fmtbuf;
	}
	bounce_report_free(&in);
}

int
bounce_parse(const char *data, size_t len, struct bounce_report *b)
{
	return bp_parse(data, len, b, 0);
}

static int
bp_parse(const char *data, size_t len, struct bounce_report *b, int depth)
{
	struct buf	norm;
	size_t		i;

	memset(b, 0, sizeof(*b));
	buf_init(&b->human, BP_TEXT_MAX);
	buf_init(&b->dsnbuf, BP_TEXT_MAX);
	buf_init(&b->returned, BP_TEXT_MAX);
	b->format = "unrecognised text";
	if (len > BOUNCE_PARSE_MAX ||
	    (b->rcpts = calloc(BOUNCE_RCPT_MAX, sizeof(*b->rcpts))) == NULL)
		return -1;
	buf_init(&norm, BP_TEXT_MAX);
	/* CRLF to LF; NUL bytes to spaces so C strings stay whole. */
	for (i = 0; i < len && !b->error; i++) {
		if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
			continue;
		if (buf_append(&norm, data[i] ? &data[i] : " ", 1) == -1)
			b->error = 1;
	}
	if (!b->error)
		bp_mime(b, buf_str(&norm), norm.len, 0);
	buf_free(&norm);
	bp_format(b);
	bp_prose(b);
	if (b->n == 0)
		bp_heuristic(b);
	bp_fill(b);
	bp_command(b);
	for (i = 0; i < b->n; i++)
		bp_classify(b, &b->rcpts[i]);
	if (depth == 0 && !b->error)
		bp_returned_bounce(b);
	return b->error ? -1 : 0;
}

void
bounce_report_free(struct bounce_report *b)
{
	buf_free(&b->human);
	buf_free(&b->dsnbuf);
	buf_free(&b->returned);
	free(b->rcpts);
	b->rcpts = NULL;
	b->n = 0;
}
