/*
 * cli_push: `postern push PLATFORM`, the command around push_run().
 * Postern keeps only password hashes, so the passwords come from where
 * they exist in clear: a CSV that `provision` wrote (--csv FILE, any of
 * its formats, read back by its header), or a new password made here
 * (--mailbox ADDR --new-password).  `provision --push` calls push_run()
 * itself with the mailboxes it has just made.
 *
 * Every other field comes from postern's own settings, as the CSV's do
 * (provision_endpoints()): a CSV's host and port cells are not trusted
 * over them, and a note says when they differ.  Inputs (key file, CSV)
 * are read before the store is opened, because opening it as root
 * switches to the server's user, who may not read the invoker's files.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/push.h"
#include "core/config.h"
#include "core/password.h"
#include "lib/csv.h"
#include "lib/util.h"
#include "store/store.h"

#define PUSH_MAX	100000
#define NAME_MAX_	128
#define PUSH_PASSWORD_MAX	1024

/* One account's strings; the provision_account points into them. */
struct acct {
	char	email[STORE_ADDR_MAX + 1];
	char	first[NAME_MAX_];
	char	last[NAME_MAX_];
	char	password[PUSH_PASSWORD_MAX + 1];
	char	csv_host[256];
	char	csv_port[16];
	char	smtp_host[256];		/* this server's settings */
	char	imap_host[256];
	size_t	line;
};

struct push_cli {
	struct push_opts	 o;
	const char		*csv;
	const char		*mailbox;
	int			 new_password;
	long			 daily_limit;	/* -1: from the CSV */
	int			 warmup;	/* -1: from the CSV */
	long			 warmup_limit;
	long			 warmup_increment;
	struct acct		*acc;
	struct provision_account *pa;
	size_t			 n;
	struct config		 cfg;
};

static int	push_usage(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
static int	num_opt(const char *, const char *, long, long, long *);
static int	parse(struct push_cli *, int, char **);
static int	read_csv(struct push_cli *);
static int	csv_account(struct push_cli *, const struct csv_record *,
		    const int *);
static const char *cell(const struct csv_record *, const int *,
		    enum provision_val);
static int	settle(struct push_cli *, struct store *);
static int	settle_one(struct push_cli *, struct store *, size_t);
static int	bounds(const struct push_cli *, const struct provision_account *);
static int	rotate(struct push_cli *, struct store *);

static int
push_usage(const char *fmt, ...)
{
	va_list	ap;
	size_t	i;

	fputs("postern: push: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: postern -d DIR push PLATFORM --csv FILE | "
	    "--mailbox ADDRESS --new-password\n"
	    "         [--key-file FILE] [--update | --replace] [--dry-run] "
	    "[--json] [--no-check]\n"
	    "         [--daily-limit N] [--warmup | --no-warmup] "
	    "[--warmup-limit N] [--warmup-increment N]\n"
	    "         [--base-url URL] [--ca-file FILE] "
	    "[--check-ca-file FILE]\n"
	    "  PLATFORM:");
	for (i = 0; push_platform_at(i) != NULL; i++)
		fprintf(stderr, " %s", push_platform_at(i)->name);
	fprintf(stderr, "\n  the API key: --key-file FILE or the environment "
	    "variable POSTERN_PUSH_KEY\n");
	return 2;
}

static int
num_opt(const char *opt, const char *v, long min, long max, long *out)
{
	char	*end;

	errno = 0;
	*out = v ? strtol(v, &end, 10) : 0;
	if (v == NULL || errno || end == v || *end != '\0' || *out < min ||
	    *out > max)
		return push_usage("%s needs a number from %ld to %ld", opt,
		    min, max);
	return 0;
}

static int
parse(struct push_cli *c, int argc, char **argv)
{
	static const char *const nums[] = { "--daily-limit", "--warmup-limit",
	    "--warmup-increment" };
	long		*dst[] = { &c->daily_limit, &c->warmup_limit,
	    &c->warmup_increment };
	const char	*why = NULL;
	int		 i, k, rc;

	if (argc < 1 || (c->o.p = push_platform_find(argv[0])) == NULL)
		return push_usage(argc < 1 ? "which platform?" :
		    "unknown platform '%.64s'", argc < 1 ? "" : argv[0]);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if ((rc = push_option(&c->o, argc, argv, &i, &why)) != 0) {
			if (rc < 0)
				return push_usage(rc == -2 ? "%s needs a value" :
				    "%s", why);
			continue;
		}
		for (k = 0; k < 3 && strcmp(a, nums[k]) != 0; k++)
			;
		if (k < 3) {
			if (num_opt(a, v, k == 2 ? 0 : 1, 10000000,
			    dst[k]) != 0)
				return 2;
			i++;
		} else if (strcmp(a, "--json") == 0)
			c->o.json = 1;
		else if (strcmp(a, "--new-password") == 0)
			c->new_password = 1;
		else if (strcmp(a, "--warmup") == 0 ||
		    strcmp(a, "--no-warmup") == 0)
			c->warmup = a[2] == 'w';
		else if ((strcmp(a, "--csv") == 0 ||
		    strcmp(a, "--mailbox") == 0) && v != NULL) {
			*(a[2] == 'c' ? &c->csv : &c->mailbox) = v;
			i++;
		} else
			return push_usage("unknown option or missing value "
			    "'%.64s'", a);
	}
	if ((c->csv == NULL) == (c->mailbox == NULL))
		return push_usage("give --csv FILE or --mailbox ADDRESS");
	if (c->mailbox != NULL && !c->new_password)
		return push_usage("--mailbox needs --new-password (postern "
		    "keeps only hashes: a push needs a password in clear)");
	if (c->warmup_increment > 0 && c->warmup != 1)
		return push_usage("--warmup-increment goes with --warmup");
	if ((why = push_check_opts(&c->o)) != NULL)
		return push_usage("%s", why);
	return 0;
}

