/*
 * passwd_file: read Dovecot passwd-file databases (doc.dovecot.org,
 * "Passwd-file"), one account a line:
 *
 *	user:password:uid:gid:(gecos):home:(shell):extra_fields
 *
 * Only user and password matter here; the other fields may be absent or
 * anything.  The user is a full address or a local part; the password is
 * a hash, possibly behind a "{SCHEME}" prefix, and is returned as is for
 * password_verify().  Whether the scheme is supported is not this
 * module's business (see password_scheme()).
 */
#ifndef POSTERN_PASSWD_FILE_H
#define POSTERN_PASSWD_FILE_H

#include <stddef.h>

#define PASSWD_FILE_LINE_MAX	4096	/* bytes, without the newline */

/*
 * Parse one line, without its newline (a trailing CR is ignored).
 * 1: an entry, user and hash filled in; 0: a blank line or a '#'
 * comment; -1: malformed, with the reason in err (which never quotes
 * the password field).  user and hash are "" unless 1 is returned.
 */
int	passwd_file_parse_line(const char *line, char *user, size_t usersz,
	    char *hash, size_t hashsz, char *err, size_t errsz);

/*
 * Call cb for every entry of the file at path, in order, with its line
 * number (from 1).  cb returns 0 to go on or -1 to stop.  0 when the
 * whole file was read; -1 on the first malformed line ("PATH:LINE:
 * reason"), on a refusal by cb ("PATH:LINE: entry refused") or an I/O
 * error ("PATH: strerror").  Lines longer than PASSWD_FILE_LINE_MAX or
 * holding a NUL byte are malformed.
 */
int	passwd_file_read(const char *path,
	    int (*cb)(const char *user, const char *hash, int lineno,
	    void *arg), void *arg, char *err, size_t errsz);

#endif
