/*
 * config_keys: the keys of postern.conf, see config.h and config_int.h.
 *
 * One table, config_keys[], lists every key with its parser, bounds and
 * default; config.c reads the file and hands each value to its row's
 * parser, and config_defaults() hands each row its default.  Parsers
 * accept exactly their syntax (no signs, no trailing junk, no silent
 * clamping) and explain a refusal in a reason string that config_load()
 * prefixes with "PATH:LINE: key: ".
 *
 * Invariants:
 *  - Every default is the text a file would hold and passes the row's
 *    own parser (config_test walks the table); a value and its bounds
 *    sit on one row, so they cannot drift apart.
 *  - A listener address may appear once across all listener keys (bind
 *    would fail on the second).
 *  - Values quoted in errors pass through log_printable(), so a control
 *    character in the file cannot garble the message.
 *
 * Failure: every function returns 0 or -1 and writes the reason to err;
 * nothing here logs or exits.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/config.h"
#include "core/config_int.h"
#include "core/health.h"
#include "lib/log.h"
#include "lib/util.h"

#define USER_MAX	32
#define LABEL_MAX	63		/* RFC 1035 §2.3.4 */
#define KIB		1024ULL
#define MIB		(1024 * KIB)
#define GIB		(1024 * MIB)
#define SEC		1000ULL		/* durations are kept in ms */
#define MIN		(60 * SEC)
#define HOUR		(60 * MIN)
#define DAY		(24 * HOUR)
#define DOVECOT		"/usr/sbin/dovecot"

/* Units: the suffix, its multiplier; the first row is the bare number. */
struct config_unit {
	const char	*suffix;
	uint64_t	 mult;
};

static int	parse_hostname(struct config *, const struct config_key *,
		    const char *, char *, size_t);
static int	parse_user(struct config *, const struct config_key *,
		    const char *, char *, size_t);
static int	parse_size(struct config *, const struct config_key *,
		    const char *, char *, size_t);
static int	parse_bool(struct config *, const struct config_key *,
		    const char *, char *, size_t);
static int	parse_delivery(struct config *, const struct config_key *,
		    const char *, char *, size_t);
static int	parse_opt_host(struct config *, const struct config_key *,
		    const char *, char *, size_t);
static int	parse_uint(struct config *, const struct config_key *,
		    const char *, char *, size_t);
static int	parse_percent(struct config *, const struct config_key *,
		    const char *, char *, size_t);
static int	parse_duration(struct config *, const struct config_key *,
		    const char *, char *, size_t);
static int	parse_mechanisms(struct config *, const struct config_key *,
		    const char *, char *, size_t);
static int	parse_choice(struct config *, const struct config_key *,
		    const char *, char *, size_t);
static int	parse_endpoint(struct config *, const struct config_key *,
		    const char *, char *, size_t);
static int	parse_relayhost(struct config *, const struct config_key *,
		    const char *, char *, size_t);
static int	parse_text(struct config *, const struct config_key *,
		    const char *, char *, size_t);
static int	parse_store(struct config *, const struct config_key *,
		    const char *, char *, size_t);
static int	parse_log_level(struct config *, const struct config_key *,
		    const char *, char *, size_t);
static int	parse_unit(const char *, const struct config_unit *, size_t,
		    uint64_t *);
static void	unit_text(char *, size_t, uint64_t,
		    const struct config_unit *, size_t);
static const char *domain_check(const char *);
static int	user_check(const char *);
static const char *default_hostname(const struct config *, char *, size_t);
static const char *default_imap(const struct config *, char *, size_t);

#define OFF(f)	offsetof(struct config, f)

const char *const config_group_titles[CG_COUNT] = {
	"Listeners", "Server", "SMTP sessions", "Authentication",
	"Sending limits and health", "IMAP", "Provisioning",
	"Delivery", "Relayhost", "Admin HTTP listener",
};

/*
 * Listener keys come first, in enum listen_kind order: off is the kind.
 * Columns: name, parser, field, min, max, default, computed default,
 * group, flags (CONFIG_RELOAD: a reload applies it) and description
 * (postern.conf(5), written by `postern manpage`).
 */