static const char *
cell(const struct csv_record *r, const int *map, enum provision_val v)
{
	int	col = map[v];

	return col >= 0 && (size_t)col < r->nfields ? r->field[col] : "";
}

static int
csv_account(struct push_cli *c, const struct csv_record *r, const int *map)
{
	struct acct			*a;
	struct provision_account	*p;
	const char			*w;

	if (c->n == PUSH_MAX)
		return -1;
	a = &c->acc[c->n];
	p = &c->pa[c->n];
	memset(a, 0, sizeof(*a));
	memset(p, 0, sizeof(*p));
	a->line = r->line;
	if (util_strlcpy(a->email, cell(r, map, PROVISION_V_EMAIL),
	    sizeof(a->email)) == -1 || util_strlcpy(a->password, cell(r, map,
	    PROVISION_V_SMTP_PASS), sizeof(a->password)) == -1)
		return -1;
	(void)util_strlcpy(a->first, cell(r, map, PROVISION_V_FIRST_NAME),
	    sizeof(a->first));
	(void)util_strlcpy(a->last, cell(r, map, PROVISION_V_LAST_NAME),
	    sizeof(a->last));
	if (a->first[0] == '\0' && cell(r, map, PROVISION_V_FROM_NAME)[0])
		(void)provision_split_name(cell(r, map, PROVISION_V_FROM_NAME),
		    a->first, sizeof(a->first), a->last, sizeof(a->last));
	(void)util_strlcpy(a->csv_host, cell(r, map, PROVISION_V_SMTP_HOST),
	    sizeof(a->csv_host));
	(void)util_strlcpy(a->csv_port, cell(r, map, PROVISION_V_SMTP_PORT),
	    sizeof(a->csv_port));
	p->daily_limit = (unsigned)strtoul(cell(r, map,
	    PROVISION_V_DAILY_LIMIT), NULL, 10);
	w = cell(r, map, PROVISION_V_WARMUP);
	p->warmup = strcasecmp(w, "true") == 0 ? PROVISION_WARMUP_ON :
	    strcasecmp(w, "false") == 0 ? PROVISION_WARMUP_OFF :
	    PROVISION_WARMUP_DEFAULT;
	p->warmup_limit = (unsigned)strtoul(cell(r, map,
	    PROVISION_V_WARMUP_LIMIT), NULL, 10);
	p->warmup_increment = (unsigned)strtoul(cell(r, map,
	    PROVISION_V_WARMUP_INCREMENT), NULL, 10);
	c->n++;
	return 0;
}

