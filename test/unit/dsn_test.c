/*
 * dsn_test: xtext (RFC 3461 §4) round trips and refusals, and delivery
 * status notifications (RFC 3464) parsed back here: the boundary sits
 * exactly where the delimiters are, the delivery-status fields are
 * there, every line ends in CRLF and fits in 998 octets, peer text
 * cannot inject a line, and a boundary found in the original is not
 * used.  When /usr/bin/python3 exists its email package parses the
 * report too (skipped otherwise).
 */
#include <sys/wait.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/util.h"
#include "queue/dsn.h"

#define PYTHON	"/usr/bin/python3"
#define NOW	1795821890	/* Fri, 27 Nov 2026 23:24:50 +0000 */

struct part {
	const char	*hdr;		/* header block, CRLF-terminated */
	/* body: with the CRLF before the next delimiter, for has_line() */
	size_t		 hlen;
	const char	*body;
	size_t		 blen;
};

struct msg {
	char		 boundary[128];
	char		*head;		/* top-level header, unfolded */
	struct part	 part[3];
	char		*text;		/* part 1 body, lines joined */
	char		*status;	/* part 2 body, unfolded */
};

static void	check_lines(const char *, size_t);
static size_t	count(const char *, size_t, const char *);
static char	*unfold(const char *, size_t);
static char	*squeeze(char *);
static int	has_line(const char *, const char *);
static void	parse(const char *, size_t, struct msg *);
static void	split_parts(const char *, size_t, struct msg *);
static void	msg_free(struct msg *);
static void	fill_info(struct dsn_info *, const char *, int);
static void	python_check(const char *, size_t, const char *,
		    const char *, const char *);

static const char original[] =
    "From: Alice <alice@example.net>\r\n"
    "To: Bob <bob@example.org>\r\n"
    "Subject: lunch\r\n"
    "Message-ID: <1@example.net>\r\n"
    "\r\n"
    "Shall we meet at noon?\r\n"
    "BODYMARK\r\n";

/* Helpers: parse a DSN back. */

/* Every line ends in CRLF, no bare CR or LF, none past 998 octets. */
static void
check_lines(const char *m, size_t n)
{
	size_t	i, col = 0;

	assert_true(n >= 2 && m[n - 2] == '\r' && m[n - 1] == '\n');
	for (i = 0; i < n; i++) {
		if (m[i] == '\r') {
			assert_true(i + 1 < n && m[i + 1] == '\n');
			i++;
			col = 0;
			continue;
		}
		assert_true(m[i] != '\n');
		assert_true(++col <= 998);
	}
}

static size_t
count(const char *m, size_t n, const char *s)
{
	const char	*p = m, *e = m + n, *f;
	size_t		 k = 0, sl = strlen(s);

	while ((f = memmem(p, (size_t)(e - p), s, sl)) != NULL) {
		k++;
		p = f + 1;
	}
	return k;
}

/* RFC 5322 §2.2.3 unfolding: drop each CRLF that precedes WSP. */
static char *
unfold(const char *p, size_t n)
{
	char	*o;
	size_t	 i, j = 0;

	assert_non_null(o = malloc(n + 1));
	for (i = 0; i < n; i++) {
		if (p[i] == '\r' && i + 2 < n && p[i + 1] == '\n' &&
		    (p[i + 2] == ' ' || p[i + 2] == '\t')) {
			i++;
			continue;
		}
		o[j++] = p[i];
	}
	o[j] = '\0';
	return o;
}

/* Runs of spaces become one: wrapped paragraphs read as one line. */
static char *
squeeze(char *s)
{
	char	*r, *w;

	for (r = w = s; *r != '\0'; r++)
		if (*r != ' ' || w == s || w[-1] != ' ')
			*w++ = *r;
	*w = '\0';
	return s;
}

/* line (without CRLF) is a whole line of text. */
static int
has_line(const char *text, const char *line)
{
	const char	*p = text;
	size_t		 n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') &&
		    (p[n] == '\r' && p[n + 1] == '\n'))
			return 1;
		p++;
	}
	return 0;
}

