/*
 * store: the account store.  Domains, mailboxes, aliases, per-domain and
 * per-mailbox settings, authentication failures and locks, and the count
 * of recipients each mailbox sent (daily limits).
 *
 * All of the logic and SQL lives in store.c; a backend only runs
 * parameterised statements (struct store_ops below), so a PostgreSQL
 * backend is one new file and no change here or in any caller.  Only the
 * auth process and the CLI open a store; the network process never does.
 * A handle is used by one thread at a time.  Addresses, usernames and
 * domains are compared lower-case; store.c normalises before the backend
 * sees them.  Times are unix seconds.
 *
 * Results: STORE_OK (0) or a negative STORE_* code; store_errmsg() gives
 * the reason for the last STORE_ERR.
 */
#ifndef POSTERN_STORE_H
#define POSTERN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/health.h"

#define STORE_ADDR_MAX		254
#define STORE_HASH_MAX		255
#define STORE_REASON_MAX	255
#define STORE_CLIENT_MAX	63

enum store_result {
	STORE_OK	=  0,
	STORE_ERR	= -1,	/* backend failure: 454 4.7.0 to clients */
	STORE_EXISTS	= -2,
	STORE_NOTFOUND	= -3,
	STORE_INVALID	= -4,	/* bad argument (message in errmsg) */
};

enum store_sender_policy {
	STORE_SENDER_MAILBOX,	/* own address and aliases only */
	STORE_SENDER_DOMAIN,	/* any address of the mailbox's domain */
};

struct store_domain {
	char		name[STORE_ADDR_MAX + 1];
	int64_t		created;
	enum store_sender_policy sender_policy;
	int		host_match;		/* -1 config default, 0, 1 */
	char		submission_host[STORE_ADDR_MAX + 1]; /* "" = default */
	int64_t		nmailboxes;
	int64_t		naliases;
};

struct store_mailbox {
	char		address[STORE_ADDR_MAX + 1];
	char		hash[STORE_HASH_MAX + 1];
	int64_t		created;
	uint32_t	daily_limit;		/* recipients per 24 h, 0 none */
	int64_t		locked_until;		/* for unfamiliar sources (the
						   lock on all counts): 0 or
						   unix time */
	int64_t		all_locked_until;	/* for every source: 0 or
						   unix time */
};

struct store_alias {
	char		address[STORE_ADDR_MAX + 1];
	char		target[STORE_ADDR_MAX + 1];
};

struct store_failure {
	int64_t		time;
	char		protocol[8];		/* smtp, imap */
	char		username[STORE_ADDR_MAX + 1];
	char		client[STORE_CLIENT_MAX + 1];
	char		reason[STORE_REASON_MAX + 1];
};

/* A network a mailbox logged in from (the familiar-client rule). */
struct store_familiar {
	char		network[STORE_CLIENT_MAX + 1];	/* 192.0.2.7,
							   192.0.2.0/24 */
	int64_t		last_login;	/* refreshed at most hourly */
	int64_t		locked_until;	/* its own lock: 0 or unix time,
					   maybe past */
};

/*
 * Lockout policy (issue: soft lock), from postern.conf.  Fields left 0
 * (a designated initialiser of the first four) give the plain lock: no
 * familiar networks, the default bound on the failure history.
 */
struct store_policy {
	unsigned	fail_limit;	/* failures per username in window */
	int64_t		fail_window;
	int64_t		lock_time;
	unsigned	ip_fail_limit;	/* distinct usernames per client */
	int64_t		familiar_time;	/* a login keeps its network
					   familiar this long; 0: no rule */
	unsigned	familiar_v4;	/* network prefix lengths; 0 (or
					   32, 128): the address itself */
	unsigned	familiar_v6;
	int64_t		failures_max;	/* failure history kept, server-
					   wide; 0: STORE_FAILURES_MAX */
};

#define STORE_FAMILIAR_MAX	32	/* networks per mailbox, LRU */
#define STORE_FAMILIAR_REFRESH	3600	/* last_login granularity, s */
#define STORE_FAILURES_MAX	100000	/* newest failures kept */

/* Where a login comes from, as the lock sees it (store_source_lock). */
struct store_source {
	char		network[STORE_CLIENT_MAX + 1];	/* familiar network
							   the client is in,
							   "" if unfamiliar */
	int64_t		locked_until;	/* the lock on this client, 0 none */
	int		all;		/* that lock is the one on every
					   source (mailbox lock) */
};

struct store;