/* The whole CSV into c->acc; 0, or the exit status after saying why. */
static int
read_csv(struct push_cli *c)
{
	struct csv_reader	 rd;
	struct csv_record	 head, rec;
	struct buf		 data;
	int			 map[PROVISION_V_COUNT], rc = 1;

	buf_init(&data, 64 * 1024 * 1024);
	csv_record_init(&head);
	csv_record_init(&rec);
	if (buf_read_file(&data, c->csv) == -1) {
		fprintf(stderr, "postern: push: %s: %s\n", c->csv,
		    strerror(errno));
		goto done;
	}
	csv_reader_init(&rd, data.data ? data.data : "", data.len);
	if (csv_read(&rd, &head) != 1 || provision_fmt_columns(head.field,
	    head.nfields, map) == 0 || map[PROVISION_V_EMAIL] < 0 ||
	    map[PROVISION_V_SMTP_PASS] < 0) {
		fprintf(stderr, "postern: push: %s: not a CSV of `postern "
		    "provision` (no email and password columns)\n", c->csv);
		goto done;
	}
	c->acc = calloc(PUSH_MAX, sizeof(*c->acc));
	c->pa = calloc(PUSH_MAX, sizeof(*c->pa));
	while (c->acc != NULL && c->pa != NULL && (rc = csv_read(&rd,
	    &rec)) == 1)
		if (csv_account(c, &rec, map) == -1) {
			fprintf(stderr, "postern: push: %s:%zu: a value is too "
			    "long, or more than %d rows\n", c->csv, rec.line,
			    PUSH_MAX);
			rc = -1;
			break;
		}
	rc = rc == 0 && c->n > 0 ? 0 : 1;
	if (rc == 1 && c->acc != NULL && c->pa != NULL)
		fprintf(stderr, "postern: push: %s: %s\n", c->csv, c->n == 0 ?
		    "no accounts" : "not a well-formed CSV");
done:
	if (data.data != NULL)
		explicit_bzero(data.data, data.cap);
	buf_free(&data);
	csv_record_free(&head);
	csv_record_free(&rec);
	return rc;
}

/*
 * Account i: a mailbox of this server?  Then the endpoints of its domain,
 * names, and the command line's values over the CSV's.  0 or 1.
 */
static int
settle_one(struct push_cli *c, struct store *st, size_t i)
{
	struct acct			*a = &c->acc[i];
	struct provision_account	*p = &c->pa[i];
	struct provision_endpoints	 e;
	struct store_mailbox		 mb;
	struct store_domain		 dom;
	char				 port[16];

	if (cli_address(a->email, a->email, sizeof(a->email)) == -1 ||
	    store_mailbox_get(st, a->email, &mb) != STORE_OK ||
	    store_domain_get(st, strrchr(a->email, '@') + 1, &dom) !=
	    STORE_OK) {
		if (c->csv != NULL)
			fprintf(stderr, "postern: push: %s:%zu: ", c->csv,
			    a->line);
		else
			fprintf(stderr, "postern: push: ");
		fprintf(stderr, "'%s' is not a mailbox of this server\n",
		    a->email);
		return 1;
	}
	provision_endpoints(&c->cfg, dom.submission_host, &e);
	if (e.imap_host == NULL) {
		fprintf(stderr, "postern: push: %s reads replies over IMAP, "
		    "and this server offers none (imap = none): set imap = "
		    "dovecot, or imap_host to the IMAP server of these "
		    "mailboxes\n", c->o.p->title);
		return 1;
	}
	(void)util_snprintf(port, sizeof(port), "%u", e.smtp_port);
	if ((a->csv_host[0] && strcasecmp(a->csv_host, e.smtp_host) != 0) ||
	    (a->csv_port[0] && strcmp(a->csv_port, port) != 0))
		fprintf(stderr, "postern: push: note: %s gives %s SMTP %s:%s; "
		    "pushing this server's settings, %s:%s\n", c->csv,
		    a->email, a->csv_host, a->csv_port, e.smtp_host, port);
	if (a->first[0] == '\0')
		(void)provision_names_from_local(a->email, a->first,
		    sizeof(a->first), a->last, sizeof(a->last));
	p->email = a->email;
	p->first_name = a->first;
	p->last_name = a->last;
	p->password = a->password;
	if (util_strlcpy(a->smtp_host, e.smtp_host, sizeof(a->smtp_host)) ==
	    -1 || util_strlcpy(a->imap_host, e.imap_host,
	    sizeof(a->imap_host)) == -1)
		return 1;
	p->smtp_host = a->smtp_host;
	p->smtp_port = e.smtp_port;
	p->imap_host = a->imap_host;
	p->imap_port = e.imap_port;
	if (c->daily_limit >= 0)
		p->daily_limit = (unsigned)c->daily_limit;
	if (c->warmup >= 0)
		p->warmup = c->warmup ? PROVISION_WARMUP_ON :
		    PROVISION_WARMUP_OFF;
	if (c->warmup_limit > 0)
		p->warmup_limit = (unsigned)c->warmup_limit;
	if (c->warmup_increment > 0)
		p->warmup_increment = (unsigned)c->warmup_increment;
	return bounds(c, p);
}