/* Lines that are exactly "--B" or "--B--" split the parts. */
static void
split_parts(const char *m, size_t n, struct msg *g)
{
	char		 delim[140], close[140];
	const char	*p = m, *e = m + n, *eol, *start = NULL, *sep;
	int		 k = 0, closed = 0;

	snprintf(delim, sizeof(delim), "--%s", g->boundary);
	snprintf(close, sizeof(close), "--%s--", g->boundary);
	for (; p < e; p = eol + 2) {
		eol = memmem(p, (size_t)(e - p), "\r\n", 2);
		assert_non_null(eol);
		if ((size_t)(eol - p) == strlen(close) &&
		    memcmp(p, close, strlen(close)) == 0) {
			assert_true(k == 3 && start != NULL);
			g->part[2].hdr = start;
			g->part[2].hlen = (size_t)(p - start);
			closed = 1;
			assert_true(eol + 2 == e);	/* nothing after */
			break;
		}
		if ((size_t)(eol - p) != strlen(delim) ||
		    memcmp(p, delim, strlen(delim)) != 0)
			continue;
		if (k > 0) {
			g->part[k - 1].hdr = start;
			g->part[k - 1].hlen = (size_t)(p - start);
		}
		assert_true(k < 3);
		start = eol + 2;
		k++;
	}
	assert_true(closed);
	for (k = 0; k < 3; k++) {
		sep = memmem(g->part[k].hdr, g->part[k].hlen, "\r\n\r\n", 4);
		assert_non_null(sep);
		g->part[k].body = sep + 4;
		g->part[k].blen = g->part[k].hlen -
		    (size_t)(sep + 4 - g->part[k].hdr);
		g->part[k].hlen = (size_t)(sep + 2 - g->part[k].hdr);
	}
}

static void
parse(const char *m, size_t n, struct msg *g)
{
	const char	*hend, *b, *q;

	memset(g, 0, sizeof(*g));
	check_lines(m, n);
	assert_non_null(hend = memmem(m, n, "\r\n\r\n", 4));
	g->head = unfold(m, (size_t)(hend + 2 - m));
	assert_non_null(b = strstr(g->head, "boundary=\""));
	b += strlen("boundary=\"");
	assert_non_null(q = strchr(b, '"'));
	assert_true((size_t)(q - b) < sizeof(g->boundary));
	memcpy(g->boundary, b, (size_t)(q - b));
	/* once in Content-Type, three delimiters, one close delimiter */
	assert_int_equal(count(m, n, g->boundary), 5);
	split_parts(hend + 4, n - (size_t)(hend + 4 - m), g);
	g->text = squeeze(unfold(g->part[0].body, g->part[0].blen));
	g->status = unfold(g->part[1].body, g->part[1].blen);
}

static void
msg_free(struct msg *g)
{
	free(g->head);
	free(g->text);
	free(g->status);
}

static void
fill_info(struct dsn_info *info, const char *orig, int ret_full)
{
	memset(info, 0, sizeof(*info));
	info->reporting_mta = "mx.example.net";
	info->queue_id = "0123456789ABCDEF01";
	info->original_sender = "alice@example.net";
	info->arrival = NOW - 3600;
	info->ret_full = ret_full;
	info->original = orig;
	info->original_len = strlen(orig);
}

/* Table: one recipient per case. */

struct build_case {
	const char	*name;
	enum dsn_action	 action;
	const char	*status;
	const char	*remote;
	const char	*diag;
	const char	*envid;
	const char	*orcpt;
	int		 ret_full;
	size_t		 max_original;
	int64_t		 retry_until;
	const char	*subject;
	const char	*part3;		/* Content-Type of part 3 */
	const char	*text_has;	/* in part 1 */
	const char	*status_lines[6]; /* whole lines of part 2 */
	const char	*status_not;	/* a field that must be absent */
};