typedef int	(*store_domain_cb)(const struct store_domain *, void *);
typedef int	(*store_mailbox_cb)(const struct store_mailbox *, void *);
typedef int	(*store_alias_cb)(const struct store_alias *, void *);
typedef int	(*store_failure_cb)(const struct store_failure *, void *);
typedef int	(*store_familiar_cb)(const struct store_familiar *, void *);

/*
 * Which backend store_open() uses, for the whole process; call it before
 * any thread opens a store (serve's parent and the CLI, after reading
 * postern.conf; the children inherit it).  uri: "" or "sqlite" for
 * DATADIR/db/postern.db, else a libpq URI postgresql://... (store_pg.c);
 * password_file: the database password on its first line ("" none),
 * read at each connect by the process that connects; timeout_ms bounds
 * every connect and statement (store_timeout).
 */
#define STORE_URI_MAX	511
void	store_configure(const char *uri, const char *password_file,
	    unsigned timeout_ms);
/* 1 if uri names PostgreSQL (postgresql:// or postgres://). */
int	store_uri_is_pg(const char *uri);

/*
 * Open the store of a data directory.  create: make the database if it
 * does not exist.  Pending schema migrations are applied either way.
 */
struct store	*store_open(const char *datadir, int create, char *err,
		    size_t errsz);
/* The same on the store uri names ("sqlite" or a PostgreSQL URI), not
   the configured one (store copy); the password file and timeout are
   the configured ones. */
struct store	*store_open_uri(const char *datadir, const char *uri,
		    int create, char *err, size_t errsz);
/* The schema version store_open() brings a store to. */
int		 store_schema_version(void);
/* 1 if the store is on PostgreSQL. */
int		 store_is_pg(const struct store *);

/*
 * Change notices, so a node may keep what MAIL asks (server/mailcheck.h)
 * and still hear at once of a change made on any node: a mailbox paused
 * or resumed, an address added to a domain's suppression list, a
 * mailbox removed.  Each of those writes sends a notice with its change,
 * in its transaction (PostgreSQL's NOTIFY; delivered at commit, to every
 * listening connection).  SQLite has none: its writes send nothing.
 *
 * store_listen: this handle listens from now on (a handle of its own:
 * it must serve nothing else, as notices are read off its connection).
 * STORE_OK; STORE_ERR (down, the reason in errmsg); STORE_INVALID when
 * the backend has no notices.  store_wait_notice: 1 when notices came
 * (all of them taken), 0 none within timeout_ms, -1 the connection was
 * lost, logged (notices may have been missed: listen again).
 */
#define STORE_NOTICE_CHANNEL	"postern_mail"
int	store_listen(struct store *);
int	store_wait_notice(struct store *, int timeout_ms);
/*
 * Copy every row of every table of from into to, which must be empty
 * (no domain), in one transaction of to; PostgreSQL's id sequences
 * then continue after the copied ids.  cb (may be NULL) hears each
 * table and its row count.  STORE_OK, STORE_EXISTS (to is not empty),
 * STORE_INVALID (a table this postern does not know), STORE_ERR; the
 * reason in store_errmsg(to).
 */
int	store_copy(struct store *from, struct store *to,
	    void (*cb)(const char *table, int64_t rows, void *), void *arg);
void		 store_close(struct store *);
const char	*store_errmsg(struct store *);

/* Group many changes into one transaction (bulk provisioning). */
int	store_begin(struct store *);
int	store_commit(struct store *);
void	store_rollback(struct store *);

int	store_domain_add(struct store *, const char *domain);
int	store_domain_get(struct store *, const char *, struct store_domain *);
int	store_domain_exists(struct store *, const char *domain);
int	store_domain_list(struct store *, store_domain_cb, void *);
/* With its mailboxes, aliases and their familiar networks. */
int	store_domain_remove(struct store *, const char *domain);
/* Only while it has neither: STORE_EXISTS if it has some (then or by
   the time of the delete), NOTFOUND if there is no such domain. */
int	store_domain_remove_empty(struct store *, const char *domain);
/* key: sender_policy (mailbox|domain), require_host_match
   (yes|no|default), submission_host (HOST or "" for the default) */
int	store_domain_set(struct store *, const char *domain, const char *key,
	    const char *value);

int	store_mailbox_add(struct store *, const char *address,
	    const char *hash);
int	store_mailbox_get(struct store *, const char *address,
	    struct store_mailbox *);
/* domain NULL: all mailboxes */
int	store_mailbox_list(struct store *, const char *domain,
	    store_mailbox_cb, void *);
