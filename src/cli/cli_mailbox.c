/*
 * cli_mailbox: `postern mailbox ...`, on the frame of subcmd.c.  Output
 * is an aligned table (or key: value lines for show) by default and JSON
 * with --json.  Passwords are read from stdin or generated, never taken
 * from the command line, and no argument of a command that takes one is
 * ever shown.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/passwd_file.h"
#include "core/provision_fmt.h"
#include "cli/subcmd.h"
#include "core/config.h"
#include "core/password.h"
#include "core/smtp_parse.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/util.h"
#include "store/store.h"

#define FAILURES_SHOWN	20
#define PASSWORD_IN_MAX	1024

static int	password_how(const char *, const char *);
static int	new_password(const char *, const char *, char *, size_t,
		    char *, size_t);

/*
 * 0 if how is --password-stdin or --generate, else a usage error (2) that
 * does not show how: it may be the password itself.
 */
static int
password_how(const char *cmd, const char *how)
{
	if (strcmp(how, "--generate") == 0 ||
	    strcmp(how, "--password-stdin") == 0)
		return 0;
	return subcmd_usage_error("mailbox", cmd,
	    "a password is never taken from "
	    "the command line; use --password-stdin or --generate");
}

/* --password-stdin or --generate into pw, its hash into hash; 0, -1, -2. */
static int
new_password(const char *cmd, const char *how, char *pw, size_t pwsz,
    char *hash, size_t hashsz)
{
	if (password_how(cmd, how) != 0)
		return -2;
	if (strcmp(how, "--generate") == 0) {
		if (password_generate(pw, pwsz, PASSWORD_GEN_LEN) == -1)
			return -1;
	} else if (cli_read_password(pw, pwsz) == -1) {
		fprintf(stderr, "postern: no password on stdin (or longer "
		    "than %d bytes)\n", PASSWORD_IN_MAX);
		return -1;
	}
	if (password_hash(pw, strlen(pw), hash, hashsz) == -1) {
		fprintf(stderr, "postern: cannot hash password\n");
		explicit_bzero(pw, pwsz);
		return -1;
	}
	return 0;
}

/* --- mailbox ------------------------------------------------------------ */

static int
mailbox_add(struct store *st, char **a, int json)
{
	char	addr[STORE_ADDR_MAX + 1], pw[PASSWORD_IN_MAX + 1];
	char	hash[PASSWORD_HASH_MAX + 1];
	int	rc;

	if (password_how("add", a[1]) != 0)
		return 2;
	if (cli_address(a[0], addr, sizeof(addr)) == -1) {
		fprintf(stderr, "postern: mailbox %s: not a valid address "
		    "(local@domain, ASCII)\n", a[0]);
		return 1;
	}
	if ((rc = new_password("add", a[1], pw, sizeof(pw), hash,
	    sizeof(hash))) < 0)
		return rc == -2 ? 2 : 1;
	rc = store_mailbox_add(st, addr, hash);
	if (rc == STORE_NOTFOUND) {
		fprintf(stderr, "postern: mailbox %s: domain %s is not "
		    "configured (postern domain add %s)\n", addr,
		    strrchr(addr, '@') + 1, strrchr(addr, '@') + 1);
		rc = 1;
	} else if ((rc = subcmd_store_fail(st, "mailbox", addr, rc)) == 0) {
		printf("postern: mailbox %s added\n", addr);
		if (strcmp(a[1], "--generate") == 0)
			printf("password: %s\n", pw);
	}
	explicit_bzero(pw, sizeof(pw));
	return rc;
}

static int
mailbox_passwd(struct store *st, char **a, int json)
{
	char	pw[PASSWORD_IN_MAX + 1], hash[PASSWORD_HASH_MAX + 1];
	int	rc;

	if ((rc = new_password("passwd", a[1], pw, sizeof(pw), hash,
	    sizeof(hash))) < 0)
		return rc == -2 ? 2 : 1;
	rc = subcmd_store_fail(st, "mailbox", a[0], store_mailbox_set_hash(st,
	    a[0],
	    hash));
	if (rc == 0) {
		/* a new password is a fresh start: lift any lock */
		(void)store_lock_clear(st, a[0], util_now_ms() / 1000);
		printf("postern: mailbox %s: password changed\n", a[0]);
		if (strcmp(a[1], "--generate") == 0)
			printf("password: %s\n", pw);
	}
	explicit_bzero(pw, sizeof(pw));
	return rc;
}

