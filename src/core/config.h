/*
 * config: postern.conf, "key = value" lines, '#' starts a comment line,
 * blank lines ignored.  Every key is known and every value checked; the
 * first bad line fails the load with "FILE:LINE: reason" and the server
 * does not start.  Durations take an optional unit (ms, s, m, h; plain
 * numbers are seconds); sizes an optional K, M or G (powers of 1024).
 */
#ifndef POSTERN_CONFIG_H
#define POSTERN_CONFIG_H

#include <sys/socket.h>

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/log.h"

#define CONFIG_LISTEN_MAX	8	/* addresses per listener kind */
#define CONFIG_HOST_MAX		253
#define CONFIG_TRUSTED_MAX	32	/* auth_trusted_clients ranges */
#define CONFIG_KEYS_MAX		96	/* rows of the key table */

enum listen_kind {
	LISTEN_SUBMISSION,	/* 587: STARTTLS, AUTH required */
	LISTEN_SMTPS,		/* 465: implicit TLS, AUTH required */
	LISTEN_MX,		/* 25: no AUTH, local domains only */
	LISTEN_SMTP_COUNT,	/* the kinds the smtp process serves */
	LISTEN_IMAP = LISTEN_SMTP_COUNT,	/* 143: STARTTLS (Dovecot) */
	LISTEN_IMAPS,		/* 993: implicit TLS (Dovecot) */
	LISTEN_ADMIN,		/* the HTTP API and /metrics (admin) */
	LISTEN_KIND_COUNT,
};

enum imap_server {
	IMAP_NONE,		/* no IMAP service */
	IMAP_DOVECOT,		/* serve starts Dovecot on our accounts */
	IMAP_EXTERNAL,		/* a system Dovecot uses our login socket */
};

struct config_listen {
	struct sockaddr_storage	ss;
	socklen_t		sslen;
	char			text[64];	/* as written, for logs */
};

enum outbound_tls {
	OUTBOUND_TLS_NONE,		/* never STARTTLS */
	OUTBOUND_TLS_OPPORTUNISTIC,	/* when offered; no verification */
	OUTBOUND_TLS_REQUIRED,		/* defer hosts that do not offer it */
};

enum delivery_mode {
	DELIVERY_NO,			/* keep everything queued */
	DELIVERY_YES,
	DELIVERY_DISCARD,		/* drop as delivered (Postfix discard(8)) */
};

enum relay_tls {
	RELAY_TLS_STARTTLS,		/* required STARTTLS */
	RELAY_TLS_IMPLICIT,		/* TLS from the first byte (465) */
	RELAY_TLS_NONE,			/* plaintext; AUTH then refused */
};

