/*
 * check: see check.h.  Each step records its state, its time, a one-line
 * detail and, when something is wrong, a note that explains it.  The
 * notes come from two places: the knowledge base (kb.h) for replies the
 * server sent, and the detections below for what no reply says -- a
 * plaintext banner on an implicit-TLS port, silence where a banner
 * should be, a receiving MX where a submission server was meant, a
 * certificate for another name, invisible characters in a pasted
 * password.  The password is never printed and never logged.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/cred_check.h"
#include "diag/check.h"
#include "diag/kb.h"
#include "lib/base64.h"
#include "lib/json.h"
#include "lib/util.h"

static const struct step_layout layout =
    STEP_LAYOUT(struct check_step_result);

static const struct step_def steps[STEP_COUNT] = {
	[STEP_CREDENTIALS] = { "credentials", 12 },
	[STEP_DNS] = { "dns", 3 },
	[STEP_CONNECT] = { "connect", 4 },
	[STEP_PROBE] = { "probe", 6 },
	[STEP_TLS] = { "tls", 5 },
	[STEP_BANNER] = { "banner", 6 },
	[STEP_EHLO] = { "ehlo", 7 },
	[STEP_STARTTLS] = { "starttls", 5 },
	[STEP_EHLO_TLS] = { "ehlo-tls", 7 },
	[STEP_AUTH] = { "auth", 8 },
	[STEP_MAIL] = { "mail", 9 },
	[STEP_RCPT] = { "rcpt", 10 },
	[STEP_DATA] = { "data", 11 },
};

struct run {
	const struct check_opts	*o;
	struct check_result	*r;
	struct steps		 st;		/* records r->step[] */
	struct smtp_client	 c;
	SSL_CTX			*ctx;
	int			 esmtp_auth;	/* AUTH offered (now) */
	int			 has_starttls;
	char			 mechs[128];
	int			 probed;	/* silent; no implicit TLS */
	uint64_t		 connected;	/* first connection, ms */
	uint64_t		 banner_deadline; /* its banner due, ms */
};

static int	do_credentials(struct run *);
static int	do_dns(struct run *, struct sockaddr_storage *, socklen_t *);
static int	do_connect(struct run *, struct sockaddr_storage *, socklen_t);
static int	do_tls(struct run *, enum check_step);
static int	tls_verdict(struct run *, enum check_step);
static int	readable(int, uint64_t);
static int	do_probe(struct run *, const struct sockaddr_storage *,
		    socklen_t);
static void	probe_failed(struct run *, struct smtp_client *);
static const char *probe_why(const struct smtp_client *);
static int	do_banner(struct run *);
static int	do_ehlo(struct run *, enum check_step);
static int	do_auth(struct run *);
static int	do_envelope(struct run *);
static int	reply_failed(struct run *, enum check_step,
		    const struct reply *, const char *);
static void	identify_software(const char *, char *, size_t);
static int	mx_lookup(const char *, char *, size_t);

const char *
check_step_name(enum check_step s)
{
	return step_name(steps, STEP_COUNT, (int)s);
}

int
check_step_exit(enum check_step s)
{
	return step_exit(steps, STEP_COUNT, (int)s);
}

unsigned
check_port(enum check_mode mode, unsigned port)
{
	if (port != 0)
		return port;
	return mode == CHECK_TLS ? 465 : 587;
}

enum check_mode
check_mode_for_port(enum check_mode mode, unsigned port)
{
	if (mode != CHECK_AUTO)
		return mode;
	return port == 465 ? CHECK_TLS : CHECK_STARTTLS;
}

/* A server reply that ends the check: keep it for the explanation. */
static int
reply_failed(struct run *x, enum check_step s, const struct reply *rp,
    const char *what)
{
	struct check_step_result	*sr = &x->r->step[s];

	sr->reply = *rp;
	sr->has_reply = 1;
	return step_end(&x->st, s, STEP_FAILED, "%s: %d %s%s%s", what, rp->code,
	    rp->enhanced, rp->enhanced[0] ? " " : "", rp->text);
}

