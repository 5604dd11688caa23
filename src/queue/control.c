/*
 * control: see control.h.  Both ends of the channel live here, so the
 * format of a command file has one owner.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "queue/control.h"
#include "queue/envelope.h"

#define CMD_MAX		256	/* one line */

static int	cmd_cmp(const struct dirent **, const struct dirent **);
static int	cmd_visible(const struct dirent *);
static void	cmd_file(const char *,
		    void (*)(const char *, const char *, void *), void *);

int
control_dir(const char *datadir, char *out, size_t outsz)
{
	return util_snprintf(out, outsz, "%s/spool/cmd", datadir);
}

int
control_send(const char *datadir, const char *verb, const char *id)
{
	char	tmp[PATH_MAX], path[PATH_MAX], line[128];
	int	fd, n;

	n = snprintf(line, sizeof(line), "%s %s\n", verb, id);
	if (util_snprintf(tmp, sizeof(tmp), "%s/spool/cmd/.%ld.tmp",
	    datadir, (long)getpid()) == -1 ||
	    util_snprintf(path, sizeof(path), "%s/spool/cmd/%" PRIx64 "-%ld",
	    datadir, util_now_ms(), (long)getpid()) == -1)
		return -1;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	if (util_write_all(fd, line, (size_t)n) == -1 || fsync(fd) == -1 ||
	    rename(tmp, path) == -1) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	return 0;
}

static int
cmd_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Hidden names are commands still being written. */
static int
cmd_visible(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* The commands of one file, then the file is gone. */
static void
cmd_file(const char *path, void (*fn)(const char *, const char *, void *),
    void *arg)
{
	char	 line[CMD_MAX], verb[16], id[ENVELOPE_ID_MAX + 1];
	FILE	*fp;

	if ((fp = fopen(path, "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		id[0] = '\0';
		if (sscanf(line, "%15s %32s", verb, id) >= 1)
			fn(verb, id, arg);
	}
	fclose(fp);
	unlink(path);
}

void
control_read(const char *cmddir,
    void (*fn)(const char *verb, const char *id, void *), void *arg)
{
	struct dirent	**v;
	char		  path[PATH_MAX];
	int		  n, i;

	if ((n = scandir(cmddir, &v, cmd_visible, cmd_cmp)) <= 0)
		return;
	for (i = 0; i < n; i++) {
		if (util_snprintf(path, sizeof(path), "%s/%s", cmddir,
		    v[i]->d_name) != -1)
			cmd_file(path, fn, arg);
		free(v[i]);
	}
	free(v);
}