struct config {
	char		path[PATH_MAX];
	char		hostname[CONFIG_HOST_MAX + 1];
	char		user[33];		/* unprivileged user (root) */
	struct config_listen listen[LISTEN_KIND_COUNT][CONFIG_LISTEN_MAX];
	size_t		nlisten[LISTEN_KIND_COUNT];
	uint64_t	max_message_size;	/* SIZE, octets */
	unsigned	max_recipients;		/* per message */
	unsigned	max_errors;		/* per session, then 421 */
	unsigned	max_sessions;		/* concurrent, all listeners */
	unsigned	timeout_command_ms;	/* RFC 5321 §4.5.3.2.7: 5 min */
	unsigned	timeout_data_ms;	/* per DATA block: 3 min */
	unsigned	timeout_tls_ms;		/* TLS handshake */
	unsigned	greet_delay_ms;		/* pregreet window */
	unsigned	shutdown_grace_ms;	/* SIGTERM: finish sessions */
	unsigned	auth_workers;		/* hashing threads */
	int		auth_plain;		/* mechanisms offered */
	int		auth_login;
	enum log_level	log_level;
	/* soft lock: per username, and per client for distinct usernames */
	unsigned	auth_fail_limit;
	unsigned	auth_fail_window_ms;
	unsigned	auth_lock_time_ms;
	unsigned	auth_ip_fail_limit;	/* 0: no client lock */
	/* familiar-client rule: networks that logged in within this many
	   days answer only to their own lock (0: one lock for all) */
	unsigned	auth_familiar_days;
	unsigned	auth_familiar_v4;	/* network prefix lengths: */
	unsigned	auth_familiar_v6;	/* 32, 128 the address itself */
	/* platform ranges never client-locked (auth_trusted_clients) */
	struct config_net {
		int		af;		/* AF_INET, AF_INET6 */
		unsigned char	addr[16];	/* network bytes, host bits 0 */
		unsigned	prefix;
	}		auth_trusted[CONFIG_TRUSTED_MAX];
	size_t		auth_trusted_n;
	unsigned	auth_cache_ttl_ms;	/* verified-credential cache */
	/* the account store (store.h store_configure): "sqlite" or a
	   libpq URI, its password file, the bound on every call */
	char		store[512];
	char		store_password_file[PATH_MAX];
	unsigned	store_timeout_ms;
	/* a warm-up ramp's daily target when the mailbox has no
	   daily_limit (core/warmup.h) */
	unsigned	warmup_target;
	/* sending health (core/health.h): outcomes judged, the bounce
	   rate that pauses (per mille), how long a pause lasts */
	unsigned	health_window;
	unsigned	health_bounce_rate;
	unsigned	health_pause_time_ms;
	int		require_host_match;	/* SNI must serve the domain */
	char		imap_host[CONFIG_HOST_MAX + 1];	/* for provisioning */
	unsigned	imap_port;
	unsigned	submission_port;	/* for provisioning: 587 */
	enum imap_server imap;		/* with an IMAP listener: Dovecot */
	char		dovecot[PATH_MAX];	/* its binary */
	unsigned	imap_max_userip_connections;
	/* delivery (queue process) */
	enum delivery_mode delivery;
	unsigned	delivery_workers;	/* threads */
	unsigned	destination_concurrency; /* connections per domain */
	unsigned	retry_min_ms;		/* first retry, then doubling */
	unsigned	retry_max_ms;		/* to at most this */
	unsigned	queue_lifetime_ms;	/* then bounce (4.4.7) */
	unsigned	delay_warning_ms;	/* a delay notice; 0 none */
	unsigned	timeout_connect_ms;	/* outbound connect */
	unsigned	timeout_outbound_ms;	/* outbound replies */
	unsigned	connection_reuse_ms;	/* a connection takes more
						   jobs this long; 0 never */
	unsigned	outbound_port;		/* MX port: 25 but in tests */
	enum outbound_tls outbound_tls;
	char		dns_server[64];		/* ADDR[:PORT], "" = system */
	char		relayhost[CONFIG_HOST_MAX + 1];	/* "" = MX */
	unsigned	relayhost_port;
	enum relay_tls	relayhost_tls;
	char		relayhost_user[256];
	char		relayhost_password_file[PATH_MAX];
	int		relayhost_tls_verify;	/* certificate must verify */
	char		relayhost_cafile[PATH_MAX];	/* "" = system CAs */
	/* the admin HTTP listener (server/admin.c) */
	int		admin_tls;		/* HTTPS with the server's
						   certificates */
	char		admin_hosts[512];	/* Host names besides
						   loopback and hostname */
	unsigned	admin_timeout_ms;	/* per request phase */
	unsigned	admin_max_connections;
};

/* Fill in the built-in defaults (listeners empty). */
void	config_defaults(struct config *);

/*
 * Load path over the defaults.  Returns 0, or -1 with "PATH:LINE: reason"
 * (or "PATH: reason") in err.
 */
int	config_load(struct config *, const char *path, char *err,
	    size_t errsz);

/*
 * Parse one listener value: whitespace-separated ADDR:PORT or [IPv6]:PORT
 * items (numeric addresses only), or empty to disable.  Returns 0 or -1
 * with the reason in err.
 */
int	config_parse_listen(const char *value, struct config_listen *out,
	    size_t *nout, char *err, size_t errsz);

/*
 * Is the numeric client address inside one of auth_trusted_clients?
 * (an IPv4-mapped IPv6 address is taken as its IPv4 address)  1 or 0.
 */
int	config_trusted_client(const struct config *, const char *addr);
/* A duration as postern.conf writes one ("90", "30m", "12h", "30d",
   "500ms"; plain is seconds) into milliseconds.  0 or -1. */
int	config_duration(const char *, uint64_t *ms);
/* One CIDR (ADDR[/PREFIX]) of len bytes, host bits cleared.  0 or -1. */
int	config_net_parse(const char *, size_t, struct config_net *);
/* 1 if the address (text) is inside one of the n ranges. */
int	config_net_match(const struct config_net *, size_t n, const char *addr);

/*
 * postern.conf(5) in man(7) source, from the key table (config_man.c).
 * 0, or -1 when f reports an error.
 */
int	config_man(FILE *f, const char *version, const char *date);

/*
 * postern.conf as written, one value text per key (NULL: absent), read
 * without checking (config_load checks): what a reload compares to name
 * the keys that changed, since none of them applies without a restart.
 */
struct config_text {
	char	*val[CONFIG_KEYS_MAX];
};

int	config_text_load(struct config_text *, const char *path);
void	config_text_free(struct config_text *);

/*
 * The name of the next key, from row *i on, whose text differs between
 * a and b (*i moves past it), or NULL when there is none left.
 */
const char *config_text_diff(const struct config_text *,
	    const struct config_text *, size_t *i);

/*
 * The keys a reload applies without a restart (smtp limits and
 * timeouts, read at the start of each session or command), by row
 * number 0..CONFIG_KEYS_MAX-1: read one from c (0, or -1 when the row is
 * not such a key), or set it (0 or -1 likewise; the value was checked
 * by config_load in the process that read the file).
 */
int	config_reload_value(const struct config *c, size_t key, uint32_t *v);
int	config_reload_set(struct config *c, size_t key, uint32_t v);

#endif
