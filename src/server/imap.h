/*
 * imap: IMAP for postern's mailboxes, served by Dovecot (not written
 * here).  `postern serve` writes Dovecot's configuration from
 * postern.conf, binds the socket Dovecot's logins are checked on, and
 * forks a supervisor that runs Dovecot in the foreground, restarts it if
 * it dies, passes its log lines into postern's log and stops it on exit.
 * Logins reach postern's auth process through postern-checkpassword
 * (Dovecot's checkpassword interface), so IMAP and SMTP share one store,
 * one lock and one set of failure records.  See docs/IMAP.md.
 */
#ifndef POSTERN_IMAP_H
#define POSTERN_IMAP_H

#include <stddef.h>

struct config;
struct passwd;

/* Dovecot is wanted: imap = dovecot and an IMAP listener configured. */
int	imap_enabled(const struct config *);

/*
 * imap = external: only the login-check socket, for a Dovecot that is
 * not ours (docs/IMAP.md).  The socket, or -1 with the reason in err.
 */
int	imap_prepare_external(const char *datadir, char *err, size_t errsz);

/*
 * Before the fork, with the privileges serve started with: check that
 * Dovecot and the helper are there, write DIR/dovecot/dovecot.conf, and
 * bind the login-check socket (returned).  pw: the unprivileged user
 * mailboxes belong to (NULL when not root).  -1 with the reason in err.
 */
int	imap_prepare(const struct config *, const char *datadir,
	    const struct passwd *pw, char *err, size_t errsz);

#endif
