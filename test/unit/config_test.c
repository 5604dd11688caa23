/*
 * config_test: table-driven tests for postern.conf parsing.  Each row of
 * good[] is a file that must load and set one field to a value; each row
 * of bad[] a file that must fail with exactly "PATH:LINE: reason".  Files
 * are written with mkstemp(3) in $TMPDIR (or /tmp) and removed after each
 * test.  listen_good[] and listen_bad[] call config_parse_listen()
 * directly.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/config_int.h"

#define ERR_MAX		1024

/* What a good row checks. */
enum field_kind {
	F_STR,		/* char array */
	F_U64,		/* uint64_t */
	F_UINT,		/* unsigned */
	F_LEVEL,	/* enum log_level */
	F_NLISTEN,	/* size_t */
	F_MECH,		/* num = auth_plain * 2 + auth_login */
};

struct good_case {
	const char	*name;		/* NULL: text */
	const char	*text;
	enum field_kind	 kind;
	size_t		 off;
	uint64_t	 num;
	const char	*str;
};

struct bad_case {
	const char	*name;		/* NULL: text */
	const char	*text;
	size_t		 line;		/* 0: "PATH: reason" */
	const char	*reason;
};

#define OFF(f)		offsetof(struct config, f)
#define GS(t, f, s)	{ NULL, t, F_STR, OFF(f), 0, s }
#define GU(t, f, n)	{ NULL, t, F_UINT, OFF(f), n, NULL }
#define GL(t, k, n)	{ NULL, t, F_NLISTEN, OFF(nlisten[k]), n, NULL }

#define NUM(k, v, lo, hi)						\
	k ": '" v "' is not a number between " lo " and " hi
#define DUR(k, v, lo, hi)						\
	k ": '" v "' is not a duration between " lo " and " hi		\
	" (a number with ms, s, m, h or d; plain is seconds)"
#define TMO(k, v)	DUR(k, v, "100ms", "1h")
#define SIZE(v)								\
	"max_message_size: '" v "' is not a size between 1K and 2G"	\
	" (octets, or a number with K, M or G)"
#define HOST(v, why)	"hostname: '" v "' is not a valid domain name: " why
#define USER(v)								\
	"user: '" v "' is not a valid user name"			\
	" (1 to 32 of a-z 0-9 _ -, not starting with a digit or -)"
#define MECH_SUP	" (PLAIN and LOGIN are supported)"
#define PREFIX(v)							\
	"auth_familiar_prefix: '" v "' is not IPV4,IPV6 prefix lengths"	\
	" (16 to 32, 32 to 128; e.g. 24,64)"
#define TRUSTED(v)							\
	"auth_trusted_clients: '" v "' is not a list of ADDRESS/PREFIX"	\
	" ranges (IPv4 /0..32, IPv6 /0..128; e.g. 192.0.2.0/24,"	\
	" 2001:db8::/32)"
#define LEVEL(v)							\
	"log_level: '" v "' is not one of error, warning, info, debug"
#define NOTADDR(v)	"mx: '" v "': expected ADDRESS:PORT or [IPv6]:PORT"
#define BADPORT(v)	"mx: '" v "': port is not a number between 1 and 65535"
#define NOTNUM(v, h, f)	"mx: '" v "': '" h "' is not a numeric " f " address"
#define B1(t, r)	{ NULL, t, 1, r }

