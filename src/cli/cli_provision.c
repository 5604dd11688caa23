/*
 * cli_provision: `postern provision`, bulk creation of mailboxes with the
 * CSV a sending platform imports (`postern dns` is in cli_dns.c).
 *
 * provision is all or nothing: every name is checked first (a name that
 * exists is refused unless --rotate), passwords are generated and hashed
 * on one thread per core (argon2id is slow on purpose), the CSV is
 * written to a temporary file and fsync'd, the database changes are
 * committed in one transaction, and only then is the CSV renamed into
 * place (mode 0600).  If the commit fails, the temporary CSV is removed
 * and nothing changed; if the final rename fails, the message names the
 * temporary file, which holds the passwords now in force.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/provision_fmt.h"
#include "cli/push.h"
#include "core/config.h"
#include "core/password.h"
#include "core/smtp_parse.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/util.h"
#include "server/imap.h"
#include "store/store.h"

#define PROVISION_MAX		100000
#define NAME_LINE_MAX		512

struct account {
	struct provision_secret	sec;	/* first: provision_hash_all() */
	char			address[STORE_ADDR_MAX + 1];
	char			first[128];
	char			last[128];
	int			exists;
};

struct provision_opts {
	const char	*domain;
	unsigned long	 count;
	const char	*names;
	const char	*csv;
	const char	*format;
	const char	*prefix;
	unsigned long	 daily_limit;
	unsigned long	 warmup_limit;		/* 0: platform default */
	unsigned long	 warmup_increment;	/* INCREMENT_UNSET: none */
	int		 warmup;		/* enum provision_warmup */
	int		 rotate;
	const char	*push;			/* --push PLATFORM */
	struct push_opts pusho;
};

#define INCREMENT_UNSET	ULONG_MAX	/* --warmup-increment not given */

/* How an option's value reaches struct provision_opts. */
enum popt_kind {
	POPT_FLAG,		/* no value: the int at off becomes flag */
	POPT_STR,		/* the const char * at off */
	POPT_NUM,		/* the unsigned long at off, min..max */
};

struct popt {
	const char	*name;
	enum popt_kind	 kind;
	size_t		 off;
	unsigned long	 min, max;	/* POPT_NUM */
	int		 flag;		/* POPT_FLAG */
};

#define POFF(m)	offsetof(struct provision_opts, m)

static const struct popt popts[] = {
	{ "--count", POPT_NUM, POFF(count), 1, PROVISION_MAX, 0 },
	{ "--names", POPT_STR, POFF(names), 0, 0, 0 },
	{ "--csv", POPT_STR, POFF(csv), 0, 0, 0 },
	{ "--format", POPT_STR, POFF(format), 0, 0, 0 },
	{ "--prefix", POPT_STR, POFF(prefix), 0, 0, 0 },
	{ "--daily-limit", POPT_NUM, POFF(daily_limit), 0, 10000000, 0 },
	{ "--warmup-limit", POPT_NUM, POFF(warmup_limit), 1, 1000, 0 },
	{ "--warmup-increment", POPT_NUM, POFF(warmup_increment), 0, 100,
	    0 },
	{ "--push", POPT_STR, POFF(push), 0, 0, 0 },
	{ "--rotate", POPT_FLAG, POFF(rotate), 0, 0, 1 },
	{ "--warmup", POPT_FLAG, POFF(warmup), 0, 0, PROVISION_WARMUP_ON },
	{ "--no-warmup", POPT_FLAG, POFF(warmup), 0, 0,
	    PROVISION_WARMUP_OFF },
};

/* One run of provision, from the options to the renamed CSV. */
struct provision_run {
	struct provision_opts		 o;
	const struct provision_fmt	*fmt;
	struct config			 cfg;
	struct store_domain		 dom;
	struct account			*acc;
	size_t				 n;
	size_t				 nexist;	/* --rotate */
	struct provision_account	*pa;		/* for --push */
	struct store			*st;
	struct buf			 csv;
	char				 tmp[PATH_MAX];
	char				 domain[STORE_ADDR_MAX + 1];
};