/* Look at the credentials before anything is sent. */
static int
do_credentials(struct run *x)
{
	const struct check_opts	*o = x->o;
	char			 su[200], sp[200];
	int			 nu, np;

	step_begin(&x->st, STEP_CREDENTIALS);
	if (o->user == NULL || o->user[0] == '\0')
		return step_end(&x->st, STEP_CREDENTIALS, STEP_OK, "no "
		    "username given: AUTH will be skipped");
	nu = cred_summary(o->user, strlen(o->user), su, sizeof(su));
	np = o->password ? cred_summary(o->password, o->passlen, sp,
	    sizeof(sp)) : 0;
	if (strchr(o->user, '@') == NULL)
		step_note(&x->st, STEP_CREDENTIALS, "The username is not a "
		    "full email address; most submission servers (postern "
		    "included) expect user@domain as the username.");
	if (nu > 0)
		step_note(&x->st, STEP_CREDENTIALS, "Username: %s.", su);
	if (np > 0)
		step_note(&x->st, STEP_CREDENTIALS, "Password: %s.", sp);
	if (nu > 0 || np > 0)
		step_note(&x->st, STEP_CREDENTIALS, "Characters like these "
		    "usually come from copying out of a spreadsheet, a "
		    "document or a chat; if AUTH fails they are the likely "
		    "cause (try --clean).");
	if (x->r->step[STEP_CREDENTIALS].note[0] != '\0')
		return step_end(&x->st, STEP_CREDENTIALS, STEP_WARN, "%s",
		    nu > 0 || np > 0 ? "hidden or unusual characters found" :
		    "username is not an email address");
	return step_end(&x->st, STEP_CREDENTIALS, STEP_OK, "no hidden "
	    "characters in the username or password");
}

/* MX of a domain, best preference first, via the system resolver. */
static int
mx_lookup(const char *domain, char *out, size_t outsz)
{
	unsigned char	ans[4096];
	ns_msg		msg;
	ns_rr		rr;
	int		len, i, best = 65536, pref;
	char		name[NS_MAXDNAME];

	len = res_query(domain, ns_c_in, ns_t_mx, ans, sizeof(ans));
	if (len < 0 || ns_initparse(ans, len, &msg) == -1)
		return -1;
	for (i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) == -1 ||
		    ns_rr_type(rr) != ns_t_mx || ns_rr_rdlen(rr) < 3)
			continue;
		pref = ns_get16(ns_rr_rdata(rr));
		if (dn_expand(ns_msg_base(msg), ns_msg_end(msg),
		    ns_rr_rdata(rr) + 2, name, sizeof(name)) < 0)
			continue;
		if (pref < best && util_strlcpy(out, name, outsz) == 0)
			best = pref;
	}
	return best == 65536 ? -1 : 0;
}

