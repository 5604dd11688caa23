/*
 * cli_check_bulk: `postern check --csv`, a check of every mailbox of a
 * provisioning CSV with bounded concurrency.  It never retries a failed
 * AUTH, so it cannot lock a mailbox out.
 */
#ifndef POSTERN_CLI_CHECK_BULK_H
#define POSTERN_CLI_CHECK_BULK_H

#define CHECK_BULK_THREADS	32	/* most --concurrency allows */

struct check_opts;

/*
 * Check each row of the CSV in, conc at a time, with base's options;
 * write one result row per mailbox to out (NULL: stdout) and a summary.
 * Returns the exit status: 0 when every mailbox passed, 1 when one
 * failed or out cannot be written, or a CSV reading error's status.
 */
int	cli_check_bulk(const struct check_opts *base, const char *in,
	    const char *out, unsigned conc);

#endif
