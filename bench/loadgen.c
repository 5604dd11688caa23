/*
 * loadgen: SMTP submission load generator for benchmarking postern.
 *
 * One thread drives many non-blocking sessions with level-triggered
 * epoll and non-blocking OpenSSL.  Each session is a small state machine
 * (enum lg_state) living in a slot that is reused when the session ends:
 * connect, implicit TLS or EHLO + STARTTLS (RFC 3207), EHLO, AUTH PLAIN
 * or LOGIN (RFC 4954), then --per-conn transactions (MAIL, RCPT x R,
 * DATA; one RFC 2920 group when the server offers PIPELINING), then
 * QUIT.  Every reply is checked against the one its step expects (the
 * steps[] table); anything else fails the session, is counted under its
 * reply code (or "timeout", "tls", "closed", "reset", "connect-refused",
 * "proto"...), and the slot starts a new session while the run lasts.
 * A message counts as sent only on the 250 after its final dot.
 *
 * Invariants: a slot's read buffer holds at most LG_RBUF bytes of
 * unparsed reply text (a longer line fails the session as "proto");
 * output is the slot's command buffer, sized once at start-up, then at
 * most one reference to the shared, already dot-stuffed message body,
 * which is never copied per message.  With --messages the budget is
 * reserved per session and what a dead session had not begun goes back,
 * so ok + failed == N when the run ends.  Latencies live in reservoirs
 * of at most LG_SAMPLES samples each.
 *
 * Measurement: elapsed_s runs from the start to the last success (250
 * after a dot, or 221); with --duration, transactions begun before the
 * deadline are finished and counted.  Message latency runs from MAIL to
 * the 250 after the dot; session latency from connect to the 221, or to
 * the last 250 when --per-conn > 1.  With --hold, elapsed_s and session
 * latency end at "ready" and at each session's 235 respectively.
 *
 * Fails: bad options or failed set-up exit 2 with a message.  The run
 * exits 1 if any session or transaction failed, else 0.  After
 * LG_FAIL_STREAK + 2 * concurrency failures in a row with no success in
 * between it stops opening sessions, so a wrong password or a dead
 * server cannot spin.
 *
 * Addresses must be numeric (no DNS).  Certificates are not verified: a
 * benchmark measures the server, not the PKI.
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "lib/base64.h"
#include "core/reply.h"

#define LG_RBUF		1024	/* RFC 5321 4.5.3.1.5: reply lines <= 512 */
#define LG_EVENTS	256
#define LG_SAMPLES	1000000
#define LG_FAIL_STREAK	100
#define LG_FAILKEYS	64
#define LG_TICK_MS	100
#define LG_MAX_RCPTS	1000
#define LG_LINE		76	/* body line length without CRLF */
#define LG_MAX_SIZE	(256UL << 20)
#define LG_NS		1000000000ULL

#define LG_IO_AGAIN	(-2)
#define LG_IO_ERR	(-1)

enum lg_mode {
	LG_PLAIN,
	LG_STARTTLS,
	LG_TLS,
};

enum lg_auth {
	LG_AUTH_NONE,
	LG_AUTH_PLAIN,
	LG_AUTH_LOGIN,
};

enum lg_state {
	LG_S_FREE,
	LG_S_CONNECTING,
	LG_S_HANDSHAKE,
	LG_S_BANNER,
	LG_S_EHLO,
	LG_S_STARTTLS,
	LG_S_AUTH_USER,		/* LOGIN: 334 asking for the username */
	LG_S_AUTH_PASS,		/* LOGIN: 334 asking for the password */
	LG_S_AUTH,
	LG_S_MAIL,
	LG_S_RCPT,
	LG_S_DATA,
	LG_S_DOT,
	LG_S_QUIT,
	LG_S_IDLE,		/* --hold: established, waiting */
	LG_S_CLOSING,		/* 221 seen, waiting for the server's EOF */
	LG_S_COUNT
};

#define LG_F_RWW	0x01	/* SSL_read wants the socket writable */
#define LG_F_WWR	0x02	/* SSL_write wants the socket readable */
#define LG_F_HSW	0x04	/* handshake wants the socket writable */
#define LG_F_PIPE	0x08	/* pipelining in use on this session */
#define LG_F_TX		0x10	/* a transaction is in flight */
#define LG_F_EST	0x20	/* --hold: session established */

struct lg_sess {
	enum lg_state	 state;
	int		 fd;
	SSL		*ssl;
	SSL_SESSION	*saved;		/* --resume: last ticket of this slot */
	uint32_t	 idx;
	uint32_t	 gen;		/* tells stale epoll events apart */
	uint32_t	 events;	/* epoll interest registered */
	int		 flags;
	unsigned long	 todo;		/* messages reserved, not begun */
	unsigned long	 sent;		/* messages done on this connection */
	unsigned	 rcpt_left;	/* RCPT replies still expected */
	uint64_t	 t_connect;
	uint64_t	 t_mail;
	uint64_t	 t_last250;
	uint64_t	 deadline;	/* 0: none */
	const char	*fail;		/* failure key, NULL for a clean end */
	char		 failbuf[16];
	struct reply	 reply;
	size_t		 rlen;
	char		 rbuf[LG_RBUF];
	char		*wbuf;		/* lg.wcap bytes */
	size_t		 wlen, woff;
	const char	*ext;		/* shared body, sent after wbuf */
	size_t		 extlen, extoff;
};

struct lg_lat {
	uint32_t	*v;		/* microseconds */
	size_t		 n, cap;
	uint64_t	 seen;
	uint64_t	 max;		/* nanoseconds, exact */
};

struct lg_fail {
	char		 key[16];
	unsigned long	 count;
};

struct lg_step {
	const char	*name;
	int		 expect;	/* 0: no reply is expected here */
	int		(*fn)(struct lg_sess *);
};

static struct {
	/* Options. */
	const char	*host, *port, *sni, *user, *pass, *from, *to;
	enum lg_mode	 mode;
	enum lg_auth	 auth;
	unsigned long	 conc, rcpts, per_conn, messages, hold;
	double		 duration, hold_secs, timeout;
	unsigned long	 size;
	int		 pipelining, resume, hs_only, json, verbose;

	/* Set-up. */
	struct sockaddr_storage	 addr;
	socklen_t	 addrlen;
	SSL_CTX		*ctx;
	int		 ep;
	struct lg_sess	*slots;
	unsigned long	 nslots;
	char		*wbufs;
	size_t		 wcap;
	char		*group;		/* MAIL, RCPT..., DATA */
	size_t		 grouplen;
	size_t		*rcptoff;	/* rcptoff[i]: start of RCPT i + 1 */
	char		*authcmd, *login_user, *login_pass;
	char		*body;		/* stuffed body and ".\r\n" */
	size_t		 bodylen;
	char		*rcpt0;		/* first recipient, for To: */
	unsigned long	 pid;

	/* Run. */
	uint64_t	 now, t_start, t_deadline, t_last, t_tick;
	uint64_t	 timeout_ns, seq;
	int		 budgeted, over, aborted, ready, quitting;
	unsigned long	 unreserved, active, setting_up, next_hold;
	unsigned long	*freelist, nfree;
	uint64_t	 t_ready, t_hold_end, hold_until;

	/* Results. */
	unsigned long	 msgs_ok, msgs_failed, sess_ok, sess_opened;
	unsigned long	 handshakes, resumed, streak;
	unsigned long	 established, dropped, hold_failed;
	struct lg_lat	 msg_lat, sess_lat;
	struct lg_fail	 fails[LG_FAILKEYS];
	size_t		 nfails;
} lg;

static volatile sig_atomic_t lg_signalled;

static void	usage(void) __attribute__((noreturn));
static unsigned long lg_num(const char *, const char *, unsigned long,
		    unsigned long);
