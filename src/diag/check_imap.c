/*
 * check_imap: the IMAP leg of `postern check` (check.h).  Platforms read
 * each mailbox over IMAP to detect replies and run warm-up, so a mailbox
 * whose SMTP works but whose IMAP fails gets follow-ups sent to people
 * who already answered.  The leg does what a platform does (implicit TLS
 * or STARTTLS, LOGIN, SELECT INBOX, LIST, NAMESPACE, LOGOUT) and says
 * what a platform will miss: a TLS mode that does not fit the port, a
 * certificate for another name, LOGIN refused, CONDSTORE, LIST-STATUS,
 * SPECIAL-USE, MOVE, UIDPLUS or IDLE, a Junk folder, an empty prefix.
 *
 * The first half reads the wire (RFC 9051 §4.3, §7): a response is a
 * line plus the literals it announces ("{n}" CRLF, n octets), kept
 * inline as on the wire so one tokenizer reads both; the pure parsers
 * are exported for the unit test.  The second half is the steps.
 *
 * Invariants: every buffer is bounded: a line by CHECK_IMAP_LINE_MAX, a
 * response by CHECK_IMAP_RESP_MAX and IMAP_LITERALS_MAX literals; of
 * what is larger the start is kept and the rest read and dropped, which
 * keeps the stream in step, and a cut untagged response is ignored (a
 * cut completion still completes).  Each read has the --timeout
 * deadline; a command takes at most IMAP_RESPONSES_MAX responses.  The
 * password goes on the wire only inside LOGIN, is wiped from every
 * buffer that held it and never printed.  LOGIN is never sent where the
 * server lists LOGINDISABLED (RFC 9051 §6.2.3), nor in bulk mode after
 * SMTP refused the same credentials (the lock counts both).
 *
 * Failure: the step that meets a refusal, a timeout, a close or
 * something that is not IMAP fails and says what it means; later steps
 * are skipped and a live connection gets LOGOUT.  Missing capabilities,
 * no Junk folder and a namespace prefix are warnings.
 */
#include <sys/socket.h>

#include <netdb.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "core/cred_check.h"
#include "diag/check.h"
#include "lib/log.h"
#include "lib/util.h"

#define IMAP_LITERALS_MAX	64	/* literals in one response */
#define IMAP_RESPONSES_MAX	10000	/* responses to one command */
#define IMAP_LITERAL_MAX	(1UL << 30)	/* larger: not IMAP */
#define IMAP_FOLDERS_WARN	30	/* Warmbly gives up above this */
#define IMAP_CMD_MAX		4200	/* LOGIN, two quoted strings */

static const struct {
	const char	*name;
	int		 exit_status;
} isteps[ISTEP_COUNT] = {
	[ISTEP_CONNECT] = { "imap-connect", 13 },
	[ISTEP_TLS] = { "imap-tls", 14 },
	[ISTEP_GREETING] = { "imap-greeting", 15 },
	[ISTEP_CAPABILITY] = { "imap-capability", 15 },
	[ISTEP_STARTTLS] = { "imap-starttls", 14 },
	[ISTEP_CAPABILITY_TLS] = { "imap-capability-tls", 15 },
	[ISTEP_LOGIN] = { "imap-login", 16 },
	[ISTEP_EXTENSIONS] = { "imap-extensions", 17 },
	[ISTEP_SELECT] = { "imap-select", 17 },
	[ISTEP_FOLDERS] = { "imap-folders", 17 },
	[ISTEP_NAMESPACE] = { "imap-namespace", 17 },
	[ISTEP_LOGOUT] = { "imap-logout", 17 },
};

/* One connection: transport from smtp_client.h, IMAP framing here. */
struct ic {
	struct smtp_client	 c;		/* fd, TLS, rbuf, status */
	char			 resp[CHECK_IMAP_RESP_MAX];
	size_t			 len;
	int			 truncated;	/* part of resp dropped */
	unsigned		 seq;		/* tags a1, a2, ... */
	char			 tag[16];
	enum imap_cond		 cond;		/* the command's completion */
	char			 code[32];
	char			 done[512];	/* its line, printable */
};

/* One run of the leg. */
struct irun {
	const struct check_opts	*o;
	struct check_result	*r;
	struct check_imap_result *ir;
	struct ic		 ic;
	SSL_CTX			*ctx;
	uint64_t		 t0;
	const char		*user;
	const char		*pass;
	size_t			 passlen;
	unsigned		 caps;		/* the latest capability list */
	char			 caplist[400];	/* it, printable */
	int			 caps_seen;	/* since the last reset */
	int			 preauth;
	char			 bye[256];	/* the server's BYE text */
	char			 alert[256];	/* its last [ALERT] text */
	unsigned long		 exists;
	unsigned long		 uidvalidity;
	int			 read_only;
	int			 under_inbox;	/* all folders under INBOX */
	char			 sent[CHECK_IMAP_NAME_MAX];
};

/* A cursor over one response (pure parsing). */
struct itok {
	const char	*p;
	const char	*e;
};

static int	tok_sp(struct itok *);
static int	tok_atom(struct itok *, char *, size_t);
static int	tok_quoted(struct itok *, char *, size_t);
static int	tok_literal(struct itok *, char *, size_t);
static int	tok_astring(struct itok *, char *, size_t, int *);
static int	tok_is_atom_char(unsigned char);
static void	upper(char *);
static void	parse_code(struct itok *, struct imap_line *);
static enum imap_cond cond_of(const char *);
static int	list_flags(struct itok *, unsigned *);
static int	list_delimiter(struct itok *, char *);

