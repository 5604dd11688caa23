/*
 * cli_store: `postern migrate` (bring the configured store to this
 * postern's schema and say where it stands) and `postern store copy
 * --from sqlite|URI --to sqlite|URI` (move a single-node install to the
 * PostgreSQL database several nodes share, docs/SCALING.md).  Both run
 * as the server's user, with the password file and timeout of
 * postern.conf; a URI never carries a password.
 *
 * Failure: exit 1 with the store's reason; a copy into a store that is
 * not empty changes nothing (store_copy).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/config.h"
#include "store/store.h"

static void	copy_report(const char *, int64_t, void *);
static int	store_copy_cmd(const char *, int, char **);
static const char *store_name(const char *, const char *, char *, size_t);

/* What to call a store in messages: the SQLite file or the URI. */
static const char *
store_name(const char *datadir, const char *uri, char *out, size_t outsz)
{
	if (store_uri_is_pg(uri))
		snprintf(out, outsz, "%s", uri);
	else
		snprintf(out, outsz, "%s/db/postern.db", datadir);
	return out;
}

int
cli_migrate(const char *datadir, int argc, char **argv)
{
	struct config	 cfg;
	struct store	*st;
	char		 name[1024];

	if (argc != 0) {
		fprintf(stderr, "usage: postern migrate\n");
		return 2;
	}
	if ((st = cli_store(datadir, 0)) == NULL)
		return 1;
	store_close(st);
	if (cli_load_config(datadir, &cfg) == -1)
		return 1;
	printf("postern: account store %s: schema version %d\n",
	    store_name(datadir, cfg.store, name, sizeof(name)),
	    store_schema_version());
	return 0;
}

static void
copy_report(const char *table, int64_t rows, void *arg)
{
	(void)arg;
	printf("postern: store copy: %s: %lld row(s)\n", table,
	    (long long)rows);
}

/* store copy --from sqlite|URI --to sqlite|URI */
static int
store_copy_cmd(const char *datadir, int argc, char **argv)
{
	const char	*from = NULL, *to = NULL;
	struct store	*src = NULL, *dst = NULL;
	char		 err[1024], fname[1024], tname[1024];
	int		 i, rc = 1;

	for (i = 0; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--from") == 0)
			from = argv[i + 1];
		else if (strcmp(argv[i], "--to") == 0)
			to = argv[i + 1];
		else
			break;
	}
	if (i != argc || from == NULL || to == NULL || strcmp(from, to) == 0 ||
	    (strcmp(from, "sqlite") != 0 && !store_uri_is_pg(from)) ||
	    (strcmp(to, "sqlite") != 0 && !store_uri_is_pg(to))) {
		fprintf(stderr, "usage: postern store copy --from sqlite|URI "
		    "--to sqlite|URI (two different stores)\n");
		return 2;
	}
	store_name(datadir, from, fname, sizeof(fname));
	store_name(datadir, to, tname, sizeof(tname));
	if (cli_server_user(datadir) == -1)
		return 1;
	if ((src = store_open_uri(datadir, from, 0, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "postern: store copy: %s: %s\n", fname, err);
		return 1;
	}
	if ((dst = store_open_uri(datadir, to, 1, err, sizeof(err))) == NULL)
		fprintf(stderr, "postern: store copy: %s: %s\n", tname, err);
	else if (store_copy(src, dst, copy_report, NULL) != STORE_OK)
		fprintf(stderr, "postern: store copy to %s: %s; nothing "
		    "copied\n", tname, store_errmsg(dst));
	else {
		printf("postern: store copy: %s copied to %s; set store = %s "
		    "in postern.conf to use it\n", fname, tname, to);
		rc = 0;
	}
	store_close(dst);
	store_close(src);
	return rc;
}

int
cli_store_cmd(const char *datadir, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "copy") == 0)
		return store_copy_cmd(datadir, argc - 1, argv + 1);
	fprintf(stderr, "usage: postern store copy --from sqlite|URI "
	    "--to sqlite|URI\n");
	return 2;
}
