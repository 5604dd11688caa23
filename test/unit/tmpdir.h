/*
 * tmpdir.h: a unit test's scratch directory, removed with what it
 * holds (one level, no hidden names) at teardown.  Header-only: each
 * test binary is one file and includes it once.
 */
#ifndef POSTERN_TEST_TMPDIR_H
#define POSTERN_TEST_TMPDIR_H

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

/* Empty dir (open as dirfd), close dirfd and remove dir. */
static inline void
tmpdir_remove(const char *dir, int dirfd)
{
	DIR		*d;
	struct dirent	*de;

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				unlinkat(dirfd, de->d_name, 0);
		closedir(d);
	}
	close(dirfd);
	rmdir(dir);
}

#endif
