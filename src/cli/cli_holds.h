/*
 * cli_holds: `postern queue holds [--json]`, the holds the queue keeps
 * on providers' scopes (queue/hold.h), read from DIR/spool/holds, so it
 * works whether or not the server runs; and their one-line summary at
 * the end of `queue list`.
 */
#ifndef POSTERN_CLI_HOLDS_H
#define POSTERN_CLI_HOLDS_H

int	cli_holds(const char *datadir, int json);
void	cli_holds_footer(const char *datadir);
/* What the delivery does with a provider's reply, and its holds now. */
void	cli_holds_explain(const char *datadir, const char *reply);

#endif