/* Removing a mailbox forgets its locks and familiar networks. */
int	store_mailbox_remove(struct store *, const char *address);
/*
 * A new password forgets the networks the old one logged in from: a
 * login with the old password vouches for no one after a change (the
 * caller lifts the locks, store_lock_clear).
 */
int	store_mailbox_set_hash(struct store *, const char *address,
	    const char *hash);
int	store_mailbox_set_limit(struct store *, const char *address,
	    uint32_t daily_limit);

int	store_alias_add(struct store *, const char *alias, const char *target);
int	store_alias_remove(struct store *, const char *alias);
int	store_alias_list(struct store *, const char *domain, store_alias_cb,
	    void *);

/* Does a local mailbox or alias of that name exist?  OK or NOTFOUND. */
int	store_address_exists(struct store *, const char *address);
/* May user send as sender?  OK or NOTFOUND (not owned). */
int	store_sender_allowed(struct store *, const char *user,
	    const char *sender);

/*
 * Login locks (store_auth.c), per username, known or not.  The
 * familiar-client rule: a client whose network (policy prefix) logged in
 * to the username within familiar_time is familiar, and answers only to
 * its network's own lock; every other client shares the lock on
 * unfamiliar sources.  A mailbox lock (store_lock_set) holds for every
 * source.  With familiar_time 0 every client is unfamiliar: one lock per
 * username, as before the rule.
 */

/* The lock unfamiliar sources are under (the mailbox lock included). */
int	store_lock_get(struct store *, const char *username, int64_t now,
	    int64_t *locked_until);
/* The lock this client is under, and whether it is familiar. */
int	store_source_lock(struct store *, const char *username,
	    const char *client, int64_t now, const struct store_policy *,
	    struct store_source *);
/* The administrator's lock: every source, familiar or not. */
int	store_lock_set(struct store *, const char *username,
	    int64_t locked_until);
/*
 * Admin unlock, new password: lift every lock of the username and
 * forget earlier failures (familiar networks stay familiar).
 */
int	store_lock_clear(struct store *, const char *username, int64_t now);
/*
 * A successful login from client.  Its network becomes (or stays)
 * familiar, the least recently used beyond STORE_FAMILIAR_MAX and the
 * expired are forgotten.  The failures of the lock it was judged by are
 * forgotten: a familiar network's own, or, for a client that was not
 * familiar yet, the unfamiliar sources' (today's rule).  A familiar
 * login never touches the unfamiliar sources' count or lock: the owner
 * logging in must not give an attacker fresh guesses.  Writes nothing
 * when there is nothing to forget or refresh.
 */
int	store_login_ok(struct store *, const char *username,
	    const char *client, int64_t now, const struct store_policy *);
/*
 * The client lock (password spraying), if it holds.  It never refuses a
 * login to a mailbox for which the client is familiar: the caller asks
 * only for the others.
 */
int	store_ip_lock_get(struct store *, const char *client, int64_t now,
	    int64_t *locked_until);
/*
 * Is the client's network familiar to any mailbox (logged in to it
 * within familiar_time)?  Such a client is not refused at connect time
 * while client-locked: the connection cannot know the mailbox yet.
 */
int	store_client_familiar(struct store *, const char *client,
	    int64_t now, const struct store_policy *, int *familiar);
/*
 * Record a failed AUTH.  If it counts (a password guess, not an attempt
 * on a locked name or a host mismatch), apply the policy: lock the
 * client's source (its familiar network, else the unfamiliar sources)
 * after fail_limit counted failures from that source in the window, the
 * client after counted failures for ip_fail_limit distinct usernames
 * from unfamiliar sources (a failure on a mailbox the client is familiar
 * to never counts toward it; ip_fail_limit 0: no client lock).
 * The resulting lock ends are returned (0 if none).  The history is
 * bounded: failures older than 30 days go, and only the newest
 * failures_max are kept; expired client locks go too.
 */
int	store_auth_failure(struct store *, const char *protocol,
	    const char *username, const char *client, const char *reason,
	    int counts, int64_t now,
	    const struct store_policy *, int64_t *user_locked_until,
	    int64_t *ip_locked_until);
/* Newest first, at most max. */
int	store_failure_list(struct store *, const char *username, size_t max,
	    store_failure_cb, void *);
/* Networks familiar since `since`, most recent login first. */
int	store_familiar_list(struct store *, const char *username,
	    int64_t since, store_familiar_cb, void *);