const struct config_key config_keys[] = {
	{ "submission", config_parse_listener, LISTEN_SUBMISSION, 0, 0, "",
	    NULL,
	    CG_LISTEN, 0,
	    "listeners for submission with STARTTLS and AUTH (port 587)" },
	{ "smtps", config_parse_listener, LISTEN_SMTPS, 0, 0, "", NULL,
	    CG_LISTEN, 0,
	    "listeners for submission over implicit TLS (port 465)" },
	{ "mx", config_parse_listener, LISTEN_MX, 0, 0, "", NULL,
	    CG_LISTEN, 0,
	    "listeners for incoming mail to local domains (port 25)" },
	{ "imap_listen", config_parse_listener, LISTEN_IMAP, 0, 0, "", NULL,
	    CG_LISTEN, 0,
	    "listeners for IMAP with STARTTLS, served by Dovecot (port 143)" },
	{ "imaps_listen", config_parse_listener, LISTEN_IMAPS, 0, 0, "", NULL,
	    CG_LISTEN, 0,
	    "listeners for IMAP over implicit TLS (port 993)" },
	{ "admin", config_parse_listener, LISTEN_ADMIN, 0, 0, "", NULL,
	    CG_LISTEN, 0,
	    "listeners for the HTTP API, the console and /metrics (postern "
	    "init writes 127.0.0.1:8480); off when empty; an address off "
	    "loopback needs admin_tls" },
	{ "hostname", parse_hostname, OFF(hostname), 0, 0, NULL,
	    default_hostname,
	    CG_SERVER, 0,
	    "name in the banner, EHLO and Received:, and the default "
	    "certificate certs/HOSTNAME; default: the machine's host name" },
	{ "user", parse_user, OFF(user), 0, 0, "postern", NULL,
	    CG_SERVER, 0,
	    "the unprivileged user the processes run as when started as root" },
	{ "max_message_size", parse_size, OFF(max_message_size), KIB,
	    2 * GIB, "35M", NULL,
	    CG_SMTP, 0,
	    "advertised as SIZE; larger messages get 552 5.3.4 (1K..2G)" },
	{ "max_recipients", parse_uint, OFF(max_recipients), 1, 10000, "100",
	    NULL,
	    CG_SMTP, CONFIG_RELOAD,
	    "recipients per message; more get 452 4.5.3 (1..10000)" },
	{ "max_errors", parse_uint, OFF(max_errors), 1, 1000, "10", NULL,
	    CG_SMTP, CONFIG_RELOAD,
	    "error replies per session before 421 4.7.0 and close (1..1000)" },
	{ "max_sessions", parse_uint, OFF(max_sessions), 1, 1000000, "10000",
	    NULL,
	    CG_SMTP, CONFIG_RELOAD,
	    "concurrent sessions; more get 421 4.7.0" },
	/* 100ms minimum so tests can use short timeouts */
	{ "timeout_command", parse_duration, OFF(timeout_command_ms), 100,
	    HOUR, "300s", NULL,
	    CG_SMTP, CONFIG_RELOAD,
	    "idle time waiting for a command (RFC 5321 4.5.3.2.7), then 421 "
	    "4.4.2" },
	{ "timeout_data", parse_duration, OFF(timeout_data_ms), 100, HOUR,
	    "180s", NULL,
	    CG_SMTP, CONFIG_RELOAD,
	    "idle time inside DATA (RFC 5321 4.5.3.2.5)" },
	{ "timeout_tls", parse_duration, OFF(timeout_tls_ms), 100, HOUR,
	    "60s", NULL,
	    CG_SMTP, CONFIG_RELOAD,
	    "time allowed for a TLS handshake" },
	{ "greet_delay", parse_duration, OFF(greet_delay_ms), 0, MIN, "0",
	    NULL,
	    CG_SMTP, CONFIG_RELOAD,
	    "wait this long before the banner; a client that talks first "
	    "gets 554 5.5.1" },
	{ "shutdown_grace", parse_duration, OFF(shutdown_grace_ms), 0, HOUR,
	    "10s", NULL,
	    CG_SERVER, CONFIG_RELOAD,
	    "on SIGTERM, how long messages in flight may take to finish" },
	{ "auth_workers", parse_uint, OFF(auth_workers), 1, 64, "2", NULL,
	    CG_AUTH, 0,
	    "password-hashing threads in the auth process" },
	{ "auth_mechanisms", parse_mechanisms, 0, 0, 0, "PLAIN LOGIN", NULL,
	    CG_AUTH, 0,
	    "SASL mechanisms offered, after TLS only" },
	{ "log_level", parse_log_level, OFF(log_level), 0, 0, "info", NULL,
	    CG_SERVER, 0,
	    "error, warning, info or debug (debug logs every command, never "
	    "AUTH data)" },
	{ "auth_fail_limit", parse_uint, OFF(auth_fail_limit), 1, 1000, "5",
	    NULL,
	    CG_AUTH, 0,
	    "failed AUTHs for one username within auth_fail_window before it "
	    "is locked" },
	{ "auth_fail_window", parse_duration, OFF(auth_fail_window_ms), SEC,
	    DAY, "15m", NULL,
	    CG_AUTH, 0,
	    "the window those failures are counted in" },
	{ "auth_lock_time", parse_duration, OFF(auth_lock_time_ms), SEC,
	    7 * DAY, "30m", NULL,
	    CG_AUTH, 0,
	    "how long a locked username or client stays locked (454 4.7.0 "
	    "meanwhile)" },
	{ "auth_ip_fail_limit", parse_uint, OFF(auth_ip_fail_limit), 0,
	    100000, "10", NULL,
	    CG_AUTH, 0,
	    "distinct usernames failing from one client address that lock "
	    "it; 0 disables" },
	{ "auth_familiar_days", parse_uint, OFF(auth_familiar_days), 0, 365,
	    "30", NULL,
	    CG_AUTH, 0,
	    "days a client address stays familiar to a mailbox after a login "
	    "(0..365)" },
	/* no wider than /16 and /32: a cloud provider's other customers
	   must not count as the owner's network */
	{ "auth_familiar_prefix", config_parse_prefixes, 0, 0, 0, "32,128",
	    NULL,
	    CG_AUTH, 0,
	    "IPV4,IPV6 prefix lengths that widen a familiar address to its "
	    "network" },
	/* platform egress ranges: never client-locked (docs/ACCOUNTS.md) */
	{ "auth_trusted_clients", config_parse_trusted, 0, 0, 0, "", NULL,
	    CG_AUTH, 0,
	    "CIDR ranges (at most 32) never client-locked: platform egress "
	    "addresses" },
	{ "require_host_match", parse_bool, OFF(require_host_match), 0, 0,
	    "no", NULL,
	    CG_AUTH, 0,
	    "default for domains: the SNI name must serve the account's "
	    "domain, else 535" },
	{ "auth_cache_ttl", parse_duration, OFF(auth_cache_ttl_ms), 0, DAY,
	    "5m", NULL,
	    CG_AUTH, 0,
	    "how long a successful login is remembered (argon2id once per "
	    "credential); 0 disables" },
	/* several nodes on one PostgreSQL (docs/SCALING.md) */
	{ "store", parse_store, OFF(store), 1, 512, "sqlite", NULL,
	    CG_SERVER, 0,
	    "the account store: sqlite (DIR/db/postern.db) or a PostgreSQL "
	    "URI postgresql://USER@HOST/DB shared by several nodes" },
	{ "store_password_file", parse_text, OFF(store_password_file), 0,
	    PATH_MAX, "", NULL,
	    CG_SERVER, 0,
	    "file holding the PostgreSQL password on its first line" },
	{ "store_timeout", parse_duration, OFF(store_timeout_ms), 100,
	    10 * MIN, "5s", NULL,
	    CG_SERVER, 0,
	    "bound on each PostgreSQL connect and statement; past it AUTH "
	    "gets 454 4.7.0" },
	/* practitioners' 30-50 a day for a warmed-up cold mailbox
	   (docs/ACCOUNTS.md, "Warm-up ramp") */
	{ "warmup_target", parse_uint, OFF(warmup_target), 1, 100000, "50",
	    NULL,
	    CG_SENDING, 0,
	    "daily allowance a warm-up ramp climbs to without a daily_limit "
	    "(1..100000)" },
	/* sending health (core/health.h, docs/ACCOUNTS.md, "Sending
	   health and auto-pause"): the last 50 recipients, 5 % of them
	   unknown, a day's pause */
	{ "health_window", parse_uint, OFF(health_window), 1,
	    HEALTH_WINDOW_MAX, "50", NULL,
	    CG_SENDING, 0,
	    "last final outcomes per mailbox the auto-pause judges (1..1000)" },
	{ "health_bounce_rate", parse_percent, OFF(health_bounce_rate), 1,
	    1000, "5%", NULL,
	    CG_SENDING, 0,
	    "share of unknown recipients in that window that pauses a "
	    "mailbox" },
	{ "health_pause_time", parse_duration, OFF(health_pause_time_ms),
	    60 * SEC, 7 * DAY, "24h", NULL,
	    CG_SENDING, 0,
	    "how long an automatic pause lasts (1m..7d)" },
	{ "imap_host", parse_opt_host, OFF(imap_host), 0, 0, "", NULL,
	    CG_PROVISION, 0,
	    "IMAP host provisioning CSVs, mailbox show and postern dns give" },
	{ "imap_port", parse_uint, OFF(imap_port), 1, 65535, "993", NULL,
	    CG_PROVISION, 0,
	    "IMAP port (implicit TLS) for those CSVs, mailbox show and "
	    "_imaps._tcp" },
	{ "submission_port", parse_uint, OFF(submission_port), 1, 65535,
	    "587", NULL,
	    CG_PROVISION, 0,
	    "SMTP port (STARTTLS) for those CSVs, mailbox show and "
	    "_submission._tcp" },
	/* dovecot when its binary (the dovecot key) is installed */
	{ "imap", parse_choice, OFF(imap), 0, 0, NULL, default_imap,
	    CG_IMAP, 0,
	    "dovecot: run Dovecot on postern's accounts; external: only the "
	    "login socket; none; default: dovecot if its binary exists, "
	    "else none" },
	{ "dovecot", parse_text, OFF(dovecot), 1, PATH_MAX, DOVECOT, NULL,
	    CG_IMAP, 0,
	    "the Dovecot binary serve runs" },
	/* a platform holds sync and warm-up sessions per mailbox and IP */
	{ "imap_max_userip_connections", parse_uint,
	    OFF(imap_max_userip_connections), 1, 100000, "50", NULL,
	    CG_IMAP, 0,
	    "IMAP sessions per mailbox and client address" },
	{ "delivery", parse_delivery, OFF(delivery), 0, 0, "yes", NULL,
	    CG_DELIVERY, 0,
	    "yes; no keeps every message queued; discard drops each once "
	    "queued" },
	{ "delivery_workers", parse_uint, OFF(delivery_workers), 1, 256, "20",
	    NULL,
	    CG_DELIVERY, 0,
	    "delivery threads in the queue process, one connection each" },
	{ "destination_concurrency", parse_uint,
	    OFF(destination_concurrency), 1, 1000, "10", NULL,
	    CG_DELIVERY, 0,
	    "connections at once to one recipient domain or the relayhost" },
	{ "retry_min", parse_duration, OFF(retry_min_ms), 100, DAY, "5m",
	    NULL,
	    CG_DELIVERY, 0,
	    "first retry after a temporary failure; each further one waits "
	    "twice as long" },
	{ "retry_max", parse_duration, OFF(retry_max_ms), 100, 7 * DAY, "1h",
	    NULL,
	    CG_DELIVERY, 0,
	    "the longest wait between retries" },
	{ "queue_lifetime", parse_duration, OFF(queue_lifetime_ms), SEC,
	    30 * DAY, "5d", NULL,
	    CG_DELIVERY, 0,
	    "then the message bounces with 4.4.7" },
	{ "delay_warning_time", parse_duration, OFF(delay_warning_ms), 0,
	    30 * DAY, "4h", NULL,
	    CG_DELIVERY, 0,
	    "one delay notice (RFC 3464 Action: delayed) to the sender of a "
	    "message still pending this long; 0 sends none" },
	{ "timeout_connect", parse_duration, OFF(timeout_connect_ms), 100,
	    HOUR, "30s", NULL,
	    CG_DELIVERY, 0,
	    "outbound TCP connect" },
	{ "timeout_outbound", parse_duration, OFF(timeout_outbound_ms), 100,
	    HOUR, "300s", NULL,
	    CG_DELIVERY, 0,
	    "each outbound reply (RFC 5321 4.5.3.2); twice this after the "
	    "final dot" },
	{ "connection_reuse_time", parse_duration, OFF(connection_reuse_ms),
	    0, HOUR, "300s", NULL,
	    CG_DELIVERY, 0,
	    "an outbound connection whose job is done carries the "
	    "destination's further due mail, until this long after the job "
	    "began; 0: one job per connection" },
	{ "outbound_port", parse_uint, OFF(outbound_port), 1, 65535, "25",
	    NULL,
	    CG_DELIVERY, 0,
	    "port of the receiving MX hosts (tests use another)" },
	{ "outbound_tls", parse_choice, OFF(outbound_tls), 0, 0,
	    "opportunistic", NULL,
	    CG_DELIVERY, 0,
	    "none, opportunistic (STARTTLS when offered, unverified) or "
	    "required" },
	{ "dns_server", parse_endpoint, OFF(dns_server), 0, 0, "", NULL,
	    CG_DELIVERY, 0,
	    "resolve MX/A/AAAA with this server only, ADDR[:PORT]; empty: "
	    "resolv.conf" },
	/* empty: deliver by MX; relayhost_port then 587 */
	{ "relayhost", parse_relayhost, 0, 0, 0, "", NULL,
	    CG_RELAY, 0,
	    "HOST[:PORT] (port 587) to send all non-local mail through; "
	    "empty: by MX" },
	{ "relayhost_tls", parse_choice, OFF(relayhost_tls), 0, 0, "starttls",
	    NULL,
	    CG_RELAY, 0,
	    "starttls (required), implicit (port 465) or none" },
	{ "relayhost_user", parse_text, OFF(relayhost_user), 0,
	    sizeof(((struct config *)0)->relayhost_user), "", NULL,
	    CG_RELAY, 0,
	    "AUTH PLAIN user for the relayhost (only over TLS)" },
	{ "relayhost_password_file", parse_text,
	    OFF(relayhost_password_file), 0, PATH_MAX, "", NULL,
	    CG_RELAY, 0,
	    "file holding the relayhost password on its first line" },
	{ "relayhost_tls_verify", parse_bool, OFF(relayhost_tls_verify), 0,
	    0, "yes", NULL,
	    CG_RELAY, 0,
	    "the relayhost's certificate must verify and name it" },
	{ "relayhost_cafile", parse_text, OFF(relayhost_cafile), 0, PATH_MAX,
	    "", NULL,
	    CG_RELAY, 0,
	    "CA file to verify the relayhost with (empty: the system's CAs)" },
	{ "admin_tls", parse_bool, OFF(admin_tls), 0, 0, "no", NULL,
	    CG_ADMIN, 0,
	    "serve the admin listeners over TLS with the server's "
	    "certificates (required off loopback)" },
	{ "admin_hosts", parse_text, OFF(admin_hosts), 0,
	    sizeof(((struct config *)0)->admin_hosts), "", NULL,
	    CG_ADMIN, 0,
	    "names the admin listeners answer in the Host header besides "
	    "loopback addresses, localhost and hostname (others get 421)" },
	{ "admin_timeout", parse_duration, OFF(admin_timeout_ms), 100, HOUR,
	    "15s", NULL,
	    CG_ADMIN, 0,
	    "time for each phase of an admin request: the whole head, the "
	    "body, the answer" },
	{ "admin_max_connections", parse_uint, OFF(admin_max_connections), 1,
	    10000, "32", NULL,
	    CG_ADMIN, 0,
	    "admin connections open at once; more wait to be accepted" },
};
#define NKEYS	(sizeof(config_keys) / sizeof(config_keys[0]))
const size_t config_nkeys = NKEYS;
_Static_assert(NKEYS <= CONFIG_KEYS_MAX, "raise CONFIG_KEYS_MAX");