static double	lg_secs(const char *, const char *);
static void	lg_options(int, char **);
static void	lg_check_options(void);
static void	lg_setup(void);
static void	lg_setup_addr(void);
static void	lg_setup_rlimit(void);
static void	lg_setup_tls(void);
static void	lg_setup_commands(void);
static void	lg_setup_auth(void);
static char	*lg_b64line(const char *, const void *, size_t);
static int	lg_header(char *, size_t, uint64_t);
static void	lg_setup_body(void);
static void	lg_setup_slots(void);
static int	lg_new_session(SSL *, SSL_SESSION *);
static void	lg_on_signal(int);
static uint64_t	now_ns(void);
static void	lg_run(void);
static int	lg_may_start(void);
static void	lg_pump(void);
static void	lg_tick(void);
static void	lg_hold_check(void);
static void	lg_fail_count(const char *);
static void	lat_add(struct lg_lat *, uint64_t);
static int	lat_cmp(const void *, const void *);
static double	lat_pct(const struct lg_lat *, double);
static void	lg_report(void);
static void	lg_report_json(double, double, double);
static void	lg_report_text(double, double, double);

static void	sess_start(struct lg_sess *);
static void	sess_end(struct lg_sess *, const char *);
static void	sess_event(struct lg_sess *);
static void	sess_enter(struct lg_sess *, enum lg_state);
static int	sess_fail(struct lg_sess *, const char *);
static int	sess_events(struct lg_sess *);
static int	sess_connected(struct lg_sess *);
static int	sess_tls_begin(struct lg_sess *);
static int	sess_handshake(struct lg_sess *);
static int	sess_read(struct lg_sess *);
static ssize_t	sess_recv(struct lg_sess *, char *, size_t);
static int	sess_lines(struct lg_sess *);
static int	sess_line(struct lg_sess *, const char *, size_t);
static int	sess_put(struct lg_sess *, const void *, size_t);
static int	sess_cmd(struct lg_sess *, const char *, size_t,
		    enum lg_state);
static int	sess_pending(const struct lg_sess *);
static int	sess_flush(struct lg_sess *);
static void	sess_advance(struct lg_sess *, size_t);
static int	sess_login(struct lg_sess *);
static int	sess_ready(struct lg_sess *);
static int	sess_next(struct lg_sess *);
static int	sess_quit(struct lg_sess *);
static int	sess_data_hdr(struct lg_sess *);
static int	ehlo_has(const char *, const char *);

static int	step_banner(struct lg_sess *);
static int	step_ehlo(struct lg_sess *);
static int	step_starttls(struct lg_sess *);
static int	step_auth_user(struct lg_sess *);
static int	step_auth_pass(struct lg_sess *);
static int	step_auth(struct lg_sess *);
static int	step_mail(struct lg_sess *);
static int	step_rcpt(struct lg_sess *);
static int	step_data(struct lg_sess *);
static int	step_dot(struct lg_sess *);
static int	step_quit(struct lg_sess *);

/* What each state waits for, and what to do when it comes. */
static const struct lg_step steps[LG_S_COUNT] = {
	[LG_S_BANNER] =		{ "banner",	220, step_banner },
	[LG_S_EHLO] =		{ "ehlo",	250, step_ehlo },
	[LG_S_STARTTLS] =	{ "starttls",	220, step_starttls },
	[LG_S_AUTH_USER] =	{ "auth",	334, step_auth_user },
	[LG_S_AUTH_PASS] =	{ "auth",	334, step_auth_pass },
	[LG_S_AUTH] =		{ "auth",	235, step_auth },
	[LG_S_MAIL] =		{ "mail",	250, step_mail },
	[LG_S_RCPT] =		{ "rcpt",	250, step_rcpt },
	[LG_S_DATA] =		{ "data",	354, step_data },
	[LG_S_DOT] =		{ "dot",	250, step_dot },
	[LG_S_QUIT] =		{ "quit",	221, step_quit },
	[LG_S_IDLE] =		{ "idle",	0,   NULL },
};

static const char *const lg_mode_names[] = { "plain", "starttls", "tls" };

static void
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen --port N [--host ADDR] "
	    "[--mode plain|starttls|tls] [--sni NAME]\n"
	    "\t[--user U --password-env VAR] [--auth plain|login|none]\n"
	    "\t[--concurrency C] (--duration S | --messages N) "
	    "[--size BYTES]\n"
	    "\t[--per-conn M] [--rcpts R] [--from ADDR] [--to ADDR]\n"
	    "\t[--pipelining | --no-pipelining] [--resume] "
	    "[--handshake-only]\n"
	    "\t[--hold N --hold-seconds S] [--timeout S] [--json] "
	    "[--verbose]\n");
	exit(2);
}

static unsigned long
lg_num(const char *s, const char *opt, unsigned long min, unsigned long max)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || v < min ||
	    v > max)
		errx(2, "--%s: need a number from %lu to %lu", opt, min, max);
	return v;
}

static double
lg_secs(const char *s, const char *opt)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v > 0) || v > 1e6)
		errx(2, "--%s: need seconds > 0", opt);
	return v;
}

enum {
	O_HOST = 256, O_PORT, O_MODE, O_SNI, O_USER, O_PASSENV, O_AUTH,
	O_CONC, O_DURATION, O_MESSAGES, O_SIZE, O_PERCONN, O_RCPTS, O_FROM,
	O_TO, O_PIPE, O_NOPIPE, O_RESUME, O_HSONLY, O_HOLD, O_HOLDSECS,
	O_TIMEOUT, O_JSON, O_VERBOSE, O_HELP
};

static void
lg_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, O_HOST },
		{ "port", required_argument, NULL, O_PORT },
		{ "mode", required_argument, NULL, O_MODE },
		{ "sni", required_argument, NULL, O_SNI },
		{ "user", required_argument, NULL, O_USER },
		{ "password-env", required_argument, NULL, O_PASSENV },
		{ "auth", required_argument, NULL, O_AUTH },
		{ "concurrency", required_argument, NULL, O_CONC },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "messages", required_argument, NULL, O_MESSAGES },
		{ "size", required_argument, NULL, O_SIZE },
		{ "per-conn", required_argument, NULL, O_PERCONN },
		{ "rcpts", required_argument, NULL, O_RCPTS },
		{ "from", required_argument, NULL, O_FROM },
		{ "to", required_argument, NULL, O_TO },
		{ "pipelining", no_argument, NULL, O_PIPE },
		{ "no-pipelining", no_argument, NULL, O_NOPIPE },
		{ "resume", no_argument, NULL, O_RESUME },
		{ "handshake-only", no_argument, NULL, O_HSONLY },
		{ "hold", required_argument, NULL, O_HOLD },
		{ "hold-seconds", required_argument, NULL, O_HOLDSECS },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "json", no_argument, NULL, O_JSON },
		{ "verbose", no_argument, NULL, O_VERBOSE },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 }
	};
	const char	*passenv = NULL, *auth = NULL;
	int		 c;

	lg.host = "127.0.0.1";
	lg.mode = LG_PLAIN;
	lg.size = 1024;
	lg.per_conn = 50;
	lg.rcpts = 1;
	lg.to = "sink@example.org";
	lg.pipelining = 1;
	lg.timeout = 30;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_HOST: lg.host = optarg; break;
		case O_PORT:
			lg_num(optarg, "port", 1, 65535);
			lg.port = optarg;
			break;
		case O_MODE:
			if (strcmp(optarg, "plain") == 0)
				lg.mode = LG_PLAIN;
			else if (strcmp(optarg, "starttls") == 0)
				lg.mode = LG_STARTTLS;
			else if (strcmp(optarg, "tls") == 0)
				lg.mode = LG_TLS;
			else
				errx(2, "--mode: plain, starttls or tls");
			break;
		case O_SNI: lg.sni = optarg; break;
		case O_USER: lg.user = optarg; break;
		case O_PASSENV: passenv = optarg; break;
		case O_AUTH: auth = optarg; break;
		case O_CONC:
			lg.conc = lg_num(optarg, "concurrency", 1, 1000000);
			break;
		case O_DURATION: lg.duration = lg_secs(optarg, "duration");
			break;
		case O_MESSAGES:
			lg.messages = lg_num(optarg, "messages", 1,
			    ULONG_MAX / 2);
			break;
		case O_SIZE:
			lg.size = lg_num(optarg, "size", 0, LG_MAX_SIZE);
			break;
		case O_PERCONN:
			lg.per_conn = lg_num(optarg, "per-conn", 1,
			    ULONG_MAX / 2);
			break;
		case O_RCPTS:
			lg.rcpts = lg_num(optarg, "rcpts", 1, LG_MAX_RCPTS);
			break;
		case O_FROM: lg.from = optarg; break;
		case O_TO: lg.to = optarg; break;
		case O_PIPE: lg.pipelining = 1; break;
		case O_NOPIPE: lg.pipelining = 0; break;
		case O_RESUME: lg.resume = 1; break;
		case O_HSONLY: lg.hs_only = 1; break;
		case O_HOLD:
			lg.hold = lg_num(optarg, "hold", 1, 1000000);
			break;
		case O_HOLDSECS:
			lg.hold_secs = lg_secs(optarg, "hold-seconds");
			break;
		case O_TIMEOUT: lg.timeout = lg_secs(optarg, "timeout"); break;
		case O_JSON: lg.json = 1; break;
		case O_VERBOSE: lg.verbose = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (auth == NULL)
		lg.auth = lg.user != NULL ? LG_AUTH_PLAIN : LG_AUTH_NONE;
	else if (strcmp(auth, "plain") == 0)
		lg.auth = LG_AUTH_PLAIN;
	else if (strcmp(auth, "login") == 0)
		lg.auth = LG_AUTH_LOGIN;
	else if (strcmp(auth, "none") == 0)
		lg.auth = LG_AUTH_NONE;
	else
		errx(2, "--auth: plain, login or none");
	if (lg.auth != LG_AUTH_NONE) {
		if (lg.user == NULL || passenv == NULL)
			errx(2, "--auth needs --user and --password-env");
		if ((lg.pass = getenv(passenv)) == NULL)
			errx(2, "--password-env: %s is not set", passenv);
	}
	lg_check_options();
}