/* Recipients sent by a mailbox since a time (and the time of the oldest
   such send, 0 if none), and recording more. */
int	store_sent_count(struct store *, const char *address, int64_t since,
	    uint64_t *count, int64_t *oldest);
int	store_sent_add(struct store *, const char *address, uint32_t count,
	    int64_t now);

/*
 * Where local mail for address goes: the mailbox itself, or an alias's
 * target mailbox.  OK with the mailbox address in out, or NOTFOUND.
 */
int	store_resolve_local(struct store *, const char *address, char *out,
	    size_t outsz);

/* --- DKIM keys (store_dkim.c) ------------------------------------------- */

#define STORE_DKIM_SELECTOR_MAX	63
#define STORE_DKIM_PEM_MAX	4096

enum store_dkim_state { STORE_DKIM_PENDING, STORE_DKIM_ACTIVE,
	STORE_DKIM_RETIRED };

struct store_dkim_key {
	char		domain[STORE_ADDR_MAX + 1];
	char		selector[STORE_DKIM_SELECTOR_MAX + 1];
	char		algorithm[32];		/* rsa-sha256, ed25519-sha256 */
	char		private_key[STORE_DKIM_PEM_MAX + 1];	/* PEM */
	char		public_key[STORE_DKIM_PEM_MAX + 1];	/* base64 */
	enum store_dkim_state state;
	int64_t		created;
};

typedef int	(*store_dkim_cb)(const struct store_dkim_key *, void *);

/* EXISTS if the domain already has that selector; NOTFOUND: no domain. */
int	store_dkim_add(struct store *, const struct store_dkim_key *);
/* All keys of a domain (domain NULL: every domain), oldest first. */
int	store_dkim_list(struct store *, const char *domain, store_dkim_cb,
	    void *);
/* Keys that sign the domain's mail now (state active). */
int	store_dkim_active(struct store *, const char *domain, store_dkim_cb,
	    void *);
/* Make a selector active; other active keys of its algorithm retire. */
int	store_dkim_activate(struct store *, const char *domain,
	    const char *selector);
int	store_dkim_remove(struct store *, const char *domain,
	    const char *selector);

/* --- mailboxes a page at a time (store_page.c) ------------------------- */

enum store_page_state {
	STORE_PAGE_ANY,
	STORE_PAGE_LOCKED,	/* a lock on unfamiliar sources or all */
	STORE_PAGE_PAUSED,	/* sending health pause running */
	STORE_PAGE_ACTIVE,	/* neither */
};

struct store_page_query {
	const char		*domain;	/* "" any */
	const char		*text;		/* part of the address, "" */
	enum store_page_state	 state;
	const char		*after;		/* last address seen, "" */
	int64_t			 limit;
	int64_t			 now;
};

struct store_mailbox_row {
	char		address[STORE_ADDR_MAX + 1];
	char		domain[STORE_ADDR_MAX + 1];
	int64_t		created;
	uint32_t	daily_limit;
	int64_t		locked_until;	/* the lock on unfamiliar sources
					   or on all, 0 none (maybe past) */
	int64_t		paused_until;	/* maybe past */
	char		pause_reason[HEALTH_REASON_MAX + 1];
	int64_t		warmup_start;	/* unix day, 0 no ramp */
	int64_t		last_login;	/* 0 never */
	int64_t		failures_24h;
	int64_t		sent_24h;	/* what the daily limit counts */
	int64_t		delivered_7d;	/* recipients, last 7 UTC days */
	int64_t		bounced_7d;
};

typedef int	(*store_mailbox_row_cb)(const struct store_mailbox_row *,
		    void *);

/* Up to q->limit mailboxes after q->after, in address order. */
int	store_mailbox_page(struct store *, const struct store_page_query *,
	    store_mailbox_row_cb, void *);
/* The same row for one address.  OK, NOTFOUND. */
int	store_mailbox_row_get(struct store *, const char *address,
	    int64_t now, struct store_mailbox_row *);

/* --- API tokens and the audit log (store_token.c) ---------------------- */

#define STORE_TOKEN_ID_LEN	12
#define STORE_TOKEN_HASH_LEN	64
#define STORE_TOKEN_NAME_MAX	64
#define STORE_TOKEN_SCOPES_MAX	128
#define STORE_TOKEN_CIDRS_MAX	256