static int	 provision_usage(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
static int	 parse_count(const char *, const char *, unsigned long,
		    unsigned long, unsigned long *);
static int	 parse_opts(int, char **, struct provision_opts *);
static int	 set_opt(const struct popt *, const char *,
		    struct provision_opts *);
static int	 check_opts(struct provision_opts *);
static int	 check_push(struct provision_opts *);
static void	 format_list(char *, size_t, const char *);
static int	 fmt_has(const struct provision_fmt *, enum provision_val);
static struct account *make_accounts(const struct provision_opts *,
		    size_t *);
static int	 read_names(const char *, const char *, struct account **,
		    size_t *);
static int	 write_csv_tmp(const char *, const struct buf *, char *,
		    size_t);
static void	 endpoint_notes(const struct config *,
		    const struct provision_endpoints *);
static int	 setup(const char *, int, char **, struct provision_run *);
static int	 prepare(const char *, struct provision_run *);
static int	 check_existing(struct provision_run *);
static int	 build_csv(struct provision_run *,
		    const struct provision_endpoints *);
static int	 apply(struct provision_run *);
static int	 commit_accounts(struct provision_run *);
static int	 store_account(struct store *, const struct account *,
		    const struct provision_opts *);
static int	 place_csv(struct provision_run *);

/* A usage error: "postern: provision: REASON", then the usage; 2. */
static int
provision_usage(const char *fmt, ...)
{
	va_list	ap;

	char	formats[256];

	fputs("postern: provision: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	format_list(formats, sizeof(formats), "|");
	fprintf(stderr, "\nusage: postern -d DIR provision DOMAIN "
	    "--count N | --names FILE --csv FILE\n"
	    "         [--format %s]\n"
	    "         [--prefix P] [--daily-limit N] [--rotate]\n"
	    "         [--warmup [--warmup-increment N] | --no-warmup] "
	    "[--warmup-limit N]\n"
	    "         [--push instantly|smartlead [--key-file FILE] "
	    "[push's options]]\n", formats);
	return 2;
}

/* The formats' names, joined by sep ("generic|instantly|..."). */
static void
format_list(char *out, size_t outsz, const char *sep)
{
	const struct provision_fmt	*f;
	size_t				 i, len;

	out[0] = '\0';
	for (i = 0; (f = provision_fmt_at(i)) != NULL; i++) {
		len = strlen(out);
		(void)util_snprintf(out + len, outsz - len, "%s%s",
		    i > 0 ? sep : "", f->name);
	}
}

/* 1 if format f has a column for value v. */
static int
fmt_has(const struct provision_fmt *f, enum provision_val v)
{
	size_t	i;

	for (i = 0; i < f->ncols; i++)
		if (f->cols[i].val == v)
			return 1;
	return 0;
}

/* The value v of option opt, a whole number from min to max; 0 or 2. */
static int
parse_count(const char *opt, const char *v, unsigned long min,
    unsigned long max, unsigned long *out)
{
	char	*end;

	errno = 0;
	*out = strtoul(v, &end, 10);
	if (errno || end == v || *end != '\0' || v[0] == '-' || *out < min ||
	    *out > max)
		return provision_usage("%s needs a number from %lu to %lu, not "
		    "'%.64s'", opt, min, max, v);
	return 0;
}

/* DOMAIN first, then the options (popts[]).  0, or a usage error (2). */
static int
parse_opts(int argc, char **argv, struct provision_opts *o)
{
	const struct popt	*po;
	const char		*why = NULL;
	size_t			 k;
	int			 i, rc;

	memset(o, 0, sizeof(*o));
	o->format = "generic";
	o->prefix = "sender";
	o->warmup_increment = INCREMENT_UNSET;
	if (argc < 1)
		return provision_usage("which domain? give it first");
	if (argv[0][0] == '-')
		return provision_usage("the domain comes first, before the "
		    "options");
	o->domain = argv[0];
	for (i = 1; i < argc; i++) {
		if ((rc = push_option(&o->pusho, argc, argv, &i, &why)) != 0) {
			if (rc < 0)
				return provision_usage(rc == -2 ? "%s needs a "
				    "value" : "%s", why);
			continue;
		}
		if (argv[i][0] != '-')
			return provision_usage("too many arguments ('%.64s')",
			    argv[i]);
		for (k = 0; k < sizeof(popts) / sizeof(popts[0]) &&
		    strcmp(argv[i], popts[k].name) != 0; k++)
			;
		if (k == sizeof(popts) / sizeof(popts[0]))
			return provision_usage("unknown option '%.64s'",
			    argv[i]);
		po = &popts[k];
		if (po->kind != POPT_FLAG && i + 1 >= argc)
			return provision_usage("%s needs a value", argv[i]);
		if (set_opt(po, po->kind == POPT_FLAG ? NULL : argv[++i],
		    o) != 0)
			return 2;
	}
	return check_opts(o);
}

/* One option's value into o: 0, or a usage error (2). */
static int
set_opt(const struct popt *po, const char *v, struct provision_opts *o)
{
	void	*p = (char *)o + po->off;
	int	*flag = p;

	switch (po->kind) {
	case POPT_FLAG:
		/* --warmup then --no-warmup: say so rather than pick one */
		if (*flag != 0 && *flag != po->flag)
			return provision_usage("%s contradicts an option "
			    "before it", po->name);
		*flag = po->flag;
		return 0;
	case POPT_STR:
		*(const char **)p = v;
		return 0;
	case POPT_NUM:
		return parse_count(po->name, v, po->min, po->max,
		    (unsigned long *)p);
	}
	return 2;
}

/* What the options say together: 0, or a usage error (2). */
static int
check_opts(struct provision_opts *o)
{
	if (o->count != 0 && o->names != NULL)
		return provision_usage("give --count or --names, not both");
	if (o->count == 0 && o->names == NULL)
		return provision_usage("missing --count N or --names FILE");
	if (o->csv == NULL)
		return provision_usage("missing --csv FILE (where the "
		    "credentials go)");
	if (o->warmup_increment != INCREMENT_UNSET &&
	    o->warmup != PROVISION_WARMUP_ON)
		return provision_usage("--warmup-increment needs --warmup");
	return o->push != NULL || o->pusho.given ? check_push(o) : 0;
}

/* --push PLATFORM and push's options (push.h).  0, or usage (2). */
static int
check_push(struct provision_opts *o)
{
	const char	*why;

	if (o->push == NULL)
		return provision_usage("the push options go with --push "
		    "PLATFORM");
	if ((o->pusho.p = push_platform_find(o->push)) == NULL)
		return provision_usage("unknown platform '%.64s' for --push",
		    o->push);
	if (o->pusho.dry_run || o->pusho.mode != PUSH_CREATE)
		return provision_usage("--dry-run, --update and --replace are "
		    "options of `postern push`; provision --rotate replaces");
	if (o->rotate)
		o->pusho.mode = PUSH_REPLACE;
	if ((why = push_check_opts(&o->pusho)) != NULL)
		return provision_usage("%s", why);
	return 0;
}

/* --count N: PREFIX01 .. PREFIXNN, zero-padded to the width of N. */
static struct account *
make_accounts(const struct provision_opts *o, size_t *n)
{
	struct account	*acc;
	size_t		 i;

	if ((acc = calloc(o->count, sizeof(*acc))) == NULL)
		return NULL;
	for (i = 0; i < o->count; i++) {
		if (provision_count_address(o->prefix, i, o->count, o->domain,
		    acc[i].address, sizeof(acc[i].address)) == -1) {
			fprintf(stderr, "postern: provision: prefix '%s' does "
			    "not make valid addresses\n", o->prefix);
			free(acc);
			return NULL;
		}
	}
	*n = o->count;
	return acc;
}

/*
 * --names FILE: one per line, a local part ("j.smith") or a name
 * ("John Smith", which becomes john.smith with the names kept for the
 * CSV).  Blank lines and lines starting with '#' are skipped.
 */
static int
read_names(const char *path, const char *domain, struct account **out,
    size_t *n)
{
	FILE		*f;
	char		 line[NAME_LINE_MAX + 2];
	struct account	*acc = NULL, *p;
	size_t		 cap = 0, len, lineno = 0, i;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "postern: %s: %s\n", path, strerror(errno));
		return -1;
	}
	*n = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		len = strlen(line);
		if (len > NAME_LINE_MAX) {
			fprintf(stderr, "postern: %s:%zu: line too long\n",
			    path, lineno);
			goto fail;
		}
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r' || line[len - 1] == ' '))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			if (cap > PROVISION_MAX || (p = reallocarray(acc, cap,
			    sizeof(*acc))) == NULL) {
				fprintf(stderr, "postern: %s: too many names "
				    "(at most %d)\n", path, PROVISION_MAX);
				goto fail;
			}
			acc = p;
		}
		p = &acc[*n];
		memset(p, 0, sizeof(*p));
		if (provision_name_line(line, domain, p->address,
		    sizeof(p->address), p->first, sizeof(p->first), p->last,
		    sizeof(p->last)) == -1)
			goto bad;
		for (i = 0; i < *n; i++)
			if (strcmp(acc[i].address, p->address) == 0) {
				fprintf(stderr, "postern: %s:%zu: %s appears "
				    "twice\n", path, lineno, p->address);
				goto fail;
			}
		(*n)++;
	}
	if (ferror(f)) {
		fprintf(stderr, "postern: %s: read error\n", path);
		goto fail;
	}
	fclose(f);
	if (*n == 0) {
		fprintf(stderr, "postern: %s: no names\n", path);
		free(acc);
		return -1;
	}
	*out = acc;
	return 0;