static int
do_dns(struct run *x, struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct check_result	*r = x->r;
	struct addrinfo		 hints, *res = NULL, *ai;
	char			 port[8], a[64], all[256] = "";
	const char		*dom;
	int			 rc, n = 0;

	step_begin(&x->st, STEP_DNS);
	if (r->host[0] == '\0') {
		dom = x->o->user ? strrchr(x->o->user, '@') : NULL;
		if (dom == NULL || mx_lookup(dom + 1, r->host,
		    sizeof(r->host)) == -1)
			return step_end(&x->st, STEP_DNS, STEP_FAILED, "no "
			    "host given and no MX found for %s", dom ? dom + 1 :
			    "the username's domain");
		step_note(&x->st, STEP_DNS, "No host given: using the MX of "
		    "%s, %s. An MX receives mail; for sending, use your "
		    "provider's submission host.", dom + 1, r->host);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", r->port);
	if (x->o->connect_to != NULL) {
		hints.ai_flags = AI_NUMERICHOST;
		rc = getaddrinfo(x->o->connect_to, port, &hints, &res);
		if (rc != 0)
			return step_end(&x->st, STEP_DNS, STEP_FAILED,
			    "--connect-to %s: %s", x->o->connect_to,
			    gai_strerror(rc));
		step_note(&x->st, STEP_DNS, "Not resolved: connecting to %s as "
		    "asked; %s is still the name TLS checks.", x->o->connect_to,
		    r->host);
	} else
		rc = getaddrinfo(r->host, port, &hints, &res);
	if (rc != 0)
		return step_end(&x->st, STEP_DNS, STEP_FAILED, "%s does not "
		    "resolve: %s", r->host, gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		util_addr_str(ai->ai_addr, a, sizeof(a));
		if (n++ == 0) {
			memcpy(ss, ai->ai_addr, ai->ai_addrlen);
			*sslen = ai->ai_addrlen;
			util_strlcpy(r->addr, a, sizeof(r->addr));
		}
		if (strstr(all, a) == NULL && strlen(all) + strlen(a) + 3 <
		    sizeof(all)) {
			if (all[0] != '\0')
				strcat(all, ", ");
			strcat(all, a);
		}
	}
	freeaddrinfo(res);
	return step_end(&x->st, STEP_DNS, STEP_OK, "%s -> %s", r->host, all);
}

static int
do_connect(struct run *x, struct sockaddr_storage *ss, socklen_t sslen)
{
	struct check_result	*r = x->r;

	step_begin(&x->st, STEP_CONNECT);
	if (sc_connect(&x->c, (struct sockaddr *)ss, sslen) == 0)
		return step_end(&x->st, STEP_CONNECT, STEP_OK, "[%s]:%u",
		    r->addr, r->port);
	if (x->c.status == SC_REFUSED)
		step_note(&x->st, STEP_CONNECT, "Nothing listens on port %u of "
		    "%s. Check the port: submission is 587 (STARTTLS) or 465 "
		    "(implicit TLS); 25 is for server-to-server mail.", r->port,
		    r->host);
	else if (x->c.status == SC_TIMEOUT)
		step_note(&x->st, STEP_CONNECT, "The port never answered: "
		    "packets are dropped on the way, usually by a firewall. "
		    "Many cloud and home networks block outgoing 25, and some "
		    "465/587.");
	return step_end(&x->st, STEP_CONNECT, STEP_FAILED, "[%s]:%u: %s",
	    r->addr, r->port, x->c.err);
}

static int
do_tls(struct run *x, enum check_step s)
{
	struct check_result	*r = x->r;

	step_begin(&x->st, s);
	if (sc_tls(&x->c, x->ctx, r->host, &r->tls) == -1) {
		if (s == STEP_TLS && step_met_plaintext(x->c.err))
			step_note(&x->st, s, "The server answered in "
			    "plaintext: port %u speaks plain SMTP or STARTTLS, "
			    "not implicit TLS. Use --mode starttls (port 587), "
			    "or port 465 for implicit TLS.", r->port);
		else if (s == STEP_TLS && x->c.status == SC_TIMEOUT)
			step_note(&x->st, s, "No TLS answer: the server is "
			    "probably waiting for plain SMTP; try --mode "
			    "starttls.");
		return step_end(&x->st, s, STEP_FAILED, "%s", x->c.err);
	}
	return tls_verdict(x, s);
}

/* A handshake done: what the certificate means to strict clients. */
static int
tls_verdict(struct run *x, enum check_step s)
{
	struct check_result	*r = x->r;
	struct sc_tls_info	*ti = &r->tls;
	int			 warn = 0;

	r->tls_active = 1;
	if (!ti->name_matches) {
		warn = 1;
		step_note(&x->st, s, "The certificate is for %s%s%s, not %s: "
		    "clients that check names will refuse it, and platforms "
		    "report this as the SMTP host not matching. Use the host "
		    "the certificate names.", ti->san[0] ? ti->san :
		    ti->subject, ti->san[0] ? "" : " (CN)", "", r->host);
	}
	if (!ti->verified) {
		warn = 1;
		step_note(&x->st, s, "The certificate is not trusted (%s): a "
		    "self-signed or private CA certificate. Strict clients "
		    "refuse it.", ti->verify_error);
	}
	if (ti->expires > 0 && ti->expires < (int64_t)time(NULL) + 14 * 86400) {
		warn = 1;
		step_note(&x->st, s, "The certificate expires %s%s.",
		    ti->expires < (int64_t)time(NULL) ? "-- it EXPIRED on " :
		    "soon: ", ti->not_after);
	}
	return step_end(&x->st, s, warn ? STEP_WARN : STEP_OK, "%s %s; "
	    "certificate %s (%s), issuer %s, expires %s; name %s", ti->version,
	    ti->cipher, ti->subject, ti->san[0] ? ti->san : "no SAN",
	    ti->issuer, ti->not_after,
	    ti->name_matches ? "matches" : "DOES NOT match");
}

/* Banner and EHLO name the software more often than not. */
static void
identify_software(const char *text, char *out, size_t outsz)
{
	static const struct {
		const char	*needle;
		const char	*name;
	} known[] = {
		{ "Postern", "Postern" },
		{ "Postfix", "Postfix" },
		{ "Exim", "Exim" },
		{ "OpenSMTPD", "OpenSMTPD" },
		{ "Sendmail", "Sendmail" },
		{ "chasquid", "chasquid" },
		{ "Stalwart", "Stalwart" },
		{ "Haraka", "Haraka" },
		{ "Microsoft ESMTP", "Microsoft Exchange / Microsoft 365" },
		{ "outlook.com", "Microsoft 365 (Outlook)" },
		{ "mx.google.com", "Gmail" },
		{ "smtp.gmail.com", "Google Workspace / Gmail" },
		{ "yahoo", "Yahoo" },
		{ "icloud", "iCloud" },
		{ "pphosted", "Proofpoint" },
		{ "mimecast", "Mimecast" },
		{ "qmail", "qmail" },
		{ "Python SMTP", "Python aiosmtpd" },
		{ "aiosmtpd", "Python aiosmtpd" },
		{ "ESMTP", "an ESMTP server (software not named)" },
	};
	size_t	i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcasestr(text, known[i].needle) != NULL) {
			util_strlcpy(out, known[i].name, outsz);
			return;
		}
	util_strlcpy(out, "unknown software", outsz);
}

