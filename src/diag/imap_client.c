/*
 * imap_client: see imap_client.h.  Bytes come into c.rbuf (smtp_client's
 * buffer, so a STARTTLS handshake finds what is left there); a line is
 * cut at LF and kept without its CR LF; a literal announced at a line's
 * end ("{n}" or "{n+}") follows it inline, after a CR LF, so that one
 * tokenizer (check_imap_parse.c) reads both.
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "diag/imap_client.h"
#include "lib/log.h"
#include "lib/util.h"

static int	ic_fail(struct imap_client *, enum sc_status, const char *,
		    ...) __attribute__((format(printf, 3, 4)));
static int	ic_wait(struct imap_client *, short, uint64_t);
static int	ic_fill(struct imap_client *, uint64_t);
static void	ic_put(struct imap_client *, const char *, size_t);
static void	ic_consume(struct imap_client *, size_t);
static long long literal_at_end(const char *, size_t);
static int	ic_line(struct imap_client *, uint64_t, long long *);
static int	ic_literal(struct imap_client *, unsigned long, uint64_t);

static int
ic_fail(struct imap_client *ic, enum sc_status st, const char *fmt, ...)
{
	va_list	ap;

	ic->c.status = st;
	va_start(ap, fmt);
	vsnprintf(ic->c.err, sizeof(ic->c.err), fmt, ap);
	va_end(ap);
	return -1;
}

static int
ic_wait(struct imap_client *ic, short events, uint64_t deadline)
{
	struct pollfd	pfd;
	uint64_t	now;
	int		n;

	for (;;) {
		if ((now = util_monotonic_ms()) >= deadline)
			return ic_fail(ic, SC_TIMEOUT, "no answer within %u ms",
			    ic->c.timeout_ms);
		pfd.fd = ic->c.fd;
		pfd.events = events;
		if ((n = poll(&pfd, 1, (int)(deadline - now))) > 0)
			return 0;
		if (n == -1 && errno != EINTR)
			return ic_fail(ic, SC_IO, "poll: %s", strerror(errno));
	}
}

/* More bytes into c.rbuf (the caller leaves room); 0 or -1. */
static int
ic_fill(struct imap_client *ic, uint64_t deadline)
{
	struct smtp_client	*c = &ic->c;
	size_t			 room = sizeof(c->rbuf) - c->rlen;
	ssize_t			 n;
	int			 want;

	for (;;) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			if ((n = SSL_read(c->ssl, c->rbuf + c->rlen,
			    (int)room)) > 0)
				break;
			want = SSL_get_error(c->ssl, (int)n);
			if (want != SSL_ERROR_WANT_READ &&
			    want != SSL_ERROR_WANT_WRITE)
				return ic_fail(ic, want == SSL_ERROR_SSL ?
				    SC_TLS : SC_CLOSED, "%s", want ==
				    SSL_ERROR_SSL ? "TLS error while reading" :
				    "the server closed the connection");
			if (ic_wait(ic, want == SSL_ERROR_WANT_READ ? POLLIN :
			    POLLOUT, deadline) == -1)
				return -1;
			continue;
		}
		if ((n = read(c->fd, c->rbuf + c->rlen, room)) > 0)
			break;
		if (n == 0 || errno == ECONNRESET)
			return ic_fail(ic, SC_CLOSED, "the server closed the "
			    "connection");
		if (errno != EAGAIN && errno != EINTR)
			return ic_fail(ic, SC_IO, "read: %s", strerror(errno));
		if (errno == EAGAIN && ic_wait(ic, POLLIN, deadline) == -1)
			return -1;
	}
	c->rlen += (size_t)n;
	return 0;
}

/* Keep n bytes of the response, unless it is already cut. */
static void
ic_put(struct imap_client *ic, const char *p, size_t n)
{
	if (ic->truncated || n >= sizeof(ic->resp) - ic->len) {
		ic->truncated = 1;
		return;
	}
	memcpy(ic->resp + ic->len, p, n);
	ic->len += n;
	ic->resp[ic->len] = '\0';
}

static void
ic_consume(struct imap_client *ic, size_t n)
{
	ic->c.rlen -= n;
	memmove(ic->c.rbuf, ic->c.rbuf + n, ic->c.rlen);
}