bad:
	fprintf(stderr, "postern: %s:%zu: '%s' does not make a valid address "
	    "at %s\n", path, lineno, line, domain);
fail:
	fclose(f);
	free(acc);
	return -1;
}

/* Write b to a fresh temp file beside path, mode 0600, fsync'd. */
static int
write_csv_tmp(const char *path, const struct buf *b, char *tmp,
    size_t tmpsz)
{
	int	fd, saved;

	if (util_snprintf(tmp, tmpsz, "%s.tmp%08x", path,
	    (unsigned)util_random_u64()) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	if (util_write_all(fd, b->data, b->len) == -1 || fsync(fd) == -1) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return close(fd);
}

/*
 * The CSV promises STARTTLS on the SMTP port and implicit TLS on the
 * IMAP port.  Say so when postern.conf has no listener of that kind: the
 * ports written may be a proxy's, but more often the file would send a
 * platform to a mode nobody serves.
 */
static void
endpoint_notes(const struct config *cfg, const struct provision_endpoints *e)
{
	if (cfg->nlisten[LISTEN_SUBMISSION] == 0)
		fprintf(stderr, "postern: provision: note: the CSV gives SMTP "
		    "port %u with STARTTLS, but postern.conf has no "
		    "'submission' listener\n", e->smtp_port);
	if (imap_enabled(cfg) && cfg->nlisten[LISTEN_IMAPS] == 0)
		fprintf(stderr, "postern: provision: note: the CSV gives IMAP "
		    "port %u with implicit TLS, but postern.conf has no "
		    "'imaps_listen' (only STARTTLS on imap_listen)\n",
		    e->imap_port);
}

/*
 * cli_provision() in steps: setup() reads the options, the config and
 * the names; check_existing(), provision_hash_all() and build_csv() prepare
 * everything in memory; write_tmp(), commit_accounts() and place_csv()
 * then change the disk in the order the top of this file gives.
 */
int
cli_provision(const char *datadir, int argc, char **argv)
{
	struct provision_run	*r;
	uint64_t		 t0 = util_monotonic_ms();
	int			 rc;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		fprintf(stderr, "postern: provision: out of memory\n");
		return 1;
	}
	buf_init(&r->csv, 256 * 1024 * 1024);
	rc = setup(datadir, argc, argv, r);
	if (rc == 0 && (prepare(datadir, r) == -1 || apply(r) == -1))
		rc = 1;
	if (rc == 0)
		printf("postern: %zu mailbox(es) %s, %zu rotated, in %.1f s; "
		    "credentials in %s (%s format, mode 0600)\n",
		    r->n - r->nexist, "created", r->nexist,
		    (double)(util_monotonic_ms() - t0) / 1000, r->o.csv,
		    r->fmt->name);
	if (rc == 0 && r->o.push != NULL &&
	    (rc = push_run(&r->o.pusho, r->pa, r->n)) != 0)
		printf("postern: provision: the mailboxes exist and %s holds "
		    "their passwords; once the cause is fixed, run: postern "
		    "push %s --csv %s --key-file ...\n", r->o.csv,
		    r->o.pusho.p->name, r->o.csv);
	explicit_bzero(r->o.pusho.key, sizeof(r->o.pusho.key));
	free(r->pa);
	if (r->acc != NULL) {
		explicit_bzero(r->acc, r->n * sizeof(*r->acc));
		free(r->acc);
	}
	if (r->csv.data)
		explicit_bzero(r->csv.data, r->csv.cap);
	buf_free(&r->csv);
	store_close(r->st);
	free(r);
	return rc;
}