static int
do_banner(struct run *x)
{
	struct check_result	*r = x->r;
	struct reply		 rp;
	size_t			 n;

	step_begin(&x->st, STEP_BANNER);
	if (x->probed && !readable(x->c.fd, x->banner_deadline)) {
		step_note(&x->st, STEP_BANNER, "Silent in plaintext, and "
		    "implicit TLS did not work either (see probe and tls): "
		    "what listens on port %u is not a working SMTP server, or "
		    "it is overloaded. Check the host and the port.", r->port);
		x->c.status = SC_TIMEOUT;	/* no QUIT into the silence */
		return step_end(&x->st, STEP_BANNER, STEP_FAILED, "no banner "
		    "within %u ms of the connect", x->o->timeout_ms);
	}
	if (sc_read_reply(&x->c, &rp) == -1) {
		if (x->c.status == SC_TIMEOUT && !r->tls_active && !x->probed)
			step_note(&x->st, STEP_BANNER, "Connected, but the "
			    "server said nothing: it is probably waiting for a "
			    "TLS handshake (implicit TLS, port 465). Use "
			    "--mode tls.");
		else if (x->c.status == SC_PROTOCOL)
			step_note(&x->st, STEP_BANNER, "What answered does not "
			    "speak SMTP: check the host and the port.");
		return step_end(&x->st, STEP_BANNER, STEP_FAILED, "%s",
		    x->c.err);
	}
	n = strcspn(rp.text, " \n");
	if (n >= sizeof(r->banner_host))
		n = sizeof(r->banner_host) - 1;
	memcpy(r->banner_host, rp.text, n);
	r->banner_host[n] = '\0';
	identify_software(rp.text, r->software, sizeof(r->software));
	if (rp.code != 220)
		return reply_failed(x, STEP_BANNER, &rp, "refused at connect");
	if (x->probed)
		step_note(&x->st, STEP_BANNER, "The banner came %llu ms after "
		    "the connect, in plaintext: port %u speaks SMTP without "
		    "implicit TLS, and its server is only slow to greet. "
		    "Clients that wait less may give up on it.",
		    (unsigned long long)(util_monotonic_ms() - x->connected),
		    r->port);
	return step_end(&x->st, STEP_BANNER, x->probed ? STEP_WARN : STEP_OK,
	    "220 %s -- answered by %s, %s", rp.text, r->banner_host,
	    r->software);
}

/* 1 once fd has something to read, an error or EOF before deadline. */
static int
readable(int fd, uint64_t deadline)
{
	struct pollfd	pfd;
	uint64_t	now;
	int		n;

	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		now = util_monotonic_ms();
		n = poll(&pfd, 1, now < deadline ? (int)(deadline - now) : 0);
		if (n != -1 || errno != EINTR)
			return n != 0;
	}
}

