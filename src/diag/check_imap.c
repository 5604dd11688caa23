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
 * The wire is imap_client.c (bounded reads, literals inline), the
 * grammar check_imap_parse.c; here are what the server tells in passing
 * and the steps, recorded by step.c like the SMTP ones.
 *
 * Invariants: the password goes on the wire only inside LOGIN, is wiped
 * from every buffer that held it and never printed.  LOGIN is never sent
 * where the server lists LOGINDISABLED (RFC 9051 §6.2.3), nor in bulk
 * mode after SMTP refused the same credentials (the lock counts both).
 *
 * Failure: the step that meets a refusal, a timeout, a close or
 * something that is not IMAP fails and says what it means; later steps
 * are skipped and a live connection gets LOGOUT.  Missing capabilities,
 * no Junk folder and a namespace prefix are warnings.
 */
#include <sys/socket.h>

#include <netdb.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/cred_check.h"
#include "diag/check.h"
#include "diag/imap_client.h"
#include "diag/step.h"
#include "lib/log.h"
#include "lib/util.h"

#define IMAP_FOLDERS_WARN	30	/* Warmbly gives up above this */
#define IMAP_CMD_MAX		4200	/* LOGIN, two quoted strings */

static const struct step_layout layout =
    STEP_LAYOUT(struct check_imap_step_result);