/* Options, format, domain, config and the accounts: 0, 1 or 2 (usage). */
static int
setup(const char *datadir, int argc, char **argv, struct provision_run *r)
{
	char	formats[256];

	if (parse_opts(argc, argv, &r->o) != 0)
		return 2;
	if ((r->fmt = provision_fmt_find(r->o.format)) == NULL) {
		format_list(formats, sizeof(formats), ", ");
		return provision_usage("unknown format '%.64s' (%s)",
		    r->o.format, formats);
	}
	if ((r->o.warmup != PROVISION_WARMUP_DEFAULT ||
	    r->o.warmup_limit != 0) && !fmt_has(r->fmt, PROVISION_V_WARMUP))
		fprintf(stderr, "postern: provision: note: the %s format has "
		    "no warm-up columns; the warm-up options change nothing\n",
		    r->fmt->name);
	if (util_strlcpy(r->domain, r->o.domain, sizeof(r->domain)) == -1 ||
	    !smtp_valid_domain(r->domain)) {
		fprintf(stderr, "postern: provision: %s is not a valid domain "
		    "name\n", r->o.domain);
		return 1;
	}
	util_lower(r->domain);
	r->o.domain = r->domain;
	if (cli_load_config(datadir, &r->cfg) == -1 ||
	    (r->o.push != NULL && push_load_key(&r->o.pusho) == -1))
		return 1;
	if (r->o.names == NULL)
		r->acc = make_accounts(&r->o, &r->n);
	else if (read_names(r->o.names, r->domain, &r->acc, &r->n) == -1)
		r->acc = NULL;
	return r->acc == NULL ? 1 : 0;
}