/*
 * Auto mode on a port other than 465.  A plaintext SMTP server sends
 * its 220 as soon as it accepts; an implicit-TLS one (RFC 8314 section
 * 3.3) says nothing until the client's handshake.  So on CHECK_PROBE_MS
 * of silence, connect again and try implicit TLS.  The first connection
 * stays open and unwritten: a server that is only slow to greet (RFC
 * 5321 section 4.5.3.2 allows minutes) still gets its chance, and sees
 * no early traffic to refuse.  Returns 0 to go on, on the TLS
 * connection if the handshake worked, else on the first.
 */
static int
do_probe(struct run *x, const struct sockaddr_storage *ss, socklen_t sslen)
{
	struct check_result	*r = x->r;
	struct smtp_client	 first;
	unsigned		 t = x->o->timeout_ms, wait;

	wait = t < CHECK_PROBE_MS ? t : CHECK_PROBE_MS;
	step_begin(&x->st, STEP_PROBE);
	x->connected = x->st.t0;
	x->banner_deadline = x->st.t0 + t;
	if (readable(x->c.fd, x->st.t0 + wait)) {
		r->step[STEP_PROBE].state = STEP_SKIPPED;
		return 0;	/* it spoke: the banner step reads it */
	}
	x->probed = 1;
	first = x->c;
	sc_init(&x->c, t - wait > wait ? t - wait : wait);
	step_note(&x->st, STEP_PROBE, "A plaintext SMTP server greets at once; "
	    "this one said nothing for %u ms, which is what an implicit-TLS "
	    "port does while it waits for the client's handshake. So auto mode "
	    "connected again to try implicit TLS, keeping the first connection "
	    "open in case the server is only slow to greet.", wait);
	if (sc_connect(&x->c, (const struct sockaddr *)ss, sslen) == -1) {
		step_end(&x->st, STEP_PROBE, STEP_WARN, "no banner within %u "
		    "ms; a second connection, for implicit TLS, failed: %s",
		    wait, x->c.err);
		probe_failed(x, &first);
		return 0;
	}
	step_end(&x->st, STEP_PROBE, STEP_WARN, "no banner within %u ms in "
	    "plaintext; connected again to [%s]:%u to try implicit TLS",
	    wait, r->addr, r->port);
	step_begin(&x->st, STEP_TLS);
	if (sc_tls(&x->c, x->ctx, r->host, &r->tls) == -1) {
		step_note(&x->st, STEP_TLS, "Implicit TLS did not work "
		    "either%s; the check goes back to the first connection and "
		    "waits for its banner.", probe_why(&x->c));
		step_end(&x->st, STEP_TLS, STEP_WARN, "%s", x->c.err);
		probe_failed(x, &first);
		return 0;
	}
	sc_close(&first);
	x->c.timeout_ms = t;
	x->probed = 0;
	r->mode = CHECK_TLS;
	r->tls_fallback = 1;
	step_note(&x->st, STEP_PROBE, "The handshake worked (next step): port "
	    "%u speaks implicit TLS, as 465 does. In your mail client or "
	    "sending platform choose SSL/TLS for this port, not STARTTLS.",
	    r->port);
	return tls_verdict(x, STEP_TLS);
}

/* Why the probe's handshake failed, as the end of a sentence. */
static const char *
probe_why(const struct smtp_client *c)
{
	if (step_met_plaintext(c->err))
		return ": the server answered the handshake in plaintext";
	if (c->status == SC_TIMEOUT)
		return ": no answer to the handshake";
	if (c->status == SC_CLOSED)
		return ": the server closed the connection at the handshake";
	return "";
}

/* Implicit TLS did not work: back to the first, silent connection. */
static void
probe_failed(struct run *x, struct smtp_client *first)
{
	sc_close(&x->c);
	x->c = *first;
	memset(&x->r->tls, 0, sizeof(x->r->tls));
}