static int	ic_fail(struct ic *, enum sc_status, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	ic_wait(struct ic *, short, uint64_t);
static int	ic_fill(struct ic *, uint64_t);
static void	ic_put(struct ic *, const char *, size_t);
static void	ic_consume(struct ic *, size_t);
static long long literal_at_end(const char *, size_t);
static int	ic_line(struct ic *, uint64_t, long long *);
static int	ic_literal(struct ic *, unsigned long, uint64_t);
static int	ic_read(struct ic *);
static int	ic_complete(struct irun *, int);
static int	ic_cmd(struct irun *, const char *);
static void	set_caps(struct irun *, const char *, size_t);
static void	on_response(struct irun *, const struct imap_line *);
static void	on_list(struct irun *, const struct imap_line *);

static void	istep_begin(struct irun *, enum check_imap_step);
static int	istep_end(struct irun *, enum check_imap_step,
		    enum step_state, const char *, ...)
		    __attribute__((format(printf, 4, 5)));
static void	inote(struct irun *, enum check_imap_step, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	io_failed(struct irun *, enum check_imap_step, const char *);
static int	refused(struct irun *, enum check_imap_step, const char *);
static int	do_connect(struct irun *);
static int	met_plaintext(const char *);
static int	do_tls(struct irun *);
static int	tls_verdict(struct irun *, enum check_imap_step);
static void	identify_software(const char *, char *, size_t);
static int	do_greeting(struct irun *);
static int	do_capability(struct irun *, enum check_imap_step);
static void	capability_notes(struct irun *, enum check_imap_step);
static int	is_loopback(const char *);
static int	do_starttls(struct irun *);
static int	smtp_refused_same(const struct irun *);
static int	login_allowed(struct irun *);
static int	login_arg(struct irun *, char *, size_t, size_t *,
		    const char *, size_t);
static int	login_send(struct irun *);
static void	login_notes(struct irun *);
static int	do_login(struct irun *);
static void	add_word(char *, size_t, const char *);
static int	do_extensions(struct irun *);
static int	do_select(struct irun *);
static int	do_folders(struct irun *);
static int	do_namespace(struct irun *);
static int	do_logout(struct irun *);
static int	run_steps(struct irun *);
static void	setup(struct irun *);

/* ---- names and defaults --------------------------------------------- */

const char *
check_imap_step_name(enum check_imap_step s)
{
	return (size_t)s < ISTEP_COUNT ? isteps[s].name : "?";
}

int
check_imap_step_exit(enum check_imap_step s)
{
	return (size_t)s < ISTEP_COUNT ? isteps[s].exit_status : 1;
}

unsigned
check_imap_port(enum check_mode mode, unsigned port)
{
	if (port != 0)
		return port;
	return mode == CHECK_STARTTLS || mode == CHECK_PLAIN ? 143 : 993;
}

/* Platforms dial implicit TLS (Smartlead calls 143 "plain"). */
enum check_mode
check_imap_mode_for_port(enum check_mode mode, unsigned port)
{
	if (mode != CHECK_AUTO)
		return mode;
	return port == 143 ? CHECK_STARTTLS : CHECK_TLS;
}

/* ---- parsing (pure) ------------------------------------------------- */

/*
 * ASTRING-CHAR of RFC 9051 §9: ATOM-CHAR and ']' ("[Gmail]/Spam").  A
 * response code's end is found first (parse_code), so ']' is safe here.
 */
static int
tok_is_atom_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("(){ %*\"\\", c) == NULL;
}

static void
upper(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)toupper((unsigned char)*s);
}

static int
tok_sp(struct itok *t)
{
	if (t->p >= t->e || *t->p != ' ')
		return -1;
	t->p++;
	return 0;
}