static const struct good_case good[] = {
	GS("hostname = mail.example.org", hostname, "mail.example.org"),
	GS("hostname = localhost", hostname, "localhost"),
	GS("hostname = 1and1.example", hostname, "1and1.example"),
	GS("hostname = a-b.c-d.e", hostname, "a-b.c-d.e"),
	GS("hostname = MX.Example.ORG", hostname, "MX.Example.ORG"),
	GS("  hostname\t=\tmx.example  ", hostname, "mx.example"),
	GS("hostname=mx.example", hostname, "mx.example"),
	GS("hostname = mx.example\r\n", hostname, "mx.example"),
	GS("user = _postern", user, "_postern"),
	GS("user = mail-9_x", user, "mail-9_x"),
	GS("user = abcdefghijklmnopqrstuvwxyz012345", user,
	    "abcdefghijklmnopqrstuvwxyz012345"),
	{ NULL, "max_message_size = 1024", F_U64, OFF(max_message_size), 1024,
	    NULL },
	{ NULL, "max_message_size = 1K", F_U64, OFF(max_message_size), 1024,
	    NULL },
	{ NULL, "max_message_size = 10k", F_U64, OFF(max_message_size), 10240,
	    NULL },
	{ NULL, "max_message_size = 35M", F_U64, OFF(max_message_size),
	    36700160, NULL },
	{ NULL, "max_message_size = 2G", F_U64, OFF(max_message_size),
	    2147483648ULL, NULL },
	{ NULL, "max_message_size = 2048m", F_U64, OFF(max_message_size),
	    2147483648ULL, NULL },
	{ NULL, "max_message_size = 1048576", F_U64, OFF(max_message_size),
	    1048576, NULL },
	GU("max_recipients = 1", max_recipients, 1),
	GU("max_recipients = 10000", max_recipients, 10000),
	GU("max_recipients = 007", max_recipients, 7),
	GU("max_errors = 1", max_errors, 1),
	GU("max_errors = 1000", max_errors, 1000),
	GU("max_sessions = 1", max_sessions, 1),
	GU("max_sessions = 1000000", max_sessions, 1000000),
	GU("timeout_command = 100ms", timeout_command_ms, 100),
	GU("timeout_command = 1h", timeout_command_ms, 3600000),
	GU("timeout_command = 300", timeout_command_ms, 300000),
	GU("timeout_command = 5m", timeout_command_ms, 300000),
	GU("timeout_command = 3600s", timeout_command_ms, 3600000),
	GU("timeout_data = 3m", timeout_data_ms, 180000),
	GU("timeout_data = 1", timeout_data_ms, 1000),
	GU("timeout_tls = 30s", timeout_tls_ms, 30000),
	GU("timeout_tls = 250ms", timeout_tls_ms, 250),
	GU("greet_delay = 0", greet_delay_ms, 0),
	GU("greet_delay = 500ms", greet_delay_ms, 500),
	GU("greet_delay = 60s", greet_delay_ms, 60000),
	GU("greet_delay = 1m", greet_delay_ms, 60000),
	GU("shutdown_grace = 0", shutdown_grace_ms, 0),
	GU("shutdown_grace = 30s", shutdown_grace_ms, 30000),
	GU("shutdown_grace = 1h", shutdown_grace_ms, 3600000),
	GU("auth_workers = 1", auth_workers, 1),
	GU("auth_workers = 64", auth_workers, 64),
	GU("auth_familiar_days = 0", auth_familiar_days, 0),
	GU("auth_familiar_days = 365", auth_familiar_days, 365),
	GU("auth_familiar_prefix = 24,64", auth_familiar_v4, 24),
	GU("auth_familiar_prefix = 24,64", auth_familiar_v6, 64),
	GU("auth_familiar_prefix = 16 , 32", auth_familiar_v4, 16),
	GU("auth_familiar_prefix = 16 , 32", auth_familiar_v6, 32),
	GU("auth_familiar_prefix = 32,128", auth_familiar_v6, 128),
	{ NULL, "auth_mechanisms = PLAIN", F_MECH, 0, 2, NULL },
	{ NULL, "auth_mechanisms = login", F_MECH, 0, 1, NULL },
	{ NULL, "auth_mechanisms = plain LOGIN", F_MECH, 0, 3, NULL },
	{ NULL, "auth_mechanisms =  Login \t Plain ", F_MECH, 0, 3, NULL },
	{ NULL, "log_level = error", F_LEVEL, OFF(log_level), LOG_LVL_ERR,
	    NULL },
	{ NULL, "log_level = warning", F_LEVEL, OFF(log_level), LOG_LVL_WARN,
	    NULL },
	{ NULL, "log_level = info", F_LEVEL, OFF(log_level), LOG_LVL_INFO,
	    NULL },
	{ NULL, "log_level = DEBUG", F_LEVEL, OFF(log_level), LOG_LVL_DEBUG,
	    NULL },
	GL("mx =", LISTEN_MX, 0),
	GL("mx =   ", LISTEN_MX, 0),
	GL("mx = 127.0.0.1:25", LISTEN_MX, 1),
	GL("submission = 0.0.0.0:587 [::]:587", LISTEN_SUBMISSION, 2),
	GL("smtps = [::1]:465", LISTEN_SMTPS, 1),
	{ "three listeners", "mx = 127.0.0.1:25\nsubmission = 127.0.0.1:587\n"
	    "smtps = 127.0.0.1:465", F_NLISTEN, OFF(nlisten[LISTEN_SMTPS]), 1,
	    NULL },
	{ "comments and blank lines",
	    "# postern.conf\n\n   # indented comment\n\t\n#max_errors = 0\n"
	    "max_errors = 5\n#\n", F_UINT, OFF(max_errors), 5, NULL },
	{ "comment lines only", "#\n# max_errors = 0\n", F_UINT,
	    OFF(max_errors), 10, NULL },
	{ "empty file", "", F_UINT, OFF(max_errors), 10, NULL },
	/* sending health: percentages in per mille */
	GU("health_bounce_rate = 5%", health_bounce_rate, 50),
	GU("health_bounce_rate = 2.5", health_bounce_rate, 25),
	GU("health_bounce_rate = 100%", health_bounce_rate, 1000),
	GU("health_window = 10", health_window, 10),
	GU("health_pause_time = 2h", health_pause_time_ms, 7200000),
	{ "health defaults", "", F_UINT, OFF(health_bounce_rate), 50, NULL },
	{ "health window default", "", F_UINT, OFF(health_window), 50,
	    NULL },
	/* delivery */
	GU("imap = none", imap, IMAP_NONE),
	GU("imap = dovecot", imap, IMAP_DOVECOT),
	GU("imap = external", imap, IMAP_EXTERNAL),
	GL("imaps_listen = 127.0.0.1:993 [::1]:993", LISTEN_IMAPS, 2),
	GU("imap_max_userip_connections = 200", imap_max_userip_connections,
	    200),
	GS("dovecot = /opt/dovecot/sbin/dovecot", dovecot,
	    "/opt/dovecot/sbin/dovecot"),
	GU("delivery = no", delivery, DELIVERY_NO),
	GU("delivery = true", delivery, DELIVERY_YES),
	GU("delivery = discard", delivery, DELIVERY_DISCARD),
	GU("queue_lifetime = 5d", queue_lifetime_ms, 432000000),
	GU("retry_min = 90s", retry_min_ms, 90000),
	GU("outbound_tls = none", outbound_tls, OUTBOUND_TLS_NONE),
	GU("outbound_tls = required", outbound_tls, OUTBOUND_TLS_REQUIRED),
	GU("relayhost_tls = implicit", relayhost_tls, RELAY_TLS_IMPLICIT),
	GS("relayhost = smtp.example.org", relayhost, "smtp.example.org"),
	GU("relayhost = smtp.example.org", relayhost_port, 587),
	GU("relayhost = smtp.example.org:465", relayhost_port, 465),
	GS("relayhost = [10.0.0.1]:2525", relayhost, "10.0.0.1"),
	GU("relayhost = [10.0.0.1]:2525", relayhost_port, 2525),
	GS("relayhost =", relayhost, ""),
	GS("dns_server = 127.0.0.1:5353", dns_server, "127.0.0.1:5353"),
	GS("dns_server = 127.0.0.1", dns_server, "127.0.0.1"),
	GS("dns_server = ::1", dns_server, "::1"),
	GS("dns_server = [::1]:53", dns_server, "[::1]:53"),
	GS("relayhost_user = relay user", relayhost_user, "relay user"),
	GS("", store, "sqlite"),
	GU("", store_timeout_ms, 5000),
	GS("store = postgresql://postern@10.0.0.5:5433/postern?sslmode="
	    "verify-full", store, "postgresql://postern@10.0.0.5:5433/"
	    "postern?sslmode=verify-full"),
	GS("store = postgres://db.example/postern", store,
	    "postgres://db.example/postern"),
	GU("store_timeout = 500ms", store_timeout_ms, 500),
	{ "no newline at end", "max_errors = 7", F_UINT, OFF(max_errors), 7,
	    NULL },
	{ "CRLF lines", "max_errors = 7\r\nmax_sessions = 8\r\n", F_UINT,
	    OFF(max_sessions), 8, NULL },
	{ "other keys keep defaults", "max_errors = 7\n", F_UINT,
	    OFF(max_recipients), 100, NULL },
};