static const struct step_def isteps[ISTEP_COUNT] = {
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

/* One run of the leg. */
struct irun {
	const struct check_opts	*o;
	struct check_result	*r;
	struct check_imap_result *ir;
	struct steps		 st;		/* records ir->step[] */
	struct imap_client	 ic;
	SSL_CTX			*ctx;
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

static void	set_caps(struct irun *, const char *, size_t);
static void	on_response(void *, const struct imap_line *);
static void	on_list(struct irun *, const struct imap_line *);
static int	io_failed(struct irun *, enum check_imap_step, const char *);
static int	refused(struct irun *, enum check_imap_step, const char *);
static int	do_connect(struct irun *);
static int	do_tls(struct irun *);
static int	tls_verdict(struct irun *, enum check_imap_step);
static void	identify_software(const char *, char *, size_t);
static int	do_greeting(struct irun *);
static int	do_capability(struct irun *, enum check_imap_step);
static void	capability_notes(struct irun *, enum check_imap_step);
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
	return step_name(isteps, ISTEP_COUNT, (int)s);
}

int
check_imap_step_exit(enum check_imap_step s)
{
	return step_exit(isteps, ISTEP_COUNT, (int)s);
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
on_response(void *arg, const struct imap_line *l)
{
	struct irun	*x = arg;

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

/* The connection failed in step s (timeout, close, not IMAP). */
static int
io_failed(struct irun *x, enum check_imap_step s, const char *what)
{
	struct check_imap_step_result	*sr = &x->ir->step[s];

	if (x->bye[0] != '\0')
		(void)snprintf(sr->response, sizeof(sr->response), "* BYE %s",
		    x->bye);
	return step_end(&x->st, s, STEP_FAILED, "%s: %s", what, x->ic.c.err);
}

/* The command's completion was NO or BAD: keep it for the explanation. */
static int
refused(struct irun *x, enum check_imap_step s, const char *what)
{
	util_strlcpy(x->ir->step[s].response, x->ic.done,
	    sizeof(x->ir->step[s].response));
	if (x->ic.cond == ICOND_BAD)
		step_note(&x->st, s, "BAD: the server did not accept the "
		    "command; what answered may not be a complete IMAP "
		    "server.");
	return step_end(&x->st, s, STEP_FAILED, "%s: %s", what, x->ic.done);
}

static int
do_connect(struct irun *x)
{
	struct check_imap_result	*ir = x->ir;
	struct addrinfo			 hints, *res = NULL;
	const char			*name = x->o->connect_to;
	char				 port[8];
	int				 rc;

	step_begin(&x->st, ISTEP_CONNECT);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = name != NULL ? AI_NUMERICHOST : 0;
	snprintf(port, sizeof(port), "%u", ir->port);
	if ((rc = getaddrinfo(name ? name : ir->host, port, &hints, &res)))
		return step_end(&x->st, ISTEP_CONNECT, STEP_FAILED, "%s does "
		    "not resolve: %s", name ? name : ir->host,
		    gai_strerror(rc));
	util_addr_str(res->ai_addr, ir->addr, sizeof(ir->addr));
	rc = sc_connect(&x->ic.c, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (rc == 0)
		return step_end(&x->st, ISTEP_CONNECT, STEP_OK, "[%s]:%u",
		    ir->addr, ir->port);
	if (x->ic.c.status == SC_REFUSED)
		step_note(&x->st, ISTEP_CONNECT, "Nothing listens on port %u: "
		    "IMAP is 993 (implicit TLS) or 143 (STARTTLS).", ir->port);
	else if (x->ic.c.status == SC_TIMEOUT)
		step_note(&x->st, ISTEP_CONNECT, "The port never answered: "
		    "packets are dropped on the way, usually by a firewall.");
	return step_end(&x->st, ISTEP_CONNECT, STEP_FAILED, "[%s]:%u: %s",
	    ir->addr, ir->port, x->ic.c.err);
}

static int
do_tls(struct irun *x)
{
	step_begin(&x->st, ISTEP_TLS);
	if (sc_tls(&x->ic.c, x->ctx, x->ir->host, &x->ir->tls) == 0)
		return tls_verdict(x, ISTEP_TLS);
	if (step_met_plaintext(x->ic.c.err))
		step_note(&x->st, ISTEP_TLS, "The server answered the TLS "
		    "handshake in plaintext (\"wrong version number\"): port "
		    "%u is a STARTTLS port like 143, not implicit TLS like "
		    "993. Platforms dial implicit TLS and fail the same way: "
		    "give them port 993, or use --imap-mode starttls here.",
		    x->ir->port);
	else if (x->ic.c.status == SC_TIMEOUT)
		step_note(&x->st, ISTEP_TLS, "No answer to the TLS handshake; "
		    "try --imap-mode starttls.");
	return step_end(&x->st, ISTEP_TLS, STEP_FAILED, "%s", x->ic.c.err);
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
		step_note(&x->st, s, "The certificate names %s, not %s: "
		    "platforms check the name they dial (sent as SNI) and "
		    "refuse it. Use a name it covers as the IMAP host.",
		    ti->san[0] ? ti->san : ti->subject, ir->host);
	if (!ti->verified)
		step_note(&x->st, s, "The certificate is not trusted (%s): "
		    "self-signed or from a private CA. Platforms that verify "
		    "refuse it.", ti->verify_error);
	if (ti->expires > 0 && ti->expires < now + 14 * 86400)
		step_note(&x->st, s, "The certificate expires %s%s.",
		    ti->expires < now ? "-- it EXPIRED on " : "soon: ",
		    ti->not_after);
	return step_end(&x->st, s, !ti->name_matches || !ti->verified ||
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

	step_begin(&x->st, ISTEP_GREETING);
	if (ic_read(&x->ic) == -1) {
		if (x->ic.c.status == SC_TIMEOUT && !ir->tls_active)
			step_note(&x->st, ISTEP_GREETING, "Connected, but no "
			    "greeting: an implicit-TLS port (like 993) waits "
			    "silently for the client's TLS handshake. Use "
			    "--imap-mode tls, and SSL/TLS for this port in the "
			    "platform.");
		return io_failed(x, ISTEP_GREETING, "no greeting");
	}
	log_printable(x->ic.done, sizeof(x->ic.done), x->ic.resp,
	    x->ic.len);
	if (check_imap_parse(x->ic.resp, x->ic.len, &l) == -1 ||
	    l.kind != IRESP_UNTAGGED || l.cond == ICOND_NONE) {
		step_note(&x->st, ISTEP_GREETING, "What answered does not "
		    "speak IMAP%s. Check the IMAP host and port (993, or 143 "
		    "for STARTTLS).", strncmp(x->ic.resp, "220", 3) == 0 ? ": "
		    "it greets like an SMTP server" : "");
		return step_end(&x->st, ISTEP_GREETING, STEP_FAILED, "not an "
		    "IMAP greeting: \"%.200s\"", x->ic.done);
	}
	identify_software(x->ic.resp, ir->software, sizeof(ir->software));
	on_response(x, &l);
	if (l.cond != ICOND_OK && l.cond != ICOND_PREAUTH) {
		util_strlcpy(ir->step[ISTEP_GREETING].response, x->ic.done,
		    sizeof(ir->step[ISTEP_GREETING].response));
		return step_end(&x->st, ISTEP_GREETING, STEP_FAILED, "refused "
		    "at connect: %s", x->ic.done);
	}
	x->preauth = l.cond == ICOND_PREAUTH;
	return step_end(&x->st, ISTEP_GREETING, STEP_OK, "%.300s -- %s",
	    x->ic.done, ir->software);
}

/* CAPABILITY, asked again after TLS (RFC 9051 §6.2.1). */
static int
do_capability(struct irun *x, enum check_imap_step s)
{
	step_begin(&x->st, s);
	x->caps_seen = 0;
	if (ic_cmd(&x->ic, "CAPABILITY") == -1)
		return io_failed(x, s, "CAPABILITY");
	if (x->ic.cond != ICOND_OK || !x->caps_seen)
		return refused(x, s, "CAPABILITY refused");
	capability_notes(x, s);
	return step_end(&x->st, s, x->ir->step[s].state, "%s (%s TLS)",
	    x->caplist, x->ir->tls_active ? "over" : "before");
}

/* LOGIN before and after TLS, as platforms will meet it. */
static void
capability_notes(struct irun *x, enum check_imap_step s)
{
	struct check_imap_result	*ir = x->ir;

	if (!ir->tls_active && (x->caps & ICAP_LOGINDISABLED))
		step_note(&x->st, s, "LOGIN is refused until TLS "
		    "(LOGINDISABLED, RFC 9051 section 6.2.3), as it should be: "
		    "no password crosses the network in plaintext.");
	else if (!ir->tls_active && util_addr_loopback(ir->addr))
		step_note(&x->st, s, "LOGIN is allowed before TLS on loopback, "
		    "which Dovecot counts as secure; elsewhere it may be "
		    "refused.");
	else if (!ir->tls_active) {
		ir->step[s].state = STEP_WARN;
		step_note(&x->st, s, "LOGIN is allowed before TLS: the "
		    "password may cross the network readable.");
	}
	if (ir->tls_active && (x->caps & ICAP_LOGINDISABLED)) {
		ir->step[s].state = STEP_WARN;
		step_note(&x->st, s, "LOGINDISABLED even over TLS: platforms "
		    "that log in with LOGIN (Warmbly, imapflow) cannot "
		    "connect.");
	}
}

static int
do_starttls(struct irun *x)
{
	step_begin(&x->st, ISTEP_STARTTLS);
	if (!(x->caps & ICAP_STARTTLS)) {
		step_note(&x->st, ISTEP_STARTTLS, "No STARTTLS: the password "
		    "would travel in plaintext. Use port 993 (implicit TLS).");
		return step_end(&x->st, ISTEP_STARTTLS, STEP_FAILED, "STARTTLS "
		    "not offered");
	}
	if (ic_cmd(&x->ic, "STARTTLS") == -1)
		return io_failed(x, ISTEP_STARTTLS, "STARTTLS");
	if (x->ic.cond != ICOND_OK)
		return refused(x, ISTEP_STARTTLS, "STARTTLS refused");
	if (x->ic.c.rlen != 0) {
		/* RFC 9051 §11.1: nothing may come before the handshake */
		step_note(&x->st, ISTEP_STARTTLS, "Data came after the "
		    "STARTTLS answer, before the handshake: an injection.");
		return step_end(&x->st, ISTEP_STARTTLS, STEP_FAILED,
		    "plaintext after STARTTLS");
	}
	step_note(&x->st, ISTEP_STARTTLS, "STARTTLS works, but platforms "
	    "expect implicit TLS on 993: Smartlead lists 143 as \"plain\" and "
	    "Warmbly dials TLS only. Give platforms port 993 with SSL/TLS.");
	if (sc_tls(&x->ic.c, x->ctx, x->ir->host, &x->ir->tls) == -1)
		return step_end(&x->st, ISTEP_STARTTLS, STEP_FAILED, "%s",
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
		return step_end(&x->st, ISTEP_LOGIN, STEP_WARN, "skipped: no "
		    "username or password given") - 1;
	if (x->caps & ICAP_LOGINDISABLED) {
		step_note(&x->st, ISTEP_LOGIN, "The server refuses LOGIN here "
		    "(LOGINDISABLED), so the password was not sent. %s",
		    x->ir->tls_active ? "Platforms that use LOGIN cannot "
		    "connect." : "Use STARTTLS, or port 993 as platforms do.");
		return step_end(&x->st, ISTEP_LOGIN, STEP_FAILED, "LOGIN "
		    "disabled (LOGINDISABLED)");
	}
	if (smtp_refused_same(x)) {
		step_note(&x->st, ISTEP_LOGIN, "Not tried: SMTP AUTH refused "
		    "the same credentials, and the bulk check never risks a "
		    "lockout with a second failed login.");
		return step_end(&x->st, ISTEP_LOGIN, STEP_FAILED, "not tried "
		    "after SMTP AUTH failed");
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
	if (!plus && (rc = ic_complete(&x->ic, 1)) != 1)
		return rc;
	return sc_write(&x->ic.c, s, len) == 0 ? 1 : -1;
}

/* LOGIN user password; 0 once completed, -1 failed, -2 unsendable. */
static int
login_send(struct irun *x)
{
	struct imap_client *ic = &x->ic;
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
	return rc == 1 ? ic_complete(&x->ic, 0) : rc;
}

/* Why LOGIN was refused, from its response code (RFC 5530). */
static void
login_notes(struct irun *x)
{
	const char	*code = x->ic.code, *p;
	int		 locked = strcasestr(x->ic.done, "locked") != NULL;

	if (strcmp(code, "CONTACTADMIN") == 0 && locked)
		step_note(&x->st, ISTEP_LOGIN, "The login is locked after "
		    "repeated failures, over IMAP and SMTP alike on postern, "
		    "until the time given. Fix the password wherever it is "
		    "stored (a platform retries it), then wait or ask for "
		    "postern mailbox unlock ADDRESS.");
	else if (strcmp(code, "CONTACTADMIN") == 0 &&
	    (p = strcasestr(x->ic.done, "failed: ")) != NULL)
		step_note(&x->st, ISTEP_LOGIN, "The server says what looked "
		    "wrong in the credentials: %s.", p + 8);
	else if (strcmp(code, "AUTHENTICATIONFAILED") == 0)
		step_note(&x->st, ISTEP_LOGIN, "The username or password is "
		    "wrong%s. On postern a failed IMAP login counts toward the "
		    "same lock as a failed SMTP AUTH.", strchr(x->user, '@') ?
		    "" : " (the username is not a full email address)");
	else if (strcmp(code, "UNAVAILABLE") == 0)
		step_note(&x->st, ISTEP_LOGIN, "Temporary: the password may be "
		    "fine.");
	else if (strcmp(code, "PRIVACYREQUIRED") == 0)
		step_note(&x->st, ISTEP_LOGIN, "A password only over TLS: use "
		    "993.");
	if ((cred_hints(x->user, strlen(x->user)) | cred_hints(x->pass,
	    x->passlen)) != 0 && strcmp(code, "UNAVAILABLE") != 0)
		step_note(&x->st, ISTEP_LOGIN, "The credentials contain hidden "
		    "characters (see the credentials step): the likely cause.");
	if (x->alert[0] != '\0')
		step_note(&x->st, ISTEP_LOGIN, "The server's alert: \"%s\".",
		    x->alert);
}

static int
do_login(struct irun *x)
{
	int	rc;

	step_begin(&x->st, ISTEP_LOGIN);
	if (x->preauth)
		return step_end(&x->st, ISTEP_LOGIN, STEP_OK, "not needed: the "
		    "greeting was PREAUTH");
	if (login_allowed(x) != 1)
		return -1;
	x->caps_seen = 0;
	x->alert[0] = '\0';
	if ((rc = login_send(x)) == -2) {
		step_note(&x->st, ISTEP_LOGIN, "The username or password holds "
		    "a NUL (no IMAP command can carry one) or is far too "
		    "long.");
		return step_end(&x->st, ISTEP_LOGIN, STEP_FAILED, "credentials "
		    "cannot be sent");
	}
	if (rc == -1)
		return io_failed(x, ISTEP_LOGIN, "LOGIN");
	if (x->ic.cond == ICOND_OK)
		return step_end(&x->st, ISTEP_LOGIN, STEP_OK, "OK as %s",
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

	step_begin(&x->st, ISTEP_EXTENSIONS);
	if (!x->caps_seen && ic_cmd(&x->ic, "CAPABILITY") == -1)
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
		step_note(&x->st, ISTEP_EXTENSIONS, "No %s: %s",
		    platform_caps[i].name, platform_caps[i].missed);
	}
	if (ir->missing[0] != '\0')
		return step_end(&x->st, ISTEP_EXTENSIONS, STEP_WARN, "missing: "
		    "%s; present: %s", ir->missing, have[0] ? have : "none");
	return step_end(&x->st, ISTEP_EXTENSIONS, STEP_OK, "all that platforms "
	    "use: %s", have);
}

static int
do_select(struct irun *x)
{
	step_begin(&x->st, ISTEP_SELECT);
	if (ic_cmd(&x->ic, x->caps & ICAP_CONDSTORE ? "SELECT INBOX (CONDSTORE)"
	    : "SELECT INBOX") == -1)
		return io_failed(x, ISTEP_SELECT, "SELECT INBOX");
	if (x->ic.cond != ICOND_OK) {
		step_note(&x->st, ISTEP_SELECT, "Without INBOX a platform "
		    "cannot see replies.");
		return refused(x, ISTEP_SELECT, "SELECT INBOX refused");
	}
	if (x->read_only)
		step_note(&x->st, ISTEP_SELECT, "INBOX opens read-only: "
		    "platforms cannot mark mail read, flag it or move it.");
	return step_end(&x->st, ISTEP_SELECT, x->read_only ? STEP_WARN :
	    STEP_OK, "INBOX: %lu message%s, UIDVALIDITY %lu, %s", x->exists,
	    x->exists == 1 ? "" : "s", x->uidvalidity, x->read_only ?
	    "read-only" : "read-write");
}

static int
do_folders(struct irun *x)
{
	struct check_imap_result	*ir = x->ir;
	enum step_state			 st = STEP_OK;

	step_begin(&x->st, ISTEP_FOLDERS);
	x->under_inbox = 1;
	if (ic_cmd(&x->ic, x->caps & ICAP_SPECIAL_USE ?
	    "LIST \"\" \"*\" RETURN (SPECIAL-USE)" : "LIST \"\" \"*\"") == -1)
		return io_failed(x, ISTEP_FOLDERS, "LIST");
	if (x->ic.cond != ICOND_OK)
		return refused(x, ISTEP_FOLDERS, "LIST refused");
	if (ir->junk[0] == '\0') {
		st = STEP_WARN;
		step_note(&x->st, ISTEP_FOLDERS, "No Junk or Spam folder: "
		    "warm-up cannot rescue mail from spam, and Instantly marks "
		    "such a mailbox \"Spam Folder Unknown\". Create a folder "
		    "Junk with the \\Junk attribute (Dovecot: mailbox Junk { "
		    "special_use = \\Junk; auto = subscribe }).");
	} else if (strcmp(ir->junk_by, "name") == 0)
		step_note(&x->st, ISTEP_FOLDERS, "Junk found by its name only: "
		    "give it the \\Junk attribute so every platform finds it.");
	if (ir->folders > IMAP_FOLDERS_WARN) {
		st = STEP_WARN;
		step_note(&x->st, ISTEP_FOLDERS, "%d folders: Warmbly "
		    "deactivates a mailbox with more than %d.", ir->folders,
		    IMAP_FOLDERS_WARN);
	}
	return step_end(&x->st, ISTEP_FOLDERS, st, "%d folder%s; Junk: "
	    "%s%s%s%s; Sent: %s", ir->folders, ir->folders == 1 ? "" : "s",
	    ir->junk[0] ? ir->junk : "none", ir->junk[0] ? " (by " : "",
	    ir->junk_by, ir->junk[0] ? ")" : "", x->sent[0] ? x->sent : "none "
	    "marked \\Sent");
}

static int
do_namespace(struct irun *x)
{
	struct check_imap_result	*ir = x->ir;
	const char			*how = "NAMESPACE";

	step_begin(&x->st, ISTEP_NAMESPACE);
	if (!(x->caps & ICAP_NAMESPACE)) {
		how = "guessed from the folder names: no NAMESPACE";
		if (ir->folders > 1 && x->under_inbox)
			(void)snprintf(ir->prefix, sizeof(ir->prefix),
			    "INBOX%s", ir->delimiter);
	} else if (ic_cmd(&x->ic, "NAMESPACE") == -1)
		return io_failed(x, ISTEP_NAMESPACE, "NAMESPACE");
	else if (x->ic.cond != ICOND_OK)
		return refused(x, ISTEP_NAMESPACE, "NAMESPACE refused");
	if (ir->prefix[0] == '\0')
		return step_end(&x->st, ISTEP_NAMESPACE, STEP_OK, "personal "
		    "prefix \"\", separator \"%s\" (%s)", ir->delimiter, how);
	step_note(&x->st, ISTEP_NAMESPACE, "Folders live under \"%s\": a "
	    "platform creating its own top-level folder (Warmbly) gets \"NO "
	    "Client tried to access nonexistent namespace\" and its foldering "
	    "fails silently. Use an empty prefix, separator /, as postern "
	    "does.", ir->prefix);
	return step_end(&x->st, ISTEP_NAMESPACE, STEP_WARN, "personal prefix "
	    "\"%s\", separator \"%s\" (%s)", ir->prefix, ir->delimiter, how);
}

static int
do_logout(struct irun *x)
{
	step_begin(&x->st, ISTEP_LOGOUT);
	if (ic_cmd(&x->ic, "LOGOUT") == -1)
		return step_end(&x->st, ISTEP_LOGOUT, STEP_WARN, "no clean "
		    "LOGOUT: %s", x->ic.c.err);
	return step_end(&x->st, ISTEP_LOGOUT, x->ic.cond == ICOND_OK ? STEP_OK :
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
	x->ic.on_response = on_response;
	x->ic.arg = x;
	if (ir->mode == CHECK_TLS && ir->port == 143)
		step_note(&x->st, ISTEP_TLS, "Port 143 is IMAP's STARTTLS "
		    "port; implicit TLS belongs on 993 (RFC 8314 section "
		    "3.3).");
	if (ir->mode != CHECK_TLS && ir->port == 993)
		step_note(&x->st, ISTEP_GREETING, "Port 993 is IMAP's "
		    "implicit-TLS port (RFC 8314 section 3.3): there a client "
		    "starts TLS at once, without STARTTLS.");
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
	step_init(&x->st, &layout, x->ir->step, isteps, ISTEP_COUNT,
	    &x->ir->failed, &x->ir->exit_status);
	setup(x);
	if ((x->ctx = sc_tls_ctx(o->cafile, err, sizeof(err))) == NULL) {
		step_begin(&x->st, ISTEP_CONNECT);
		step_end(&x->st, ISTEP_CONNECT, STEP_FAILED, "%s", err);
	} else if (run_steps(x) == -1 && x->ic.c.fd != -1 &&
	    x->ic.c.status == SC_OK && x->bye[0] == '\0' &&
	    x->ir->failed != ISTEP_CONNECT)
		(void)ic_cmd(&x->ic, "LOGOUT");	/* quietly, as QUIT */
	sc_close(&x->ic.c);
	SSL_CTX_free(x->ctx);
	if (r->exit_status == 0)
		r->exit_status = x->ir->exit_status;
	explicit_bzero(x, sizeof(*x));
	free(x);
	return r->imap.exit_status;
}