/* An atom (or a flag "\\Junk", or a tag): 0, -1 if none or too long. */
static int
tok_atom(struct itok *t, char *out, size_t outsz)
{
	size_t	n = 0;

	if (t->p < t->e && *t->p == '\\' && outsz > 1) {
		out[n++] = '\\';
		t->p++;
	}
	while (t->p < t->e && tok_is_atom_char((unsigned char)*t->p)) {
		if (n + 1 >= outsz)
			return -1;
		out[n++] = *t->p++;
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* A quoted string, '\\' quoting '"' and '\\' (RFC 9051 §4.3). */
static int
tok_quoted(struct itok *t, char *out, size_t outsz)
{
	size_t	n = 0;

	if (t->p >= t->e || *t->p != '"')
		return -1;
	for (t->p++; t->p < t->e && *t->p != '"'; t->p++) {
		if (*t->p == '\\' && ++t->p >= t->e)
			return -1;
		if (*t->p == '\r' || *t->p == '\n' || n + 1 >= outsz)
			return -1;
		out[n++] = *t->p;
	}
	if (t->p >= t->e)
		return -1;
	t->p++;
	out[n] = '\0';
	return 0;
}

/* "{n}" CRLF and n octets, inline as ic_read() keeps them. */
static int
tok_literal(struct itok *t, char *out, size_t outsz)
{
	unsigned long	n = 0;

	if (t->p >= t->e || *t->p != '{')
		return -1;
	for (t->p++; t->p < t->e && isdigit((unsigned char)*t->p); t->p++) {
		n = n * 10 + (unsigned long)(*t->p - '0');
		if (n > IMAP_LITERAL_MAX)
			return -1;
	}
	if (t->p < t->e && *t->p == '+')
		t->p++;
	if (t->e - t->p < 3 || memcmp(t->p, "}\r\n", 3) != 0)
		return -1;
	t->p += 3;
	if ((unsigned long)(t->e - t->p) < n || n >= outsz ||
	    memchr(t->p, '\0', n) != NULL)
		return -1;
	memcpy(out, t->p, n);
	out[n] = '\0';
	t->p += n;
	return 0;
}

/* astring or nstring: *nil is set for NIL.  0 or -1. */
static int
tok_astring(struct itok *t, char *out, size_t outsz, int *nil)
{
	*nil = 0;
	if (t->p < t->e && *t->p == '"')
		return tok_quoted(t, out, outsz);
	if (t->p < t->e && *t->p == '{')
		return tok_literal(t, out, outsz);
	if (tok_atom(t, out, outsz) == -1)
		return -1;
	*nil = strcasecmp(out, "NIL") == 0;
	return 0;
}

static enum imap_cond
cond_of(const char *w)
{
	static const struct {
		const char	*word;
		enum imap_cond	 cond;
	} conds[] = {
		{ "OK", ICOND_OK }, { "NO", ICOND_NO }, { "BAD", ICOND_BAD },
		{ "BYE", ICOND_BYE }, { "PREAUTH", ICOND_PREAUTH },
	};
	size_t	i;

	for (i = 0; i < sizeof(conds) / sizeof(conds[0]); i++)
		if (strcasecmp(w, conds[i].word) == 0)
			return conds[i].cond;
	return ICOND_NONE;
}

/* "[CODE args]" after a status word (RFC 9051 §7.1); rest follows. */
static void
parse_code(struct itok *t, struct imap_line *l)
{
	const char	*close;

	if (t->p < t->e && *t->p == '[' && (close = memchr(t->p, ']',
	    (size_t)(t->e - t->p))) != NULL) {
		struct itok	c = { t->p + 1, close };

		if (tok_atom(&c, l->code, sizeof(l->code)) == 0) {
			upper(l->code);
			if (tok_sp(&c) == 0) {
				l->code_args = c.p;
				l->code_argslen = (size_t)(close - c.p);
			}
		}
		t->p = close + 1;
		(void)tok_sp(t);
	}
	l->rest = t->p;
	l->restlen = (size_t)(t->e - t->p);
}

int
check_imap_parse(const char *s, size_t n, struct imap_line *l)
{
	struct itok	 t = { s, s + n };

	memset(l, 0, sizeof(*l));
	if (n >= 1 && s[0] == '+') {
		l->kind = IRESP_CONTINUE;
		t.p++;
		(void)tok_sp(&t);
		l->rest = t.p;
		l->restlen = (size_t)(t.e - t.p);
		return 0;
	}
	if (n >= 2 && s[0] == '*' && s[1] == ' ') {
		l->kind = IRESP_UNTAGGED;
		t.p += 2;
	} else if (tok_atom(&t, l->tag, sizeof(l->tag)) == 0 &&
	    strchr(l->tag, '+') == NULL && l->tag[0] != '\\' &&
	    tok_sp(&t) == 0)
		l->kind = IRESP_TAGGED;
	else
		return -1;
	if (l->kind == IRESP_UNTAGGED && t.p < t.e &&
	    isdigit((unsigned char)*t.p)) {
		for (; t.p < t.e && isdigit((unsigned char)*t.p); t.p++)
			if ((l->number = l->number * 10 +
			    (unsigned long)(*t.p - '0')) > 0xffffffffUL)
				return -1;	/* nz-number is 32 bits */
		if (tok_sp(&t) == -1)
			return -1;
	}
	if (tok_atom(&t, l->keyword, sizeof(l->keyword)) == -1)
		return -1;
	upper(l->keyword);
	l->cond = cond_of(l->keyword);
	if (l->kind == IRESP_TAGGED && l->cond == ICOND_NONE)
		return -1;
	if (t.p < t.e && tok_sp(&t) == -1)
		return -1;
	if (l->cond != ICOND_NONE)
		parse_code(&t, l);
	else {
		l->rest = t.p;
		l->restlen = (size_t)(t.e - t.p);
	}
	return 0;
}

unsigned
check_imap_caps(const char *s, size_t n)
{
	static const struct {
		const char	*name;
		unsigned	 flags;
	} known[] = {
		{ "IMAP4rev1", ICAP_IMAP4REV1 },
		/* RFC 9051 §1: IMAP4rev2 includes these extensions */
		{ "IMAP4rev2", ICAP_IMAP4REV1 | ICAP_NAMESPACE | ICAP_IDLE |
		    ICAP_UIDPLUS | ICAP_MOVE | ICAP_LIST_STATUS |
		    ICAP_SPECIAL_USE },
		{ "STARTTLS", ICAP_STARTTLS },
		{ "LOGINDISABLED", ICAP_LOGINDISABLED },
		{ "AUTH=PLAIN", ICAP_AUTH_PLAIN },
		{ "LITERAL+", ICAP_LITERALPLUS },
		{ "NAMESPACE", ICAP_NAMESPACE },
		{ "CONDSTORE", ICAP_CONDSTORE },
		{ "QRESYNC", ICAP_CONDSTORE },	/* RFC 7162 §3.2.3 */
		{ "LIST-STATUS", ICAP_LIST_STATUS },
		{ "SPECIAL-USE", ICAP_SPECIAL_USE },
		{ "MOVE", ICAP_MOVE },
		{ "UIDPLUS", ICAP_UIDPLUS },
		{ "IDLE", ICAP_IDLE },
	};
	const char	*p = s, *e = s + n, *w;
	size_t		 i, len;
	unsigned	 flags = 0;

	while (p < e) {
		for (w = p; p < e && *p != ' '; p++)
			;
		len = (size_t)(p - w);
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strlen(known[i].name) == len &&
			    strncasecmp(w, known[i].name, len) == 0)
				flags |= known[i].flags;
		if (p < e)
			p++;
	}
	return flags;
}

/* "(\\HasNoChildren \\Junk)": the flags the check cares for. */
static int
list_flags(struct itok *t, unsigned *flags)
{
	char	f[64];

	if (t->p >= t->e || *t->p++ != '(')
		return -1;
	while (t->p < t->e && *t->p != ')') {
		if (tok_atom(t, f, sizeof(f)) == -1)
			return -1;
		if (strcasecmp(f, "\\Junk") == 0)
			*flags |= IMAP_MB_JUNK;
		else if (strcasecmp(f, "\\Sent") == 0)
			*flags |= IMAP_MB_SENT;
		else if (strcasecmp(f, "\\Noselect") == 0 ||
		    strcasecmp(f, "\\NonExistent") == 0)
			*flags |= IMAP_MB_NOSELECT;
		if (t->p < t->e && *t->p == ' ')
			t->p++;
	}
	if (t->p >= t->e)
		return -1;
	t->p++;
	return 0;
}

/* The hierarchy delimiter: a quoted character or NIL. */
static int
list_delimiter(struct itok *t, char *delim)
{
	char	d[4];
	int	nil;

	if (tok_astring(t, d, sizeof(d), &nil) == -1 ||
	    (!nil && strlen(d) != 1))
		return -1;
	*delim = nil ? '\0' : d[0];
	return 0;
}

int
check_imap_list(const char *s, size_t n, struct imap_mailbox *mb)
{
	struct itok	t = { s, s + n };
	int		nil;

	memset(mb, 0, sizeof(*mb));
	if (list_flags(&t, &mb->flags) == -1 || tok_sp(&t) == -1 ||
	    list_delimiter(&t, &mb->delimiter) == -1 || tok_sp(&t) == -1 ||
	    tok_astring(&t, mb->name, sizeof(mb->name), &nil) == -1)
		return -1;
	/* LIST-EXTENDED data may follow: " (CHILDINFO ...)" */
	if (strcasecmp(mb->name, "INBOX") == 0)
		mb->flags |= IMAP_MB_INBOX;
	return 0;
}

int
check_imap_namespace(const char *s, size_t n, char *prefix, size_t prefixsz,
    char *delim)
{
	struct itok	t = { s, s + n };
	char		w[8];
	int		nil;

	if (t.p < t.e && *t.p != '(')
		return tok_atom(&t, w, sizeof(w)) == -1 ||
		    strcasecmp(w, "NIL") ? -1 : 1;
	if (t.e - t.p < 2 || t.p[0] != '(' || t.p[1] != '(')
		return -1;
	t.p += 2;
	if (tok_astring(&t, prefix, prefixsz, &nil) == -1 || nil ||
	    tok_sp(&t) == -1 || list_delimiter(&t, delim) == -1)
		return -1;
	return 0;
}

int
check_imap_quote(const char *s, size_t n, char *out, size_t outsz)
{
	size_t	i, k = 0, esc;

	if (memchr(s, '\0', n) != NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (s[i] == '\r' || s[i] == '\n' || (unsigned char)s[i] >= 0x80)
			return 1;
	if (outsz < 3)
		return -1;
	out[k++] = '"';
	for (i = 0; i < n; i++) {
		esc = s[i] == '"' || s[i] == '\\';
		if (k + esc + 3 > outsz)	/* the char, '"', NUL */
			return -1;
		if (esc)
			out[k++] = '\\';
		out[k++] = s[i];
	}
	out[k++] = '"';
	out[k] = '\0';
	return 0;
}

int
check_imap_is_spam_name(const char *name)
{
	return strcasestr(name, "junk") != NULL ||
	    strcasestr(name, "spam") != NULL;
}

/* ---- the wire ------------------------------------------------------- */

static int
ic_fail(struct ic *ic, enum sc_status st, const char *fmt, ...)
{
	va_list	ap;

	ic->c.status = st;
	va_start(ap, fmt);
	vsnprintf(ic->c.err, sizeof(ic->c.err), fmt, ap);
	va_end(ap);
	return -1;
}

static int
ic_wait(struct ic *ic, short events, uint64_t deadline)
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
ic_fill(struct ic *ic, uint64_t deadline)
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
ic_put(struct ic *ic, const char *p, size_t n)
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
ic_consume(struct ic *ic, size_t n)
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
ic_line(struct ic *ic, uint64_t deadline, long long *lit)
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
ic_literal(struct ic *ic, unsigned long n, uint64_t deadline)
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
static int
ic_read(struct ic *ic)
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
static int
ic_complete(struct irun *x, int cont)
{
	struct ic		*ic = &x->ic;
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
			on_response(x, &l);
			return 0;
		}
		if (l.kind == IRESP_UNTAGGED && !ic->truncated)
			on_response(x, &l);
	}
	return ic_fail(ic, SC_PROTOCOL, "more than %d responses to one "
	    "command", IMAP_RESPONSES_MAX);
}

