/*
 * cli: the operator commands of the postern binary (init, domain,
 * mailbox).  They work on the data directory directly, never through the
 * running server; as root they switch to the server's user before
 * touching the database so every file stays readable by the auth
 * process.  Each returns the process exit status and prints errors that
 * name the object and the reason.
 */
#ifndef POSTERN_CLI_H
#define POSTERN_CLI_H

int	cli_init(const char *datadir, int argc, char **argv);
int	cli_domain(const char *datadir, int argc, char **argv);
int	cli_mailbox(const char *datadir, int argc, char **argv);

#endif