static void
lg_check_options(void)
{
	if (lg.port == NULL)
		errx(2, "--port is required");
	if (lg.hold > 0) {
		if (lg.hold_secs == 0)
			errx(2, "--hold needs --hold-seconds");
		if (lg.hs_only || lg.duration > 0 || lg.messages > 0)
			errx(2, "--hold excludes --handshake-only, --duration "
			    "and --messages");
		if (lg.conc == 0)
			lg.conc = 64;	/* set-ups in flight */
	} else if ((lg.duration > 0) == (lg.messages > 0))
		errx(2, "give exactly one of --duration and --messages");
	if (lg.conc == 0)
		lg.conc = 8;
	if (lg.hs_only && lg.mode == LG_PLAIN)
		warnx("--handshake-only in plain mode: banner, EHLO, QUIT");
	if (lg.from == NULL)
		lg.from = lg.user != NULL ? lg.user : "loadgen@example.org";
	if (strchr(lg.to, '@') == NULL)
		errx(2, "--to: need local@domain");
	if (strpbrk(lg.from, "\r\n<> ") != NULL ||
	    strpbrk(lg.to, "\r\n<> ") != NULL)
		errx(2, "--from/--to: plain addresses only");
	lg.timeout_ns = (uint64_t)(lg.timeout * 1e9);
}