static const struct bad_case bad[] = {
	/* line syntax */
	B1("hostname mail.example.org", "missing '=' in "
	    "'hostname mail.example.org' (expected key = value)"),
	B1("max_errors", "missing '=' in 'max_errors' (expected key = value)"),
	B1("= 5", "missing key before '='"),
	B1("  =", "missing key before '='"),
	B1("foo = bar", "unknown key 'foo'"),
	B1("Hostname = x", "unknown key 'Hostname'"),
	B1("max errors = 5", "unknown key 'max errors'"),
	B1("k\x01 = 5", "unknown key 'k\\x01'"),
	{ "duplicate key", "max_errors = 5\nmax_errors = 6\n", 2,
	    "duplicate key 'max_errors' (first set on line 1)" },
	{ "duplicate key, same value", "# x\nmx =\n\nmx =\n", 4,
	    "duplicate key 'mx' (first set on line 2)" },
	{ "line number after comments",
	    "# c\n\nmax_errors = 5\n\n  # x\nmax_recipients = 0\n", 6,
	    NUM("max_recipients", "0", "1", "10000") },
	{ "line number counts CRLF lines", "\r\n\r\nbogus\r\n", 3,
	    "missing '=' in 'bogus' (expected key = value)" },
	{ "inline comment is part of the value", "max_errors = 5 # five", 1,
	    NUM("max_errors", "5 # five", "1", "1000") },

	/* the store: never a password in postern.conf */
	B1("store = mysql://x/db", "store: expected sqlite or a URI "
	    "postgresql://USER@HOST/DB"),
	B1("store = postgresql://u:secret@h/db", "store: the URI holds a "
	    "password: put it in store_password_file"),
	B1("store = postgresql://u@h/db?password=secret", "store: the URI "
	    "holds a password: put it in store_password_file"),
	B1("store_timeout = 50ms", DUR("store_timeout", "50ms", "100ms",
	    "10m")),

	/* delivery */
	B1("delivery = drop", "delivery: 'drop' is not yes, no or discard"),
	B1("outbound_tls = maybe", "outbound_tls: 'maybe' is not one of "
	    "none, opportunistic, required"),
	B1("relayhost = host:0", "relayhost: 'host:0' is not HOST[:PORT]"),
	B1("relayhost = host:", "relayhost: 'host:' is not HOST[:PORT]"),
	B1("relayhost = [host", "relayhost: '[host' is not HOST[:PORT]"),
	B1("relayhost = bad_host!", "relayhost: 'bad_host!' is not "
	    "HOST[:PORT]"),
	B1("dns_server = example.org", "dns_server: 'example.org' is not "
	    "ADDR[:PORT] with a numeric address"),
	B1("dns_server = 127.0.0.1:99999", "dns_server: '127.0.0.1:99999' "
	    "is not ADDR[:PORT] with a numeric address"),
	B1("relayhost_user = a\x01b", "relayhost_user: control character "
	    "in value"),
	B1("queue_lifetime = 31d", DUR("queue_lifetime", "31d", "1s",
	    "30d")),

	/* hostname */
	B1("hostname =", HOST("", "empty")),
	B1("hostname = a..b", HOST("a..b", "empty label")),
	B1("hostname = .a", HOST(".a", "empty label")),
	B1("hostname = mx.example.org.", HOST("mx.example.org.",
	    "empty label")),
	B1("hostname = -a.b", HOST("-a.b", "a label starts or ends with '-'")),
	B1("hostname = a-.b", HOST("a-.b", "a label starts or ends with '-'")),
	B1("hostname = a.b-", HOST("a.b-", "a label starts or ends with '-'")),
	B1("hostname = a_b.c", HOST("a_b.c",
	    "only letters, digits, '-' and '.' are allowed")),
	B1("hostname = a b", HOST("a b",
	    "only letters, digits, '-' and '.' are allowed")),
	B1("hostname = [127.0.0.1]", HOST("[127.0.0.1]",
	    "only letters, digits, '-' and '.' are allowed")),
	B1("hostname = caf\xc3\xa9.example", HOST("caf\\xc3\\xa9.example",
	    "only letters, digits, '-' and '.' are allowed")),

	/* user */
	B1("user =", USER("")),
	B1("user = Postern", USER("Postern")),
	B1("user = 1mail", USER("1mail")),
	B1("user = -mail", USER("-mail")),
	B1("user = a.b", USER("a.b")),
	B1("user = a b", USER("a b")),
	B1("user = abcdefghijklmnopqrstuvwxyz0123456",
	    USER("abcdefghijklmnopqrstuvwxyz0123456")),

	/* sizes */
	B1("max_message_size =", SIZE("")),
	B1("max_message_size = 0", SIZE("0")),
	B1("max_message_size = 1023", SIZE("1023")),
	B1("max_message_size = 2049M", SIZE("2049M")),
	B1("max_message_size = 2147483649", SIZE("2147483649")),
	B1("max_message_size = 3G", SIZE("3G")),
	B1("max_message_size = 1T", SIZE("1T")),
	B1("max_message_size = 1KB", SIZE("1KB")),
	B1("max_message_size = 1 K", SIZE("1 K")),
	B1("max_message_size = -1", SIZE("-1")),
	B1("max_message_size = +2048", SIZE("+2048")),
	B1("max_message_size = 1.5M", SIZE("1.5M")),
	B1("max_message_size = 0x1000", SIZE("0x1000")),
	B1("max_message_size = 99999999999999999999999",
	    SIZE("99999999999999999999999")),
	B1("max_message_size = 18446744073709551615G",
	    SIZE("18446744073709551615G")),

	/* numbers */
	B1("max_recipients = 0", NUM("max_recipients", "0", "1", "10000")),
	B1("max_recipients = 10001", NUM("max_recipients", "10001", "1",
	    "10000")),
	B1("max_recipients =", NUM("max_recipients", "", "1", "10000")),
	B1("max_recipients = abc", NUM("max_recipients", "abc", "1",
	    "10000")),
	B1("max_recipients = -1", NUM("max_recipients", "-1", "1", "10000")),
	B1("max_recipients = +1", NUM("max_recipients", "+1", "1", "10000")),
	B1("max_recipients = 1e3", NUM("max_recipients", "1e3", "1",
	    "10000")),
	B1("max_recipients = 4294967297", NUM("max_recipients",
	    "4294967297", "1", "10000")),
	B1("max_errors = 0", NUM("max_errors", "0", "1", "1000")),
	B1("max_errors = 1001", NUM("max_errors", "1001", "1", "1000")),
	B1("health_bounce_rate = 0", "health_bounce_rate: '0' is not a "
	    "percentage between 0.1% and 100%"),
	B1("health_bounce_rate = 5%%", "health_bounce_rate: '5%%' is not a "
	    "percentage between 0.1% and 100%"),
	B1("health_bounce_rate = 101", "health_bounce_rate: '101' is not a "
	    "percentage between 0.1% and 100%"),
	B1("health_window = 1001", NUM("health_window", "1001", "1",
	    "1000")),
	B1("max_sessions = 0", NUM("max_sessions", "0", "1", "1000000")),
	B1("max_sessions = 1000001", NUM("max_sessions", "1000001", "1",
	    "1000000")),
	B1("auth_workers = 0", NUM("auth_workers", "0", "1", "64")),
	B1("auth_workers = 65", NUM("auth_workers", "65", "1", "64")),

	/* durations */
	B1("timeout_command = 99ms", TMO("timeout_command", "99ms")),
	B1("timeout_command = 0", TMO("timeout_command", "0")),
	B1("timeout_command = 3601", TMO("timeout_command", "3601")),
	B1("timeout_command = 61m", TMO("timeout_command", "61m")),
	B1("timeout_command = 2h", TMO("timeout_command", "2h")),
	B1("timeout_command = 5x", TMO("timeout_command", "5x")),
	B1("timeout_command = 5 s", TMO("timeout_command", "5 s")),
	B1("timeout_command = 5S", TMO("timeout_command", "5S")),
	B1("timeout_command = 1.5s", TMO("timeout_command", "1.5s")),
	B1("timeout_command = -5", TMO("timeout_command", "-5")),
	B1("timeout_command = s", TMO("timeout_command", "s")),
	B1("timeout_command =", TMO("timeout_command", "")),
	B1("timeout_data = 99ms", TMO("timeout_data", "99ms")),
	B1("timeout_data = 2h", TMO("timeout_data", "2h")),
	B1("timeout_tls = 0", TMO("timeout_tls", "0")),
	B1("timeout_tls = 18446744073709551615h", TMO("timeout_tls",
	    "18446744073709551615h")),
	B1("greet_delay = 61s", DUR("greet_delay", "61s", "0", "1m")),
	B1("greet_delay = 60001ms", DUR("greet_delay", "60001ms", "0",
	    "1m")),
	B1("greet_delay = 2m", DUR("greet_delay", "2m", "0", "1m")),
	B1("shutdown_grace = 2h", DUR("shutdown_grace", "2h", "0", "1h")),
	B1("shutdown_grace = ten", DUR("shutdown_grace", "ten", "0", "1h")),

	/* familiar-client rule */
	B1("auth_familiar_days = 366", NUM("auth_familiar_days", "366", "0",
	    "365")),
	B1("auth_familiar_days = 30d", NUM("auth_familiar_days", "30d", "0",
	    "365")),
	B1("auth_familiar_prefix = 24", PREFIX("24")),
	B1("auth_trusted_clients = 192.0.2.0/33", TRUSTED("192.0.2.0/33")),
	B1("auth_trusted_clients = 10.0.0.0/8, 2001:db8::/129",
	    TRUSTED("10.0.0.0/8, 2001:db8::/129")),
	B1("auth_trusted_clients = example.org/24",
	    TRUSTED("example.org/24")),
	B1("auth_trusted_clients = 192.0.2.0/", TRUSTED("192.0.2.0/")),
	B1("auth_trusted_clients = 192.0.2.0/-1", TRUSTED("192.0.2.0/-1")),
	B1("auth_trusted_clients = 192.0.2/24", TRUSTED("192.0.2/24")),
	B1("auth_familiar_prefix = 15,64", PREFIX("15,64")),
	B1("auth_familiar_prefix = 33,64", PREFIX("33,64")),
	B1("auth_familiar_prefix = 24,31", PREFIX("24,31")),
	B1("auth_familiar_prefix = 24,129", PREFIX("24,129")),
	B1("auth_familiar_prefix = /24,/64", PREFIX("/24,/64")),
	B1("auth_familiar_prefix = 24,64,", PREFIX("24,64,")),
	B1("auth_familiar_prefix = 24;64", PREFIX("24;64")),
	B1("auth_familiar_prefix =", PREFIX("")),

	/* auth_mechanisms, log_level */
	B1("auth_mechanisms =", "auth_mechanisms: '' names no mechanism"
	    MECH_SUP),
	B1("auth_mechanisms = CRAM-MD5", "auth_mechanisms: unknown mechanism "
	    "'CRAM-MD5'" MECH_SUP),
	B1("auth_mechanisms = PLAIN,LOGIN", "auth_mechanisms: unknown "
	    "mechanism 'PLAIN,LOGIN'" MECH_SUP),
	B1("auth_mechanisms = PLAIN plain", "auth_mechanisms: 'plain' is "
	    "listed twice"),
	B1("log_level =", LEVEL("")),
	B1("log_level = verbose", LEVEL("verbose")),
	B1("log_level = warn", LEVEL("warn")),

	/* listeners */
	B1("mx = 127.0.0.1", NOTADDR("127.0.0.1")),
	B1("mx = [::1]", NOTADDR("[::1]")),
	B1("mx = [::1]25", NOTADDR("[::1]25")),
	B1("mx = [::1:25", NOTADDR("[::1:25")),
	B1("mx = 127.0.0.1:0", BADPORT("127.0.0.1:0")),
	B1("mx = 127.0.0.1:65536", BADPORT("127.0.0.1:65536")),
	B1("mx = 127.0.0.1:", BADPORT("127.0.0.1:")),
	B1("mx = 127.0.0.1:+25", BADPORT("127.0.0.1:+25")),
	B1("mx = 127.0.0.1:-25", BADPORT("127.0.0.1:-25")),
	B1("mx = 127.0.0.1:25x", BADPORT("127.0.0.1:25x")),
	B1("mx = 127.0.0.1:smtp", BADPORT("127.0.0.1:smtp")),
	B1("mx = [::1]:99999999999999999999", BADPORT(
	    "[::1]:99999999999999999999")),
	B1("mx = localhost:25", NOTNUM("localhost:25", "localhost", "IPv4")),
	B1("mx = 256.1.1.1:25", NOTNUM("256.1.1.1:25", "256.1.1.1", "IPv4")),
	B1("mx = 1.2.3:25", NOTNUM("1.2.3:25", "1.2.3", "IPv4")),
	B1("mx = :25", NOTNUM(":25", "", "IPv4")),
	B1("mx = [127.0.0.1]:25", NOTNUM("[127.0.0.1]:25", "127.0.0.1",
	    "IPv6")),
	B1("mx = [fe80::1%eth0]:25", NOTNUM("[fe80::1%eth0]:25",
	    "fe80::1%eth0", "IPv6")),
	B1("mx = []:25", NOTNUM("[]:25", "", "IPv6")),
	B1("mx = ::1:25", "mx: '::1:25': write an IPv6 address as "
	    "[ADDRESS]:PORT"),
	B1("mx = 127.0.0.1:25 127.0.0.1:25", "mx: '127.0.0.1:25' is listed "
	    "twice"),
	B1("mx = 127.0.0.1:25,127.0.0.2:25", "mx: '127.0.0.1:25,127.0.0.2:25'"
	    ": separate addresses with blanks, not commas"),
	B1("mx = 1.0.0.1:1 1.0.0.2:1 1.0.0.3:1 1.0.0.4:1 1.0.0.5:1 1.0.0.6:1 "
	    "1.0.0.7:1 1.0.0.8:1 1.0.0.9:1", "mx: more than 8 addresses"),
	B1("mx = [0000:0000:0000:0000:0000:0000:0000:0001]:"
	    "00000000000000000000000025", "mx: '[0000:0000:0000:0000:0000:"
	    "0000:0000:0001]:00000000000000000000000025' is too long for an "
	    "address"),
	{ "same address on two listeners",
	    "mx = 127.0.0.1:25\nsubmission = 127.0.0.2:587 127.0.0.1:25\n", 2,
	    "submission: '127.0.0.1:25' is also used by mx" },
	{ "same IPv6 address on two listeners",
	    "smtps = [::1]:465\nmx = [0:0::1]:465\n", 2,
	    "mx: '[0:0::1]:465' is also used by smtps" },
	/* IMAP (Dovecot) */
	{ "IMAP on an SMTP address",
	    "submission = 127.0.0.1:587\nimaps_listen = 127.0.0.1:587\n", 2,
	    "imaps_listen: '127.0.0.1:587' is also used by submission" },
	B1("imap = courier", "imap: 'courier' is not one of none, dovecot, "
	    "external"),
	B1("imap_max_userip_connections = 0", "imap_max_userip_connections: "
	    "'0' is not a number between 1 and 100000"),
};