/* Send "TAG cmd" and read to its completion. */
static int
ic_cmd(struct irun *x, const char *cmd)
{
	struct ic	*ic = &x->ic;
	char		 line[512];

	(void)snprintf(ic->tag, sizeof(ic->tag), "a%u", ++ic->seq);
	if (util_snprintf(line, sizeof(line), "%s %s\r\n", ic->tag, cmd) ==
	    -1)
		return ic_fail(ic, SC_PROTOCOL, "command too long");
	if (sc_write(&ic->c, line, strlen(line)) == -1)
		return -1;
	return ic_complete(x, 0);
}

/* ---- what the server tells in passing ------------------------------- */

static void
set_caps(struct irun *x, const char *p, size_t n)
{
	x->caps = check_imap_caps(p, n);
	x->caps_seen = 1;
	log_printable(x->caplist, sizeof(x->caplist), p, n);
}

/* Any response: capabilities, BYE, ALERT, SELECT data, keywords. */
static void
on_response(struct irun *x, const struct imap_line *l)
{
	if (strcmp(l->code, "CAPABILITY") == 0 && l->code_args != NULL)
		set_caps(x, l->code_args, l->code_argslen);
	else if (strcmp(l->code, "ALERT") == 0)
		log_printable(x->alert, sizeof(x->alert), l->rest, l->restlen);
	else if (strcmp(l->code, "UIDVALIDITY") == 0 && l->code_args)
		x->uidvalidity = strtoul(l->code_args, NULL, 10);
	else if (strcmp(l->code, "READ-ONLY") == 0)
		x->read_only = 1;
	if (l->kind == IRESP_UNTAGGED && l->cond == ICOND_BYE)
		log_printable(x->bye, sizeof(x->bye), l->rest, l->restlen);
	if (l->kind != IRESP_UNTAGGED || l->cond != ICOND_NONE)
		return;
	if (strcmp(l->keyword, "CAPABILITY") == 0)
		set_caps(x, l->rest, l->restlen);
	else if (strcmp(l->keyword, "EXISTS") == 0)
		x->exists = l->number;
	else if (strcmp(l->keyword, "LIST") == 0)
		on_list(x, l);
	else if (strcmp(l->keyword, "NAMESPACE") == 0 &&
	    check_imap_namespace(l->rest, l->restlen, x->ir->prefix,
	    sizeof(x->ir->prefix), x->ir->delimiter) == -1)
		x->ir->prefix[0] = '\0';
}

/* One folder: the Junk folder by \Junk, else by name; Sent. */
static void
on_list(struct irun *x, const struct imap_line *l)
{
	struct check_imap_result	*ir = x->ir;
	struct imap_mailbox		 mb;

	if (check_imap_list(l->rest, l->restlen, &mb) == -1)
		return;
	ir->folders++;
	if ((mb.flags & IMAP_MB_JUNK) && strcmp(ir->junk_by, "\\Junk")) {
		util_strlcpy(ir->junk, mb.name, sizeof(ir->junk));
		util_strlcpy(ir->junk_by, "\\Junk", sizeof(ir->junk_by));
	} else if (ir->junk[0] == '\0' && !(mb.flags & IMAP_MB_NOSELECT) &&
	    check_imap_is_spam_name(mb.name)) {
		util_strlcpy(ir->junk, mb.name, sizeof(ir->junk));
		util_strlcpy(ir->junk_by, "name", sizeof(ir->junk_by));
	}
	if ((mb.flags & IMAP_MB_SENT) && x->sent[0] == '\0')
		util_strlcpy(x->sent, mb.name, sizeof(x->sent));
	if (ir->delimiter[0] == '\0')
		ir->delimiter[0] = mb.delimiter;
	if (!(mb.flags & IMAP_MB_INBOX) && (mb.delimiter == '\0' ||
	    strncasecmp(mb.name, "INBOX", 5) != 0 ||
	    mb.name[5] != mb.delimiter))
		x->under_inbox = 0;
}

/* ---- steps ---------------------------------------------------------- */

static void
istep_begin(struct irun *x, enum check_imap_step s)
{
	x->t0 = util_monotonic_ms();
	x->ir->step[s].state = STEP_OK;
}

static int
istep_end(struct irun *x, enum check_imap_step s, enum step_state st,
    const char *fmt, ...)
{
	struct check_imap_step_result	*sr = &x->ir->step[s];
	va_list				 ap;

	sr->state = st;
	sr->ms = util_monotonic_ms() - x->t0;
	va_start(ap, fmt);
	vsnprintf(sr->detail, sizeof(sr->detail), fmt, ap);
	va_end(ap);
	if (st != STEP_FAILED)
		return 0;
	x->ir->failed = (int)s;
	x->ir->exit_status = isteps[s].exit_status;
	return -1;
}

static void
inote(struct irun *x, enum check_imap_step s, const char *fmt, ...)
{
	struct check_imap_step_result	*sr = &x->ir->step[s];
	size_t				 n = strlen(sr->note);
	va_list				 ap;

	if (n > 0 && n + 2 < sizeof(sr->note)) {
		memcpy(sr->note + n, " ", 2);
		n++;
	}
	va_start(ap, fmt);
	vsnprintf(sr->note + n, sizeof(sr->note) - n, fmt, ap);
	va_end(ap);
}

/* The connection failed in step s (timeout, close, not IMAP). */
static int
io_failed(struct irun *x, enum check_imap_step s, const char *what)
{
	struct check_imap_step_result	*sr = &x->ir->step[s];

	if (x->bye[0] != '\0')
		(void)snprintf(sr->response, sizeof(sr->response), "* BYE %s",
		    x->bye);
	return istep_end(x, s, STEP_FAILED, "%s: %s", what, x->ic.c.err);
}

/* The command's completion was NO or BAD: keep it for the explanation. */
static int
refused(struct irun *x, enum check_imap_step s, const char *what)
{
	util_strlcpy(x->ir->step[s].response, x->ic.done,
	    sizeof(x->ir->step[s].response));
	if (x->ic.cond == ICOND_BAD)
		inote(x, s, "BAD: the server did not accept the command; what "
		    "answered may not be a complete IMAP server.");
	return istep_end(x, s, STEP_FAILED, "%s: %s", what, x->ic.done);
}