static int
do_ehlo(struct run *x, enum check_step s)
{
	struct check_result	*r = x->r;
	struct reply		 rp;
	char			 line[300], exts[512] = "", *p, *nl;
	const char		*name = x->o->ehlo ? x->o->ehlo :
	    "check.postern";

	step_begin(&x->st, s);
	snprintf(line, sizeof(line), "EHLO %s", name);
	if (sc_command(&x->c, line, &rp) == -1)
		return step_end(&x->st, s, STEP_FAILED, "%s", x->c.err);
	if (rp.code != 250)
		return reply_failed(x, s, &rp, "EHLO refused");
	x->esmtp_auth = 0;
	x->has_starttls = 0;
	x->mechs[0] = '\0';
	/* line 1 is the greeting; the rest are keywords */
	for (p = strchr(rp.text, '\n'); p != NULL; p = nl) {
		p++;
		nl = strchr(p, '\n');
		{
			size_t	n = nl ? (size_t)(nl - p) : strlen(p);
			char	kw[200];

			if (n >= sizeof(kw))
				n = sizeof(kw) - 1;
			memcpy(kw, p, n);
			kw[n] = '\0';
			if (strncasecmp(kw, "AUTH", 4) == 0 &&
			    (kw[4] == ' ' || kw[4] == '=')) {
				x->esmtp_auth = 1;
				util_strlcpy(x->mechs, kw + 5,
				    sizeof(x->mechs));
			}
			if (strcasecmp(kw, "STARTTLS") == 0)
				x->has_starttls = 1;
			if (strlen(exts) + n + 2 < sizeof(exts)) {
				if (exts[0] != '\0')
					strcat(exts, " ");
				strcat(exts, kw);
			}
		}
	}
	identify_software(rp.text, line, sizeof(line));
	if (strcmp(r->software, "unknown software") == 0 ||
	    strstr(r->software, "not named") != NULL)
		util_strlcpy(r->software, line, sizeof(r->software));
	util_strlcpy(s == STEP_EHLO ? r->auth_before_tls : r->auth_after_tls,
	    x->esmtp_auth ? x->mechs : "(none)", sizeof(r->auth_before_tls));
	if (s == STEP_EHLO && !r->tls_active && !x->esmtp_auth &&
	    x->has_starttls)
		step_note(&x->st, s, "AUTH is offered only after STARTTLS, as "
		    "it should be: a client that does not start TLS first gets "
		    "530 or 538.");
	if (s == STEP_EHLO && !r->tls_active && x->esmtp_auth)
		step_note(&x->st, s, "AUTH is offered without TLS: passwords "
		    "would cross the network readable by anyone on the path.");
	return step_end(&x->st, s, STEP_OK, "%s", exts[0] ? exts : "(no "
	    "extensions)");
}

static int
auth_exchange(struct run *x, const char *user, const char *pass,
    size_t passlen, struct reply *rp)
{
	char	buf[2048], b64[2800];
	size_t	ul = strlen(user);
	int	plain = x->mechs[0] == '\0' || strcasestr(x->mechs, "PLAIN"),
		rc;

	if (plain) {
		if (ul + passlen + 2 > sizeof(buf))
			return -1;
		buf[0] = '\0';
		memcpy(buf + 1, user, ul);
		buf[ul + 1] = '\0';
		memcpy(buf + ul + 2, pass, passlen);
		if (base64_encode(buf, ul + passlen + 2, b64 + 11,
		    sizeof(b64) - 11) == -1)
			return -1;
		memcpy(b64, "AUTH PLAIN ", 11);
		explicit_bzero(buf, sizeof(buf));
		if (sc_command(&x->c, b64, rp) == -1) {
			explicit_bzero(b64, sizeof(b64));
			return -1;
		}
		explicit_bzero(b64, sizeof(b64));
		return 0;
	}
	/* LOGIN */
	if (sc_command(&x->c, "AUTH LOGIN", rp) == -1 || rp->code != 334)
		return rp->code ? 0 : -1;
	if (base64_encode(user, ul, b64, sizeof(b64)) == -1 ||
	    sc_command(&x->c, b64, rp) == -1 || rp->code != 334)
		return rp->code ? 0 : -1;
	if (base64_encode(pass, passlen, b64, sizeof(b64)) == -1)
		return -1;
	rc = sc_command(&x->c, b64, rp);
	explicit_bzero(b64, sizeof(b64));
	return rc;
}