struct mailbox_list {
	struct subcmd_table	 t;
	struct json	*j;
	int64_t		 now;
};

static int
mailbox_row(const struct store_mailbox *mb, void *arg)
{
	struct mailbox_list	*l = arg;
	char			 limit[24], created[40], locked[48];
	const char		*row[4];
	int			 is_locked = mb->locked_until > l->now;

	if (l->j != NULL) {
		json_obj_begin(l->j);
		json_kstr(l->j, "address", mb->address);
		json_kint(l->j, "daily_limit", mb->daily_limit);
		json_kbool(l->j, "locked", is_locked);
		json_kint(l->j, "locked_until", is_locked ?
		    mb->locked_until : 0);
		json_kint(l->j, "created", mb->created);
		json_obj_end(l->j);
		return 0;
	}
	snprintf(limit, sizeof(limit), "%u", mb->daily_limit);
	cli_time(mb->created, created, sizeof(created));
	if (is_locked) {
		memcpy(locked, "until ", 7);
		cli_time(mb->locked_until, locked + 6, sizeof(locked) - 6);
	} else
		util_strlcpy(locked, "no", sizeof(locked));
	row[0] = mb->address;
	row[1] = mb->daily_limit ? limit : "none";
	row[2] = locked;
	row[3] = created;
	return subcmd_table_row(&l->t, row) == -1;
}

static int
mailbox_list(struct store *st, char **a, int json)
{
	static const char *head[] = { "MAILBOX", "DAILY-LIMIT", "LOCKED",
	    "CREATED" };
	struct mailbox_list	 l;
	struct json		 j;
	struct buf		 b;
	int			 rc;

	subcmd_table_init(&l.t, 4);
	l.j = NULL;
	l.now = (int64_t)(util_now_ms() / 1000);
	if (json) {
		buf_init(&b, 256 * 1024 * 1024);
		json_init(&j, &b);
		json_arr_begin(&j);
		l.j = &j;
	} else
		subcmd_table_row(&l.t, head);
	rc = store_mailbox_list(st, a[0], mailbox_row, &l);
	return subcmd_list_finish(st, "mailbox", rc, &l.t, json ? &j : NULL,
	    &b);
}

struct show_ctx {
	struct json	*j;
	size_t		 n;
	const char	*target;
};

/* DIR, for the postern.conf `mailbox show` reads the ports from. */
static const char	*show_datadir;

/*
 * How the mailbox connects, as the provisioning CSV says it: SMTP always,
 * IMAP when offered (provision_endpoints()), else null / "not offered".
 */
static void
show_endpoints(const struct provision_endpoints *e, const char *addr,
    struct json *j)
{
	if (j != NULL) {
		json_key(j, "smtp");
		json_obj_begin(j);
		json_kstr(j, "host", e->smtp_host);
		json_kint(j, "port", e->smtp_port);
		json_kstr(j, "security", PROVISION_SMTP_SECURITY);
		json_kstr(j, "username", addr);
		json_obj_end(j);
		json_key(j, "imap");
		if (e->imap_host == NULL) {
			json_write_null(j);
			return;
		}
		json_obj_begin(j);
		json_kstr(j, "host", e->imap_host);
		json_kint(j, "port", e->imap_port);
		json_kstr(j, "security", PROVISION_IMAP_SECURITY);
		json_kstr(j, "username", addr);
		json_kbool(j, "postern_accounts", e->imap_served);
		json_obj_end(j);
		return;
	}
	printf("smtp:           %s port %u, %s, username %s\n", e->smtp_host,
	    e->smtp_port, PROVISION_SMTP_SECURITY, addr);
	if (e->imap_host == NULL)
		printf("imap:           not offered (imap = none, or no "
		    "imap_listen/imaps_listen)\n");
	else
		printf("imap:           %s port %u, implicit TLS (%s), "
		    "username %s%s\n", e->imap_host, e->imap_port,
		    PROVISION_IMAP_SECURITY, addr, e->imap_served ? "" :
		    " (imap_host: another server's accounts)");
}