/* Row 0 is the bare number; then the largest unit first, for unit_text(). */
static const struct config_unit size_units[] = {
	{ "", 1 }, { "G", GIB }, { "M", MIB }, { "K", KIB },
	{ "g", GIB }, { "m", MIB }, { "k", KIB },
};
static const struct config_unit duration_units[] = {
	{ "", SEC }, { "d", DAY }, { "h", HOUR }, { "m", MIN }, { "s", SEC },
	{ "ms", 1 },
};
#define NSIZE		(sizeof(size_units) / sizeof(size_units[0]))
#define NSIZE_SHOWN	4	/* size_units[] rows that unit_text uses */
#define NDURATION	(sizeof(duration_units) / sizeof(duration_units[0]))

static const struct {
	const char	*name;
	size_t		 off;
} mechanisms[] = {
	{ "PLAIN", OFF(auth_plain) },
	{ "LOGIN", OFF(auth_login) },
};
#define NMECH	(sizeof(mechanisms) / sizeof(mechanisms[0]))

int
config_key_default(struct config *c, const struct config_key *k, char *why,
    size_t whysz)
{
	char		 buf[256];
	const char	*def = k->def;

	if (def == NULL && k->def_fn != NULL)
		def = k->def_fn(c, buf, sizeof(buf));
	if (def == NULL) {
		config_errf(why, whysz, "%s: no default", k->name);
		return -1;
	}
	return k->parse(c, k, def, why, whysz);
}