static int
do_connect(struct irun *x)
{
	struct check_imap_result	*ir = x->ir;
	struct addrinfo			 hints, *res = NULL;
	const char			*name = x->o->connect_to;
	char				 port[8];
	int				 rc;

	istep_begin(x, ISTEP_CONNECT);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = name != NULL ? AI_NUMERICHOST : 0;
	snprintf(port, sizeof(port), "%u", ir->port);
	if ((rc = getaddrinfo(name ? name : ir->host, port, &hints, &res)))
		return istep_end(x, ISTEP_CONNECT, STEP_FAILED, "%s does not "
		    "resolve: %s", name ? name : ir->host, gai_strerror(rc));
	util_addr_str(res->ai_addr, ir->addr, sizeof(ir->addr));
	rc = sc_connect(&x->ic.c, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (rc == 0)
		return istep_end(x, ISTEP_CONNECT, STEP_OK, "[%s]:%u",
		    ir->addr, ir->port);
	if (x->ic.c.status == SC_REFUSED)
		inote(x, ISTEP_CONNECT, "Nothing listens on port %u: IMAP is "
		    "993 (implicit TLS) or 143 (STARTTLS).", ir->port);
	else if (x->ic.c.status == SC_TIMEOUT)
		inote(x, ISTEP_CONNECT, "The port never answered: packets are "
		    "dropped on the way, usually by a firewall.");
	return istep_end(x, ISTEP_CONNECT, STEP_FAILED, "[%s]:%u: %s",
	    ir->addr, ir->port, x->ic.c.err);
}

/* The handshake met a plaintext greeting (OpenSSL's words for it). */
static int
met_plaintext(const char *err)
{
	return strstr(err, "wrong version") != NULL ||
	    strstr(err, "packet length") != NULL ||
	    strstr(err, "record layer") != NULL;
}

static int
do_tls(struct irun *x)
{
	istep_begin(x, ISTEP_TLS);
	if (sc_tls(&x->ic.c, x->ctx, x->ir->host, &x->ir->tls) == 0)
		return tls_verdict(x, ISTEP_TLS);
	if (met_plaintext(x->ic.c.err))
		inote(x, ISTEP_TLS, "The server answered the TLS handshake in "
		    "plaintext (\"wrong version number\"): port %u is a "
		    "STARTTLS port like 143, not implicit TLS like 993. "
		    "Platforms dial implicit TLS and fail the same way: give "
		    "them port 993, or use --imap-mode starttls here.",
		    x->ir->port);
	else if (x->ic.c.status == SC_TIMEOUT)
		inote(x, ISTEP_TLS, "No answer to the TLS handshake; try "
		    "--imap-mode starttls.");
	return istep_end(x, ISTEP_TLS, STEP_FAILED, "%s", x->ic.c.err);
}

/* What the certificate means to a platform that verifies it. */
static int
tls_verdict(struct irun *x, enum check_imap_step s)
{
	struct check_imap_result	*ir = x->ir;
	struct sc_tls_info		*ti = &ir->tls;
	int64_t				 now = (int64_t)time(NULL);

	ir->tls_active = 1;
	if (!ti->name_matches)
		inote(x, s, "The certificate names %s, not %s: platforms check "
		    "the name they dial (sent as SNI) and refuse it. Use a "
		    "name it covers as the IMAP host.", ti->san[0] ? ti->san :
		    ti->subject, ir->host);
	if (!ti->verified)
		inote(x, s, "The certificate is not trusted (%s): self-signed "
		    "or from a private CA. Platforms that verify refuse it.",
		    ti->verify_error);
	if (ti->expires > 0 && ti->expires < now + 14 * 86400)
		inote(x, s, "The certificate expires %s%s.", ti->expires < now ?
		    "-- it EXPIRED on " : "soon: ", ti->not_after);
	return istep_end(x, s, !ti->name_matches || !ti->verified ||
	    (ti->expires > 0 && ti->expires < now + 14 * 86400) ? STEP_WARN :
	    STEP_OK, "%s %s; SNI %s; certificate %s (%s), issuer %s, expires "
	    "%s; name %s", ti->version, ti->cipher, ir->host, ti->subject,
	    ti->san[0] ? ti->san : "no SAN", ti->issuer, ti->not_after,
	    ti->name_matches ? "matches" : "DOES NOT match");
}

static void
identify_software(const char *text, char *out, size_t outsz)
{
	static const char *const known[][2] = {
		{ "Postern", "Postern (Dovecot)" }, { "Dovecot", "Dovecot" },
		{ "Gimap", "Gmail" }, { "Cyrus", "Cyrus IMAP" },
		{ "Microsoft Exchange", "Microsoft Exchange / Microsoft 365" },
		{ "Courier", "Courier-IMAP" }, { "Zimbra", "Zimbra" },
		{ "Stalwart", "Stalwart" }, { "Yandex", "Yandex" },
	};
	size_t	i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcasestr(text, known[i][0]) != NULL) {
			util_strlcpy(out, known[i][1], outsz);
			return;
		}
	util_strlcpy(out, "software not named", outsz);
}

static int
do_greeting(struct irun *x)
{
	struct check_imap_result	*ir = x->ir;
	struct imap_line		 l;

	istep_begin(x, ISTEP_GREETING);
	if (ic_read(&x->ic) == -1) {
		if (x->ic.c.status == SC_TIMEOUT && !ir->tls_active)
			inote(x, ISTEP_GREETING, "Connected, but no greeting: "
			    "an implicit-TLS port (like 993) waits silently "
			    "for the client's TLS handshake. Use --imap-mode "
			    "tls, and SSL/TLS for this port in the platform.");
		return io_failed(x, ISTEP_GREETING, "no greeting");
	}
	log_printable(x->ic.done, sizeof(x->ic.done), x->ic.resp,
	    x->ic.len);
	if (check_imap_parse(x->ic.resp, x->ic.len, &l) == -1 ||
	    l.kind != IRESP_UNTAGGED || l.cond == ICOND_NONE) {
		inote(x, ISTEP_GREETING, "What answered does not speak IMAP%s. "
		    "Check the IMAP host and port (993, or 143 for "
		    "STARTTLS).", strncmp(x->ic.resp, "220", 3) == 0 ?
		    ": it greets like an SMTP server" : "");
		return istep_end(x, ISTEP_GREETING, STEP_FAILED, "not an IMAP "
		    "greeting: \"%.200s\"", x->ic.done);
	}
	identify_software(x->ic.resp, ir->software, sizeof(ir->software));
	on_response(x, &l);
	if (l.cond != ICOND_OK && l.cond != ICOND_PREAUTH) {
		util_strlcpy(ir->step[ISTEP_GREETING].response, x->ic.done,
		    sizeof(ir->step[ISTEP_GREETING].response));
		return istep_end(x, ISTEP_GREETING, STEP_FAILED, "refused at "
		    "connect: %s", x->ic.done);
	}
	x->preauth = l.cond == ICOND_PREAUTH;
	return istep_end(x, ISTEP_GREETING, STEP_OK, "%.300s -- %s",
	    x->ic.done, ir->software);
}

/* CAPABILITY, asked again after TLS (RFC 9051 §6.2.1). */
static int
do_capability(struct irun *x, enum check_imap_step s)
{
	istep_begin(x, s);
	x->caps_seen = 0;
	if (ic_cmd(x, "CAPABILITY") == -1)
		return io_failed(x, s, "CAPABILITY");
	if (x->ic.cond != ICOND_OK || !x->caps_seen)
		return refused(x, s, "CAPABILITY refused");
	capability_notes(x, s);
	return istep_end(x, s, x->ir->step[s].state, "%s (%s TLS)",
	    x->caplist, x->ir->tls_active ? "over" : "before");
}