/* Everything in memory: checks, hashes and the CSV.  0 or -1. */
static int
prepare(const char *datadir, struct provision_run *r)
{
	struct provision_endpoints	ep;

	if ((r->st = cli_store(datadir, 0)) == NULL)
		return -1;
	if (store_domain_get(r->st, r->domain, &r->dom) != STORE_OK) {
		fprintf(stderr, "postern: provision: domain %s is not "
		    "configured (postern domain add %s)\n", r->domain,
		    r->domain);
		return -1;
	}
	if (check_existing(r) == -1)
		return -1;
	if (provision_hash_all(r->acc, r->n, sizeof(*r->acc), 0, NULL) != 0) {
		fprintf(stderr, "postern: provision: cannot generate or hash "
		    "passwords\n");
		return -1;
	}
	provision_endpoints(&r->cfg, r->dom.submission_host, &ep);
	endpoint_notes(&r->cfg, &ep);
	if (r->o.push != NULL && ep.imap_host == NULL) {
		fprintf(stderr, "postern: provision: %s reads replies over "
		    "IMAP, and this server offers none (imap = none): set "
		    "imap = dovecot, or imap_host\n", r->o.pusho.p->title);
		return -1;
	}
	if (build_csv(r, &ep) == -1) {
		fprintf(stderr, "postern: provision: out of memory\n");
		return -1;
	}
	return 0;
}

/* Mark the mailboxes that exist; refuse aliases, and existing without
   --rotate.  0 or -1. */
static int
check_existing(struct provision_run *r)
{
	struct store_mailbox	mb;
	size_t			i;

	for (i = 0; i < r->n; i++) {
		if (store_mailbox_get(r->st, r->acc[i].address, &mb) ==
		    STORE_OK) {
			r->acc[i].exists = 1;
			r->nexist++;
		} else if (store_address_exists(r->st, r->acc[i].address) ==
		    STORE_OK) {
			fprintf(stderr, "postern: provision: %s is an alias\n",
			    r->acc[i].address);
			return -1;
		}
	}
	if (r->nexist > 0 && !r->o.rotate) {
		fprintf(stderr, "postern: provision: %zu of these mailboxes "
		    "already exist (first: %s); nothing changed. Add --rotate "
		    "to give them new passwords\n", r->nexist,
		    r->acc[0].exists ? r->acc[0].address : "see mailbox list");
		return -1;
	}
	return 0;
}