static int
failure_row(const struct store_failure *f, void *arg)
{
	struct show_ctx	*c = arg;
	char		 when[40];

	c->n++;
	if (c->j != NULL) {
		json_obj_begin(c->j);
		json_kint(c->j, "time", f->time);
		json_kstr(c->j, "protocol", f->protocol);
		json_kstr(c->j, "client", f->client);
		json_kstr(c->j, "reason", f->reason);
		json_obj_end(c->j);
		return 0;
	}
	cli_time(f->time, when, sizeof(when));
	printf("  %s  %-4s  %-15s  %s\n", when, f->protocol, f->client,
	    f->reason);
	return 0;
}

static int
alias_of_row(const struct store_alias *al, void *arg)
{
	struct show_ctx	*c = arg;

	if (strcmp(al->target, c->target) != 0)
		return 0;
	c->n++;
	if (c->j != NULL)
		json_str(c->j, al->address);
	else
		printf("%s%s", c->n > 1 ? ", " : "", al->address);
	return 0;
}

/* The familiar networks of a mailbox (at most STORE_FAMILIAR_MAX). */
struct familiar_set {
	struct store_familiar	f[STORE_FAMILIAR_MAX];
	size_t			n;
};

/* One locked source, for show_source_locks(). */
struct source_lock {
	const char	*source;	/* "all", "unfamiliar" or a network */
	int64_t		 until;
};

static int
familiar_row(const struct store_familiar *f, void *arg)
{
	struct familiar_set	*fs = arg;

	if (fs->n == STORE_FAMILIAR_MAX)
		return 1;
	fs->f[fs->n++] = *f;
	return 0;
}

/*
 * Which sources are locked, as a login is judged (store_auth.c): every
 * source (mailbox lock), the unfamiliar sources, each familiar network.
 * JSON: [{"source": "all" | "unfamiliar" | NETWORK, "locked_until"}];
 * text: one "SOURCE: locked until TIME" per line, or "none".
 */
static void
show_source_locks(const struct store_mailbox *mb,
    const struct familiar_set *fs, int64_t now, struct json *j)
{
	struct source_lock	locks[STORE_FAMILIAR_MAX + 2];
	char			when[40];
	size_t			n = 0, i;

	if (mb->all_locked_until > now)
		locks[n++] = (struct source_lock){ "all",
		    mb->all_locked_until };
	if (mb->locked_until > now &&
	    mb->locked_until > mb->all_locked_until)
		locks[n++] = (struct source_lock){ "unfamiliar",
		    mb->locked_until };
	for (i = 0; i < fs->n; i++)
		if (fs->f[i].locked_until > now)
			locks[n++] = (struct source_lock){ fs->f[i].network,
			    fs->f[i].locked_until };
	if (j != NULL) {
		json_key(j, "source_locks");
		json_arr_begin(j);
		for (i = 0; i < n; i++) {
			json_obj_begin(j);
			json_kstr(j, "source", locks[i].source);
			json_kint(j, "locked_until", locks[i].until);
			json_obj_end(j);
		}
		json_arr_end(j);
		return;
	}
	printf("source locks:   %s", n == 0 ? "none\n" : "");
	for (i = 0; i < n; i++) {
		cli_time(locks[i].until, when, sizeof(when));
		printf("%s%s: locked until %s%s\n", i > 0 ? "                " :
		    "", strcmp(locks[i].source, "all") == 0 ? "all sources" :
		    strcmp(locks[i].source, "unfamiliar") == 0 ?
		    "unfamiliar sources" : locks[i].source, when,
		    strcmp(locks[i].source, "all") == 0 ? " (mailbox lock)" :
		    "");
	}
}