static const struct build_case build_cases[] = {
	{ "failed-hdrs-envid-orcpt", DSN_FAILED, "5.1.1", "mx.example.org",
	    "550 5.1.1 <bob@example.org>: no such user", "QQ+2BA1",
	    "rfc822;bob+2Balias@example.org", 0, 0, 0,
	    "Subject: Undelivered Mail Returned to Sender",
	    "text/rfc822-headers", "does not exist",
	    { "Original-Envelope-Id: QQ+A1",
	    "Original-Recipient: rfc822;bob+alias@example.org",
	    "Action: failed", "Status: 5.1.1",
	    "Remote-MTA: dns; mx.example.org",
	    "Diagnostic-Code: smtp; 550 5.1.1 <bob@example.org>: no such "
	    "user" }, "Will-Retry-Until:" },
	{ "delayed-full", DSN_DELAYED, "4.4.1", NULL,
	    "connection to mx.example.org timed out", NULL, NULL, 1, 0,
	    NOW + 86400,
	    "Subject: Delayed Mail (still being retried)",
	    "message/rfc822", "until Sat, 28 Nov 2026",
	    { "Action: delayed", "Status: 4.4.1",
	    "Diagnostic-Code: X-Postern; connection to mx.example.org timed "
	    "out", "Will-Retry-Until: Sat, 28 Nov 2026 23:24:50 +0000",
	    "Final-Recipient: rfc822; bob@example.org",
	    "X-Postern-Queue-ID: 0123456789ABCDEF01" }, "Remote-MTA:" },
	{ "delivered-full", DSN_DELIVERED, "2.0.0", "mx.example.org",
	    "250 2.0.0 Ok: queued as X", "", "", 1, 0, 0,
	    "Subject: Successful Mail Delivery Report", "message/rfc822",
	    "was delivered",
	    { "Action: delivered", "Status: 2.0.0",
	    "Reporting-MTA: dns; mx.example.net",
	    "Arrival-Date: Fri, 27 Nov 2026 22:24:50 +0000" },
	    "Original-Envelope-Id:" },
	{ "null-mx", DSN_FAILED, "5.1.10", NULL,
	    "domain example.org accepts no mail (null MX)", NULL, NULL, 0,
	    0, 0, "Subject: Undelivered Mail Returned to Sender",
	    "text/rfc822-headers", "accepts no mail at all",
	    { "Status: 5.1.10" }, "Original-Recipient:" },
	{ "policy", DSN_FAILED, "5.7.1", "mx.example.org",
	    "550 5.7.1 message rejected as spam", NULL, NULL, 0, 0, 0,
	    "Subject: Undelivered Mail Returned to Sender",
	    "text/rfc822-headers", "refused the message by policy",
	    { "Status: 5.7.1" }, NULL },
	{ "full-but-too-big", DSN_FAILED, "5.2.2", "mx.example.org",
	    "552 5.2.2 mailbox full", NULL, NULL, 1, 10, 0,
	    "Subject: Undelivered Mail Returned to Sender",
	    "text/rfc822-headers", "mailbox is full",
	    { "Status: 5.2.2" }, NULL },
	{ "bad-orcpt-kept-encoded", DSN_FAILED, "5.1.1", NULL, NULL, NULL,
	    "rfc822;bob+0Ax@example.org", 0, 0, 0,
	    "Subject: Undelivered Mail Returned to Sender",
	    "text/rfc822-headers", "<bob@example.org>:",
	    { "Original-Recipient: rfc822;bob+0Ax@example.org" },
	    "Diagnostic-Code:" },
};

static void
test_build_table(void **state)
{
	const struct build_case	*c;
	struct dsn_info		 info;
	struct dsn_rcpt		 r;
	struct buf		 b;
	struct msg		 g;
	char			 want[128];
	size_t			 i, j;

	for (i = 0; i < sizeof(build_cases) / sizeof(build_cases[0]); i++) {
		c = &build_cases[i];
		print_message("case %s\n", c->name);
		fill_info(&info, original, c->ret_full);
		info.envid = c->envid;
		info.max_original = c->max_original;
		memset(&r, 0, sizeof(r));
		r.rcpt = "bob@example.org";
		r.orcpt = c->orcpt;
		r.action = c->action;
		r.status = c->status;
		r.remote_mta = c->remote;
		r.diagnostic = c->diag;
		r.last_attempt = NOW - 60;
		r.will_retry_until = c->retry_until;
		buf_init(&b, 1 << 20);
		assert_int_equal(dsn_build(&info, &r, 1, NOW, &b), 0);
		parse(b.data, b.len, &g);
		assert_true(has_line(g.head, c->subject));
		assert_true(has_line(g.head, "Auto-Submitted: auto-replied"));
		assert_true(has_line(g.head, "To: <alice@example.net>"));
		assert_true(has_line(g.head, "From: \"Mail Delivery System\" "
		    "<MAILER-DAEMON@mx.example.net>"));
		assert_true(has_line(g.head,
		    "Date: Fri, 27 Nov 2026 23:24:50 +0000"));
		assert_non_null(strstr(g.head, "Content-Type: multipart/report;"
		    " report-type=delivery-status; boundary="));
		assert_non_null(strstr(g.text, c->text_has));
		assert_non_null(memmem(g.part[1].hdr, g.part[1].hlen,
		    "Content-Type: message/delivery-status\r\n", 39));
		snprintf(want, sizeof(want), "Content-Type: %s\r\n", c->part3);
		assert_non_null(memmem(g.part[2].hdr, g.part[2].hlen, want,
		    strlen(want)));
		for (j = 0; j < 6 && c->status_lines[j] != NULL; j++)
			if (!has_line(g.status, c->status_lines[j]))
				fail_msg("%s: no line \"%s\" in\n%s", c->name,
				    c->status_lines[j], g.status);
		assert_true(has_line(g.status, "Last-Attempt-Date: "
		    "Fri, 27 Nov 2026 23:23:50 +0000"));
		if (c->status_not != NULL)
			assert_null(strstr(g.status, c->status_not));
		/* the original's header always, its body only when full */
		assert_non_null(memmem(g.part[2].body, g.part[2].blen,
		    "Subject: lunch\r\n", 16));
		assert_int_equal(memmem(g.part[2].body, g.part[2].blen,
		    "BODYMARK", 8) != NULL,
		    strcmp(c->part3, "message/rfc822") == 0);
		/* all ASCII: nothing declared 8bit */
		assert_null(strstr(b.data, "8bit"));
		msg_free(&g);
		buf_free(&b);
	}
}