/* The CSV in r->csv, one row per account.  0 or -1 (out of memory). */
static int
build_csv(struct provision_run *r, const struct provision_endpoints *ep)
{
	struct provision_account	pa;
	struct account			*a;
	size_t				i;
	int				names;

	names = fmt_has(r->fmt, PROVISION_V_FIRST_NAME) ||
	    fmt_has(r->fmt, PROVISION_V_LAST_NAME) ||
	    fmt_has(r->fmt, PROVISION_V_FROM_NAME) || r->o.push != NULL;
	if ((r->pa = calloc(r->n, sizeof(*r->pa))) == NULL)
		return -1;
	if (provision_fmt_header(r->fmt, ep->imap_host != NULL, &r->csv) == -1)
		return -1;
	for (i = 0; i < r->n; i++) {
		a = &r->acc[i];
		/* No name given (--count, or a bare local part): derive one,
		   which stays empty if the local part has no word. */
		if (names && a->first[0] == '\0' && a->last[0] == '\0')
			(void)provision_names_from_local(a->address, a->first,
			    sizeof(a->first), a->last, sizeof(a->last));
		memset(&pa, 0, sizeof(pa));
		pa.email = r->acc[i].address;
		pa.first_name = r->acc[i].first;
		pa.last_name = r->acc[i].last;
		pa.password = r->acc[i].sec.password;
		pa.smtp_host = ep->smtp_host;
		pa.smtp_port = ep->smtp_port;
		pa.imap_host = ep->imap_host;
		pa.imap_port = ep->imap_host != NULL ? ep->imap_port : 0;
		pa.daily_limit = (unsigned)r->o.daily_limit;
		pa.warmup = (enum provision_warmup)r->o.warmup;
		pa.warmup_limit = (unsigned)r->o.warmup_limit;
		pa.warmup_increment = r->o.warmup_increment ==
		    INCREMENT_UNSET ? 0 : (unsigned)r->o.warmup_increment;
		if (provision_fmt_row(r->fmt, &pa, &r->csv) == -1)
			return -1;
		r->pa[i] = pa;
	}
	return 0;
}

/* The disk: temporary CSV, one transaction, then the rename.  0 or -1. */
static int
apply(struct provision_run *r)
{
	/* the CSV is the operator's file, written with their rights */
	if (cli_as_invoker(1) == -1 ||
	    write_csv_tmp(r->o.csv, &r->csv, r->tmp, sizeof(r->tmp)) == -1) {
		fprintf(stderr, "postern: provision: %s: %s\n", r->o.csv,
		    strerror(errno));
		return -1;
	}
	if (cli_as_invoker(0) == -1) {
		unlink(r->tmp);
		fprintf(stderr, "postern: provision: cannot switch back to the "
		    "server's user\n");
		return -1;
	}
	if (commit_accounts(r) == -1) {
		cli_as_invoker(1);
		unlink(r->tmp);
		return -1;
	}
	cli_as_invoker(1);
	return place_csv(r);
}

/* Every mailbox added or given its new hash, in one transaction. */
static int
commit_accounts(struct provision_run *r)
{
	size_t	i;

	if (store_begin(r->st) != STORE_OK)
		goto dberr;
	for (i = 0; i < r->n; i++) {
		if (store_account(r->st, &r->acc[i], &r->o) == STORE_OK)
			continue;
		store_rollback(r->st);
		fprintf(stderr, "postern: provision: mailbox %s: %s; "
		    "nothing changed\n", r->acc[i].address,
		    store_errmsg(r->st));
		return -1;
	}
	if (store_commit(r->st) == STORE_OK)
		return 0;
	store_rollback(r->st);
dberr:
	fprintf(stderr, "postern: provision: account store: %s; nothing "
	    "changed\n", store_errmsg(r->st));
	return -1;
}

/*
 * One account's rows: the mailbox, a cleared lock, the daily limit, and
 * for a mailbox made with --warmup the server's ramp, from today, with
 * --warmup-increment as its step when given (0, like an empty cell, is
 * the default step): the numbers the CSV's warm-up columns carry.
 */
static int
store_account(struct store *st, const struct account *a,
    const struct provision_opts *o)
{
	unsigned long	daily_limit = o->daily_limit;
	int		r;

	r = a->exists ? store_mailbox_set_hash(st, a->address, a->sec.hash) :
	    store_mailbox_add(st, a->address, a->sec.hash);

	if (r == STORE_OK && a->exists)
		r = store_lock_clear(st, a->address, util_now_ms() / 1000);
	if (r == STORE_OK && daily_limit > 0)
		r = store_mailbox_set_limit(st, a->address,
		    (uint32_t)daily_limit);
	if (r == STORE_OK && !a->exists && o->warmup == PROVISION_WARMUP_ON)
		r = store_warmup_start(st, a->address, clock_now(), 0,
		    o->warmup_increment == INCREMENT_UNSET ? 0 :
		    (uint32_t)o->warmup_increment);
	return r;
}

/* The temporary CSV becomes the operator's file. */
static int
place_csv(struct provision_run *r)
{
	char	dir[PATH_MAX];

	util_strlcpy(dir, r->o.csv, sizeof(dir));
	if (rename(r->tmp, r->o.csv) == -1 ||
	    util_fsync_dir(dirname(dir)) == -1) {
		fprintf(stderr, "postern: provision: %s: %s; the new passwords "
		    "are in %s\n", r->o.csv, strerror(errno), r->tmp);
		return -1;
	}
	return 0;
}