/* The warm-up numbers the platform documents.  0, or 2. */
static int
bounds(const struct push_cli *c, const struct provision_account *p)
{
	const struct push_platform	*pl = c->o.p;

	if (p->warmup_limit > pl->warmup_limit_max)
		return push_usage("%s: %s takes a warm-up limit of at most %u "
		    "a day, not %u", p->email, pl->title, pl->warmup_limit_max,
		    p->warmup_limit);
	if (p->warmup_increment != 0 && (p->warmup_increment <
	    pl->increment_min || p->warmup_increment > pl->increment_max))
		return push_usage("%s: %s takes a warm-up increment from %u to "
		    "%u, not %u", p->email, pl->title, pl->increment_min,
		    pl->increment_max, p->warmup_increment);
	return 0;
}

static int
settle(struct push_cli *c, struct store *st)
{
	size_t	i;
	int	rc;

	for (i = 0; i < c->n; i++)
		if ((rc = settle_one(c, st, i)) != 0)
			return rc;
	return 0;
}

/*
 * --mailbox ADDR --new-password: a new password in force here before the
 * push (so a failed push leaves it printed, not lost).  0 or 1.
 */
static int
rotate(struct push_cli *c, struct store *st)
{
	struct acct	*a = &c->acc[0];
	char		 hash[PASSWORD_HASH_MAX + 1];
	int		 rc;

	a->line = 0;
	if (c->o.dry_run)
		return util_strlcpy(a->password, PUSH_SECRET_MASK,
		    sizeof(a->password)) == -1;
	if (password_generate(a->password, sizeof(a->password),
	    PASSWORD_GEN_LEN) == -1 || password_hash(a->password,
	    strlen(a->password), hash, sizeof(hash)) == -1) {
		fprintf(stderr, "postern: push: cannot make a password\n");
		return 1;
	}
	rc = store_mailbox_set_hash(st, a->email, hash);
	explicit_bzero(hash, sizeof(hash));
	if (rc != STORE_OK) {
		fprintf(stderr, "postern: push: %s: %s\n", a->email, rc ==
		    STORE_NOTFOUND ? "no such mailbox" : store_errmsg(st));
		return 1;
	}
	(void)store_lock_clear(st, a->email, (int64_t)(util_now_ms() / 1000));
	printf("postern: push: %s has a new password on this server; pushing "
	    "it to %s\n", a->email, c->o.p->title);
	return 0;
}

int
cli_push(const char *datadir, int argc, char **argv)
{
	struct push_cli	*c;
	struct store	*st = NULL;
	int		 rc;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return 1;
	c->daily_limit = c->warmup = -1;
	if ((rc = parse(c, argc, argv)) != 0 || (rc = push_load_key(&c->o) ==
	    -1 ? 1 : 0) != 0 || (c->csv != NULL && (rc = read_csv(c)) != 0))
		goto done;
	if (c->mailbox != NULL) {
		c->acc = calloc(1, sizeof(*c->acc));
		c->pa = calloc(1, sizeof(*c->pa));
		if (c->acc == NULL || c->pa == NULL || util_strlcpy(
		    c->acc->email, c->mailbox, sizeof(c->acc->email)) == -1) {
			rc = 1;
			goto done;
		}
		c->n = 1;
	}
	rc = 1;
	if (cli_load_config(datadir, &c->cfg) == -1 ||
	    (st = cli_store(datadir, 0)) == NULL)
		goto done;
	if ((rc = settle(c, st)) != 0 || (c->mailbox != NULL &&
	    (rc = rotate(c, st)) != 0))
		goto done;
	if (c->mailbox != NULL && c->o.mode == PUSH_CREATE)
		c->o.mode = PUSH_REPLACE;	/* the account is there */
	/* the CA files given are the operator's, like the key file */
	if (cli_as_invoker(1) == -1) {
		fprintf(stderr, "postern: push: cannot switch back to the "
		    "invoking user\n");
		rc = 1;
		goto done;
	}
	rc = push_run(&c->o, c->pa, c->n);
	if (rc != 0 && c->mailbox != NULL && !c->o.dry_run)
		printf("postern: push: %s's new password is in force on this "
		    "server but %s may not have it; enter it there by hand "
		    "(shown once): %s\n", c->acc->email, c->o.p->title,
		    c->acc->password);
done:
	store_close(st);
	if (c->acc != NULL)
		explicit_bzero(c->acc, (c->csv ? PUSH_MAX : 1) *
		    sizeof(*c->acc));
	explicit_bzero(c->o.key, sizeof(c->o.key));
	free(c->acc);
	free(c->pa);
	free(c);
	return rc;
}