/* The networks that logged in recently: they answer to their own lock. */
static void
show_familiar(const struct familiar_set *fs, unsigned days, struct json *j)
{
	char	when[40];
	size_t	i;

	if (j != NULL) {
		json_kint(j, "familiar_days", days);
		json_key(j, "familiar");
		json_arr_begin(j);
		for (i = 0; i < fs->n; i++) {
			json_obj_begin(j);
			json_kstr(j, "network", fs->f[i].network);
			json_kint(j, "last_login", fs->f[i].last_login);
			json_obj_end(j);
		}
		json_arr_end(j);
		return;
	}
	if (days == 0) {
		printf("familiar:       off (auth_familiar_days = 0: one lock "
		    "for every source)\n");
		return;
	}
	if (fs->n == 0)
		printf("familiar:       none yet (a successful login makes its "
		    "network familiar for %u days)\n", days);
	for (i = 0; i < fs->n; i++) {
		cli_time(fs->f[i].last_login, when, sizeof(when));
		printf("%s%s, last login %s\n", i > 0 ? "                " :
		    "familiar:       ", fs->f[i].network, when);
	}
}

/* What mailbox show prints, gathered before it prints anything. */
struct show_facts {
	struct store_mailbox		 mb;
	struct store_domain		 d;
	struct config			 cfg;
	struct provision_endpoints	 ep;	/* may point into cfg */
	struct familiar_set		 fs;
	uint64_t			 sent;	/* in the last 24 hours */
	int64_t				 now;
	int				 locked;
};

static int	show_gather(struct store *, const char *, struct show_facts *);
static int	show_json(struct store *, const struct show_facts *);
static int	show_text(struct store *, const struct show_facts *);

/*
 * Everything about authentication for one mailbox: lock state, the
 * recent failures with their reasons, and what it may send as.
 */
static int
mailbox_show(struct store *st, char **a, int json)
{
	struct show_facts	*f;
	int			 rc;

	if ((f = calloc(1, sizeof(*f))) == NULL) {
		fprintf(stderr, "postern: out of memory\n");
		return 1;
	}
	rc = show_gather(st, a[0], f);
	if (rc == 0)
		rc = json ? show_json(st, f) : show_text(st, f);
	free(f);
	return rc;
}

/* What mailbox show prints, from the store and postern.conf: 0 or 1. */
static int
show_gather(struct store *st, const char *addr, struct show_facts *f)
{
	struct store_mailbox	*mb = &f->mb;
	int64_t			 oldest;

	f->now = (int64_t)(util_now_ms() / 1000);
	if (subcmd_store_fail(st, "mailbox", addr, store_mailbox_get(st, addr,
	    mb)))
		return 1;
	if (store_domain_get(st, strrchr(mb->address, '@') + 1, &f->d) !=
	    STORE_OK)
		memset(&f->d, 0, sizeof(f->d));
	if (cli_load_config(show_datadir, &f->cfg) == -1)
		return 1;
	provision_endpoints(&f->cfg, f->d.submission_host, &f->ep);
	(void)store_sent_count(st, mb->address, f->now - 86400, &f->sent,
	    &oldest);
	f->fs.n = 0;
	if (f->cfg.auth_familiar_days > 0)
		(void)store_familiar_list(st, mb->address, f->now -
		    (int64_t)f->cfg.auth_familiar_days * 86400, familiar_row,
		    &f->fs);
	f->locked = mb->locked_until > f->now;
	return 0;
}