struct store_token {
	char		id[STORE_TOKEN_ID_LEN + 1];	/* public half */
	char		name[STORE_TOKEN_NAME_MAX + 1];
	char		hash[STORE_TOKEN_HASH_LEN + 1];	/* hex SHA-256 */
	char		scopes[STORE_TOKEN_SCOPES_MAX + 1];	/* "read queue" */
	char		domain[STORE_ADDR_MAX + 1];	/* "" every domain */
	char		cidrs[STORE_TOKEN_CIDRS_MAX + 1];	/* "" anywhere */
	int64_t		created;
	int64_t		expires;	/* 0 never */
	int64_t		last_used;	/* 0 never */
};

typedef int	(*store_token_cb)(const struct store_token *, void *);

/* EXISTS if the name is taken. */
int	store_token_add(struct store *, const struct store_token *);
int	store_token_get(struct store *, const char *id, struct store_token *);
int	store_token_list(struct store *, store_token_cb, void *);
/* NOTFOUND if no token has that name. */
int	store_token_revoke(struct store *, const char *name);
int	store_token_used(struct store *, const char *id, int64_t now);
struct json;
/* A token's row as the CLI's --json and the API show it: name, id,
   scopes, domain, from, created, expires, last_used; never a secret. */
void	store_token_json(struct json *, const struct store_token *);

/* What to issue: the CLI's `token create` and the API's POST /tokens. */
struct store_token_spec {
	const char	*name;
	const char	*scopes;	/* "read,queue" */
	const char	*domain;	/* NULL or "": every domain */
	const char	*cidrs;		/* NULL or "": anywhere */
	int64_t		 life;		/* seconds, 0 never */
	int64_t		 now;
};
/*
 * Check spec, make a token and store its hash: t gets the row, text
 * (TOKEN_TEXT_LEN + 1) the secret to show once.  STORE_OK; STORE_INVALID
 * with *why for people; STORE_EXISTS (the name is taken); STORE_NOTFOUND
 * (no such local domain); STORE_ERR.
 */
int	store_token_issue(struct store *, const struct store_token_spec *,
	    struct store_token *t, char *text, const char **why);

struct store_audit {
	int64_t		id;
	int64_t		time;
	char		actor[STORE_TOKEN_NAME_MAX + 16];	/* token:NAME,
							   cli:USER */
	char		client[STORE_CLIENT_MAX + 1];
	char		action[64];		/* "mailbox.unlock" */
	char		target[STORE_ADDR_MAX + 1];
	char		detail[256];
};

typedef int	(*store_audit_cb)(const struct store_audit *, void *);

int	store_audit_add(struct store *, const struct store_audit *);
/* Newest first, ids below before (0: from the newest), at most limit. */
int	store_audit_list(struct store *, int64_t before, int64_t limit,
	    store_audit_cb, void *);

/* --- the console's overview (store_overview.c) ------------------------- */

#define STORE_OVERVIEW_DAYS	14

struct store_overview {
	int64_t		total, locked, paused;
	struct store_overview_day {
		int64_t	day;		/* clock_day(): days since 1970 */
		int64_t	submitted, delivered, deferred, bounced;
	}		days[STORE_OVERVIEW_DAYS];	/* oldest first */
};

/* Counts of one domain's mailboxes ("": all): total, locked, paused. */
int	store_overview(struct store *, const char *domain, int64_t now,
	    struct store_overview *);
/* Its last 14 days (o->days; the counts are left as they are). */
int	store_overview_days(struct store *, const char *domain, int64_t now,
	    struct store_overview *);
/* The newest failed logins of one domain's mailboxes ("": any name),
   newest first, at most max. */
int	store_failure_recent(struct store *, const char *domain, size_t max,
	    store_failure_cb, void *);

/* --- the console's administrators (store_admin.c) ---------------------- */

#define STORE_ADMIN_NAME_MAX	64
#define STORE_ADMIN_TOTP_MAX	64	/* base32 secret */

struct store_admin {
	char		name[STORE_ADMIN_NAME_MAX + 1];
	char		hash[STORE_HASH_MAX + 1];
	char		totp[STORE_ADMIN_TOTP_MAX + 1];	/* "" none */
	int64_t		created;
	int64_t		last_login;
};

typedef int	(*store_admin_cb)(const struct store_admin *, void *);

/* INVALID (a name of letters, digits, '-', '_', '.', '@'), EXISTS. */
int	store_admin_add(struct store *, const struct store_admin *);
int	store_admin_get(struct store *, const char *name, struct store_admin *);
int	store_admin_list(struct store *, store_admin_cb, void *);
/* NOTFOUND if there is no such administrator. */
int	store_admin_remove(struct store *, const char *name);
int	store_admin_logged_in(struct store *, const char *name, int64_t now);
/* --- API idempotency records (store_idem.c) ---------------------------- */