static int
do_auth(struct run *x)
{
	const struct check_opts	*o = x->o;
	struct check_result	*r = x->r;
	struct reply		 rp;
	char			 clean[1100];
	int			 hints, cl;

	step_begin(&x->st, STEP_AUTH);
	if (o->user == NULL || o->password == NULL)
		return step_end(&x->st, STEP_AUTH, STEP_WARN, "skipped: no "
		    "username or password given");
	if (!x->esmtp_auth) {
		if (!r->tls_active && x->has_starttls)
			step_note(&x->st, STEP_AUTH, "AUTH is not offered on "
			    "this plaintext connection; use STARTTLS (--mode "
			    "starttls).");
		else
			step_note(&x->st, STEP_AUTH, "This server offers no "
			    "AUTH%s: it looks like a receiving server (an MX, "
			    "port 25 style), not a submission server. Use your "
			    "provider's submission host on port 587 or 465.",
			    r->tls_active ? ", even over TLS" : " at all");
		return step_end(&x->st, STEP_AUTH, STEP_FAILED, "AUTH not "
		    "offered (EHLO listed no AUTH mechanism)");
	}
	if (auth_exchange(x, o->user, o->password, o->passlen, &rp) == -1)
		return step_end(&x->st, STEP_AUTH, STEP_FAILED, "%s", x->c.err);
	if (rp.code == 235)
		return step_end(&x->st, STEP_AUTH, STEP_OK, "235 %s %s as %s",
		    rp.enhanced, rp.text, o->user);
	hints = cred_hints(o->user, strlen(o->user)) |
	    cred_hints(o->password, o->passlen);
	if (rp.code == 454 && strcasestr(rp.text, "locked") != NULL)
		step_note(&x->st, STEP_AUTH, "454 here means the login is "
		    "locked for a while after repeated failed logins (the "
		    "server's answer says until when); it is not a fault of "
		    "the server. Correct the password in every program that "
		    "logs in as this mailbox, then wait for that time or ask "
		    "the server's administrator to unlock it.");
	else if (rp.code == 454)
		step_note(&x->st, STEP_AUTH, "454 is temporary, not a wrong "
		    "password: the server could not check the credentials (its "
		    "account store may be down, or the login is locked after "
		    "failed logins; the answer's text says which). Try again "
		    "later, and tell the server's administrator if it "
		    "persists.");
	else if (rp.code == 535 && hints)
		step_note(&x->st, STEP_AUTH, "The credentials contain hidden "
		    "characters (see the credentials step): they are the "
		    "likely cause.");
	if (rp.code == 535 && o->clean && !o->no_retry && hints &&
	    (cl = cred_clean(o->password, o->passlen, clean,
	    sizeof(clean))) >= 0) {
		struct reply	rp2;
		char		cu[300];

		if (cred_clean(o->user, strlen(o->user), cu, sizeof(cu)) < 0)
			util_strlcpy(cu, o->user, sizeof(cu));
		/* a new session: AUTH is allowed once per session */
		sc_command(&x->c, "RSET", &rp2);
		if (auth_exchange(x, cu, clean, (size_t)cl, &rp2) == 0 &&
		    rp2.code == 235) {
			explicit_bzero(clean, sizeof(clean));
			step_note(&x->st, STEP_AUTH, "Retried once with the "
			    "hidden characters removed (--clean): that worked. "
			    "Fix the stored password in your sending "
			    "platform.");
			return step_end(&x->st, STEP_AUTH, STEP_WARN, "235 "
			    "after cleaning the credentials");
		}
		explicit_bzero(clean, sizeof(clean));
		step_note(&x->st, STEP_AUTH, "Retried once with the hidden "
		    "characters removed (--clean): still refused.");
	}
	return reply_failed(x, STEP_AUTH, &rp, "AUTH refused");
}