/* Three recipients, three outcomes: one report, the worst subject. */
static void
test_mixed(void **state)
{
	struct dsn_info	info;
	struct dsn_rcpt	r[3];
	struct buf	b;
	struct msg	g;

	fill_info(&info, original, 0);
	memset(r, 0, sizeof(r));
	r[0].rcpt = "a@example.org";
	r[0].action = DSN_DELIVERED;
	r[0].status = "2.0.0";
	r[1].rcpt = "b@example.org";
	r[1].action = DSN_DELAYED;
	r[1].status = "4.2.0";
	r[2].rcpt = "c@example.org";
	r[2].action = DSN_FAILED;
	r[2].status = "5.1.1";
	buf_init(&b, 1 << 20);
	assert_int_equal(dsn_build(&info, r, 3, NOW, &b), 0);
	parse(b.data, b.len, &g);
	assert_true(has_line(g.head,
	    "Subject: Undelivered Mail Returned to Sender"));
	/* per-message block, then one block per recipient */
	assert_int_equal(count(g.status, strlen(g.status), "\r\n\r\n"), 3);
	assert_true(has_line(g.status,
	    "Final-Recipient: rfc822; a@example.org"));
	assert_true(has_line(g.status,
	    "Final-Recipient: rfc822; c@example.org"));
	assert_non_null(strstr(g.text, "<b@example.org>:"));
	assert_non_null(strstr(g.text, "still trying"));
	msg_free(&g);
	buf_free(&b);
}

/* CR, LF and controls in peer text never start a line of their own. */
static void
test_injection(void **state)
{
	struct dsn_info	info;
	struct dsn_rcpt	r;
	struct buf	b;
	struct msg	g;

	fill_info(&info, original, 0);
	info.queue_id = "Q\r\nX-Queue: 1";
	memset(&r, 0, sizeof(r));
	r.rcpt = "bob@example.org\r\nX-Rcpt: 1";
	r.action = DSN_FAILED;
	r.status = "5.0.0";
	r.remote_mta = "evil.example\r\nX-Evil: 1";
	r.diagnostic =
	    "550 bad\r\nX-Injected: yes\r\n\r\n--x\n\rBcc: all\t\x7f";
	buf_init(&b, 1 << 20);
	assert_int_equal(dsn_build(&info, &r, 1, NOW, &b), 0);
	parse(b.data, b.len, &g);
	assert_null(strstr(b.data, "\nX-Injected"));
	assert_null(strstr(b.data, "\nX-Evil"));
	assert_null(strstr(b.data, "\nX-Rcpt"));
	assert_null(strstr(b.data, "\nX-Queue"));
	assert_null(strstr(b.data, "\nBcc"));
	assert_null(strstr(b.data, "\x7f"));
	assert_true(has_line(g.status, "Diagnostic-Code: smtp; 550 bad "
	    "X-Injected: yes --x Bcc: all"));
	assert_true(has_line(g.status, "Remote-MTA: dns; evil.example "
	    "X-Evil: 1"));
	msg_free(&g);
	buf_free(&b);
}

