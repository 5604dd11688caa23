/*
 * sdnotify: the service manager's readiness protocol (sd_notify(3)),
 * without libsystemd.  The protocol is one datagram of "KEY=VALUE" lines
 * to the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or an abstract
 * name when it starts with '@'); linking libsystemd for that would add a
 * dependency and its transitive libraries to every process for a
 * sendto(2).  Without $NOTIFY_SOCKET every call does nothing.
 *
 * Failure: a send that fails is logged once per call and otherwise
 * ignored: readiness is advice to the service manager, never a reason to
 * stop serving mail.
 */
#ifndef POSTERN_SDNOTIFY_H
#define POSTERN_SDNOTIFY_H

/*
 * Take $NOTIFY_SOCKET out of the environment, keeping it here: no child
 * (nor the Dovecot the IMAP supervisor runs) may speak for the service.
 */
void	sdnotify_init(void);

/* Send the state lines (printf format).  0, or -1 after logging why. */
int	sdnotify(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/* "RELOADING=1" with the MONOTONIC_USEC systemd 253 asks for. */
int	sdnotify_reloading(void);

#endif
