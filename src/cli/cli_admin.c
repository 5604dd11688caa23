/*
 * cli_admin: `postern admin add|list|remove`, the administrators who log
 * in to the web console (store_admin.c, docs/CONSOLE.md).
 *
 * add makes a password (the same generator as mailboxes), keeps only its
 * argon2id hash and prints the password alone on the last line of
 * stdout, once; with --totp it also makes a TOTP secret and prints the
 * otpauth:// URI an authenticator app reads, on the line before.  An
 * administrator without TOTP can log in from loopback only.  list never
 * shows a secret.  Every add and remove goes to the audit log (actor
 * "cli").  Errors exit 1, usage errors 2.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/password.h"
#include "core/totp.h"
#include "lib/json.h"
#include "lib/util.h"
#include "store/store.h"

static int	 admin_usage(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
static int	 admin_add(struct store *, const char *, int);
static int	 admin_row(const struct store_admin *, void *);

static int
admin_usage(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "postern: admin: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage:\n"
	    "  postern -d DIR admin add NAME [--totp]\n"
	    "  postern -d DIR admin list [--json]\n"
	    "  postern -d DIR admin remove NAME\n");
	return 2;
}

static int
admin_add(struct store *st, const char *name, int totp)
{
	struct store_admin	a;
	char			pw[PASSWORD_GEN_LEN + 1];
	int			rc;

	memset(&a, 0, sizeof(a));
	util_strlcpy(a.name, name, sizeof(a.name));
	a.created = (int64_t)time(NULL);
	if (password_generate(pw, sizeof(pw), PASSWORD_GEN_LEN) == -1 ||
	    password_hash(pw, strlen(pw), a.hash, sizeof(a.hash)) == -1 ||
	    (totp && totp_secret_new(a.totp, sizeof(a.totp)) == -1)) {
		fprintf(stderr, "postern: admin add: cannot make a secret\n");
		explicit_bzero(pw, sizeof(pw));
		return 1;
	}
	if ((rc = store_admin_add(st, &a)) != STORE_OK) {
		fprintf(stderr, "postern: admin add %.64s: %s\n", name,
		    rc == STORE_EXISTS ? "an administrator has that name "
		    "(remove it first)" : store_errmsg(st));
		explicit_bzero(pw, sizeof(pw));
		explicit_bzero(&a, sizeof(a));
		return 1;
	}
	cli_audit(st, "admin.add", name, totp ? "totp" : "");
	printf("administrator %s added; %s\n", name, totp ? "log in with the "
	    "password and the code of the authenticator app that reads the "
	    "URI below" : "without TOTP, the console accepts this login "
	    "from loopback only (add --totp for other addresses)");
	if (totp)
		printf("otpauth://totp/postern:%s?secret=%s&issuer=postern\n",
		    name, a.totp);
	printf("Shown this once (only its hash is kept):\n%s\n", pw);
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(&a, sizeof(a));
	return 0;
}

static int
admin_row(const struct store_admin *a, void *arg)
{
	struct json	*j = *(struct json **)arg;
	char		 c[64], l[64];

	if (j != NULL) {
		json_obj_begin(j);
		json_kstr(j, "name", a->name);
		json_kbool(j, "totp", a->totp[0] != '\0');
		json_kint(j, "created", a->created);
		json_kint(j, "last_login", a->last_login);
		json_obj_end(j);
		return 0;
	}
	util_time_utc(a->created, c, sizeof(c));
	if (a->last_login != 0)
		util_time_utc(a->last_login, l, sizeof(l));
	else
		util_strlcpy(l, "never", sizeof(l));
	printf("%-24s totp %-3s created %s last login %s\n", a->name,
	    a->totp[0] != '\0' ? "yes" : "no", c, l);
	return 0;
}

int
cli_admin(const char *datadir, int argc, char **argv)
{
	struct store	*st;
	struct json	 j, *jp = NULL;
	struct buf	 b;
	int		 rc, totp = 0, json = 0, i;
	const char	*name = NULL;

	if (argc < 1)
		return admin_usage("which subcommand? (add, list, remove)");
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--totp") == 0)
			totp = 1;
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (argv[i][0] == '-')
			return admin_usage("unknown option '%.64s'", argv[i]);
		else if (name == NULL)
			name = argv[i];
		else
			return admin_usage("too many arguments");
	}
	if (strcmp(argv[0], "list") == 0 ? name != NULL :
	    name == NULL || json)
		return admin_usage("%.16s: %s", argv[0], name == NULL ?
		    "missing NAME" : "takes no NAME");
	if (strcmp(argv[0], "add") != 0 && totp)
		return admin_usage("--totp is an option of add");
	if (strcmp(argv[0], "add") != 0 && strcmp(argv[0], "list") != 0 &&
	    strcmp(argv[0], "remove") != 0)
		return admin_usage("unknown subcommand '%.64s'", argv[0]);
	if ((st = cli_store(datadir, 0)) == NULL)
		return 1;
	if (strcmp(argv[0], "add") == 0)
		rc = admin_add(st, name, totp);
	else if (strcmp(argv[0], "remove") == 0) {
		if ((rc = store_admin_remove(st, name)) == STORE_OK) {
			cli_audit(st, "admin.remove", name, "");
			printf("administrator %s removed\n", name);
		} else
			fprintf(stderr, "postern: admin remove %.64s: %s\n",
			    name, store_errmsg(st));
		rc = rc == STORE_OK ? 0 : 1;
	} else if (json) {
		buf_init(&b, 16 * 1024 * 1024);
		json_init(&j, &b);
		json_arr_begin(&j);
		jp = &j;
		rc = store_admin_list(st, admin_row, &jp);
		json_arr_end(&j);
		if (rc == STORE_OK)
			printf("%.*s\n", (int)b.len, b.data);
		buf_free(&b);
		rc = rc == STORE_OK ? 0 : 1;
	} else
		rc = store_admin_list(st, admin_row, &jp) == STORE_OK ? 0 : 1;
	store_close(st);
	return rc;
}