/* Long replies fold at spaces within 78 octets, and within 998 always. */
static void
test_folding(void **state)
{
	struct dsn_info	 info;
	struct dsn_rcpt	 r;
	struct buf	 b, want;
	struct msg	 g;
	char		*longword, *p, *e;
	int		 i;

	buf_init(&want, 1 << 16);
	assert_int_equal(buf_appends(&want, "550"), 0);
	for (i = 0; i < 200; i++)
		assert_int_equal(buf_appendf(&want, " word%03d", i), 0);
	fill_info(&info, original, 0);
	memset(&r, 0, sizeof(r));
	r.rcpt = "bob@example.org";
	r.action = DSN_FAILED;
	r.status = "5.0.0";
	r.diagnostic = want.data;
	buf_init(&b, 1 << 20);
	assert_int_equal(dsn_build(&info, &r, 1, NOW, &b), 0);
	parse(b.data, b.len, &g);
	/* the unfolded field is the reply, word for word */
	assert_non_null(p = strstr(g.status, "Diagnostic-Code: smtp; "));
	p += strlen("Diagnostic-Code: smtp; ");
	assert_non_null(e = strstr(p, "\r\n"));
	assert_int_equal((size_t)(e - p), want.len);
	assert_memory_equal(p, want.data, want.len);
	/* and, folded, no line of part 2 or of the header passes 78 */
	for (p = (char *)g.part[1].body; p < g.part[1].body + g.part[1].blen;
	    p = e + 2) {
		e = memmem(p, (size_t)(g.part[1].body + g.part[1].blen - p),
		    "\r\n", 2);
		assert_non_null(e);
		assert_true(e - p <= 78);
	}
	msg_free(&g);
	buf_free(&b);

	/* one 3000-octet word: cut, lines still within 998 */
	assert_non_null(longword = malloc(3001));
	memset(longword, 'x', 3000);
	longword[3000] = '\0';
	r.diagnostic = longword;
	buf_init(&b, 1 << 20);
	assert_int_equal(dsn_build(&info, &r, 1, NOW, &b), 0);
	parse(b.data, b.len, &g);		/* checks the 998 */
	msg_free(&g);
	buf_free(&b);
	free(longword);
	buf_free(&want);
}

/* 8-bit originals are carried as is and declared. */
static void
test_8bit(void **state)
{
	static const char	 orig8[] = "Subject: caf\xc3\xa9\r\n\r\n"
	    "na\xc3\xafve\r\n";
	struct dsn_info		 info;
	struct dsn_rcpt		 r;
	struct buf		 b;
	struct msg		 g;

	fill_info(&info, orig8, 1);
	memset(&r, 0, sizeof(r));
	r.rcpt = "bob@example.org";
	r.action = DSN_FAILED;
	r.status = "5.1.1";
	buf_init(&b, 1 << 20);
	assert_int_equal(dsn_build(&info, &r, 1, NOW, &b), 0);
	parse(b.data, b.len, &g);
	assert_non_null(memmem(g.part[2].hdr, g.part[2].hlen,
	    "Content-Transfer-Encoding: 8bit\r\n", 33));
	assert_null(memmem(g.part[1].hdr, g.part[1].hlen, "8bit", 4));
	assert_true(has_line(g.head, "Content-Transfer-Encoding: 8bit"));
	assert_non_null(memmem(g.part[2].body, g.part[2].blen,
	    "na\xc3\xafve\r\n", 8));
	msg_free(&g);
	buf_free(&b);
}

/* RFC 6533: non-ASCII addresses make a global report; ASCII ones not. */
static void
test_global(void **state)
{
	static const char	 orig[] = "Subject: hi\r\n\r\nbody\r\n";
	struct dsn_info		 info;
	struct dsn_rcpt		 r;
	struct buf		 b;
	struct msg		 g;

	(void)state;
	fill_info(&info, orig, 0);
	memset(&r, 0, sizeof(r));
	r.rcpt = "bob@example.org";
	r.action = DSN_DELAYED;
	r.status = "4.4.1";
	r.will_retry_until = NOW + 86400;
	buf_init(&b, 1 << 20);
	assert_int_equal(dsn_build(&info, &r, 1, NOW, &b), 0);
	parse(b.data, b.len, &g);
	assert_non_null(memmem(g.part[1].hdr, g.part[1].hlen,
	    "message/delivery-status", 23));
	assert_non_null(memmem(g.part[2].hdr, g.part[2].hlen,
	    "text/rfc822-headers", 19));
	assert_non_null(strstr(g.status, "Final-Recipient: rfc822; "
	    "bob@example.org"));
	assert_non_null(strstr(g.status, "Action: delayed"));
	assert_non_null(strstr(g.status, "Will-Retry-Until: "));
	msg_free(&g);
	buf_reset(&b);
	info.original_sender = "\xc3\xa9lise@exemple.fr";
	r.rcpt = "jos\xc3\xa9@example.org";
	assert_int_equal(dsn_build(&info, &r, 1, NOW, &b), 0);
	parse(b.data, b.len, &g);
	assert_non_null(memmem(g.part[1].hdr, g.part[1].hlen,
	    "message/global-delivery-status", 30));
	assert_non_null(memmem(g.part[2].hdr, g.part[2].hlen,
	    "message/global-headers", 22));
	assert_non_null(strstr(g.status, "Final-Recipient: utf-8; "
	    "jos\xc3\xa9@example.org"));
	msg_free(&g);
	buf_free(&b);
}

