/*
 * subcmd: the frame of the account commands (`postern domain|mailbox|
 * alias ...`): a table of subcommands, each with its argument counts
 * and usage, checked before it runs; aligned tables and JSON for their
 * output; the messages of usage and store errors.
 *
 * Every function that reports prints one line to stderr naming the
 * object and the reason; the return values are exit statuses (0 done,
 * 1 failed, 2 usage).
 */
#ifndef POSTERN_SUBCMD_H
#define POSTERN_SUBCMD_H

#include <stddef.h>

struct buf;
struct json;
struct store;

#define SUBCMD_TABLE_COLS	8

struct subcmd_table {
	size_t	 ncols;
	size_t	 nrows;
	char	**cells;	/* nrows * ncols, row 0 is the header */
};

/*
 * A subcommand: min to max positional arguments after its name (--json
 * aside).  usage names them: upper-case words are placeholders, [...] is
 * optional, " | " separates alternatives for the last words.  fn returns
 * 2 after printing the reason of a usage error; subcmd_run adds the
 * usage.
 */
struct subcmd {
	const char	*name;
	int		 min;
	int		 max;
	unsigned	 flags;
	const char	*usage;
	int		(*fn)(struct store *, char **, int);
};

/* flags */
#define SUBCMD_SECRET	0x1	/* may hold a password: show no argument */

void	subcmd_table_init(struct subcmd_table *, size_t ncols);
/* One row of ncols cells (copied): 0 or -1. */
int	subcmd_table_row(struct subcmd_table *, const char *const *);
void	subcmd_table_print(struct subcmd_table *);
void	subcmd_table_free(struct subcmd_table *);
/* Finish j and print b: 0, or 1 after saying why. */
int	subcmd_json_out(struct buf *b, struct json *j);
/* End a list command: print the table or the JSON array, or the error. */
int	subcmd_list_finish(struct store *, const char *what, int rc,
	    struct subcmd_table *, struct json *, struct buf *);
/* "postern: WHAT NAME: REASON" for a STORE_* code: 0 for STORE_OK, 1. */
int	subcmd_store_fail(struct store *, const char *what, const char *name,
	    int rc);
/* "postern: GROUP[ NAME]: REASON", the first line of a usage error; 2. */
int	subcmd_usage_error(const char *group, const char *name,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * Parse "NAME ARGS... [--json]" against cmds and run it with an open
 * store: the subcommand's status, or 2 after the usage.
 */
int	subcmd_run(const char *datadir, const struct subcmd *cmds,
	    size_t ncmds, const char *group, int argc, char **argv);

#endif