struct listen_want {
	int		 family;
	unsigned	 port;
	const char	*addr;		/* as inet_ntop prints it */
	const char	*text;
};

static const struct listen_case {
	const char		*value;
	size_t			 n;
	struct listen_want	 want[3];
} listen_good[] = {
	{ "", 0, { { 0 } } },
	{ " \t ", 0, { { 0 } } },
	{ "127.0.0.1:25", 1, { { AF_INET, 25, "127.0.0.1", "127.0.0.1:25" } } },
	{ "0.0.0.0:65535", 1, { { AF_INET, 65535, "0.0.0.0",
	    "0.0.0.0:65535" } } },
	{ "[::1]:1", 1, { { AF_INET6, 1, "::1", "[::1]:1" } } },
	{ "[::]:587", 1, { { AF_INET6, 587, "::", "[::]:587" } } },
	{ "[2001:DB8::a]:0465", 1, { { AF_INET6, 465, "2001:db8::a",
	    "[2001:DB8::a]:0465" } } },
	{ "[::ffff:192.0.2.1]:25", 1, { { AF_INET6, 25, "::ffff:192.0.2.1",
	    "[::ffff:192.0.2.1]:25" } } },
	{ "  10.0.0.1:25\t[::1]:25  192.0.2.7:2525 ", 3, {
	    { AF_INET, 25, "10.0.0.1", "10.0.0.1:25" },
	    { AF_INET6, 25, "::1", "[::1]:25" },
	    { AF_INET, 2525, "192.0.2.7", "192.0.2.7:2525" } } },
	{ "[0000:0000:0000:0000:0000:0000:0000:0001]:000000000000000000025", 1,
	    { { AF_INET6, 25, "::1", "[0000:0000:0000:0000:0000:0000:0000:"
	    "0001]:000000000000000000025" } } },	/* 63: longest item */
	{ "127.0.0.1:25 127.0.0.1:26", 2, {
	    { AF_INET, 25, "127.0.0.1", "127.0.0.1:25" },
	    { AF_INET, 26, "127.0.0.1", "127.0.0.1:26" } } },
};