/* Boundary collisions, forced through the random seam. */

static unsigned char	fixed_byte;
static int		fixed_calls;

static int
fixed_random(void *p, size_t n)
{
	memset(p, fixed_calls++ < 4 ? fixed_byte : fixed_byte + 1, n);
	return 0;
}

static int
stuck_random(void *p, size_t n)
{
	memset(p, 0x42, n);
	return 0;
}

static void
test_boundary_collision(void **state)
{
	struct dsn_info	 info;
	struct dsn_rcpt	 r;
	struct buf	 b, orig;
	struct msg	 g;
	char		 first[128];

	memset(&r, 0, sizeof(r));
	r.rcpt = "bob@example.org";
	r.action = DSN_FAILED;
	r.status = "5.1.1";
	/* the boundary a fixed random source gives */
	dsn_random = stuck_random;
	fill_info(&info, original, 1);
	buf_init(&b, 1 << 20);
	assert_int_equal(dsn_build(&info, &r, 1, NOW, &b), 0);
	parse(b.data, b.len, &g);
	snprintf(first, sizeof(first), "%s", g.boundary);
	msg_free(&g);
	buf_free(&b);

	/* an original that holds it, as a delimiter line */
	buf_init(&orig, 1 << 16);
	assert_int_equal(buf_appendf(&orig, "%s--%s\r\ntrap\r\n", original,
	    first), 0);
	fill_info(&info, orig.data, 1);
	buf_init(&b, 1 << 20);
	assert_int_equal(buf_appends(&b, "keep"), 0);
	assert_int_equal(dsn_build(&info, &r, 1, NOW, &b), -1);
	assert_string_equal(b.data, "keep");	/* rolled back */
	buf_free(&b);

	/* a source that repeats itself a few times, then moves on */
	fixed_byte = 0x42;
	fixed_calls = 0;
	dsn_random = fixed_random;
	buf_init(&b, 1 << 20);
	assert_int_equal(dsn_build(&info, &r, 1, NOW, &b), 0);
	parse(b.data, b.len, &g);		/* boundary occurs 5 times */
	assert_string_not_equal(g.boundary, first);
	assert_non_null(memmem(g.part[2].body, g.part[2].blen, first,
	    strlen(first)));
	msg_free(&g);
	buf_free(&b);
	buf_free(&orig);
	dsn_random = util_random;
}

static void
test_bad_args(void **state)
{
	struct dsn_info	info;
	struct dsn_rcpt	r;
	struct buf	b;
	static const char *bad_status[] = { NULL, "", "5.1", "6.0.0",
	    "5.1.1x", "5..1", "5.1234.1", "5.1.1.", " 5.1.1", "3.1.1" };
	size_t		i;

	fill_info(&info, original, 0);
	memset(&r, 0, sizeof(r));
	r.rcpt = "bob@example.org";
	r.action = DSN_FAILED;
	r.status = "5.1.1";
	buf_init(&b, 1 << 20);
	assert_int_equal(dsn_build(&info, &r, 0, NOW, &b), -1);
	assert_int_equal(dsn_build(NULL, &r, 1, NOW, &b), -1);
	assert_int_equal(dsn_build(&info, NULL, 1, NOW, &b), -1);
	assert_int_equal(dsn_build(&info, &r, 1, NOW, NULL), -1);
	for (i = 0; i < sizeof(bad_status) / sizeof(bad_status[0]); i++) {
		r.status = bad_status[i];
		assert_int_equal(dsn_build(&info, &r, 1, NOW, &b), -1);
	}
	r.status = "5.1.1";
	r.action = (enum dsn_action)99;
	assert_int_equal(dsn_build(&info, &r, 1, NOW, &b), -1);
	r.action = DSN_FAILED;
	r.rcpt = "";
	assert_int_equal(dsn_build(&info, &r, 1, NOW, &b), -1);
	r.rcpt = "bob@example.org";
	info.original_sender = "";
	assert_int_equal(dsn_build(&info, &r, 1, NOW, &b), -1);
	info.original_sender = "alice@example.net";
	info.reporting_mta = "mx example";
	assert_int_equal(dsn_build(&info, &r, 1, NOW, &b), -1);
	info.reporting_mta = "mx.example.net";
	assert_int_equal(b.len, 0);
	assert_int_equal(dsn_build(&info, &r, 1, NOW, &b), 0);
	buf_free(&b);
}