static void
lg_setup(void)
{
	lg.pid = (unsigned long)getpid();
	lg_setup_addr();
	lg_setup_rlimit();
	if (lg.mode != LG_PLAIN)
		lg_setup_tls();
	lg_setup_commands();
	lg_setup_body();
	lg_setup_slots();
	if ((lg.ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		err(2, "epoll_create1");
}

/* Numeric only: a benchmark must not depend on, or wait for, DNS. */
static void
lg_setup_addr(void)
{
	struct addrinfo	 hints, *res;
	int		 e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((e = getaddrinfo(lg.host, lg.port, &hints, &res)) != 0)
		errx(2, "--host %s: %s (numeric addresses only)", lg.host,
		    gai_strerror(e));
	memcpy(&lg.addr, res->ai_addr, res->ai_addrlen);
	lg.addrlen = res->ai_addrlen;
	freeaddrinfo(res);
}

/* One descriptor per slot, plus room for stdio and epoll. */
static void
lg_setup_rlimit(void)
{
	struct rlimit	 rl;
	rlim_t		 need;

	lg.nslots = lg.hold > 0 ? lg.hold : lg.conc;
	need = (rlim_t)lg.nslots + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(2, "getrlimit");
	if (rl.rlim_cur >= need)
		return;
	rl.rlim_cur = need;
	if (rl.rlim_max < need)
		rl.rlim_max = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(2, "cannot raise RLIMIT_NOFILE to %lu for %lu sessions "
		    "(run as root or raise the hard limit)",
		    (unsigned long)need, lg.nslots);
}

static void
lg_setup_tls(void)
{
	long	mode;

	if ((lg.ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		errx(2, "SSL_CTX_new failed");
	SSL_CTX_set_min_proto_version(lg.ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(lg.ctx, SSL_VERIFY_NONE, NULL);
	/* EOF without close_notify reads as a plain EOF ("closed"). */
	SSL_CTX_set_options(lg.ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	mode = SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER;
	if (lg.hold > 0)
		mode |= SSL_MODE_RELEASE_BUFFERS;	/* idle sessions */
	SSL_CTX_set_mode(lg.ctx, mode);
	if (lg.resume) {
		SSL_CTX_set_session_cache_mode(lg.ctx, SSL_SESS_CACHE_CLIENT |
		    SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(lg.ctx, lg_new_session);
	} else
		SSL_CTX_set_session_cache_mode(lg.ctx, SSL_SESS_CACHE_OFF);
}

/* --resume: keep the newest session (TLS 1.3 ticket) of the slot. */
static int
lg_new_session(SSL *ssl, SSL_SESSION *sess)
{
	struct lg_sess	*s = SSL_get_app_data(ssl);

	if (s == NULL)
		return 0;
	if (s->saved != NULL)
		SSL_SESSION_free(s->saved);
	s->saved = sess;
	return 1;
}

/*
 * The pipelined group "MAIL FROM, RCPT TO x R, DATA" is built once; the
 * non-pipelined path sends its lines one by one through rcptoff[].  With
 * R > 1 the recipients are local+1@domain .. local+R@domain.
 */
static void
lg_setup_commands(void)
{
	const char	*at = strchr(lg.to, '@');
	size_t		 cap, len, i;
	int		 n;

	cap = 64 + strlen(lg.from) + lg.rcpts * (32 + strlen(lg.to));
	if ((lg.group = malloc(cap)) == NULL ||
	    (lg.rcptoff = calloc(lg.rcpts + 1, sizeof(size_t))) == NULL ||
	    (lg.rcpt0 = malloc(strlen(lg.to) + 16)) == NULL)
		err(2, "malloc");
	n = snprintf(lg.group, cap, "MAIL FROM:<%s>\r\n", lg.from);
	if (n < 0 || (size_t)n >= cap)
		errx(2, "command too long");
	len = (size_t)n;
	for (i = 0; i < lg.rcpts; i++) {
		lg.rcptoff[i] = len;
		if (lg.rcpts == 1)
			n = snprintf(lg.group + len, cap - len,
			    "RCPT TO:<%s>\r\n", lg.to);
		else
			n = snprintf(lg.group + len, cap - len,
			    "RCPT TO:<%.*s+%zu%s>\r\n", (int)(at - lg.to),
			    lg.to, i + 1, at);
		if (n < 0 || (size_t)n >= cap - len)
			errx(2, "command too long");
		if (i == 0)	/* the address between "RCPT TO:<" and ">" */
			snprintf(lg.rcpt0, strlen(lg.to) + 16, "%.*s",
			    n - 12, lg.group + len + 9);
		len += (size_t)n;
	}
	lg.rcptoff[lg.rcpts] = len;
	n = snprintf(lg.group + len, cap - len, "DATA\r\n");
	if (n < 0 || (size_t)n >= cap - len)
		errx(2, "command too long");
	lg.grouplen = len + (size_t)n;
	if (lg.auth != LG_AUTH_NONE)
		lg_setup_auth();
}

/* AUTH PLAIN initial response (RFC 4616), or the two LOGIN lines. */
static void
lg_setup_auth(void)
{
	size_t	 ulen = strlen(lg.user), plen = strlen(lg.pass);
	char	*raw;

	if (lg.auth == LG_AUTH_LOGIN) {
		lg.authcmd = strdup("AUTH LOGIN\r\n");
		lg.login_user = lg_b64line("", lg.user, ulen);
		lg.login_pass = lg_b64line("", lg.pass, plen);
		if (lg.authcmd == NULL)
			err(2, "strdup");
		return;
	}
	if ((raw = malloc(ulen + plen + 2)) == NULL)
		err(2, "malloc");
	raw[0] = '\0';
	memcpy(raw + 1, lg.user, ulen);
	raw[1 + ulen] = '\0';
	memcpy(raw + 2 + ulen, lg.pass, plen);
	lg.authcmd = lg_b64line("AUTH PLAIN ", raw, ulen + plen + 2);
	explicit_bzero(raw, ulen + plen + 2);
	free(raw);
}

/* prefix + base64(p) + CRLF, allocated. */
static char *
lg_b64line(const char *prefix, const void *p, size_t n)
{
	size_t	 plen = strlen(prefix), cap;
	char	*s;
	long	 e;

	cap = plen + base64_encoded_size(n) + 2;
	if ((s = malloc(cap)) == NULL)
		err(2, "malloc");
	memcpy(s, prefix, plen);
	if ((e = base64_encode(p, n, s + plen, cap - plen)) < 0)
		errx(2, "base64_encode failed");
	memcpy(s + plen + (size_t)e, "\r\n", 3);
	return s;
}

/* Per-message header; fixed width, so its length is known at start. */
static int
lg_header(char *dst, size_t dstsz, uint64_t seq)
{
	int	n;

	n = snprintf(dst, dstsz, "From: <%s>\r\nTo: <%s>\r\n"
	    "Subject: postern loadgen\r\n"
	    "Message-ID: <%08lx.%016" PRIx64 "@loadgen.invalid>\r\n\r\n",
	    lg.from, lg.rcpt0, lg.pid & 0xffffffffUL, seq);
	if (n < 0 || (size_t)n >= dstsz)
		return -1;
	return n;
}

/*
 * The body, shared by every message: 76-character lines and CRLF, so
 * that header + body is --size bytes (a short last line takes the rest).
 * Every 16th line starts with '.', to exercise dot-stuffing (RFC 5321
 * 4.5.2), which is applied here once; ".\r\n" ends it.
 */
static void
lg_setup_body(void)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	char	 hdr[1024];
	size_t	 want, lines, i, j, linelen, o = 0;
	int	 h;

	if ((h = lg_header(hdr, sizeof(hdr), 0)) < 0)
		errx(2, "--from/--to too long");
	want = lg.size > (size_t)h ? lg.size - (size_t)h : 0;
	lines = want / (LG_LINE + 2) + 1;
	if ((lg.body = malloc(lines * (LG_LINE + 3) + 4)) == NULL)
		err(2, "malloc");
	for (i = 0; want >= 3; i++) {
		linelen = want >= LG_LINE + 2 ? LG_LINE : want - 2;
		if (i % 16 == 15)
			lg.body[o++] = '.';	/* the stuffing */
		for (j = 0; j < linelen; j++)
			lg.body[o + j] = alnum[(i + j) % (sizeof(alnum) - 1)];
		if (i % 16 == 15)
			lg.body[o] = '.';
		o += linelen;
		lg.body[o++] = '\r';
		lg.body[o++] = '\n';
		want -= linelen + 2;
	}
	memcpy(lg.body + o, ".\r\n", 3);
	lg.bodylen = o + 3;
	lg.wcap = lg.grouplen + (size_t)h + 64;
	if (lg.authcmd != NULL && strlen(lg.authcmd) + 64 > lg.wcap)
		lg.wcap = strlen(lg.authcmd) + 64;
	if (lg.login_user != NULL && strlen(lg.login_user) + 64 > lg.wcap)
		lg.wcap = strlen(lg.login_user) + 64;
	if (lg.login_pass != NULL && strlen(lg.login_pass) + 64 > lg.wcap)
		lg.wcap = strlen(lg.login_pass) + 64;
}

static void
lg_setup_slots(void)
{
	unsigned long	i;

	if ((lg.slots = calloc(lg.nslots, sizeof(*lg.slots))) == NULL ||
	    (lg.wbufs = calloc(lg.nslots, lg.wcap)) == NULL ||
	    (lg.freelist = calloc(lg.nslots, sizeof(*lg.freelist))) == NULL)
		err(2, "calloc for %lu sessions", lg.nslots);
	for (i = 0; i < lg.nslots; i++) {
		lg.slots[i].idx = (uint32_t)i;
		lg.slots[i].fd = -1;
		lg.slots[i].wbuf = lg.wbufs + i * lg.wcap;
		lg.freelist[lg.nslots - 1 - i] = i;
	}
	lg.nfree = lg.hold > 0 ? 0 : lg.nslots;
}

static void
lg_on_signal(int sig)
{
	(void)sig;
	lg_signalled = 1;
}

static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * LG_NS + (uint64_t)ts.tv_nsec;
}

static void
lg_run(void)
{
	struct epoll_event	 evs[LG_EVENTS];
	struct lg_sess		*s;
	uint64_t		 u;
	int			 i, n;

	lg.now = lg.t_start = lg.t_tick = now_ns();
	lg.t_deadline = lg.t_start + (uint64_t)(lg.duration * 1e9);
	lg.budgeted = lg.messages > 0;
	lg.unreserved = lg.messages;
	for (;;) {
		lg_pump();
		if (lg.hold > 0 ? lg.ready && lg.active == 0 :
		    lg.active == 0 && !lg_may_start())
			break;
		n = epoll_wait(lg.ep, evs, LG_EVENTS, LG_TICK_MS);
		if (n == -1 && errno != EINTR)
			err(2, "epoll_wait");
		lg.now = now_ns();
		for (i = 0; i < n; i++) {
			u = evs[i].data.u64;
			s = &lg.slots[(uint32_t)u];
			if (s->gen != (uint32_t)(u >> 32) ||
			    s->state == LG_S_FREE)
				continue;
			sess_event(s);
		}
		if (lg.duration > 0 && lg.now >= lg.t_deadline)
			lg.over = 1;
		if (lg_signalled)
			lg.over = 1;
		if (lg.now - lg.t_tick >= LG_TICK_MS * 1000000ULL)
			lg_tick();
		if (lg.hold > 0)
			lg_hold_check();
	}
}

static int
lg_may_start(void)
{
	return !lg.over && (!lg.budgeted || lg.unreserved > 0);
}

/*
 * Fill free slots.  A slot that fails at once (connection refused on
 * loopback is synchronous) goes back on the list; the pass is bounded by
 * the list's length on entry so that cannot loop here.
 */
static void
lg_pump(void)
{
	unsigned long	n;

	if (lg.hold > 0) {
		while (!lg.over && lg.next_hold < lg.hold &&
		    lg.setting_up < lg.conc)
			sess_start(&lg.slots[lg.next_hold++]);
		if (lg.over)
			lg.next_hold = lg.hold;
		return;
	}
	for (n = lg.nfree; n > 0 && lg.nfree > 0 && lg_may_start(); n--)
		sess_start(&lg.slots[lg.freelist[--lg.nfree]]);
}

static void
lg_tick(void)
{
	struct lg_sess	*s;
	unsigned long	 i;

	lg.t_tick = lg.now;
	for (i = 0; i < lg.nslots; i++) {
		s = &lg.slots[i];
		if (s->state == LG_S_FREE || s->deadline == 0 ||
		    lg.now < s->deadline)
			continue;
		sess_end(s, s->state == LG_S_CLOSING ? NULL : "timeout");
	}
}

/* --hold: "ready N" once every set-up has ended; QUIT when time is up. */
static void
lg_hold_check(void)
{
	struct lg_sess	*s;
	unsigned long	 i;

	if (!lg.ready && lg.next_hold == lg.hold && lg.setting_up == 0) {
		printf("ready %lu\n", lg.established);
		fflush(stdout);
		lg.ready = 1;
		lg.t_ready = lg.t_last = lg.now;
		lg.hold_until = lg.now + (uint64_t)(lg.hold_secs * 1e9);
	}
	if (!lg.ready || lg.quitting ||
	    (lg.now < lg.hold_until && !lg_signalled))
		return;
	lg.quitting = 1;
	lg.t_hold_end = lg.now;
	for (i = 0; i < lg.nslots; i++) {
		s = &lg.slots[i];
		if (s->state != LG_S_IDLE)
			continue;
		if (sess_cmd(s, "QUIT\r\n", 6, LG_S_QUIT) == -1 ||
		    sess_flush(s) == -1 || sess_events(s) == -1)
			sess_end(s, s->fail);
	}
}

static void
lg_fail_count(const char *key)
{
	size_t	i;

	for (i = 0; i < lg.nfails; i++)
		if (strcmp(lg.fails[i].key, key) == 0)
			break;
	if (i == lg.nfails) {
		if (lg.nfails == LG_FAILKEYS)
			key = "other";
		for (i = 0; i < lg.nfails; i++)
			if (strcmp(lg.fails[i].key, key) == 0)
				break;
		if (i == lg.nfails) {
			if (i == LG_FAILKEYS)
				i--;
			else
				lg.nfails++;
			snprintf(lg.fails[i].key, sizeof(lg.fails[i].key),
			    "%s", key);
		}
	}
	lg.fails[i].count++;
}

/* Reservoir sampling (Algorithm R) once LG_SAMPLES are kept. */
static void
lat_add(struct lg_lat *l, uint64_t ns)
{
	static uint64_t	 rng = 0x9e3779b97f4a7c15ULL;
	uint64_t	 us = ns / 1000, j;
	uint32_t	*v;
	size_t		 cap;

	if (us > UINT32_MAX)
		us = UINT32_MAX;
	if (ns > l->max)
		l->max = ns;
	l->seen++;
	if (l->n < LG_SAMPLES) {
		if (l->n == l->cap) {
			cap = l->cap == 0 ? 4096 : l->cap * 2;
			if (cap > LG_SAMPLES)
				cap = LG_SAMPLES;
			if ((v = reallocarray(l->v, cap, sizeof(*v))) == NULL)
				return;
			l->v = v;
			l->cap = cap;
		}
		l->v[l->n++] = (uint32_t)us;
		return;
	}
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	if ((j = rng % l->seen) < LG_SAMPLES)
		l->v[j] = (uint32_t)us;
}

static int
lat_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile in ms of a sorted reservoir; 0 if empty. */
static double
lat_pct(const struct lg_lat *l, double q)
{
	size_t	r;

	if (l->n == 0)
		return 0;
	r = (size_t)(q * (double)l->n + 0.999999);
	if (r < 1)
		r = 1;
	if (r > l->n)
		r = l->n;
	return l->v[r - 1] / 1000.0;
}

static void
lg_report(void)
{
	struct rusage	 ru;
	uint64_t	 end = now_ns();
	double		 elapsed, wall, cpu;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		memset(&ru, 0, sizeof(ru));
	cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	wall = (double)(end - lg.t_start) / 1e9;
	/* The measurement interval ends at the last success. */
	elapsed = lg.t_last > lg.t_start ?
	    (double)(lg.t_last - lg.t_start) / 1e9 : wall;
	if (lg.msg_lat.n > 0)
		qsort(lg.msg_lat.v, lg.msg_lat.n, sizeof(uint32_t), lat_cmp);
	if (lg.sess_lat.n > 0)
		qsort(lg.sess_lat.v, lg.sess_lat.n, sizeof(uint32_t), lat_cmp);
	if (lg.json)
		lg_report_json(elapsed, wall, cpu);
	else
		lg_report_text(elapsed, wall, cpu);
}

static void
lg_report_json(double elapsed, double wall, double cpu)
{
	size_t	i;

	printf("{\"mode\":\"%s\",\"concurrency\":%lu,\"per_conn\":%lu,"
	    "\"size\":%lu,\"rcpts\":%lu,\"handshake_only\":%s,"
	    "\"resume\":%s,\"pipelining\":%s,\"elapsed_s\":%.3f,"
	    "\"wall_s\":%.3f,", lg_mode_names[lg.mode], lg.conc, lg.per_conn,
	    lg.size, lg.rcpts, lg.hs_only ? "true" : "false",
	    lg.resume ? "true" : "false", lg.pipelining ? "true" : "false",
	    elapsed, wall);
	printf("\"messages_ok\":%lu,\"messages_failed\":%lu,"
	    "\"msgs_per_s\":%.1f,\"sessions\":%lu,\"sessions_opened\":%lu,"
	    "\"sessions_per_s\":%.1f,\"tls_handshakes\":%lu,"
	    "\"tls_resumed\":%lu,\"aborted\":%s,\"failures\":{",
	    lg.msgs_ok, lg.msgs_failed, lg.msgs_ok / elapsed, lg.sess_ok,
	    lg.sess_opened, lg.sess_ok / elapsed, lg.handshakes, lg.resumed,
	    lg.aborted ? "true" : "false");
	for (i = 0; i < lg.nfails; i++)
		printf("%s\"%s\":%lu", i > 0 ? "," : "", lg.fails[i].key,
		    lg.fails[i].count);
	printf("},\"msg_latency_ms\":{\"p50\":%.3f,\"p99\":%.3f,"
	    "\"max\":%.3f},", lat_pct(&lg.msg_lat, 0.50),
	    lat_pct(&lg.msg_lat, 0.99), lg.msg_lat.max / 1e6);
	printf("\"session_latency_ms\":{\"p50\":%.3f,\"p99\":%.3f,"
	    "\"max\":%.3f},\"loadgen_cpu_s\":%.3f",
	    lat_pct(&lg.sess_lat, 0.50), lat_pct(&lg.sess_lat, 0.99),
	    lg.sess_lat.max / 1e6, cpu);
	if (lg.hold > 0)
		printf(",\"hold\":%lu,\"established\":%lu,\"dropped\":%lu,"
		    "\"held_seconds\":%.3f", lg.hold, lg.established,
		    lg.dropped, lg.t_hold_end > lg.t_ready ?
		    (double)(lg.t_hold_end - lg.t_ready) / 1e9 : 0.0);
	printf("}\n");
}

static void
lg_report_text(double elapsed, double wall, double cpu)
{
	size_t	i;

	printf("mode %s%s  concurrency %lu  per-conn %lu  size %lu  "
	    "rcpts %lu\n", lg_mode_names[lg.mode],
	    lg.hs_only ? " handshake-only" : "", lg.conc, lg.per_conn,
	    lg.size, lg.rcpts);
	printf("%-20s %.3f s (wall %.3f s, loadgen cpu %.3f s)\n",
	    "elapsed", elapsed, wall, cpu);
	printf("%-20s ok %lu  failed %lu  %.1f msg/s\n", "messages",
	    lg.msgs_ok, lg.msgs_failed, lg.msgs_ok / elapsed);
	printf("%-20s ok %lu  opened %lu  %.1f /s  tls %lu (resumed %lu)\n",
	    "sessions", lg.sess_ok, lg.sess_opened, lg.sess_ok / elapsed,
	    lg.handshakes, lg.resumed);
	printf("%-20s p50 %.3f  p99 %.3f  max %.3f\n", "msg latency ms",
	    lat_pct(&lg.msg_lat, 0.50), lat_pct(&lg.msg_lat, 0.99),
	    lg.msg_lat.max / 1e6);
	printf("%-20s p50 %.3f  p99 %.3f  max %.3f\n", "session latency ms",
	    lat_pct(&lg.sess_lat, 0.50), lat_pct(&lg.sess_lat, 0.99),
	    lg.sess_lat.max / 1e6);
	if (lg.hold > 0)
		printf("%-20s %lu of %lu, dropped %lu, held %.3f s\n",
		    "established", lg.established, lg.hold, lg.dropped,
		    lg.t_hold_end > lg.t_ready ?
		    (double)(lg.t_hold_end - lg.t_ready) / 1e9 : 0.0);
	printf("%-20s", "failures");
	for (i = 0; i < lg.nfails; i++)
		printf(" %s x%lu", lg.fails[i].key, lg.fails[i].count);
	printf("%s%s\n", lg.nfails == 0 ? " none" : "",
	    lg.aborted ? "  (aborted: too many failures in a row)" : "");
}

/* Open a connection in this slot: non-blocking connect, TCP_NODELAY. */
static void
sess_start(struct lg_sess *s)
{
	struct epoll_event	ev;
	int			one = 1;

	s->gen++;
	s->flags = 0;
	s->rlen = s->wlen = s->woff = 0;
	s->ext = NULL;
	s->sent = 0;
	s->fail = NULL;
	s->events = 0;
	reply_init(&s->reply);
	s->t_connect = now_ns();
	lg.active++;
	lg.sess_opened++;
	if (lg.hold > 0)
		lg.setting_up++;
	s->todo = lg.per_conn;
	if (lg.budgeted) {
		if (lg.hs_only || s->todo > lg.unreserved)
			s->todo = lg.hs_only ? 1 : lg.unreserved;
		lg.unreserved -= s->todo;
		if (lg.hs_only)
			s->todo = 0;	/* a session is the unit, spent */
	}
	sess_enter(s, LG_S_CONNECTING);
	s->fd = socket(lg.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (s->fd == -1) {
		sess_end(s, "socket");
		return;
	}
	(void)setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(s->fd, (struct sockaddr *)&lg.addr, lg.addrlen) == -1 &&
	    errno != EINPROGRESS) {
		sess_end(s, errno == ECONNREFUSED ? "connect-refused" :
		    "connect");
		return;
	}
	ev.events = EPOLLOUT;
	ev.data.u64 = s->idx | (uint64_t)s->gen << 32;
	if (epoll_ctl(lg.ep, EPOLL_CTL_ADD, s->fd, &ev) == -1) {
		sess_end(s, "epoll");
		return;
	}
	s->events = EPOLLOUT;
}

/*
 * End the session: count a failure (fail != NULL), give back the unused
 * budget, free the slot and queue it for a new session.
 */
static void
sess_end(struct lg_sess *s, const char *fail)
{
	char	text[128];
	size_t	i;

	if (s->state == LG_S_FREE)
		return;
	if (fail != NULL) {
		lg_fail_count(fail);
		if (s->flags & LG_F_TX)
			lg.msgs_failed++;
		if (++lg.streak >= LG_FAIL_STREAK + 2 * lg.conc &&
		    !lg.aborted) {
			lg.aborted = lg.over = 1;
			warnx("%lu failures in a row; stopping", lg.streak);
		}
		if (lg.verbose) {
			/* Server text is untrusted: printable ASCII only. */
			for (i = 0; i < sizeof(text) - 1 &&
			    s->reply.text[i] != '\0'; i++)
				text[i] = s->reply.text[i] < ' ' ||
				    s->reply.text[i] > '~' ? '?' :
				    s->reply.text[i];
			text[i] = '\0';
			warnx("slot %u: %s: %s%s%s", s->idx,
			    steps[s->state].name != NULL ?
			    steps[s->state].name : "io", fail,
			    text[0] != '\0' ? " " : "", text);
		}
	}
	if (lg.hold > 0) {
		if (s->flags & LG_F_EST)
			lg.dropped += fail != NULL;
		else {
			lg.setting_up--;
			lg.hold_failed++;
		}
	}
	if (lg.budgeted && !lg.hs_only)
		lg.unreserved += s->todo;
	s->todo = 0;
	if (s->ssl != NULL && fail == NULL) {
		/*
		 * SSL_free of a session not shut down marks its ticket
		 * unusable; after 221 nothing more needs to be said.
		 */
		SSL_set_quiet_shutdown(s->ssl, 1);
		(void)SSL_shutdown(s->ssl);
	}
	if (s->ssl != NULL)
		SSL_free(s->ssl);
	s->ssl = NULL;
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	s->state = LG_S_FREE;
	s->deadline = 0;
	s->flags = 0;
	lg.active--;
	if (lg.hold == 0)
		lg.freelist[lg.nfree++] = s->idx;
}

/*
 * Drive the session as far as it goes without blocking: connect,
 * handshake, read and act on replies; then send what is queued.
 */
static void
sess_event(struct lg_sess *s)
{
	int	r;

	for (;;) {
		switch (s->state) {
		case LG_S_CONNECTING:
			r = sess_connected(s);
			break;
		case LG_S_HANDSHAKE:
			r = sess_handshake(s);
			break;
		default:
			r = sess_read(s);
			break;
		}
		if (r == -1)
			goto fail;
		if (r == 0)
			break;
	}
	if (sess_pending(s) && sess_flush(s) == -1)
		goto fail;
	if (sess_events(s) == -1)
		goto fail;
	return;
fail:
	sess_end(s, s->fail);
}

static void
sess_enter(struct lg_sess *s, enum lg_state st)
{
	s->state = st;
	s->deadline = st == LG_S_IDLE ? 0 : lg.now + lg.timeout_ns;
}

static int
sess_fail(struct lg_sess *s, const char *why)
{
	s->fail = why;
	return -1;
}

/* Level-triggered interest: read always, write only when blocked. */
static int
sess_events(struct lg_sess *s)
{
	struct epoll_event	ev;
	uint32_t		want = EPOLLIN;

	if (s->state == LG_S_CONNECTING)
		want = EPOLLOUT;
	else if (s->state == LG_S_HANDSHAKE) {
		if (s->flags & LG_F_HSW)
			want |= EPOLLOUT;
	} else if ((s->flags & LG_F_RWW) ||
	    (sess_pending(s) && !(s->flags & LG_F_WWR)))
		want |= EPOLLOUT;
	if (want == s->events)
		return 0;
	ev.events = want;
	ev.data.u64 = s->idx | (uint64_t)s->gen << 32;
	if (epoll_ctl(lg.ep, EPOLL_CTL_MOD, s->fd, &ev) == -1)
		return sess_fail(s, "epoll");
	s->events = want;
	return 0;
}

static int
sess_connected(struct lg_sess *s)
{
	socklen_t	len = sizeof(int);
	int		e = 0;

	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		e = errno;
	if (e == EINPROGRESS)
		return 0;
	if (e != 0)
		return sess_fail(s, e == ECONNREFUSED ? "connect-refused" :
		    "connect");
	if (lg.mode == LG_TLS)
		return sess_tls_begin(s);
	sess_enter(s, LG_S_BANNER);
	return 1;
}

static int
sess_tls_begin(struct lg_sess *s)
{
	if ((s->ssl = SSL_new(lg.ctx)) == NULL ||
	    SSL_set_fd(s->ssl, s->fd) != 1) {
		ERR_clear_error();
		return sess_fail(s, "tls");
	}
	SSL_set_app_data(s->ssl, s);
	if (lg.sni != NULL && SSL_set_tlsext_host_name(s->ssl, lg.sni) != 1) {
		ERR_clear_error();
		return sess_fail(s, "tls");
	}
	if (lg.resume && s->saved != NULL)
		SSL_set_session(s->ssl, s->saved);
	SSL_set_connect_state(s->ssl);
	s->flags &= ~(LG_F_RWW | LG_F_WWR | LG_F_HSW);
	sess_enter(s, LG_S_HANDSHAKE);
	return 1;
}

/*
 * After the handshake: implicit TLS waits for the banner; after
 * STARTTLS the client speaks first again with EHLO (RFC 3207 4.2).
 */
static int
sess_handshake(struct lg_sess *s)
{
	int	r;

	if ((r = SSL_connect(s->ssl)) != 1) {
		switch (SSL_get_error(s->ssl, r)) {
		case SSL_ERROR_WANT_READ:
			s->flags &= ~LG_F_HSW;
			return 0;
		case SSL_ERROR_WANT_WRITE:
			s->flags |= LG_F_HSW;
			return 0;
		default:
			ERR_clear_error();
			return sess_fail(s, "tls");
		}
	}
	s->flags &= ~LG_F_HSW;
	lg.handshakes++;
	if (SSL_session_reused(s->ssl))
		lg.resumed++;
	if (lg.mode == LG_TLS)
		sess_enter(s, LG_S_BANNER);
	else if (lg.hs_only)
		return sess_cmd(s, "QUIT\r\n", 6, LG_S_QUIT) == -1 ? -1 : 1;
	else if (sess_cmd(s, "EHLO loadgen.invalid\r\n", 22, LG_S_EHLO) == -1)
		return -1;
	return 1;
}

/*
 * Read until the socket (or TLS) would block, handing whole lines to
 * the reply parser.  1: STARTTLS was accepted, handshake next.
 */
static int
sess_read(struct lg_sess *s)
{
	ssize_t	n;

	for (;;) {
		if (s->rlen == sizeof(s->rbuf))
			return sess_fail(s, "proto");
		n = sess_recv(s, s->rbuf + s->rlen, sizeof(s->rbuf) - s->rlen);
		if (n == LG_IO_AGAIN)
			return 0;
		if (n == LG_IO_ERR || n == 0) {
			/* After 221 any end is the expected one. */
			if (s->state == LG_S_CLOSING)
				return sess_fail(s, NULL);
			return n == 0 ? sess_fail(s, "closed") : -1;
		}
		s->rlen += (size_t)n;
		if (sess_lines(s) == -1)
			return -1;
		if (s->state == LG_S_HANDSHAKE)
			return 1;
	}
}

static ssize_t
sess_recv(struct lg_sess *s, char *p, size_t n)
{
	ssize_t	r;
	int	e;

	if (s->ssl == NULL) {
		if ((r = read(s->fd, p, n)) >= 0)
			return r;
		if (errno == EAGAIN || errno == EINTR)
			return LG_IO_AGAIN;
		sess_fail(s, errno == ECONNRESET ? "reset" : "io");
		return LG_IO_ERR;
	}
	if ((r = SSL_read(s->ssl, p, (int)n)) > 0) {
		s->flags &= ~LG_F_RWW;
		return r;
	}
	switch ((e = SSL_get_error(s->ssl, (int)r))) {
	case SSL_ERROR_WANT_READ:
		s->flags &= ~LG_F_RWW;
		return LG_IO_AGAIN;
	case SSL_ERROR_WANT_WRITE:
		s->flags |= LG_F_RWW;
		return LG_IO_AGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	default:
		ERR_clear_error();
		sess_fail(s, e != SSL_ERROR_SYSCALL ? "tls" :
		    errno == ECONNRESET ? "reset" : "closed");
		return LG_IO_ERR;
	}
}

/*
 * Hand each complete line to sess_line.  Plaintext that follows the
 * 220 to STARTTLS would be injected into the TLS session (RFC 3207 6;
 * CVE-2011-0411 in reverse): fail on it.
 */
static int
sess_lines(struct lg_sess *s)
{
	char	*p = s->rbuf, *end = s->rbuf + s->rlen, *nl;

	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (sess_line(s, p, (size_t)(nl - p)) == -1)
			return -1;
		p = nl + 1;
		if (s->state == LG_S_HANDSHAKE && p != end)
			return sess_fail(s, "proto");
	}
	s->rlen = (size_t)(end - p);
	if (s->rlen > 0 && p != s->rbuf)
		memmove(s->rbuf, p, s->rlen);
	return 0;
}

static int
sess_line(struct lg_sess *s, const char *line, size_t len)
{
	const struct lg_step	*st = &steps[s->state];
	int			 r;

	if (s->state == LG_S_CLOSING)
		return 0;
	if ((r = reply_add_line(&s->reply, line, len)) == -1)
		return sess_fail(s, "proto");
	if (r == 0)
		return 0;
	if (s->reply.code != st->expect || st->fn == NULL) {
		snprintf(s->failbuf, sizeof(s->failbuf), "%d", s->reply.code);
		return sess_fail(s, s->failbuf);
	}
	r = st->fn(s);
	reply_init(&s->reply);
	return r;
}

/* Queue bytes after what is pending; the body must stay last. */
static int
sess_put(struct lg_sess *s, const void *p, size_t n)
{
	if (s->ext != NULL || n > lg.wcap - s->wlen)
		return sess_fail(s, "internal");
	memcpy(s->wbuf + s->wlen, p, n);
	s->wlen += n;
	return 0;
}

static int
sess_cmd(struct lg_sess *s, const char *p, size_t n, enum lg_state st)
{
	if (sess_put(s, p, n) == -1)
		return -1;
	sess_enter(s, st);
	return 0;
}

static int
sess_pending(const struct lg_sess *s)
{
	return s->woff < s->wlen || s->ext != NULL;
}

/* Write until done or blocked; partial writes just advance. */
static int
sess_flush(struct lg_sess *s)
{
	struct iovec	 iov[2];
	const char	*p;
	size_t		 n;
	ssize_t		 r;
	int		 e;

	while (sess_pending(s)) {
		if (s->ssl == NULL) {
			iov[0].iov_base = s->wbuf + s->woff;
			iov[0].iov_len = s->wlen - s->woff;
			iov[1].iov_base = (void *)(uintptr_t)(s->ext != NULL ?
			    s->ext + s->extoff : NULL);
			iov[1].iov_len = s->ext != NULL ?
			    s->extlen - s->extoff : 0;
			if ((r = writev(s->fd, iov, 2)) >= 0) {
				sess_advance(s, (size_t)r);
				continue;
			}
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			return sess_fail(s, errno == ECONNRESET ||
			    errno == EPIPE ? "reset" : "io");
		}
		if (s->woff < s->wlen) {
			p = s->wbuf + s->woff;
			n = s->wlen - s->woff;
		} else {
			p = s->ext + s->extoff;
			n = s->extlen - s->extoff;
		}
		if (n > INT_MAX)
			n = INT_MAX;
		if ((r = SSL_write(s->ssl, p, (int)n)) > 0) {
			s->flags &= ~LG_F_WWR;
			sess_advance(s, (size_t)r);
			continue;
		}
		switch ((e = SSL_get_error(s->ssl, (int)r))) {
		case SSL_ERROR_WANT_WRITE:
			s->flags &= ~LG_F_WWR;
			return 0;
		case SSL_ERROR_WANT_READ:
			s->flags |= LG_F_WWR;
			return 0;
		default:
			ERR_clear_error();
			return sess_fail(s, e != SSL_ERROR_SYSCALL ? "tls" :
			    "reset");
		}
	}
	return 0;
}

static void
sess_advance(struct lg_sess *s, size_t n)
{
	size_t	k = s->wlen - s->woff;

	if (k > n)
		k = n;
	s->woff += k;
	n -= k;
	if (s->woff == s->wlen)
		s->woff = s->wlen = 0;
	if (s->ext != NULL) {
		s->extoff += n;
		if (s->extoff == s->extlen)
			s->ext = NULL;
	}
}

static int
sess_login(struct lg_sess *s)
{
	switch (lg.auth) {
	case LG_AUTH_PLAIN:
		return sess_cmd(s, lg.authcmd, strlen(lg.authcmd), LG_S_AUTH);
	case LG_AUTH_LOGIN:
		return sess_cmd(s, lg.authcmd, strlen(lg.authcmd),
		    LG_S_AUTH_USER);
	default:
		return sess_ready(s);
	}
}

/* Authenticated (or no AUTH): hold idle, or start sending. */
static int
sess_ready(struct lg_sess *s)
{
	if (lg.hold == 0)
		return sess_next(s);
	s->flags |= LG_F_EST;
	lg.setting_up--;
	lg.established++;
	lg.streak = 0;
	lat_add(&lg.sess_lat, now_ns() - s->t_connect);
	sess_enter(s, LG_S_IDLE);
	return 0;
}

/* The next transaction, or QUIT when the budget or the time is spent. */
static int
sess_next(struct lg_sess *s)
{
	if (s->todo == 0 || lg.over)
		return sess_quit(s);
	s->todo--;
	s->flags |= LG_F_TX;
	s->rcpt_left = (unsigned)lg.rcpts;
	s->t_mail = now_ns();
	if (s->flags & LG_F_PIPE)	/* RFC 2920 3.1: DATA ends the group */
		return sess_cmd(s, lg.group, lg.grouplen, LG_S_MAIL);
	return sess_cmd(s, lg.group, lg.rcptoff[0], LG_S_MAIL);
}

static int
sess_quit(struct lg_sess *s)
{
	return sess_cmd(s, "QUIT\r\n", 6, LG_S_QUIT);
}

/* Is keyword one of the EHLO lines after the first (RFC 5321 4.1.1.1)? */
static int
ehlo_has(const char *text, const char *kw)
{
	const char	*p = strchr(text, '\n');
	size_t		 n = strlen(kw);

	while (p != NULL) {
		p++;
		if (strncasecmp(p, kw, n) == 0 &&
		    (p[n] == '\0' || p[n] == '\n' || p[n] == ' '))
			return 1;
		p = strchr(p, '\n');
	}
	return 0;
}

static int
step_banner(struct lg_sess *s)
{
	if (lg.hs_only && lg.mode == LG_TLS)
		return sess_quit(s);
	return sess_cmd(s, "EHLO loadgen.invalid\r\n", 22, LG_S_EHLO);
}

static int
step_ehlo(struct lg_sess *s)
{
	s->flags &= ~LG_F_PIPE;
	if (lg.pipelining && ehlo_has(s->reply.text, "PIPELINING"))
		s->flags |= LG_F_PIPE;
	if (lg.mode == LG_STARTTLS && s->ssl == NULL)
		return sess_cmd(s, "STARTTLS\r\n", 10, LG_S_STARTTLS);
	if (lg.hs_only)
		return sess_quit(s);
	return sess_login(s);
}

static int
step_starttls(struct lg_sess *s)
{
	return sess_tls_begin(s) == -1 ? -1 : 0;
}

static int
step_auth_user(struct lg_sess *s)
{
	return sess_cmd(s, lg.login_user, strlen(lg.login_user),
	    LG_S_AUTH_PASS);
}

static int
step_auth_pass(struct lg_sess *s)
{
	return sess_cmd(s, lg.login_pass, strlen(lg.login_pass), LG_S_AUTH);
}

static int
step_auth(struct lg_sess *s)
{
	return sess_ready(s);
}

static int
step_mail(struct lg_sess *s)
{
	if (s->flags & LG_F_PIPE) {
		sess_enter(s, LG_S_RCPT);
		return 0;
	}
	return sess_cmd(s, lg.group + lg.rcptoff[0],
	    lg.rcptoff[1] - lg.rcptoff[0], LG_S_RCPT);
}

static int
step_rcpt(struct lg_sess *s)
{
	size_t	i = lg.rcpts - s->rcpt_left + 1;	/* next RCPT */

	if (--s->rcpt_left > 0) {
		if (s->flags & LG_F_PIPE) {
			sess_enter(s, LG_S_RCPT);
			return 0;
		}
		return sess_cmd(s, lg.group + lg.rcptoff[i],
		    lg.rcptoff[i + 1] - lg.rcptoff[i], LG_S_RCPT);
	}
	if (s->flags & LG_F_PIPE) {
		sess_enter(s, LG_S_DATA);
		return 0;
	}
	return sess_cmd(s, lg.group + lg.rcptoff[lg.rcpts],
	    lg.grouplen - lg.rcptoff[lg.rcpts], LG_S_DATA);
}

/* 354: this message's header, then the shared stuffed body. */
static int
sess_data_hdr(struct lg_sess *s)
{
	int	n;

	if ((n = lg_header(s->wbuf + s->wlen, lg.wcap - s->wlen,
	    ++lg.seq)) < 0)
		return sess_fail(s, "internal");
	s->wlen += (size_t)n;
	return 0;
}

static int
step_data(struct lg_sess *s)
{
	if (s->ext != NULL || sess_data_hdr(s) == -1)
		return sess_fail(s, "internal");
	s->ext = lg.body;
	s->extlen = lg.bodylen;
	s->extoff = 0;
	sess_enter(s, LG_S_DOT);
	return 0;
}

static int
step_dot(struct lg_sess *s)
{
	uint64_t	t = now_ns();

	lat_add(&lg.msg_lat, t - s->t_mail);
	lg.msgs_ok++;
	lg.streak = 0;
	lg.t_last = s->t_last250 = t;
	s->sent++;
	s->flags &= ~LG_F_TX;
	return sess_next(s);
}

/*
 * 221.  Session latency ends here, or at the last 250 when several
 * messages shared the connection.  Then wait for the server to close
 * first, so TIME_WAIT stays on its side.
 */
static int
step_quit(struct lg_sess *s)
{
	uint64_t	t = now_ns(), end;

	end = lg.per_conn > 1 && s->sent > 0 ? s->t_last250 : t;
	if (lg.hold == 0)
		lat_add(&lg.sess_lat, end - s->t_connect);
	lg.sess_ok++;
	lg.streak = 0;
	if (lg.hold == 0)
		lg.t_last = t;
	sess_enter(s, LG_S_CLOSING);
	return 0;
}

int
main(int argc, char **argv)
{
	struct sigaction	sa;
	unsigned long		i;

	lg_options(argc, argv);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = lg_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	lg_setup();
	lg_run();
	lg_report();
	for (i = 0; i < lg.nslots; i++)
		if (lg.slots[i].saved != NULL)
			SSL_SESSION_free(lg.slots[i].saved);
	SSL_CTX_free(lg.ctx);
	free(lg.msg_lat.v);
	free(lg.sess_lat.v);
	free(lg.slots);
	free(lg.wbufs);
	free(lg.freelist);
	free(lg.group);
	free(lg.rcptoff);
	free(lg.rcpt0);
	free(lg.body);
	free(lg.authcmd);
	free(lg.login_user);
	free(lg.login_pass);
	close(lg.ep);
	return lg.nfails > 0 || lg.aborted ? 1 : 0;
}