static int
show_json(struct store *st, const struct show_facts *f)
{
	const struct store_mailbox	*mb = &f->mb;
	struct show_ctx			 c;
	struct json			 j;
	struct buf			 b;

	memset(&c, 0, sizeof(c));
	c.target = mb->address;
	buf_init(&b, 4 * 1024 * 1024);
	json_init(&j, &b);
	c.j = &j;
	json_obj_begin(&j);
	json_kstr(&j, "address", mb->address);
	json_kstr(&j, "password_scheme", password_scheme(mb->hash) ?
	    password_scheme(mb->hash) : "unsupported");
	json_kbool(&j, "locked", f->locked);
	json_kint(&j, "locked_until", f->locked ? mb->locked_until : 0);
	show_source_locks(mb, &f->fs, f->now, &j);
	show_familiar(&f->fs, f->cfg.auth_familiar_days, &j);
	json_kint(&j, "daily_limit", mb->daily_limit);
	json_kint(&j, "sent_24h", (int64_t)f->sent);
	cli_warmup_show(st, mb->address, &f->cfg, &j);
	cli_health_show(st, mb->address, &j);
	json_kstr(&j, "sender_policy", f->d.sender_policy ==
	    STORE_SENDER_DOMAIN ? "domain" : "mailbox");
	json_kint(&j, "created", mb->created);
	show_endpoints(&f->ep, mb->address, &j);
	json_key(&j, "aliases");
	json_arr_begin(&j);
	store_alias_list(st, strrchr(mb->address, '@') + 1, alias_of_row, &c);
	json_arr_end(&j);
	json_key(&j, "recent_failures");
	json_arr_begin(&j);
	store_failure_list(st, mb->address, FAILURES_SHOWN, failure_row, &c);
	json_arr_end(&j);
	json_obj_end(&j);
	return subcmd_json_out(&b, &j);
}

static int
show_text(struct store *st, const struct show_facts *f)
{
	const struct store_mailbox	*mb = &f->mb;
	struct show_ctx			 c;
	char				 t1[40], t2[40];

	memset(&c, 0, sizeof(c));
	c.target = mb->address;
	cli_time(mb->created, t1, sizeof(t1));
	cli_time(mb->locked_until, t2, sizeof(t2));
	printf("mailbox:        %s\n", mb->address);
	printf("created:        %s\n", t1);
	printf("password:       %s hash\n", password_scheme(mb->hash) ?
	    password_scheme(mb->hash) : "UNSUPPORTED");
	printf("locked:         %s%s\n", f->locked ? "yes, until " : "no",
	    f->locked ? t2 : "");
	show_source_locks(mb, &f->fs, f->now, NULL);
	show_familiar(&f->fs, f->cfg.auth_familiar_days, NULL);
	if (mb->daily_limit)
		printf("daily limit:    %u recipients (%llu sent in the last "
		    "24 h)\n", mb->daily_limit, (unsigned long long)f->sent);
	else
		printf("daily limit:    none (%llu sent in the last 24 h)\n",
		    (unsigned long long)f->sent);
	cli_warmup_show(st, mb->address, &f->cfg, NULL);
	printf("may send as:    %s%s", f->d.sender_policy ==
	    STORE_SENDER_DOMAIN ? "any address @" : mb->address,
	    f->d.sender_policy == STORE_SENDER_DOMAIN ? f->d.name : "");
	printf("\naliases:        ");
	store_alias_list(st, strrchr(mb->address, '@') + 1, alias_of_row, &c);
	printf("%s\n", c.n == 0 ? "none" : "");
	show_endpoints(&f->ep, mb->address, NULL);
	printf("recent authentication failures (newest first):\n");
	c.n = 0;
	store_failure_list(st, mb->address, FAILURES_SHOWN, failure_row, &c);
	if (c.n == 0)
		printf("  none\n");
	cli_health_show(st, mb->address, NULL);
	return 0;
}

static int
mailbox_remove(struct store *st, char **a, int json)
{
	if (subcmd_store_fail(st, "mailbox", a[0], store_mailbox_remove(st,
	    a[0])))
		return 1;
	printf("postern: mailbox %s removed\n", a[0]);
	return 0;
}

/* Parse "30m", "2h", "1d" or plain seconds. */
static int
parse_span(const char *s, int64_t *out)
{
	char		*end;
	long long	 v = strtoll(s, &end, 10);
	int64_t		 mul = 1;

	if (end == s || v <= 0)
		return -1;
	if (*end == 'm')
		mul = 60;
	else if (*end == 'h')
		mul = 3600;
	else if (*end == 'd')
		mul = 86400;
	else if (*end != 's' && *end != '\0')
		return -1;
	if (*end != '\0' && end[1] != '\0')
		return -1;
	*out = (int64_t)v * mul;
	return 0;
}