/* The size a line's "{n}" or "{n+}" announces (RFC 9051 §4.3), or -1. */
static long long
literal_at_end(const char *s, size_t n)
{
	size_t		i;
	long long	v = 0;

	if (n < 3 || s[n - 1] != '}')
		return -1;
	i = s[n - 2] == '+' ? n - 2 : n - 1;
	while (i > 0 && isdigit((unsigned char)s[i - 1]) && n - i < 14)
		i--;
	if (i == 0 || s[i - 1] != '{' || !isdigit((unsigned char)s[i]))
		return -1;
	for (; isdigit((unsigned char)s[i]); i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/*
 * One line up to LF, kept without its CR LF; *lit is the literal it
 * announces, or -1.  Of a line longer than CHECK_IMAP_LINE_MAX the start
 * is kept and the rest read and dropped, which keeps the stream in step.
 */
static int
ic_line(struct imap_client *ic, uint64_t deadline, long long *lit)
{
	struct smtp_client	*c = &ic->c;
	char			*nl;
	size_t			 n, seen = 0, keep, room;

	for (;;) {
		nl = memchr(c->rbuf, '\n', c->rlen);
		n = nl != NULL ? (size_t)(nl - c->rbuf) : c->rlen;
		if (nl == NULL && n < CHECK_IMAP_LINE_MAX) {
			if (ic_fill(ic, deadline) == -1)
				return -1;
			continue;
		}
		keep = nl != NULL && n > 0 && c->rbuf[n - 1] == '\r' ? n - 1 :
		    n;
		*lit = nl != NULL ? literal_at_end(c->rbuf, keep) : -1;
		room = CHECK_IMAP_LINE_MAX - (seen < CHECK_IMAP_LINE_MAX ?
		    seen : CHECK_IMAP_LINE_MAX);
		ic_put(ic, c->rbuf, keep < room ? keep : room);
		if ((seen += keep) > CHECK_IMAP_LINE_MAX)
			ic->truncated = 1;
		ic_consume(ic, nl != NULL ? n + 1 : n);
		if (nl != NULL)
			return 0;
	}
}

/* n octets of a literal: kept inline if they fit, else dropped. */
static int
ic_literal(struct imap_client *ic, unsigned long n, uint64_t deadline)
{
	struct smtp_client	*c = &ic->c;
	size_t			 take;

	if (n > IMAP_LITERAL_MAX)
		return ic_fail(ic, SC_PROTOCOL, "a literal of %lu octets", n);
	if (n + 2 >= sizeof(ic->resp) - ic->len)
		ic->truncated = 1;
	ic_put(ic, "\r\n", 2);
	while (n > 0) {
		if (c->rlen == 0 && ic_fill(ic, deadline) == -1)
			return -1;
		take = c->rlen < n ? c->rlen : n;
		ic_put(ic, c->rbuf, take);
		ic_consume(ic, take);
		n -= take;
	}
	return 0;
}

/* One response with its literals, within the timeout. */
int
ic_read(struct imap_client *ic)
{
	uint64_t	deadline = util_monotonic_ms() + ic->c.timeout_ms;
	long long	lit;
	int		i;

	ic->len = 0;
	ic->resp[0] = '\0';
	ic->truncated = 0;
	for (i = 0;; i++) {
		if (ic_line(ic, deadline, &lit) == -1)
			return -1;
		if (lit < 0)
			return 0;
		if (i == IMAP_LITERALS_MAX)
			return ic_fail(ic, SC_PROTOCOL, "more than %d literals "
			    "in one response", IMAP_LITERALS_MAX);
		if (ic_literal(ic, (unsigned long)lit, deadline) == -1)
			return -1;
	}
}

/*
 * Read responses up to the completion of the command tagged ic.tag
 * (or, with cont, up to a "+" continuation); untagged ones go to
 * on_response().  0 at the completion (its condition in ic.cond), 1 at
 * a continuation, -1 if the connection failed or spoke something else.
 */
int
ic_complete(struct imap_client *ic, int cont)
{
	struct imap_line	 l;
	int			 i;

	for (i = 0; i < IMAP_RESPONSES_MAX; i++) {
		if (ic_read(ic) == -1)
			return -1;
		log_printable(ic->done, sizeof(ic->done), ic->resp, ic->len);
		if (check_imap_parse(ic->resp, ic->len, &l) == -1) {
			if (ic->truncated)
				continue;	/* a cut: skip it */
			return ic_fail(ic, SC_PROTOCOL, "not an IMAP response: "
			    "\"%.80s\"", ic->done);
		}
		if (l.kind == IRESP_CONTINUE && cont)
			return 1;
		if (l.kind == IRESP_TAGGED && strcmp(l.tag, ic->tag) == 0) {
			ic->cond = l.cond;
			util_strlcpy(ic->code, l.code, sizeof(ic->code));
			ic->on_response(ic->arg, &l);
			return 0;
		}
		if (l.kind == IRESP_UNTAGGED && !ic->truncated)
			ic->on_response(ic->arg, &l);
	}
	return ic_fail(ic, SC_PROTOCOL, "more than %d responses to one "
	    "command", IMAP_RESPONSES_MAX);
}

/* Send "TAG cmd" and read to its completion. */
int
ic_cmd(struct imap_client *ic, const char *cmd)
{
	char		 line[512];

	(void)snprintf(ic->tag, sizeof(ic->tag), "a%u", ++ic->seq);
	if (util_snprintf(line, sizeof(line), "%s %s\r\n", ic->tag, cmd) ==
	    -1)
		return ic_fail(ic, SC_PROTOCOL, "command too long");
	if (sc_write(&ic->c, line, strlen(line)) == -1)
		return -1;
	return ic_complete(ic, 0);
}