/* LOGIN before and after TLS, as platforms will meet it. */
static void
capability_notes(struct irun *x, enum check_imap_step s)
{
	struct check_imap_result	*ir = x->ir;

	if (!ir->tls_active && (x->caps & ICAP_LOGINDISABLED))
		inote(x, s, "LOGIN is refused until TLS (LOGINDISABLED, RFC "
		    "9051 section 6.2.3), as it should be: no password "
		    "crosses the network in plaintext.");
	else if (!ir->tls_active && is_loopback(ir->addr))
		inote(x, s, "LOGIN is allowed before TLS on loopback, which "
		    "Dovecot counts as secure; elsewhere it may be refused.");
	else if (!ir->tls_active) {
		ir->step[s].state = STEP_WARN;
		inote(x, s, "LOGIN is allowed before TLS: the password may "
		    "cross the network readable.");
	}
	if (ir->tls_active && (x->caps & ICAP_LOGINDISABLED)) {
		ir->step[s].state = STEP_WARN;
		inote(x, s, "LOGINDISABLED even over TLS: platforms that log "
		    "in with LOGIN (Warmbly, imapflow) cannot connect.");
	}
}

static int
is_loopback(const char *addr)
{
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0;
}

static int
do_starttls(struct irun *x)
{
	istep_begin(x, ISTEP_STARTTLS);
	if (!(x->caps & ICAP_STARTTLS)) {
		inote(x, ISTEP_STARTTLS, "No STARTTLS: the password would "
		    "travel in plaintext. Use port 993 (implicit TLS).");
		return istep_end(x, ISTEP_STARTTLS, STEP_FAILED, "STARTTLS not "
		    "offered");
	}
	if (ic_cmd(x, "STARTTLS") == -1)
		return io_failed(x, ISTEP_STARTTLS, "STARTTLS");
	if (x->ic.cond != ICOND_OK)
		return refused(x, ISTEP_STARTTLS, "STARTTLS refused");
	if (x->ic.c.rlen != 0) {
		/* RFC 9051 §11.1: nothing may come before the handshake */
		inote(x, ISTEP_STARTTLS, "Data came after the STARTTLS "
		    "answer, before the handshake: an injection.");
		return istep_end(x, ISTEP_STARTTLS, STEP_FAILED, "plaintext "
		    "after STARTTLS");
	}
	inote(x, ISTEP_STARTTLS, "STARTTLS works, but platforms expect "
	    "implicit TLS on 993: Smartlead lists 143 as \"plain\" and "
	    "Warmbly dials TLS only. Give platforms port 993 with SSL/TLS.");
	if (sc_tls(&x->ic.c, x->ctx, x->ir->host, &x->ir->tls) == -1)
		return istep_end(x, ISTEP_STARTTLS, STEP_FAILED, "%s",
		    x->ic.c.err);
	return tls_verdict(x, ISTEP_STARTTLS);
}

/* Bulk mode: SMTP AUTH already refused these very credentials. */
static int
smtp_refused_same(const struct irun *x)
{
	const struct check_step_result	*a = &x->r->step[STEP_AUTH];
	const struct check_opts		*o = x->o;

	return o->no_retry && a->state == STEP_FAILED && a->has_reply &&
	    (a->reply.code == 535 || a->reply.code == 454) &&
	    o->user != NULL && strcmp(x->user, o->user) == 0 &&
	    o->password != NULL && x->passlen == o->passlen &&
	    memcmp(x->pass, o->password, x->passlen) == 0;
}

/* 1 to send LOGIN; else the step ended without it (-1). */
static int
login_allowed(struct irun *x)
{
	if (x->user == NULL || x->pass == NULL)
		return istep_end(x, ISTEP_LOGIN, STEP_WARN, "skipped: no "
		    "username or password given") - 1;
	if (x->caps & ICAP_LOGINDISABLED) {
		inote(x, ISTEP_LOGIN, "The server refuses LOGIN here "
		    "(LOGINDISABLED), so the password was not sent. %s",
		    x->ir->tls_active ? "Platforms that use LOGIN cannot "
		    "connect." : "Use STARTTLS, or port 993 as platforms do.");
		return istep_end(x, ISTEP_LOGIN, STEP_FAILED, "LOGIN disabled "
		    "(LOGINDISABLED)");
	}
	if (smtp_refused_same(x)) {
		inote(x, ISTEP_LOGIN, "Not tried: SMTP AUTH refused the same "
		    "credentials, and the bulk check never risks a lockout "
		    "with a second failed login.");
		return istep_end(x, ISTEP_LOGIN, STEP_FAILED, "not tried after "
		    "SMTP AUTH failed");
	}
	return 1;
}

/*
 * Append one LOGIN argument to cmd: a quoted string, or a literal
 * (RFC 9051 §4.3), which sends what cmd holds and, unless LITERAL+ is
 * offered, waits for the server's "+".  1 to go on, 0 refused (the
 * completion is in ic), -1 failed, -2 it cannot be sent at all.
 */
static int
login_arg(struct irun *x, char *cmd, size_t cmdsz, size_t *n,
    const char *s, size_t len)
{
	int	q, rc = 1, plus = (x->caps & ICAP_LITERALPLUS) != 0;

	if ((q = check_imap_quote(s, len, cmd + *n, cmdsz - *n)) == -1)
		return -2;
	if (q == 0) {
		*n += strlen(cmd + *n);
		return 1;
	}
	if (util_snprintf(cmd + *n, cmdsz - *n, "{%zu%s}\r\n", len,
	    plus ? "+" : "") == -1 || sc_write(&x->ic.c, cmd, *n +
	    strlen(cmd + *n)) == -1)
		return -1;
	*n = 0;
	if (!plus && (rc = ic_complete(x, 1)) != 1)
		return rc;
	return sc_write(&x->ic.c, s, len) == 0 ? 1 : -1;
}

/* LOGIN user password; 0 once completed, -1 failed, -2 unsendable. */
static int
login_send(struct irun *x)
{
	struct ic	*ic = &x->ic;
	char		 cmd[IMAP_CMD_MAX];
	size_t		 n;
	int		 rc;

	(void)snprintf(ic->tag, sizeof(ic->tag), "a%u", ++ic->seq);
	n = (size_t)snprintf(cmd, sizeof(cmd), "%s LOGIN ", ic->tag);
	rc = login_arg(x, cmd, sizeof(cmd), &n, x->user, strlen(x->user));
	if (rc == 1 && n + 1 < sizeof(cmd))
		cmd[n++] = ' ';
	if (rc == 1)
		rc = login_arg(x, cmd, sizeof(cmd), &n, x->pass, x->passlen);
	if (rc == 1 && n + 2 > sizeof(cmd))
		rc = -2;
	else if (rc == 1) {
		memcpy(cmd + n, "\r\n", 2);
		rc = sc_write(&ic->c, cmd, n + 2) == 0 ? 1 : -1;
	}
	explicit_bzero(cmd, sizeof(cmd));
	return rc == 1 ? ic_complete(x, 0) : rc;
}