/* This machine's name when it is a valid domain name, else localhost. */
static const char *
default_hostname(const struct config *c, char *buf, size_t bufsz)
{
	if (gethostname(buf, bufsz) == -1)
		buf[0] = '\0';
	buf[bufsz - 1] = '\0';
	return domain_check(buf) == NULL ? buf : "localhost";
}

/* Serve IMAP with Dovecot when its binary is there. */
static const char *
default_imap(const struct config *c, char *buf, size_t bufsz)
{
	return access(c->dovecot, X_OK) == 0 ? "dovecot" : "none";
}

/*
 * Digits only: no sign, no blanks, no base prefix.  *end is left at the
 * first non-digit.  Returns -1 without digits or on overflow.
 */
int
config_parse_u64(const char *s, const char **end, uint64_t *v)
{
	uint64_t	n = 0, d;
	const char	*p;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		d = (uint64_t)(*p - '0');
		if (n > (UINT64_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*end = p;
	*v = n;
	return p == s ? -1 : 0;
}

/* A number with one of the suffixes in units[], scaled by its mult. */
static int
parse_unit(const char *s, const struct config_unit *units, size_t nunits,
    uint64_t *v)
{
	const char	*end;
	uint64_t	 n;
	size_t		 i;

	if (config_parse_u64(s, &end, &n) == -1)
		return -1;
	for (i = 0; i < nunits; i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		if (n > UINT64_MAX / units[i].mult)
			return -1;
		*v = n * units[i].mult;
		return 0;
	}
	return -1;
}

/* v in the largest unit of units[1..n) that divides it, for messages. */
static void
unit_text(char *buf, size_t bufsz, uint64_t v, const struct config_unit *units,
    size_t nunits)
{
	size_t	i;

	for (i = 1; v != 0 && i < nunits; i++) {
		if (v % units[i].mult == 0) {
			snprintf(buf, bufsz, "%ju%s",
			    (uintmax_t)(v / units[i].mult), units[i].suffix);
			return;
		}
	}
	snprintf(buf, bufsz, "%ju", (uintmax_t)v);
}

static int
parse_uint(struct config *c, const struct config_key *k, const char *val,
    char *why, size_t whysz)
{
	char		 shown[CONFIG_SHOW_MAX];
	const char	*end;
	uint64_t	 v;

	if (config_parse_u64(val, &end, &v) == -1 || *end != '\0' || v < k->min ||
	    v > k->max) {
		config_errf(why, whysz,
		    "'%s' is not a number between %ju and %ju",
		    config_show(shown, sizeof(shown), val), (uintmax_t)k->min,
		    (uintmax_t)k->max);
		return -1;
	}
	*(unsigned *)(void *)((char *)c + k->off) = (unsigned)v;
	return 0;
}

/* RFC 1870 SIZE: octets, with an optional K, M or G (powers of 1024). */
static int
parse_size(struct config *c, const struct config_key *k, const char *val,
    char *why, size_t whysz)
{
	char		shown[CONFIG_SHOW_MAX], lo[32], hi[32];
	uint64_t	v;

	if (parse_unit(val, size_units, NSIZE, &v) == -1 || v < k->min ||
	    v > k->max) {
		unit_text(lo, sizeof(lo), k->min, size_units, NSIZE_SHOWN);
		unit_text(hi, sizeof(hi), k->max, size_units, NSIZE_SHOWN);
		config_errf(why, whysz, "'%s' is not a size between %s and %s "
		    "(octets, or a number with K, M or G)",
		    config_show(shown, sizeof(shown), val), lo, hi);
		return -1;
	}
	*(uint64_t *)(void *)((char *)c + k->off) = v;
	return 0;
}

/*
 * A percentage with at most one decimal and an optional '%' ("5%",
 * "2.5"), kept in per mille; min and max are per mille too.
 */
static int
parse_percent(struct config *c, const struct config_key *k, const char *val,
    char *why, size_t whysz)
{
	char		 shown[CONFIG_SHOW_MAX];
	const char	*end;
	uint64_t	 v, tenth = 0;

	if (config_parse_u64(val, &end, &v) == -1 || v > 1000)
		goto bad;
	if (*end == '.' && end[1] >= '0' && end[1] <= '9') {
		tenth = (uint64_t)(end[1] - '0');
		end += 2;
	}
	if (*end == '%')
		end++;
	v = v * 10 + tenth;
	if (*end != '\0' || v < k->min || v > k->max)
		goto bad;
	*(unsigned *)(void *)((char *)c + k->off) = (unsigned)v;
	return 0;
bad:
	config_errf(why, whysz, "'%s' is not a percentage between %ju.%ju%% "
	    "and %ju%%", config_show(shown, sizeof(shown), val),
	    (uintmax_t)k->min / 10, (uintmax_t)k->min % 10,
	    (uintmax_t)k->max / 10);
	return -1;
}

/* A number with an optional ms, s, m or h; a plain number is seconds. */
int
config_duration(const char *s, uint64_t *ms)
{
	return parse_unit(s, duration_units, NDURATION, ms);
}

static int
parse_duration(struct config *c, const struct config_key *k,
    const char *val, char *why, size_t whysz)
{
	char		shown[CONFIG_SHOW_MAX], lo[32], hi[32];
	uint64_t	v;

	if (parse_unit(val, duration_units, NDURATION, &v) == -1 ||
	    v < k->min || v > k->max) {
		unit_text(lo, sizeof(lo), k->min, duration_units, NDURATION);
		unit_text(hi, sizeof(hi), k->max, duration_units, NDURATION);
		config_errf(why, whysz,
		    "'%s' is not a duration between %s and %s "
		    "(a number with ms, s, m, h or d; plain is seconds)",
		    config_show(shown, sizeof(shown), val), lo, hi);
		return -1;
	}
	*(unsigned *)(void *)((char *)c + k->off) = (unsigned)v;
	return 0;
}

/*
 * A domain name as in RFC 1035 §2.3.1 (letters, digits and hyphens,
 * RFC 1123 §2.1 allows a leading digit), at most 253 octets, labels of
 * 1..63.  Returns NULL, or why not.
 */
static const char *
domain_check(const char *s)
{
	size_t	len, n;

	if (*s == '\0')
		return "empty";
	if (strlen(s) > CONFIG_HOST_MAX)
		return "longer than 253 characters";
	for (; ; s += len + 1) {
		len = strcspn(s, ".");
		if (len == 0)
			return "empty label";
		if (len > LABEL_MAX)
			return "label longer than 63 characters";
		n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
		if (n < len)
			return "only letters, digits, '-' and '.' are allowed";
		if (s[0] == '-' || s[len - 1] == '-')
			return "a label starts or ends with '-'";
		if (s[len] == '\0')
			return NULL;
	}
}

static int
parse_hostname(struct config *c, const struct config_key *k,
    const char *val, char *why, size_t whysz)
{
	char		 shown[CONFIG_SHOW_MAX];
	const char	*bad;

	if ((bad = domain_check(val)) != NULL) {
		config_errf(why, whysz, "'%s' is not a valid domain name: %s",
		    config_show(shown, sizeof(shown), val), bad);
		return -1;
	}
	snprintf(c->hostname, sizeof(c->hostname), "%s", val);
	return 0;
}

static int
parse_bool(struct config *c, const struct config_key *k, const char *val,
    char *why, size_t whysz)
{
	char	shown[CONFIG_SHOW_MAX];
	int	*out = (int *)(void *)((char *)c + k->off);

	if (strcmp(val, "yes") == 0 || strcmp(val, "true") == 0)
		*out = 1;
	else if (strcmp(val, "no") == 0 || strcmp(val, "false") == 0)
		*out = 0;
	else {
		config_errf(why, whysz, "'%s' is not yes or no",
		    config_show(shown, sizeof(shown), val));
		return -1;
	}
	return 0;
}

/* yes | no (as a boolean) | discard */
static int
parse_delivery(struct config *c, const struct config_key *k, const char *val,
    char *why, size_t whysz)
{
	char	shown[CONFIG_SHOW_MAX];
	int	on;

	if (strcmp(val, "discard") == 0) {
		c->delivery = DELIVERY_DISCARD;
		return 0;
	}
	if (parse_bool(c, k, val, why, whysz) == -1) {
		config_errf(why, whysz, "'%s' is not yes, no or discard",
		    config_show(shown, sizeof(shown), val));
		return -1;
	}
	on = *(int *)(void *)((char *)c + k->off);
	c->delivery = on ? DELIVERY_YES : DELIVERY_NO;
	return 0;
}

/* Keyword values of the enum keys, in enum order. */
static const struct {
	size_t		 off;
	const char	*words[4];
} choices[] = {
	{ OFF(outbound_tls), { "none", "opportunistic", "required", NULL } },
	{ OFF(relayhost_tls), { "starttls", "implicit", "none", NULL } },
	{ OFF(imap), { "none", "dovecot", "external", NULL } },
};

static int
parse_choice(struct config *c, const struct config_key *k, const char *val,
    char *why, size_t whysz)
{
	char	shown[CONFIG_SHOW_MAX];
	size_t	i, w;

	for (i = 0; i < sizeof(choices) / sizeof(choices[0]); i++) {
		if (choices[i].off != k->off)
			continue;
		for (w = 0; choices[i].words[w] != NULL; w++)
			if (strcmp(val, choices[i].words[w]) == 0) {
				*(int *)(void *)((char *)c + k->off) = (int)w;
				return 0;
			}
		config_errf(why, whysz, "'%s' is not one of %s, %s%s%s",
		    config_show(shown, sizeof(shown), val), choices[i].words[0],
		    choices[i].words[1], choices[i].words[2] ? ", " : "",
		    choices[i].words[2] ? choices[i].words[2] : "");
		return -1;
	}
	config_errf(why, whysz, "internal: no choices");
	return -1;
}

/* Free text without control characters, bounded by k->max. */
static int
parse_text(struct config *c, const struct config_key *k, const char *val,
    char *why, size_t whysz)
{
	const char	*p;

	for (p = val; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			config_errf(why, whysz, "control character in value");
			return -1;
		}
	if (util_strlcpy((char *)c + k->off, val, k->max) == -1) {
		config_errf(why, whysz, "value too long");
		return -1;
	}
	return 0;
}

/* sqlite, or a libpq URI without a password (store_password_file) */
static int
parse_store(struct config *c, const struct config_key *k, const char *val,
    char *why, size_t whysz)
{
	const char	*rest, *at, *colon;

	if (strcmp(val, "sqlite") == 0)
		return parse_text(c, k, val, why, whysz);
	if ((rest = strstr(val, "://")) == NULL || (strncmp(val,
	    "postgresql://", 13) != 0 && strncmp(val, "postgres://", 11) !=
	    0)) {
		config_errf(why, whysz, "expected sqlite or a URI "
		    "postgresql://USER@HOST/DB");
		return -1;
	}
	/* USER:PASSWORD@ before the host, or a password= parameter */
	at = strchr(rest + 3, '@');
	colon = strchr(rest + 3, ':');
	if (strstr(val, "password=") != NULL ||
	    (at != NULL && colon != NULL && colon < at)) {
		config_errf(why, whysz, "the URI holds a password: put it in "
		    "store_password_file");
		return -1;
	}
	return parse_text(c, k, val, why, whysz);
}

/* A numeric ADDR, ADDR:PORT or [IPv6]:PORT, or empty (the system's). */
static int
parse_endpoint(struct config *c, const struct config_key *k,
    const char *val, char *why, size_t whysz)
{
	struct config_listen	l;
	char			tmp[80], shown[CONFIG_SHOW_MAX];
	size_t			n = 0;

	if (*val != '\0') {
		if (strchr(val, ':') == NULL || (val[0] != '[' &&
		    strchr(val, ':') != strrchr(val, ':')))
			snprintf(tmp, sizeof(tmp), strchr(val, ':') ?
			    "[%s]:53" : "%s:53", val);
		else
			snprintf(tmp, sizeof(tmp), "%s", val);
		if (config_parse_listen(tmp, &l, &n, why, whysz) == -1 ||
		    n != 1) {
			config_errf(why, whysz,
			    "'%s' is not ADDR[:PORT] with a "
			    "numeric address",
			    config_show(shown, sizeof(shown), val));
			return -1;
		}
	}
	if (util_strlcpy((char *)c + k->off, val, 64) == -1) {
		config_errf(why, whysz, "value too long");
		return -1;
	}
	return 0;
}

/* HOST[:PORT] or [HOST]:PORT; empty: deliver by MX. */
static int
parse_relayhost(struct config *c, const struct config_key *k,
    const char *val, char *why, size_t whysz)
{
	char		 host[CONFIG_HOST_MAX + 3], shown[CONFIG_SHOW_MAX];
	const char	*colon, *bad;
	size_t		 hlen;
	unsigned long	 port = 587;
	char		*end;

	c->relayhost[0] = '\0';
	if (*val == '\0') {
		c->relayhost_port = (unsigned)port;
		return 0;
	}
	colon = strrchr(val, ':');
	if (val[0] == '[') {
		const char *rb = strchr(val, ']');

		if (rb == NULL || (rb[1] != '\0' && rb[1] != ':'))
			goto bad;
		hlen = (size_t)(rb - val - 1);
		colon = rb[1] == ':' ? rb + 1 : NULL;
		val++;
	} else
		hlen = colon ? (size_t)(colon - val) : strlen(val);
	if (hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, val, hlen);
	host[hlen] = '\0';
	if (colon != NULL) {
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (colon[1] == '\0' || *end != '\0' || port == 0 ||
		    port > 65535)
			goto bad;
	}
	if ((bad = domain_check(host)) != NULL &&
	    strspn(host, "0123456789.:abcdefABCDEF") != hlen)
		goto bad;
	memcpy(c->relayhost, host, hlen + 1);
	c->relayhost_port = (unsigned)port;
	return 0;
bad:
	config_errf(why, whysz, "'%s' is not HOST[:PORT]",
	    config_show(shown, sizeof(shown), val));
	return -1;
}

/* A host name, or empty for none. */
static int
parse_opt_host(struct config *c, const struct config_key *k,
    const char *val, char *why, size_t whysz)
{
	char		 shown[CONFIG_SHOW_MAX];
	const char	*bad;
	char		*out = (char *)c + k->off;

	if (*val != '\0' && (bad = domain_check(val)) != NULL) {
		config_errf(why, whysz, "'%s' is not a valid host name: %s",
		    config_show(shown, sizeof(shown), val), bad);
		return -1;
	}
	snprintf(out, CONFIG_HOST_MAX + 1, "%s", val);
	return 0;
}

/* The portable subset of user names: [a-z_][a-z0-9_-]*, 1..32. */
static int
user_check(const char *s)
{
	size_t	len = strlen(s);

	if (len == 0 || len > USER_MAX || strchr("0123456789-", *s) != NULL)
		return -1;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len ?
	    0 : -1;
}

static int
parse_user(struct config *c, const struct config_key *k, const char *val,
    char *why, size_t whysz)
{
	char	shown[CONFIG_SHOW_MAX];

	if (user_check(val) == -1) {
		config_errf(why, whysz, "'%s' is not a valid user name "
		    "(1 to 32 of a-z 0-9 _ -, not starting with a digit or -)",
		    config_show(shown, sizeof(shown), val));
		return -1;
	}
	snprintf(c->user, sizeof(c->user), "%s", val);
	return 0;
}


/* A space-separated set of SASL mechanisms, case-insensitive. */
static int
parse_mechanisms(struct config *c, const struct config_key *k,
    const char *val, char *why, size_t whysz)
{
	char		 shown[CONFIG_SHOW_MAX], word[CONFIG_SHOW_MAX];
	const char	*p;
	int		 on[NMECH] = { 0 }, any = 0;
	size_t		 len, i;

	for (p = val + strspn(val, CONFIG_BLANKS); *p;
	    p += strspn(p, CONFIG_BLANKS)) {
		len = strcspn(p, CONFIG_BLANKS);
		for (i = 0; i < NMECH; i++)
			if (strlen(mechanisms[i].name) == len &&
			    strncasecmp(p, mechanisms[i].name, len) == 0)
				break;
		log_printable(word, sizeof(word), p, len);
		if (i == NMECH) {
			config_errf(why, whysz, "unknown mechanism '%s' "
			    "(PLAIN and LOGIN are supported)", word);
			return -1;
		}
		if (on[i]) {
			config_errf(why, whysz, "'%s' is listed twice", word);
			return -1;
		}
		on[i] = any = 1;
		p += len;
	}
	if (!any) {
		config_errf(why, whysz, "'%s' names no mechanism "
		    "(PLAIN and LOGIN are supported)",
		    config_show(shown, sizeof(shown), val));
		return -1;
	}
	for (i = 0; i < NMECH; i++)
		*(int *)(void *)((char *)c + mechanisms[i].off) = on[i];
	return 0;
}

static int
parse_log_level(struct config *c, const struct config_key *k,
    const char *val, char *why, size_t whysz)
{
	char	shown[CONFIG_SHOW_MAX];

	if (log_level_parse(val, &c->log_level) == -1) {
		config_errf(why, whysz,
		    "'%s' is not one of error, warning, info, "
		    "debug", config_show(shown, sizeof(shown), val));
		return -1;
	}
	return 0;
}