static int
do_envelope(struct run *x)
{
	const struct check_opts	*o = x->o;
	struct reply		 rp;
	char			 line[600];
	const char		*from = o->from ? o->from : o->user;
	static const char	 body[] =
	    "Subject: postern check test message\r\n"
	    "X-Postern-Check: yes\r\n"
	    "\r\n"
	    "This message was sent by `postern check --send` to test a\r\n"
	    "submission connection end to end.\r\n"
	    ".\r\n";

	step_begin(&x->st, STEP_MAIL);
	snprintf(line, sizeof(line), "MAIL FROM:<%s>", from ? from : "");
	if (sc_command(&x->c, line, &rp) == -1)
		return step_end(&x->st, STEP_MAIL, STEP_FAILED, "%s", x->c.err);
	if (rp.code != 250)
		return reply_failed(x, STEP_MAIL, &rp, "MAIL FROM refused");
	step_end(&x->st, STEP_MAIL, STEP_OK, "250 for <%s>", from ? from : "");
	if (o->to == NULL) {
		sc_command(&x->c, "RSET", &rp);
		return 0;
	}
	step_begin(&x->st, STEP_RCPT);
	snprintf(line, sizeof(line), "RCPT TO:<%s>", o->to);
	if (sc_command(&x->c, line, &rp) == -1)
		return step_end(&x->st, STEP_RCPT, STEP_FAILED, "%s", x->c.err);
	if (rp.code != 250 && rp.code != 251)
		return reply_failed(x, STEP_RCPT, &rp, "RCPT TO refused");
	step_end(&x->st, STEP_RCPT, STEP_OK, "%d for <%s>", rp.code, o->to);
	if (!o->send) {
		sc_command(&x->c, "RSET", &rp);
		return 0;
	}
	step_begin(&x->st, STEP_DATA);
	if (sc_command(&x->c, "DATA", &rp) == -1)
		return step_end(&x->st, STEP_DATA, STEP_FAILED, "%s", x->c.err);
	if (rp.code != 354)
		return reply_failed(x, STEP_DATA, &rp, "DATA refused");
	if (sc_write(&x->c, body, sizeof(body) - 1) == -1 ||
	    sc_read_reply(&x->c, &rp) == -1)
		return step_end(&x->st, STEP_DATA, STEP_FAILED, "%s", x->c.err);
	if (rp.code != 250)
		return reply_failed(x, STEP_DATA, &rp, "message refused");
	return step_end(&x->st, STEP_DATA, STEP_OK, "250 %s %s", rp.enhanced,
	    rp.text);
}

int
check_run(const struct check_opts *o, struct check_result *r)
{
	struct run		 x;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = 0;
	char			 err[256];
	struct reply		 rp;

	memset(r, 0, sizeof(*r));
	memset(&x, 0, sizeof(x));
	x.o = o;
	x.r = r;
	step_init(&x.st, &layout, r->step, steps, STEP_COUNT, &r->failed,
	    &r->exit_status);
	r->failed = -1;
	util_strlcpy(r->host, o->host, sizeof(r->host));
	r->port = check_port(o->mode, o->port);
	r->mode = check_mode_for_port(o->mode, r->port);
	sc_init(&x.c, o->timeout_ms);
	if ((x.ctx = sc_tls_ctx(o->cafile, err, sizeof(err))) == NULL) {
		r->exit_status = 1;
		step_end(&x.st, STEP_TLS, STEP_FAILED, "%s", err);
		return r->exit_status;
	}
	if (do_credentials(&x) == -1 || do_dns(&x, &ss, &sslen) == -1 ||
	    do_connect(&x, &ss, sslen) == -1)
		goto done;
	if (r->mode == CHECK_TLS) {
		if (do_tls(&x, STEP_TLS) == -1)
			goto done;
	} else if (o->mode == CHECK_AUTO && do_probe(&x, &ss, sslen) == -1)
		goto done;
	if (do_banner(&x) == -1 || do_ehlo(&x, STEP_EHLO) == -1)
		goto done;
	if (r->mode == CHECK_STARTTLS) {
		step_begin(&x.st, STEP_STARTTLS);
		if (!x.has_starttls) {
			step_note(&x.st, STEP_STARTTLS, "The server does not "
			    "offer STARTTLS: credentials would travel in "
			    "plaintext. If this is port 465, use --mode tls.");
			step_end(&x.st, STEP_STARTTLS, STEP_FAILED, "STARTTLS "
			    "not offered");
			goto done;
		}
		if (sc_command(&x.c, "STARTTLS", &rp) == -1) {
			step_end(&x.st, STEP_STARTTLS, STEP_FAILED, "%s",
			    x.c.err);
			goto done;
		}
		if (rp.code != 220) {
			reply_failed(&x, STEP_STARTTLS, &rp, "STARTTLS "
			    "refused");
			goto done;
		}
		if (do_tls(&x, STEP_STARTTLS) == -1 ||
		    do_ehlo(&x, STEP_EHLO_TLS) == -1)
			goto done;
	}
	if (do_auth(&x) == -1)
		goto done;
	if (o->user != NULL || o->from != NULL)
		do_envelope(&x);
done:
	if (x.c.fd != -1 && r->failed != STEP_CONNECT && x.c.status == SC_OK)
		(void)sc_command(&x.c, "QUIT", &rp);
	sc_close(&x.c);
	SSL_CTX_free(x.ctx);
	if (o->imap)
		check_imap_run(o, r);
	return r->exit_status;
}