/*
 * One stored answer of a request sent with an Idempotency-Key: the
 * SHA-256 (hex) of the request body it answered, its HTTP status and its
 * JSON (without secrets).  The strings live for the callback only.
 */
typedef int	(*store_idem_cb)(const char *request, int status,
		    const char *answer, void *);

/* The record of (actor, key) made at or after since: STORE_OK (cb was
   called) or STORE_NOTFOUND. */
int	store_idem_get(struct store *, const char *actor, const char *key,
	    int64_t since, store_idem_cb, void *);
/* Keep a record; records made before now - 24 h go.  STORE_OK,
   STORE_EXISTS (another request took the key meanwhile), STORE_ERR. */
int	store_idem_put(struct store *, const char *actor, const char *key,
	    const char *request, int64_t now, int status, const char *answer);

/* --- suppression list (store_suppress.c) -------------------------------- */

struct store_suppression {
	char		domain[STORE_ADDR_MAX + 1];	/* sending domain */
	char		address[STORE_ADDR_MAX + 1];	/* recipient */
	char		reason[STORE_REASON_MAX + 1];	/* remote reply */
	char		source[16];			/* bounce, manual */
	int64_t		created;
};

typedef int	(*store_suppression_cb)(const struct store_suppression *,
		    void *);

/*
 * Suppress address for mail from domain (a local domain).  An existing
 * entry is updated (reason, source, time).  NOTFOUND: no such domain.
 */
int	store_suppress_add(struct store *, const char *domain,
	    const char *address, const char *reason, const char *source,
	    int64_t now);
/* OK and *out filled if suppressed, else NOTFOUND. */
int	store_suppress_get(struct store *, const char *domain,
	    const char *address, struct store_suppression *out);
int	store_suppress_remove(struct store *, const char *domain,
	    const char *address);
/* Has the domain any entry?  OK or NOTFOUND (lets RCPT skip lookups). */
int	store_suppress_any(struct store *, const char *domain);
/* domain NULL: every domain. */
int	store_suppress_list(struct store *, const char *domain,
	    store_suppression_cb, void *);

/* --- warm-up ramp (store_warmup.c) ------------------------------------ */

/*
 * A mailbox's warm-up ramp as stored (schema v7).  Days are unix days
 * (lib/clock.h clock_day: days since 1970-01-01 UTC).  The arithmetic
 * is core/warmup.h's; the counts are the sent records above, counted
 * since 00:00 UTC of the caller's `now`, so the ramp counts recipients.
 */
struct store_warmup {
	int64_t		start_day;	/* 0: warm-up off */
	uint32_t	first;		/* allowance on day 1 */
	uint32_t	step;		/* more each day */
	int64_t		frozen_until;	/* last freeze: unix time, 0 none */
	uint32_t	held;		/* the allowance it held, 0 never */
	int64_t		resume_day;	/* the unix day it ends on */
	uint32_t	downs;		/* step-downs so far */
	uint32_t	daily_limit;	/* the mailbox's, 0 none */
};

/* Where a ramp stands at `now` (store_warmup_status). */
struct store_warmup_status {
	struct store_warmup w;
	int		on;		/* warm-up on (start_day != 0) */
	int		active;		/* the ramp limits today */
	int		frozen;		/* now < frozen_until */
	int64_t		day;		/* ramp day today, 1 = start day */
	int64_t		total;		/* the day it reaches its target */
	uint32_t	target;		/* daily_limit, else the default */
	uint32_t	allowance;	/* recipients today */
	uint64_t	sent_today;	/* recipients since 00:00 UTC */
};

int	store_warmup_get(struct store *, const char *address,
	    struct store_warmup *);
/* Start (or restart) the ramp on now's day, forgetting any freeze;
   first or step 0 keep the stored value. */
int	store_warmup_start(struct store *, const char *address, int64_t now,
	    uint32_t first, uint32_t step);
int	store_warmup_stop(struct store *, const char *address);
/* key: "first" or "step", value >= 1 (INVALID otherwise). */
int	store_warmup_param(struct store *, const char *address,
	    const char *key, uint32_t value);
/* The ramp at now; target: daily_limit, else default_target. */
int	store_warmup_status(struct store *, const char *address, int64_t now,
	    uint32_t default_target, struct store_warmup_status *);