/* Why LOGIN was refused, from its response code (RFC 5530). */
static void
login_notes(struct irun *x)
{
	const char	*code = x->ic.code, *p;
	int		 locked = strcasestr(x->ic.done, "locked") != NULL;

	if (strcmp(code, "CONTACTADMIN") == 0 && locked)
		inote(x, ISTEP_LOGIN, "The login is locked after repeated "
		    "failures, over IMAP and SMTP alike on postern, until the "
		    "time given. Fix the password wherever it is stored (a "
		    "platform retries it), then wait or ask for postern "
		    "mailbox unlock ADDRESS.");
	else if (strcmp(code, "CONTACTADMIN") == 0 &&
	    (p = strcasestr(x->ic.done, "failed: ")) != NULL)
		inote(x, ISTEP_LOGIN, "The server says what looked wrong in "
		    "the credentials: %s.", p + 8);
	else if (strcmp(code, "AUTHENTICATIONFAILED") == 0)
		inote(x, ISTEP_LOGIN, "The username or password is wrong%s. On "
		    "postern a failed IMAP login counts toward the same lock "
		    "as a failed SMTP AUTH.", strchr(x->user, '@') ? "" :
		    " (the username is not a full email address)");
	else if (strcmp(code, "UNAVAILABLE") == 0)
		inote(x, ISTEP_LOGIN, "Temporary: the password may be fine.");
	else if (strcmp(code, "PRIVACYREQUIRED") == 0)
		inote(x, ISTEP_LOGIN, "A password only over TLS: use 993.");
	if ((cred_hints(x->user, strlen(x->user)) | cred_hints(x->pass,
	    x->passlen)) != 0 && strcmp(code, "UNAVAILABLE") != 0)
		inote(x, ISTEP_LOGIN, "The credentials contain hidden "
		    "characters (see the credentials step): the likely cause.");
	if (x->alert[0] != '\0')
		inote(x, ISTEP_LOGIN, "The server's alert: \"%s\".", x->alert);
}

static int
do_login(struct irun *x)
{
	int	rc;

	istep_begin(x, ISTEP_LOGIN);
	if (x->preauth)
		return istep_end(x, ISTEP_LOGIN, STEP_OK, "not needed: the "
		    "greeting was PREAUTH");
	if (login_allowed(x) != 1)
		return -1;
	x->caps_seen = 0;
	x->alert[0] = '\0';
	if ((rc = login_send(x)) == -2) {
		inote(x, ISTEP_LOGIN, "The username or password holds a NUL "
		    "(no IMAP command can carry one) or is far too long.");
		return istep_end(x, ISTEP_LOGIN, STEP_FAILED, "credentials "
		    "cannot be sent");
	}
	if (rc == -1)
		return io_failed(x, ISTEP_LOGIN, "LOGIN");
	if (x->ic.cond == ICOND_OK)
		return istep_end(x, ISTEP_LOGIN, STEP_OK, "OK as %s",
		    x->user);
	login_notes(x);
	return refused(x, ISTEP_LOGIN, "LOGIN refused");
}

static const struct {
	unsigned	 flag;
	const char	*name;
	const char	*missed;
} platform_caps[] = {
	{ ICAP_CONDSTORE, "CONDSTORE", "Warmbly refuses the mailbox (\"does "
	    "not support the required CONDSTORE extension\"), and no "
	    "platform can fetch only what changed (RFC 7162)." },
	{ ICAP_LIST_STATUS, "LIST-STATUS", "Warmbly lists folders with their "
	    "STATUS and sees no folders at all (RFC 5819)." },
	{ ICAP_SPECIAL_USE, "SPECIAL-USE", "platforms must guess Junk and "
	    "Sent by name (RFC 6154)." },
	{ ICAP_MOVE, "MOVE", "warm-up cannot MOVE mail out of Junk and falls "
	    "back to COPY and EXPUNGE, or gives up (RFC 6851)." },
	{ ICAP_UIDPLUS, "UIDPLUS", "a platform cannot learn the UID of what "
	    "it appends or moves (RFC 4315)." },
	{ ICAP_IDLE, "IDLE", "clients must poll for new mail (RFC 2177)." },
};

/* Append a word to a space-separated list (the lists here fit). */
static void
add_word(char *list, size_t sz, const char *w)
{
	size_t	n = strlen(list);

	(void)snprintf(list + n, sz - n, "%s%s", n > 0 ? " " : "", w);
}

/* After LOGIN the list is complete (Dovecot adds most of it there). */
static int
do_extensions(struct irun *x)
{
	struct check_imap_result	*ir = x->ir;
	char				 have[128] = "";
	size_t				 i;

	istep_begin(x, ISTEP_EXTENSIONS);
	if (!x->caps_seen && ic_cmd(x, "CAPABILITY") == -1)
		return io_failed(x, ISTEP_EXTENSIONS, "CAPABILITY");
	ir->caps = x->caps;
	for (i = 0; i < sizeof(platform_caps) / sizeof(platform_caps[0]);
	    i++) {
		if (x->caps & platform_caps[i].flag) {
			add_word(have, sizeof(have), platform_caps[i].name);
			continue;
		}
		add_word(ir->missing, sizeof(ir->missing),
		    platform_caps[i].name);
		inote(x, ISTEP_EXTENSIONS, "No %s: %s", platform_caps[i].name,
		    platform_caps[i].missed);
	}
	if (ir->missing[0] != '\0')
		return istep_end(x, ISTEP_EXTENSIONS, STEP_WARN, "missing: %s;"
		    " present: %s", ir->missing, have[0] ? have : "none");
	return istep_end(x, ISTEP_EXTENSIONS, STEP_OK, "all that platforms "
	    "use: %s", have);
}

static int
do_select(struct irun *x)
{
	istep_begin(x, ISTEP_SELECT);
	if (ic_cmd(x, x->caps & ICAP_CONDSTORE ? "SELECT INBOX (CONDSTORE)" :
	    "SELECT INBOX") == -1)
		return io_failed(x, ISTEP_SELECT, "SELECT INBOX");
	if (x->ic.cond != ICOND_OK) {
		inote(x, ISTEP_SELECT, "Without INBOX a platform cannot see "
		    "replies.");
		return refused(x, ISTEP_SELECT, "SELECT INBOX refused");
	}
	if (x->read_only)
		inote(x, ISTEP_SELECT, "INBOX opens read-only: platforms "
		    "cannot mark mail read, flag it or move it.");
	return istep_end(x, ISTEP_SELECT, x->read_only ? STEP_WARN : STEP_OK,
	    "INBOX: %lu message%s, UIDVALIDITY %lu, %s", x->exists,
	    x->exists == 1 ? "" : "s", x->uidvalidity, x->read_only ?
	    "read-only" : "read-write");
}