/* The output's bound is honoured, and the buffer left as it was. */
static void
test_bound(void **state)
{
	struct dsn_info	info;
	struct dsn_rcpt	r;
	struct buf	b;
	size_t		full, max;

	fill_info(&info, original, 1);
	memset(&r, 0, sizeof(r));
	r.rcpt = "bob@example.org";
	r.action = DSN_FAILED;
	r.status = "5.1.1";
	buf_init(&b, 1 << 20);
	assert_int_equal(dsn_build(&info, &r, 1, NOW, &b), 0);
	full = b.len;
	buf_free(&b);
	for (max = 100; max < full; max += 97) {
		buf_init(&b, max);
		assert_int_equal(buf_appends(&b, "keep"), 0);
		assert_int_equal(dsn_build(&info, &r, 1, NOW, &b), -1);
		assert_string_equal(b.data, "keep");
		buf_free(&b);
	}
	buf_init(&b, full);
	assert_int_equal(dsn_build(&info, &r, 1, NOW, &b), 0);
	buf_free(&b);
}

/* Python's email package, when there is one, reads the same report. */
static void
python_check(const char *m, size_t n, const char *action,
    const char *status, const char *part3)
{
	static const char script[] =
	    "import sys, email\n"
	    "m = email.message_from_binary_file(open(sys.argv[1], 'rb'))\n"
	    "assert m.get_content_type() == 'multipart/report'\n"
	    "assert m.get_param('report-type') == 'delivery-status'\n"
	    "p = m.get_payload()\n"
	    "assert len(p) == 3, len(p)\n"
	    "assert p[0].get_content_type() == 'text/plain'\n"
	    "assert p[1].get_content_type() == 'message/delivery-status'\n"
	    "ds = p[1].get_payload()\n"
	    "assert len(ds) == 2, len(ds)\n"
	    "assert ds[0]['Reporting-MTA'] == 'dns; mx.example.net'\n"
	    "assert ds[1]['Action'] == sys.argv[2], ds[1]['Action']\n"
	    "assert ds[1]['Status'] == sys.argv[3], ds[1]['Status']\n"
	    "assert p[2].get_content_type() == sys.argv[4]\n"
	    "assert not m.defects and not p[1].defects\n";
	char	path[] = "/tmp/dsn_test.XXXXXX";
	int	fd, st;
	pid_t	pid;

	if (access(PYTHON, X_OK) == -1) {
		print_message("%s missing: Python check skipped\n", PYTHON);
		return;
	}
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(util_write_all(fd, m, n), 0);
	close(fd);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		execl(PYTHON, PYTHON, "-c", script, path, action, status,
		    part3, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	unlink(path);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void
test_python(void **state)
{
	struct dsn_info	info;
	struct dsn_rcpt	r;
	struct buf	b;

	memset(&r, 0, sizeof(r));
	r.rcpt = "bob@example.org";
	r.orcpt = "rfc822;bob@example.org";
	r.action = DSN_FAILED;
	r.status = "5.1.1";
	r.remote_mta = "mx.example.org";
	r.diagnostic = "550 5.1.1 <bob@example.org>: no such user";
	fill_info(&info, original, 0);
	info.envid = "QQ+2BA1";
	buf_init(&b, 1 << 20);
	assert_int_equal(dsn_build(&info, &r, 1, NOW, &b), 0);
	python_check(b.data, b.len, "failed", "5.1.1", "text/rfc822-headers");
	buf_free(&b);

	r.action = DSN_DELAYED;
	r.status = "4.4.1";
	r.will_retry_until = NOW + 3600;
	fill_info(&info, original, 1);
	buf_init(&b, 1 << 20);
	assert_int_equal(dsn_build(&info, &r, 1, NOW, &b), 0);
	python_check(b.data, b.len, "delayed", "4.4.1", "message/rfc822");
	buf_free(&b);
}

/* xtext. */

struct xtext_case {
	const char	*in;
	int		 valid;
	const char	*decoded;	/* NULL: decode fails */
};

static const struct xtext_case xtext_cases[] = {
	{ "", 1, "" },
	{ "abc", 1, "abc" },
	{ "a+2Bb", 1, "a+b" },
	{ "+3D+20+2B", 1, "= +" },
	{ "!~", 1, "!~" },
	{ "+E9", 1, "\xe9" },
	{ "+00", 1, NULL },		/* decodes to NUL */
	{ "+4", 0, NULL },		/* truncated */
	{ "+", 0, NULL },
	{ "a+4a", 0, NULL },		/* lower-case hex */
	{ "+g0", 0, NULL },
	{ "a=b", 0, NULL },		/* raw '=' */
	{ "a b", 0, NULL },		/* space */
	{ "a\tb", 0, NULL },
	{ "a\x7f", 0, NULL },
	{ "caf\xc3\xa9", 0, NULL },	/* 8-bit */
};

static void
test_xtext_table(void **state)
{
	const struct xtext_case	*c;
	char			 out[64];
	size_t			 i;

	for (i = 0; i < sizeof(xtext_cases) / sizeof(xtext_cases[0]); i++) {
		c = &xtext_cases[i];
		print_message("xtext \"%s\"\n", c->in);
		assert_int_equal(dsn_xtext_valid(c->in, strlen(c->in)),
		    c->valid);
		if (c->decoded == NULL) {
			assert_int_equal(dsn_xtext_decode(c->in,
			    strlen(c->in), out, sizeof(out)), -1);
			assert_string_equal(out, "");
			continue;
		}
		assert_int_equal(dsn_xtext_decode(c->in, strlen(c->in), out,
		    sizeof(out)), 0);
		assert_string_equal(out, c->decoded);
	}
	/* a length, not a NUL, ends the input */
	assert_int_equal(dsn_xtext_valid("ab+4", 2), 1);
	assert_int_equal(dsn_xtext_valid("a+41", 3), 0);
}

static void
test_xtext_roundtrip(void **state)
{
	static const char *in[] = { "", "plain", "a+b=c d",
	    "rfc822;user@example.org", "\x01\x1f\x7f\x80\xff tab\t" };
	char	enc[256], dec[256], all[256], big[3 * 256];
	size_t	i;

	assert_int_equal(dsn_xtext_encode("a+b=c d", enc, sizeof(enc)), 0);
	assert_string_equal(enc, "a+2Bb+3Dc+20d");
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		assert_int_equal(dsn_xtext_encode(in[i], enc, sizeof(enc)), 0);
		assert_int_equal(dsn_xtext_valid(enc, strlen(enc)), 1);
		assert_int_equal(dsn_xtext_decode(enc, strlen(enc), dec,
		    sizeof(dec)), 0);
		assert_string_equal(dec, in[i]);
	}
	/* every byte but NUL */
	for (i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	assert_int_equal(dsn_xtext_encode(all, big, sizeof(big)), 0);
	assert_int_equal(dsn_xtext_decode(big, strlen(big), dec, sizeof(dec)),
	    0);
	assert_string_equal(dec, all);
}

static void
test_xtext_bounds(void **state)
{
	char	out[8];

	/* "a+2Bb" needs 6 bytes with the NUL */
	assert_int_equal(dsn_xtext_encode("a+b", out, 6), 0);
	assert_int_equal(dsn_xtext_encode("a+b", out, 5), -1);
	assert_string_equal(out, "");
	assert_int_equal(dsn_xtext_encode("a", out, 0), -1);
	assert_int_equal(dsn_xtext_decode("abcd", 4, out, 5), 0);
	assert_int_equal(dsn_xtext_decode("abcde", 5, out, 5), -1);
	assert_int_equal(dsn_xtext_decode("a", 1, out, 0), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xtext_table),
		cmocka_unit_test(test_xtext_roundtrip),
		cmocka_unit_test(test_xtext_bounds),
		cmocka_unit_test(test_build_table),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_injection),
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_8bit),
		cmocka_unit_test(test_global),
		cmocka_unit_test(test_boundary_collision),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_python),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