/*
 * A reputation signal: hold the ramp at today's allowance stepped down
 * by a quarter until now + duration (a later freeze already running is
 * kept), then climb again from there.  A second freeze while frozen
 * steps down again.  INVALID when warm-up is off.  out (may be NULL):
 * the status after.
 */
int	store_warmup_freeze(struct store *, const char *address, int64_t now,
	    int64_t duration, uint32_t default_target,
	    struct store_warmup_status *out);

/* --- the daily budget (store_quota.c) ------------------------------- */

/*
 * The daily budget (store_quota.c, schema 12): a recipient takes a hold
 * at RCPT, which is made only while the recipients counted plus the
 * holds still running stay under the mailbox's daily limit (24 h) and
 * its warm-up allowance (since 00:00 UTC), decided by the database in
 * one conditional INSERT, so N is N across sessions and nodes.  The
 * transaction's end settles its holds: they go, and the recipients of
 * an accepted message are counted.  A hold that was never settled (a
 * crash) stops counting STORE_HOLD_TTL seconds after it was made.
 * tx: the SMTP transaction's random id, never 0.
 */
#define STORE_HOLD_TTL	3600

struct store_quota {
	int		reserved;	/* 1: the recipient holds a place */
	uint32_t	limit;		/* daily_limit, 0 none */
	/* on a refusal only, for its reply; holds included: */
	uint64_t	sent;		/* recipients in the last 24 h */
	int64_t		oldest;		/* the oldest of them, 0 none */
	uint64_t	held;		/* holds still running */
	struct store_warmup_status ws;	/* the ramp; sent_today too */
};

/* One hold for tx, or a refusal with its numbers (q->reserved 0). */
int	store_sent_reserve(struct store *, const char *address, uint64_t tx,
	    int64_t now, uint32_t default_target, struct store_quota *q);
/* tx (0: none taken) ended: its holds go, and count recipients (0:
   none sent) are counted, with the health's submitted counter. */
int	store_sent_settle(struct store *, const char *address, uint64_t tx,
	    uint32_t count, int64_t now);
/*
 * n settlements (count > 0 each) on PostgreSQL, six to a statement,
 * each statement as atomic as one store_sent_settle (holds gone, counts
 * added, in one statement).  On SQLite: store_sent_settle each, inside
 * the caller's transaction.  STORE_OK or the first error.
 */
struct store_settle {
	char		 address[STORE_ADDR_MAX + 1];
	uint64_t	 tx;
	uint32_t	 count;
	int64_t		 now;
};
int	store_sent_settle_many(struct store *, const struct store_settle *,
	    size_t n);

/* --- sending health (store_health.c) --------------------------------- */

/*
 * Counters per mailbox per UTC day (schema v8), all in recipients, and
 * the last final outcomes the pause rules judge (core/health.h).  Days
 * are unix days (lib/clock.h clock_day).  The caller passes the time
 * (clock_now(), so tests can move it).  Counters older than
 * STORE_HEALTH_DAYS days and outcome rows beyond the newest
 * STORE_HEALTH_OUTCOMES of a mailbox are forgotten (a row is a run of
 * one or more outcomes alike, so at least as many outcomes are kept).
 */
#define STORE_HEALTH_DAYS	90
#define STORE_HEALTH_OUTCOMES	HEALTH_WINDOW_MAX

enum store_health_kind {
	STORE_HEALTH_DELIVERED,
	STORE_HEALTH_BOUNCED,	/* recipient hard bounce */
	STORE_HEALTH_SENDER,	/* refused for the sender's fault */
	STORE_HEALTH_FAILED,	/* any other final failure */
	STORE_HEALTH_BLOCKED	/* the sender's fault, and a block: what
				   the providers rule counts */
};

struct store_health_day {
	int64_t		day;
	uint64_t	submitted;	/* accepted on submission */
	uint64_t	delivered;
	uint64_t	deferred;	/* finished after a deferral */
	uint64_t	bounced;	/* recipient hard bounces */
	uint64_t	sender_fault;	/* sender-fault rejections */
	uint64_t	complaints;	/* feedback reports (ARF) of
					   abuse, queue/local_arf.h */
};