static int
do_folders(struct irun *x)
{
	struct check_imap_result	*ir = x->ir;
	enum step_state			 st = STEP_OK;

	istep_begin(x, ISTEP_FOLDERS);
	x->under_inbox = 1;
	if (ic_cmd(x, x->caps & ICAP_SPECIAL_USE ?
	    "LIST \"\" \"*\" RETURN (SPECIAL-USE)" : "LIST \"\" \"*\"") == -1)
		return io_failed(x, ISTEP_FOLDERS, "LIST");
	if (x->ic.cond != ICOND_OK)
		return refused(x, ISTEP_FOLDERS, "LIST refused");
	if (ir->junk[0] == '\0') {
		st = STEP_WARN;
		inote(x, ISTEP_FOLDERS, "No Junk or Spam folder: warm-up "
		    "cannot rescue mail from spam, and Instantly marks such a "
		    "mailbox \"Spam Folder Unknown\". Create a folder Junk "
		    "with the \\Junk attribute (Dovecot: mailbox Junk { "
		    "special_use = \\Junk; auto = subscribe }).");
	} else if (strcmp(ir->junk_by, "name") == 0)
		inote(x, ISTEP_FOLDERS, "Junk found by its name only: give it "
		    "the \\Junk attribute so every platform finds it.");
	if (ir->folders > IMAP_FOLDERS_WARN) {
		st = STEP_WARN;
		inote(x, ISTEP_FOLDERS, "%d folders: Warmbly deactivates a "
		    "mailbox with more than %d.", ir->folders,
		    IMAP_FOLDERS_WARN);
	}
	return istep_end(x, ISTEP_FOLDERS, st, "%d folder%s; Junk: %s%s%s%s; "
	    "Sent: %s", ir->folders, ir->folders == 1 ? "" : "s",
	    ir->junk[0] ? ir->junk : "none", ir->junk[0] ? " (by " : "",
	    ir->junk_by, ir->junk[0] ? ")" : "", x->sent[0] ? x->sent :
	    "none marked \\Sent");
}

static int
do_namespace(struct irun *x)
{
	struct check_imap_result	*ir = x->ir;
	const char			*how = "NAMESPACE";

	istep_begin(x, ISTEP_NAMESPACE);
	if (!(x->caps & ICAP_NAMESPACE)) {
		how = "guessed from the folder names: no NAMESPACE";
		if (ir->folders > 1 && x->under_inbox)
			(void)snprintf(ir->prefix, sizeof(ir->prefix),
			    "INBOX%s", ir->delimiter);
	} else if (ic_cmd(x, "NAMESPACE") == -1)
		return io_failed(x, ISTEP_NAMESPACE, "NAMESPACE");
	else if (x->ic.cond != ICOND_OK)
		return refused(x, ISTEP_NAMESPACE, "NAMESPACE refused");
	if (ir->prefix[0] == '\0')
		return istep_end(x, ISTEP_NAMESPACE, STEP_OK, "personal "
		    "prefix \"\", separator \"%s\" (%s)", ir->delimiter, how);
	inote(x, ISTEP_NAMESPACE, "Folders live under \"%s\": a platform "
	    "creating its own top-level folder (Warmbly) gets \"NO Client "
	    "tried to access nonexistent namespace\" and its foldering fails "
	    "silently. Use an empty prefix, separator /, as postern does.",
	    ir->prefix);
	return istep_end(x, ISTEP_NAMESPACE, STEP_WARN, "personal prefix "
	    "\"%s\", separator \"%s\" (%s)", ir->prefix, ir->delimiter, how);
}

static int
do_logout(struct irun *x)
{
	istep_begin(x, ISTEP_LOGOUT);
	if (ic_cmd(x, "LOGOUT") == -1)
		return istep_end(x, ISTEP_LOGOUT, STEP_WARN, "no clean LOGOUT: "
		    "%s", x->ic.c.err);
	return istep_end(x, ISTEP_LOGOUT, x->ic.cond == ICOND_OK ? STEP_OK :
	    STEP_WARN, "%s", x->ic.done);
}

static int
run_steps(struct irun *x)
{
	enum check_mode	mode = x->ir->mode;

	if (do_connect(x) == -1 || (mode == CHECK_TLS && do_tls(x) == -1) ||
	    do_greeting(x) == -1 || do_capability(x, ISTEP_CAPABILITY) == -1)
		return -1;
	if (mode == CHECK_STARTTLS && (do_starttls(x) == -1 ||
	    do_capability(x, ISTEP_CAPABILITY_TLS) == -1))
		return -1;
	if (do_login(x) == -1 || do_extensions(x) == -1 ||
	    do_select(x) == -1 || do_folders(x) == -1 ||
	    do_namespace(x) == -1)
		return -1;
	return do_logout(x);
}

/* The run's settings, and what the port says about the mode. */
static void
setup(struct irun *x)
{
	const struct check_opts		*o = x->o;
	struct check_imap_result	*ir = x->ir;

	memset(ir, 0, sizeof(*ir));
	ir->enabled = 1;
	ir->failed = -1;
	util_strlcpy(ir->host, o->imap_host[0] ? o->imap_host : x->r->host,
	    sizeof(ir->host));
	ir->port = check_imap_port(o->imap_mode, o->imap_port);
	ir->mode = check_imap_mode_for_port(o->imap_mode, ir->port);
	x->user = o->imap_user != NULL ? o->imap_user : o->user;
	x->pass = o->imap_password != NULL ? o->imap_password : o->password;
	x->passlen = o->imap_password != NULL ? o->imap_passlen : o->passlen;
	sc_init(&x->ic.c, o->timeout_ms);
	if (ir->mode == CHECK_TLS && ir->port == 143)
		inote(x, ISTEP_TLS, "Port 143 is IMAP's STARTTLS port; "
		    "implicit TLS belongs on 993 (RFC 8314 section 3.3).");
	if (ir->mode != CHECK_TLS && ir->port == 993)
		inote(x, ISTEP_GREETING, "Port 993 is IMAP's implicit-TLS port "
		    "(RFC 8314 section 3.3): there a client starts TLS at "
		    "once, without STARTTLS.");
}

int
check_imap_run(const struct check_opts *o, struct check_result *r)
{
	struct irun	*x;
	char		 err[256];

	if ((x = calloc(1, sizeof(*x))) == NULL) {
		r->imap.enabled = 1;
		r->imap.failed = ISTEP_CONNECT;
		r->exit_status = r->exit_status ? r->exit_status : 1;
		return r->imap.exit_status = 1;
	}
	x->o = o;
	x->r = r;
	x->ir = &r->imap;
	setup(x);
	if ((x->ctx = sc_tls_ctx(o->cafile, err, sizeof(err))) == NULL) {
		istep_begin(x, ISTEP_CONNECT);
		istep_end(x, ISTEP_CONNECT, STEP_FAILED, "%s", err);
	} else if (run_steps(x) == -1 && x->ic.c.fd != -1 &&
	    x->ic.c.status == SC_OK && x->bye[0] == '\0' &&
	    x->ir->failed != ISTEP_CONNECT)
		(void)ic_cmd(x, "LOGOUT");	/* quietly, as QUIT */
	sc_close(&x->ic.c);
	SSL_CTX_free(x->ctx);
	if (r->exit_status == 0)
		r->exit_status = x->ir->exit_status;
	explicit_bzero(x, sizeof(*x));
	free(x);
	return r->imap.exit_status;
}
