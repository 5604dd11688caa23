/*
 * main: the postern binary.  Global options, then one subcommand, found
 * in commands[], which also gives the usage text.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/config.h"
#include "core/proc.h"
#include "diag/check.h"
#include "diag/explain.h"
#include "lib/log.h"
#include "lib/util.h"

#define POSTERN_VERSION	"0.1.0"
#define POSTERN_DATE	"2026-12-07"	/* of this version: manual pages */

#define CMD_NO_ARGS	0x01	/* takes no arguments (serve) */
#define CMD_HIDDEN	0x02	/* not in the usage text nor postern(8) */

/*
 * One row per subcommand, in the order of the usage text: its name, its
 * handler, its lines of the usage text and its flags.  Every handler gets
 * the absolute DIR, the arguments after its name and their count.
 */
struct command {
	const char	*name;
	int		(*run)(const char *, int, char **);
	const char	*help;
	int		 flags;
};

static int	cmd_serve(const char *, int, char **);
static int	cmd_check(const char *, int, char **);
static int	cmd_explain(const char *, int, char **);
static int	cmd_version(const char *, int, char **);
static int	cmd_manpage(const char *, int, char **);
static const struct command *command_find(const char *);
static void	usage(void);
static int	run(int, char **);

static const struct command commands[] = {
	{ "init", cli_init,
	    "  init [--hostname HOST]      create DIR with config, database "
	    "and certificate\n", 0 },
	{ "migrate", cli_migrate,
	    "  migrate                     bring the account store to this "
	    "version's schema\n", 0 },
	{ "store", cli_store_cmd,
	    "  store copy --from sqlite|URI --to sqlite|URI   copy every "
	    "account, lock,\n"
	    "                              counter and key to another "
	    "(empty) store\n", 0 },
	{ "serve", cmd_serve,
	    "  serve                       run the server in the foreground\n",
	    CMD_NO_ARGS },
	{ "domain", cli_domain,
	    "  domain add|list|show|remove|set ...   local domains\n", 0 },
	{ "mailbox", cli_mailbox,
	    "  mailbox add|list|show|passwd|remove|lock|unlock|set|resume|"
	    "import ...\n", 0 },
	{ "alias", cli_alias, "  alias add|list|remove ...\n", 0 },
	{ "suppress", cli_suppress,
	    "  suppress list|add|remove ...   recipients not to mail again\n",
	    0 },
	{ "provision", cli_provision,
	    "  provision DOMAIN --count N | --names FILE --csv FILE "
	    "[--format F]\n", 0 },
	{ "push", cli_push,
	    "  push instantly|smartlead --csv FILE | --mailbox ADDR "
	    "--new-password\n"
	    "                              create the accounts on a sending "
	    "platform\n", 0 },
	{ "stats", cli_stats,
	    "  stats [DOMAIN|ADDRESS] [--days N] [--json]   sending health "
	    "per mailbox\n", 0 },
	{ "dns", cli_dns,
	    "  dns DOMAIN [--json]         records to publish\n", 0 },
	{ "queue", cli_queue,
	    "  queue list|show|flush|delete|hold|release [ID] [--json]\n", 0 },
	{ "dkim", cli_dkim,
	    "  dkim list|add|rotate|activate|remove|sign ...  DKIM keys and "
	    "signing\n", 0 },
	{ "check", cmd_check,
	    "  check [HOST[:PORT]] --user U --password-stdin ...  test a "
	    "submission\n"
	    "                              connection step by step\n", 0 },
	{ "explain", cmd_explain,
	    "  explain REPLY | --bounce FILE   what an SMTP reply or bounce "
	    "means\n", 0 },
	{ "token", cli_token,
	    "  token create|list|revoke ...   API tokens for the admin "
	    "listener\n", 0 },
	{ "admin", cli_admin,
	    "  admin add|list|remove ...     who logs in to the web console\n",
	    0 },
	{ "version", cmd_version, "  version\n", 0 },
	/* `make man`: postern.conf(5) and postern(8) from the tables */
	{ "manpage", cmd_manpage, "  manpage 5|8\n", CMD_HIDDEN },
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static void
usage(void)
{
	size_t	i;

	fprintf(stderr, "usage: postern [-d DIR] COMMAND [ARGS]\n");
	for (i = 0; i < NCOMMANDS; i++)
		if (!(commands[i].flags & CMD_HIDDEN))
			fputs(commands[i].help, stderr);
	fprintf(stderr,
	    "Run a command without arguments for its usage.\n"
	    "DIR defaults to $POSTERN_DIR, else /var/lib/postern.\n");
}

int
main(int argc, char **argv)
{
	int	rc = run(argc, argv);

	/*
	 * Back to the invoking root before exit: LeakSanitizer (test
	 * builds) reads /proc/self, which a changed effective uid hides.
	 */
	(void)cli_as_invoker(1);
	return rc;
}

static int
run(int argc, char **argv)
{
	const struct command	*cmd;
	const char		*datadir = getenv("POSTERN_DIR");
	char			 absdir[PATH_MAX];
	int			 i = 1;

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
	if ((cmd = command_find(argv[i])) == NULL) {
		fprintf(stderr, "postern: unknown command '%.64s'\n", argv[i]);
		usage();
		return 2;
	}
	if ((cmd->flags & CMD_NO_ARGS) && argc > i + 1) {
		fprintf(stderr, "postern: %s: too many arguments ('%.64s')\n",
		    cmd->name, argv[i + 1]);
		usage();
		return 2;
	}
	return cmd->run(datadir, argc - i - 1, argv + i + 1);
}

static const struct command *
command_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

static int
cmd_serve(const char *datadir, int argc, char **argv)
{
	return parent_serve(datadir);
}

/* check and explain talk to the network or read input, not DIR. */
static int
cmd_check(const char *datadir, int argc, char **argv)
{
	return cli_check(argc, argv);
}

static int
cmd_explain(const char *datadir, int argc, char **argv)
{
	return cli_explain(datadir, argc, argv);
}

static int
cmd_version(const char *datadir, int argc, char **argv)
{
	printf("postern %s\n", POSTERN_VERSION);
	return 0;
}

/* The manual page of section 5 (postern.conf) or 8 (postern), stdout. */
static int
cmd_manpage(const char *datadir, int argc, char **argv)
{
	const char	*helps[NCOMMANDS];
	size_t		 i, n = 0;

	if (argc == 1 && strcmp(argv[0], "5") == 0)
		return config_man(stdout, POSTERN_VERSION, POSTERN_DATE) ==
		    0 ? 0 : 1;
	if (argc != 1 || strcmp(argv[0], "8") != 0) {
		fprintf(stderr, "usage: postern manpage 5|8\n");
		return 2;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (!(commands[i].flags & CMD_HIDDEN))
			helps[n++] = commands[i].help;
	return cli_man8(stdout, helps, n, POSTERN_VERSION, POSTERN_DATE) ==
	    0 ? 0 : 1;
}