/* A mailbox's pause, and its domain's, at `now`. */
struct store_health_pause {
	int64_t		paused_until;	/* the mailbox's: 0 never, maybe
					   past */
	char		reason[HEALTH_REASON_MAX + 1];
	uint32_t	pauses;		/* how many so far */
	int		paused;		/* now < paused_until */
	uint32_t	dom_paused;	/* the domain's mailboxes paused */
	uint32_t	dom_total;
	int		domain;		/* the domain pause holds */
	int64_t		domain_until;	/* when it ends, if it holds */
	int		suppressed_any;	/* store_health_status_any: the
					   domain's suppression list holds
					   an address; 1 if not asked */
};

typedef int	(*store_health_day_cb)(const struct store_health_day *,
		    void *);
typedef int	(*store_health_provider_cb)(int64_t day, const char *provider,
		    uint64_t rejected, void *);

/* n recipients accepted on submission. */
int	store_health_submitted(struct store *, const char *address,
	    int64_t now, uint32_t n);
/*
 * One recipient's final outcome: today's counters (deferred too, if it
 * was deferred before) and the window; provider names who refused a
 * STORE_HEALTH_SENDER or _BLOCKED outcome ("" unknown): both count as
 * sender-fault rejections of that provider.
 */
int	store_health_outcome(struct store *, const char *address,
	    int64_t now, enum store_health_kind, int deferred,
	    const char *provider);
/*
 * n outcomes as n store_health_outcome() calls would write them, inside
 * the caller's transaction, with the day counters added up: one counter
 * statement per mailbox and day, not one or two per outcome.  An
 * outcome of a mailbox that is gone writes nothing.  STORE_OK or the
 * first error.
 */
struct store_health_rec {
	char			 address[STORE_ADDR_MAX + 1];
	char			 provider[HEALTH_PROVIDER_MAX + 1];
	int64_t			 now;
	enum store_health_kind	 kind;
	int			 deferred;
};
int	store_health_outcomes(struct store *,
	    const struct store_health_rec *, size_t n);
/* One complaint today (NOTFOUND: not a mailbox of ours). */
int	store_health_complaint(struct store *, const char *address,
	    int64_t now);
/* The last `window` outcomes since the last pause or resume. */
int	store_health_window(struct store *, const char *address,
	    uint32_t window, struct health_window *);
/* Pause until `until` for reason; older outcomes stop counting. */
int	store_health_pause(struct store *, const char *address,
	    int64_t until, const char *reason);
/* End a pause now (NOTFOUND: no mailbox); older outcomes stop counting. */
int	store_health_resume(struct store *, const char *address);
int	store_health_status(struct store *, const char *address, int64_t now,
	    struct store_health_pause *);
/* The same, and in the same statement store_suppress_any(domain) as
   p->suppressed_any (domain NULL: not asked): MAIL's two questions. */
int	store_health_status_any(struct store *, const char *address,
	    int64_t now, const char *domain, struct store_health_pause *p);
/*
 * Forget a pause that ended by itself (paused_until == until, which the
 * caller saw pass): OK if this call forgot it (log it then), NOTFOUND if
 * it was gone already, so only one caller logs the end.
 */
int	store_health_expire(struct store *, const char *address,
	    int64_t until);
/* Days >= from_day with any count, oldest first. */
int	store_health_days(struct store *, const char *address,
	    int64_t from_day, store_health_day_cb, void *);
int	store_health_providers(struct store *, const char *address,
	    int64_t from_day, store_health_provider_cb, void *);

/* --- for backends only ------------------------------------------------ */

enum store_type { STORE_T_NULL, STORE_T_INT, STORE_T_TEXT };

struct store_val {
	enum store_type	 type;
	int64_t		 i;
	const char	*s;
};

/* Called per result row; return non-zero to stop early. */
typedef int	(*store_row_fn)(const struct store_val *, size_t, void *);

struct store_ops {
	void	*(*open)(const char *datadir, const char *uri, int create,
		    char *err, size_t errsz);	/* also migrates */
	void	 (*close)(void *);
	const char *(*errmsg)(void *);
	/* '?' placeholders; STORE_OK, STORE_EXISTS (unique), STORE_ERR */
	int	 (*exec)(void *, const char *sql, const struct store_val *,
		    size_t, store_row_fn, void *, int64_t *changes);
	int	 (*begin)(void *);
	int	 (*commit)(void *);
	void	 (*rollback)(void *);
	/* hold a named lock until the transaction ends; NULL when a
	   transaction already excludes every other writer (SQLite) */
	int	 (*lock)(void *, const char *name);
	/* change notices (store_listen); NULL when the backend has none */
	int	 (*listen)(void *);
	int	 (*wait_notice)(void *, int timeout_ms);
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

#endif