static int
mailbox_lock(struct store *st, char **a, int json)
{
	struct store_mailbox	mb;
	struct config		cfg;
	int64_t			span = 0, now = util_now_ms() / 1000;
	char			when[40];

	config_defaults(&cfg);
	span = cfg.auth_lock_time_ms / 1000;
	if (a[1] != NULL && strcmp(a[1], "--for") != 0)
		return subcmd_usage_error("mailbox", "lock",
		    "too many arguments "
		    "('%.64s')", a[1]);
	if (a[1] != NULL && a[2] == NULL)
		return subcmd_usage_error("mailbox", "lock",
		    "--for needs a time "
		    "(30m, 2h, 7d or seconds)");
	if (a[1] != NULL && parse_span(a[2], &span) == -1)
		return subcmd_usage_error("mailbox", "lock",
		    "--for '%.64s': not a "
		    "time (30m, 2h, 7d or seconds)", a[2]);
	if (a[1] == NULL)
		span = 100LL * 365 * 86400;	/* until unlocked */
	if (subcmd_store_fail(st, "mailbox", a[0], store_mailbox_get(st, a[0],
	    &mb)) ||
	    subcmd_store_fail(st, "mailbox", a[0], store_lock_set(st,
	    mb.address,
	    now + span)))
		return 1;
	cli_time(now + span, when, sizeof(when));
	printf("postern: mailbox %s locked until %s, for every source "
	    "(familiar networks too)\n", mb.address, a[1] ? when :
	    "unlocked");
	return 0;
}

static int
mailbox_unlock(struct store *st, char **a, int json)
{
	struct store_mailbox	mb;

	if (subcmd_store_fail(st, "mailbox", a[0], store_mailbox_get(st, a[0],
	    &mb)) ||
	    subcmd_store_fail(st, "mailbox", a[0], store_lock_clear(st,
	    mb.address,
	    util_now_ms() / 1000)))
		return 1;
	printf("postern: mailbox %s unlocked\n", mb.address);
	return 0;
}

static int
mailbox_set(struct store *st, char **a, int json)
{
	char		*end;
	unsigned long	 v;

	if (strcmp(a[1], "warmup") == 0 || strcmp(a[1], "warmup_first") ==
	    0 || strcmp(a[1], "warmup_step") == 0)
		return cli_warmup_set(st, a[0], a[1], a[2]);
	if (strcmp(a[1], "daily_limit") != 0) {
		fprintf(stderr, "postern: mailbox %s: unknown setting %s "
		    "(daily_limit, warmup, warmup_first, warmup_step)\n", a[0],
		    a[1]);
		return 1;
	}
	v = strtoul(a[2], &end, 10);
	if (end == a[2] || *end != '\0' || v > 10000000 || a[2][0] == '-') {
		fprintf(stderr, "postern: mailbox %s: daily_limit %s is not a "
		    "number (0 = no limit)\n", a[0], a[2]);
		return 1;
	}
	if (subcmd_store_fail(st, "mailbox", a[0], store_mailbox_set_limit(st,
	    a[0],
	    (uint32_t)v)))
		return 1;
	printf("postern: mailbox %s: daily_limit = %lu\n", a[0], v);
	return 0;
}

static int
mailbox_freeze(struct store *st, char **a, int json)
{
	return cli_warmup_freeze(st, show_datadir, a);
}

/* End a pause for sending health now (cli_health.c). */
static int
mailbox_resume(struct store *st, char **a, int json)
{
	return cli_health_resume(st, a);
}

struct import_ctx {
	struct store	*st;
	const char	*path;
	const char	*domain;
	size_t		 added;
	size_t		 skipped;
};

