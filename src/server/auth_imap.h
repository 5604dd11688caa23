/*
 * auth_imap: the auth process's side of Dovecot's checkpassword helper
 * (src/helper/checkpassword.c): reading a helper's request and writing
 * its answer.  The protocol is described in auth_imap.c.
 */
#ifndef POSTERN_AUTH_IMAP_H
#define POSTERN_AUTH_IMAP_H

#include <stdint.h>

struct ipc_msg;

/*
 * Read one helper request from fd (until its EOF, at most 5 s) into m,
 * an IPC_AUTH_REQ like the smtp process sends.  0, or -1 on a malformed
 * or slow request.  The password is wiped from the read buffer.
 */
int	auth_imap_request(int fd, struct ipc_msg *m);

/* Write text to the helper and close fd. */
void	auth_imap_reply(int fd, const char *text);

/*
 * Answer a login's outcome (AUTH_RES_*, proc.h) to the helper on fd and
 * close it: the mailbox's home under datadir on success, the lock's end,
 * the hint of a refused login, or a temporary failure.
 */
void	auth_imap_answer(int fd, const char *datadir, uint32_t result,
	    const char *user, const char *canon, const char *client,
	    const char *reason, const char *hint, int64_t locked);

#endif