static char	*tmp_write(const char *, size_t);
static void	 tmp_remove(char *);
static int	 load_text(struct config *, const char *, size_t, char *,
		    char *, size_t);
static void	 check_good(const struct good_case *, const struct config *);
static void	 test_good(void **);
static void	 test_bad(void **);
static void	 test_listen_good(void **);
static void	 test_listen_bad_keeps_out(void **);
static void	 test_listen_max(void **);
static void	 test_defaults(void **);
static void	 test_defaults_parse(void **);
static void	 test_defaults_more(void **);
static void	 test_missing_file(void **);
static void	 test_directory(void **);
static void	 test_path_stored(void **);
static void	 test_full_file(void **);
static void	 test_failure_keeps_config(void **);
static void	 test_line_length(void **);
static void	 test_nul_byte(void **);
static void	 test_hostname_lengths(void **);
static void	 test_small_err_buffer(void **);
static void	 test_trusted_clients(void **);

/* Write len bytes of text to a new temp file; returns its malloc'd path. */
static char *
tmp_write(const char *text, size_t len)
{
	const char	*dir = getenv("TMPDIR");
	char		*path;
	int		 fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if (asprintf(&path, "%s/config_test.XXXXXX", dir) == -1)
		abort();
	if ((fd = mkstemp(path)) == -1)
		fail_msg("mkstemp %s", path);
	if (write(fd, text, len) != (ssize_t)len)
		fail_msg("write %s", path);
	close(fd);
	return path;
}

static void
tmp_remove(char *path)
{
	unlink(path);
	free(path);
}

/* Load text as a file over the defaults; path receives the file name. */
static int
load_text(struct config *cfg, const char *text, size_t len, char *path,
    char *err, size_t errsz)
{
	char	*p = tmp_write(text, len);
	int	 rc;

	config_defaults(cfg);
	err[0] = '\0';
	rc = config_load(cfg, p, err, errsz);
	snprintf(path, PATH_MAX, "%s", p);
	tmp_remove(p);
	return rc;
}

static void
check_good(const struct good_case *g, const struct config *cfg)
{
	const char	*f = (const char *)cfg + g->off;

	switch (g->kind) {
	case F_STR:
		assert_string_equal(f, g->str);
		break;
	case F_U64:
		assert_int_equal(*(const uint64_t *)(const void *)f, g->num);
		break;
	case F_UINT:
		assert_int_equal(*(const unsigned *)(const void *)f, g->num);
		break;
	case F_LEVEL:
		assert_int_equal(*(const enum log_level *)(const void *)f,
		    g->num);
		break;
	case F_NLISTEN:
		assert_int_equal(*(const size_t *)(const void *)f, g->num);
		break;
	case F_MECH:
		assert_int_equal(cfg->auth_plain, g->num >> 1);
		assert_int_equal(cfg->auth_login, g->num & 1);
		break;
	}
}