static int
import_entry(const char *user, const char *hash, int lineno, void *arg)
{
	struct import_ctx	*c = arg;
	char			 full[STORE_ADDR_MAX + 1];
	char			 addr[STORE_ADDR_MAX + 1];
	int			 rc;

	if (strchr(user, '@') == NULL) {
		if (c->domain == NULL) {
			fprintf(stderr,
			    "postern: %s:%d: user %s has no domain; "
			    "give one: mailbox import FILE DOMAIN\n", c->path,
			    lineno, user);
			return -1;
		}
		if (util_snprintf(full, sizeof(full), "%s@%s", user,
		    c->domain) == -1)
			goto bad;
		user = full;
	}
	if (cli_address(user, addr, sizeof(addr)) == -1)
		goto bad;
	if (password_scheme(hash) == NULL) {
		fprintf(stderr, "postern: %s:%d: %s: unsupported password "
		    "scheme (argon2, yescrypt, bcrypt, SHA-256/512-crypt)\n",
		    c->path, lineno, addr);
		return -1;
	}
	rc = store_mailbox_add(c->st, addr, hash);
	if (rc == STORE_EXISTS) {
		fprintf(stderr, "postern: %s:%d: %s already exists, "
		    "skipped\n", c->path, lineno, addr);
		c->skipped++;
		return 0;
	}
	if (rc == STORE_NOTFOUND) {
		fprintf(stderr, "postern: %s:%d: %s: domain %s is not "
		    "configured\n", c->path, lineno, addr,
		    strrchr(addr, '@') + 1);
		return -1;
	}
	if (rc != STORE_OK) {
		fprintf(stderr, "postern: %s:%d: %s: %s\n", c->path, lineno,
		    addr, store_errmsg(c->st));
		return -1;
	}
	c->added++;
	return 0;
bad:
	fprintf(stderr, "postern: %s:%d: %s is not a valid address\n",
	    c->path, lineno, user);
	return -1;
}

/* Dovecot passwd-file: all entries or none (one transaction). */
static int
mailbox_import(struct store *st, char **a, int json)
{
	struct import_ctx	c;
	char			err[512];

	memset(&c, 0, sizeof(c));
	c.st = st;
	c.path = a[0];
	c.domain = a[1];
	if (store_begin(st) != STORE_OK)
		return subcmd_store_fail(st, "import", a[0], STORE_ERR);
	if (passwd_file_read(a[0], import_entry, &c, err, sizeof(err)) == -1) {
		store_rollback(st);
		fprintf(stderr, "postern: %s; nothing imported\n", err);
		return 1;
	}
	if (store_commit(st) != STORE_OK) {
		store_rollback(st);
		return subcmd_store_fail(st, "import", a[0], STORE_ERR);
	}
	printf("postern: imported %zu mailbox(es) from %s, %zu skipped\n",
	    c.added, a[0], c.skipped);
	return 0;
}

int
cli_mailbox(const char *datadir, int argc, char **argv)
{
	static const struct subcmd cmds[] = {
		{ "add", 2, 2, SUBCMD_SECRET,
		    "ADDRESS --password-stdin|--generate", mailbox_add },
		{ "list", 0, 1, 0, "[DOMAIN] [--json]", mailbox_list },
		{ "show", 1, 1, 0, "ADDRESS [--json]", mailbox_show },
		{ "passwd", 2, 2, SUBCMD_SECRET,
		    "ADDRESS --password-stdin|--generate", mailbox_passwd },
		{ "remove", 1, 1, 0, "ADDRESS", mailbox_remove },
		{ "lock", 1, 3, 0, "ADDRESS [--for 30m|2h|7d]", mailbox_lock },
		{ "unlock", 1, 1, 0, "ADDRESS", mailbox_unlock },
		{ "set", 3, 3, 0, "ADDRESS daily_limit N | warmup on|off | "
		    "warmup_first N | warmup_step N", mailbox_set },
		{ "warmup-freeze", 1, 3, 0, "ADDRESS [--days N]",
		    mailbox_freeze },
		{ "resume", 1, 1, 0, "ADDRESS|DOMAIN", mailbox_resume },
		{ "import", 1, 2, 0, "DOVECOT-PASSWD-FILE [DOMAIN]",
		    mailbox_import },
	};

	show_datadir = datadir;
	return subcmd_run(datadir, cmds, sizeof(cmds) / sizeof(cmds[0]),
	    "mailbox", argc, argv);
}
