/*
 * main: the postern binary.  Global options, then one subcommand.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/proc.h"
#include "diag/check.h"
#include "diag/explain.h"
#include "lib/log.h"
#include "lib/util.h"

#define POSTERN_VERSION	"0.1.0"

static void	usage(void);

static void
usage(void)
{
	fprintf(stderr,
	    "usage: postern [-d DIR] COMMAND [ARGS]\n"
	    "  init [--hostname HOST]      create DIR with config, database "
	    "and certificate\n"
	    "  serve                       run the server in the foreground\n"
	    "  domain add|list|show|remove|set ...   local domains\n"
	    "  mailbox add|list|show|passwd|remove|lock|unlock|set|import ...\n"
	    "  alias add|list|remove ...\n"
	    "  suppress list|add|remove ...   recipients not to mail again\n"
	    "  provision DOMAIN --count N | --names FILE --csv FILE "
	    "[--format F]\n"
	    "  dns DOMAIN [--json]         records to publish\n"
	    "  queue list|show|flush|delete|hold|release [ID] [--json]\n"
	    "  dkim list|add|rotate|activate|remove|sign ...  DKIM keys and "
	    "signing\n"
	    "  check [HOST[:PORT]] --user U --password-stdin ...  test a "
	    "submission\n"
	    "                              connection step by step\n"
	    "  explain REPLY | --bounce FILE   what an SMTP reply or bounce "
	    "means\n"
	    "  version\n"
	    "Run a command without arguments for its usage.\n"
	    "DIR defaults to $POSTERN_DIR, else /var/lib/postern.\n");
}

static int	run(const char *, int, char **);

int
main(int argc, char **argv)
{
	int	rc = run(NULL, argc, argv);

	/*
	 * Back to the invoking root before exit: LeakSanitizer (test
	 * builds) reads /proc/self, which a changed effective uid hides.
	 */
	(void)cli_as_invoker(1);
	return rc;
}

static int
run(const char *unused, int argc, char **argv)
{
	const char	*datadir = getenv("POSTERN_DIR");
	char		 absdir[PATH_MAX];
	int		 i = 1;

	if (datadir == NULL || *datadir == '\0')
		datadir = "/var/lib/postern";
	log_init("cli", LOG_LVL_INFO);
	if (i + 1 < argc && strcmp(argv[i], "-d") == 0) {
		datadir = argv[i + 1];
		i += 2;
	} else if (i + 1 == argc && strcmp(argv[i], "-d") == 0) {
		fprintf(stderr, "postern: -d needs a DIR\n");
		usage();
		return 2;
	}
	/* no command at all asks for the usage: no reason to give */
	if (i >= argc) {
		usage();
		return 2;
	}
	/*
	 * One absolute, symlink-free DIR for every command: the server and
	 * SQLite (which makes relative names absolute by getcwd) then look
	 * up only what the unprivileged user can reach, whatever the
	 * invoker's working directory or a symlinked DIR.
	 */
	if (util_abspath(datadir, absdir, sizeof(absdir)) == 0)
		datadir = absdir;
	if (strcmp(argv[i], "init") == 0)
		return cli_init(datadir, argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "serve") == 0 && argc == i + 1)
		return parent_serve(datadir);
	if (strcmp(argv[i], "serve") == 0) {
		fprintf(stderr, "postern: serve: too many arguments "
		    "('%.64s')\n", argv[i + 1]);
		usage();
		return 2;
	}
	if (strcmp(argv[i], "domain") == 0)
		return cli_domain(datadir, argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "mailbox") == 0)
		return cli_mailbox(datadir, argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "alias") == 0)
		return cli_alias(datadir, argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "provision") == 0)
		return cli_provision(datadir, argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "queue") == 0)
		return cli_queue(datadir, argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "suppress") == 0)
		return cli_suppress(datadir, argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "dns") == 0)
		return cli_dns(datadir, argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "dkim") == 0)
		return cli_dkim(datadir, argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "check") == 0)
		return cli_check(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "explain") == 0)
		return cli_explain(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "version") == 0) {
		printf("postern %s\n", POSTERN_VERSION);
		return 0;
	}
	fprintf(stderr, "postern: unknown command '%.64s'\n", argv[i]);
	usage();
	return 2;
}