static void
test_good(void **state)
{
	const struct good_case	*g = *state;
	struct config		 cfg;
	char			 path[PATH_MAX], err[ERR_MAX];

	if (load_text(&cfg, g->text, strlen(g->text), path, err,
	    sizeof(err)) == -1)
		fail_msg("'%s': %s", g->text, err);
	assert_string_equal(cfg.path, path);
	check_good(g, &cfg);
}

static void
test_bad(void **state)
{
	const struct bad_case	*b = *state;
	struct config		 cfg;
	char			 path[PATH_MAX], err[ERR_MAX];
	char			 want[PATH_MAX + ERR_MAX];

	assert_int_equal(load_text(&cfg, b->text, strlen(b->text), path, err,
	    sizeof(err)), -1);
	if (b->line)
		snprintf(want, sizeof(want), "%s:%zu: %s", path, b->line,
		    b->reason);
	else
		snprintf(want, sizeof(want), "%s: %s", path, b->reason);
	assert_string_equal(err, want);
}

static void
test_listen_good(void **state)
{
	struct config_listen	 out[CONFIG_LISTEN_MAX];
	const struct listen_case *c;
	const struct listen_want *w;
	char			 err[ERR_MAX], addr[INET6_ADDRSTRLEN];
	size_t			 n, i, k;
	const void		*ap;
	unsigned		 port;

	for (k = 0; k < sizeof(listen_good) / sizeof(listen_good[0]); k++) {
		c = &listen_good[k];
		n = 99;
		if (config_parse_listen(c->value, out, &n, err,
		    sizeof(err)) == -1)
			fail_msg("'%s': %s", c->value, err);
		assert_int_equal(n, c->n);
		for (i = 0; i < n; i++) {
			w = &c->want[i];
			assert_int_equal(out[i].ss.ss_family, w->family);
			if (w->family == AF_INET) {
				const struct sockaddr_in *sin =
				    (const void *)&out[i].ss;

				assert_int_equal(out[i].sslen, sizeof(*sin));
				ap = &sin->sin_addr;
				port = ntohs(sin->sin_port);
			} else {
				const struct sockaddr_in6 *sin6 =
				    (const void *)&out[i].ss;

				assert_int_equal(out[i].sslen, sizeof(*sin6));
				ap = &sin6->sin6_addr;
				port = ntohs(sin6->sin6_port);
			}
			assert_non_null(inet_ntop(w->family, ap, addr,
			    sizeof(addr)));
			assert_string_equal(addr, w->addr);
			assert_int_equal(port, w->port);
			assert_string_equal(out[i].text, w->text);
		}
	}
}

/* A bad value leaves out and *nout alone; an empty value clears *nout. */
static void
test_listen_bad_keeps_out(void **state)
{
	struct config_listen	out[CONFIG_LISTEN_MAX];
	char			err[ERR_MAX];
	size_t			n;

	assert_int_equal(config_parse_listen("127.0.0.1:25", out, &n, err,
	    sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(config_parse_listen("127.0.0.2:26 bogus", out, &n,
	    err, sizeof(err)), -1);
	assert_string_equal(err, "'bogus': expected ADDRESS:PORT or "
	    "[IPv6]:PORT");
	assert_int_equal(n, 1);
	assert_string_equal(out[0].text, "127.0.0.1:25");
	assert_int_equal(config_parse_listen("", out, &n, err, sizeof(err)),
	    0);
	assert_int_equal(n, 0);
}

/* Exactly CONFIG_LISTEN_MAX addresses fit; one more does not. */
static void
test_listen_max(void **state)
{
	struct config_listen	out[CONFIG_LISTEN_MAX];
	char			err[ERR_MAX], value[1024];
	size_t			n, i, len = 0;

	for (i = 0; i < CONFIG_LISTEN_MAX; i++)
		len += (size_t)snprintf(value + len, sizeof(value) - len,
		    "[::1]:%zu ", 1000 + i);
	assert_int_equal(config_parse_listen(value, out, &n, err,
	    sizeof(err)), 0);
	assert_int_equal(n, CONFIG_LISTEN_MAX);
	assert_string_equal(out[CONFIG_LISTEN_MAX - 1].text, "[::1]:1007");
	snprintf(value + len, sizeof(value) - len, "[::1]:2000");
	assert_int_equal(config_parse_listen(value, out, &n, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "more than 8 addresses");
}

static void
test_defaults(void **state)
{
	struct config	cfg;
	size_t		i;

	memset(&cfg, 0xa5, sizeof(cfg));
	config_defaults(&cfg);
	assert_true(cfg.hostname[0] != '\0');
	assert_true(strlen(cfg.hostname) <= CONFIG_HOST_MAX);
	assert_string_equal(cfg.user, "postern");
	assert_string_equal(cfg.path, "");
	for (i = 0; i < LISTEN_KIND_COUNT; i++)
		assert_int_equal(cfg.nlisten[i], 0);
	assert_int_equal(cfg.max_message_size, 36700160);
	assert_int_equal(cfg.max_recipients, 100);
	assert_int_equal(cfg.max_errors, 10);
	assert_int_equal(cfg.max_sessions, 10000);
	assert_int_equal(cfg.timeout_command_ms, 300000);
	assert_int_equal(cfg.timeout_data_ms, 180000);
	assert_int_equal(cfg.timeout_tls_ms, 60000);
	assert_int_equal(cfg.greet_delay_ms, 0);
	assert_int_equal(cfg.shutdown_grace_ms, 10000);
	assert_int_equal(cfg.auth_workers, 2);
	assert_int_equal(cfg.auth_plain, 1);
	assert_int_equal(cfg.auth_login, 1);
	assert_int_equal(cfg.log_level, LOG_LVL_INFO);
	assert_int_equal(cfg.auth_familiar_days, 30);
	assert_int_equal(cfg.auth_familiar_v4, 32);
	assert_int_equal(cfg.auth_familiar_v6, 128);
}

/* Every row's default passes its own parser, and every key has one. */
static void
test_defaults_parse(void **state)
{
	struct config	cfg;
	char		why[256];
	size_t		i;

	assert_true(config_nkeys > 0);
	for (i = 0; i < config_nkeys; i++) {
		config_defaults(&cfg);
		assert_true(config_keys[i].def != NULL ||
		    config_keys[i].def_fn != NULL);
		why[0] = '\0';
		if (config_key_default(&cfg, &config_keys[i], why,
		    sizeof(why)) == -1)
			fail_msg("default of %s: %s", config_keys[i].name, why);
	}
}

/* The values config_defaults() gave before the defaults moved into rows. */
static void
test_defaults_more(void **state)
{
	struct config	cfg;

	memset(&cfg, 0xa5, sizeof(cfg));
	config_defaults(&cfg);
	assert_int_equal(cfg.auth_fail_limit, 5);
	assert_int_equal(cfg.auth_fail_window_ms, 900000);
	assert_int_equal(cfg.auth_lock_time_ms, 1800000);
	assert_int_equal(cfg.auth_ip_fail_limit, 10);
	assert_int_equal(cfg.auth_cache_ttl_ms, 300000);
	assert_int_equal(cfg.require_host_match, 0);
	assert_string_equal(cfg.imap_host, "");
	assert_int_equal(cfg.imap_port, 993);
	assert_int_equal(cfg.submission_port, 587);
	assert_string_equal(cfg.dovecot, "/usr/sbin/dovecot");
	assert_int_equal(cfg.imap, access("/usr/sbin/dovecot", X_OK) == 0 ?
	    IMAP_DOVECOT : IMAP_NONE);
	assert_int_equal(cfg.imap_max_userip_connections, 50);
	assert_int_equal(cfg.delivery, DELIVERY_YES);
	assert_int_equal(cfg.delivery_workers, 20);
	assert_int_equal(cfg.destination_concurrency, 10);
	assert_int_equal(cfg.retry_min_ms, 300000);
	assert_int_equal(cfg.retry_max_ms, 3600000);
	assert_int_equal(cfg.queue_lifetime_ms, 5 * 86400000U);
	assert_int_equal(cfg.timeout_connect_ms, 30000);
	assert_int_equal(cfg.timeout_outbound_ms, 300000);
	assert_int_equal(cfg.outbound_port, 25);
	assert_int_equal(cfg.outbound_tls, OUTBOUND_TLS_OPPORTUNISTIC);
	assert_string_equal(cfg.dns_server, "");
	assert_string_equal(cfg.relayhost, "");
	assert_int_equal(cfg.relayhost_port, 587);
	assert_int_equal(cfg.relayhost_tls, RELAY_TLS_STARTTLS);
	assert_string_equal(cfg.relayhost_user, "");
	assert_string_equal(cfg.relayhost_password_file, "");
	assert_int_equal(cfg.relayhost_tls_verify, 1);
	assert_string_equal(cfg.relayhost_cafile, "");
}

static void
test_missing_file(void **state)
{
	struct config	cfg;
	char		err[ERR_MAX];

	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, "/nonexistent/postern.conf", err,
	    sizeof(err)), -1);
	assert_string_equal(err,
	    "/nonexistent/postern.conf: No such file or directory");
}

static void
test_directory(void **state)
{
	struct config	cfg;
	char		err[ERR_MAX];

	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, "/", err, sizeof(err)), -1);
	assert_string_equal(err, "/: Is a directory");
}

