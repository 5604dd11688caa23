/* Placeholder with the agreed API; replaced by the dsn branch. */
#ifndef POSTERN_MAILDIR_H
#define POSTERN_MAILDIR_H
#include <stddef.h>
#include <stdint.h>
int	maildir_deliver(const char *path, const char *prefix,
	    size_t prefix_len, int fd, uint64_t off, uint64_t len, char *name,
	    size_t namesz, char *err, size_t errsz);
int	maildir_path(const char *datadir, const char *address, char *out,
	    size_t outsz);
#endif