static void
test_path_stored(void **state)
{
	struct config	cfg;
	char		err[ERR_MAX], *p = tmp_write("", 0);

	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, p, err, sizeof(err)), 0);
	assert_string_equal(cfg.path, p);
	tmp_remove(p);
}

/* Every key at once, as an administrator would write the file. */
static void
test_full_file(void **state)
{
	static const char text[] =
	    "# postern.conf\n"
	    "hostname = mx.example.net\n"
	    "user = _postern\n"
	    "\n"
	    "# listeners\n"
	    "submission = 0.0.0.0:587 [::]:587\n"
	    "smtps = 0.0.0.0:465\n"
	    "mx =\n"
	    "max_message_size = 50M\n"
	    "max_recipients = 50\n"
	    "max_errors = 3\n"
	    "max_sessions = 500\n"
	    "timeout_command = 5m\n"
	    "timeout_data = 10m\n"
	    "timeout_tls = 100ms\n"
	    "greet_delay = 2s\n"
	    "shutdown_grace = 0\n"
	    "auth_workers = 4\n"
	    "auth_mechanisms = PLAIN\n"
	    "log_level = debug\n";
	struct config	cfg;
	char		path[PATH_MAX], err[ERR_MAX];

	if (load_text(&cfg, text, sizeof(text) - 1, path, err,
	    sizeof(err)) == -1)
		fail_msg("%s", err);
	assert_string_equal(cfg.hostname, "mx.example.net");
	assert_string_equal(cfg.user, "_postern");
	assert_int_equal(cfg.nlisten[LISTEN_SUBMISSION], 2);
	assert_int_equal(cfg.nlisten[LISTEN_SMTPS], 1);
	assert_int_equal(cfg.nlisten[LISTEN_MX], 0);
	assert_string_equal(cfg.listen[LISTEN_SUBMISSION][1].text, "[::]:587");
	assert_int_equal(cfg.max_message_size, 50 << 20);
	assert_int_equal(cfg.max_recipients, 50);
	assert_int_equal(cfg.max_errors, 3);
	assert_int_equal(cfg.max_sessions, 500);
	assert_int_equal(cfg.timeout_command_ms, 300000);
	assert_int_equal(cfg.timeout_data_ms, 600000);
	assert_int_equal(cfg.timeout_tls_ms, 100);
	assert_int_equal(cfg.greet_delay_ms, 2000);
	assert_int_equal(cfg.shutdown_grace_ms, 0);
	assert_int_equal(cfg.auth_workers, 4);
	assert_int_equal(cfg.auth_plain, 1);
	assert_int_equal(cfg.auth_login, 0);
	assert_int_equal(cfg.log_level, LOG_LVL_DEBUG);
}

/* A load that fails part way leaves the caller's config untouched. */
static void
test_failure_keeps_config(void **state)
{
	static const char text[] = "max_errors = 5\nmx = 127.0.0.1:25\n"
	    "bogus = 1\n";
	struct config	cfg, before;
	char		err[ERR_MAX], *p = tmp_write(text, sizeof(text) - 1);

	config_defaults(&cfg);
	before = cfg;
	assert_int_equal(config_load(&cfg, p, err, sizeof(err)), -1);
	assert_memory_equal(&cfg, &before, sizeof(cfg));
	tmp_remove(p);
}

/* 4096 characters are fine, 4097 are not, with or without a newline. */
static void
test_line_length(void **state)
{
	static const char *tails[] = { "\n", "", "\r\n" };
	struct config	 cfg;
	char		 path[PATH_MAX], err[ERR_MAX], want[PATH_MAX + ERR_MAX];
	char		*text;
	size_t		 len, t, prefix = strlen("# x\n");

	if ((text = malloc(prefix + 4097 + 3)) == NULL)
		abort();
	for (t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
		memcpy(text, "# x\n", prefix);
		/* a comment line of 4096 characters, CR included */
		len = 4096 - (t == 2);
		text[prefix] = '#';
		memset(text + prefix + 1, 'x', len - 1);
		memcpy(text + prefix + len, tails[t], strlen(tails[t]));
		assert_int_equal(load_text(&cfg, text, prefix + len +
		    strlen(tails[t]), path, err, sizeof(err)), 0);
		text[prefix + len] = 'x';
		memcpy(text + prefix + len + 1, tails[t], strlen(tails[t]));
		assert_int_equal(load_text(&cfg, text, prefix + len + 1 +
		    strlen(tails[t]), path, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "%s:2: line longer than 4096 "
		    "characters", path);
		assert_string_equal(err, want);
	}
	free(text);
}

static void
test_nul_byte(void **state)
{
	static const char text[] = "max_errors = 5\nhostname = a\0b\n";
	struct config	cfg;
	char		path[PATH_MAX], err[ERR_MAX], want[PATH_MAX + ERR_MAX];

	assert_int_equal(load_text(&cfg, text, sizeof(text) - 1, path, err,
	    sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: NUL byte in line", path);
	assert_string_equal(err, want);
}

/* Names up to 253 octets with labels up to 63 (RFC 1035 §2.3.4). */
static void
test_hostname_lengths(void **state)
{
	static const struct {
		size_t		 label;		/* octets per label */
		size_t		 labels;
		size_t		 last;		/* octets in an extra label */
		const char	*why;		/* NULL: valid */
	} rows[] = {
		{ 63, 1, 0, NULL },
		{ 64, 1, 0, "label longer than 63 characters" },
		{ 63, 3, 61, NULL },	/* 3 * 64 + 61 = 253 */
		{ 63, 3, 62, "longer than 253 characters" },
		{ 1, 126, 1, NULL },	/* 126 * 2 + 1 = 253 */
		{ 1, 126, 2, "longer than 253 characters" },
		{ 64, 1, 1, "label longer than 63 characters" },
	};
	struct config	 cfg;
	char		 text[600], path[PATH_MAX], err[ERR_MAX];
	size_t		 i, j, len, hlen = strlen("hostname = ");

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memcpy(text, "hostname = ", hlen);
		len = hlen;
		for (j = 0; j < rows[i].labels; j++) {
			memset(text + len, 'a', rows[i].label);
			len += rows[i].label;
			if (j + 1 < rows[i].labels || rows[i].last)
				text[len++] = '.';
		}
		memset(text + len, 'b', rows[i].last);
		len += rows[i].last;
		text[len] = '\0';
		assert_int_equal(load_text(&cfg, text, len, path, err,
		    sizeof(err)), rows[i].why ? -1 : 0);
		if (rows[i].why == NULL)
			assert_string_equal(cfg.hostname, text + hlen);
		else
			assert_non_null(strstr(err, rows[i].why));
	}
}

/* A short err buffer truncates, NUL-terminated, without overflow. */
static void
test_small_err_buffer(void **state)
{
	struct config	cfg;
	char		err[8];

	config_defaults(&cfg);
	assert_int_equal(config_load(&cfg, "/nonexistent/x", err,
	    sizeof(err)), -1);
	assert_string_equal(err, "/nonexi");
	assert_int_equal(config_load(&cfg, "/nonexistent/x", NULL, 0), -1);
	assert_int_equal(config_parse_listen("x", NULL, NULL, err, 1), -1);
	assert_string_equal(err, "");
}


/* auth_trusted_clients: parsed ranges, and which clients fall inside. */
static void
test_trusted_clients(void **state)
{
	static const char text[] = "auth_trusted_clients = 192.0.2.0/24,"
	    " 198.51.100.7 2001:db8:a::/48,,203.0.113.129/25\n";
	static const struct {
		const char	*addr;
		int		 in;
	} cases[] = {
		{ "192.0.2.0", 1 }, { "192.0.2.255", 1 }, { "192.0.3.0", 0 },
		{ "198.51.100.7", 1 }, { "198.51.100.8", 0 },
		{ "203.0.113.128", 1 }, { "203.0.113.127", 0 },
		{ "::ffff:192.0.2.9", 1 }, { "::ffff:192.0.3.9", 0 },
		{ "2001:db8:a:ffff::1", 1 }, { "2001:db8:b::1", 0 },
		{ "::1", 0 }, { "not an address", 0 }, { "", 0 },
	};
	struct config	cfg;
	char		path[PATH_MAX], err[512];
	size_t		i;

	config_defaults(&cfg);
	assert_int_equal(cfg.auth_trusted_n, 0);
	assert_int_equal(config_trusted_client(&cfg, "192.0.2.1"), 0);
	assert_int_equal(load_text(&cfg, text, sizeof(text) - 1, path, err,
	    sizeof(err)), 0);
	assert_int_equal(cfg.auth_trusted_n, 4);
	assert_int_equal(cfg.auth_trusted[3].prefix, 25);
	assert_int_equal(cfg.auth_trusted[3].addr[3], 128);	/* host bits */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(config_trusted_client(&cfg, cases[i].addr),
		    cases[i].in);
	/* a /0 takes in its whole family, no more */
	assert_int_equal(load_text(&cfg, "auth_trusted_clients = ::/0\n", 28,
	    path, err, sizeof(err)), 0);
	assert_int_equal(config_trusted_client(&cfg, "2001:db8::1"), 1);
	assert_int_equal(config_trusted_client(&cfg, "192.0.2.1"), 0);
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_listen_good),
		cmocka_unit_test(test_listen_bad_keeps_out),
		cmocka_unit_test(test_listen_max),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_defaults_parse),
		cmocka_unit_test(test_defaults_more),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_path_stored),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_failure_keeps_config),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_hostname_lengths),
		cmocka_unit_test(test_small_err_buffer),
		cmocka_unit_test(test_trusted_clients),
	};
	size_t			 ng = sizeof(good) / sizeof(good[0]);
	size_t			 nb = sizeof(bad) / sizeof(bad[0]);
	size_t			 nf = sizeof(fixed) / sizeof(fixed[0]);
	struct CMUnitTest	*t;
	size_t			 i, k = 0;
	int			 rc;

	if ((t = calloc(ng + nb + nf, sizeof(*t))) == NULL)
		abort();
	for (i = 0; i < ng; i++)
		t[k++] = (struct CMUnitTest){ good[i].name ? good[i].name :
		    good[i].text, test_good, NULL, NULL, (void *)&good[i] };
	for (i = 0; i < nb; i++)
		t[k++] = (struct CMUnitTest){ bad[i].name ? bad[i].name :
		    bad[i].text, test_bad, NULL, NULL, (void *)&bad[i] };
	for (i = 0; i < nf; i++)
		t[k++] = fixed[i];
	rc = _cmocka_run_group_tests("config", t, k, NULL, NULL);
	free(t);
	return rc;
}
