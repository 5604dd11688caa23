/*
 * auth_imap: IMAP logins, through Dovecot's checkpassword helper
 * (postern-checkpassword): one connection per login on the auth process's
 * socket for it (auth.c accepts them and queues each to a worker).
 * The request is "PCHK1", service, client address, TLS server name,
 * mechanism, username and password, each NUL-terminated; the answer is
 * the helper's exit status, a tab, and the extra fields it hands Dovecot
 * (tab-separated, no line break).  The login goes through auth_verify()
 * like an SMTP AUTH: same lock, same counts, same credential cache, and
 * a successful IMAP login makes its client's network familiar for SMTP
 * too (the client address is Dovecot's, TCPREMOTEIP).
 */
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/proc.h"
#include "core/replies.h"
#include "lib/ipc.h"
#include "lib/log.h"
#include "lib/util.h"
#include "queue/maildir.h"
#include "server/auth_imap.h"

#define IMAP_REQ_MAX		1600	/* Dovecot sends at most 512 */
#define IMAP_REQ_TIMEOUT_MS	5000
#define CHKPW_OK		0	/* fields follow */
#define CHKPW_FAIL		1	/* "Authentication failed." */
#define CHKPW_TEMPFAIL		111	/* [UNAVAILABLE] temporary failure */

void
auth_imap_reply(int fd, const char *text)
{
	if (util_write_all(fd, text, strlen(text)) == -1)
		log_warn("auth: imap: reply");
	close(fd);
}

/*
 * Dovecot (2.3) tells the client a nologin reason after the RFC 5530
 * code [CONTACTADMIN] ("NO [CONTACTADMIN] Too many failed logins: ...
 * locked until ..."), so the texts carry no code of their own.  A plain
 * wrong password is exit 1: "NO [AUTHENTICATIONFAILED] Authentication
 * failed.", as Dovecot always says it.
 */
void
auth_imap_answer(int fd, const char *datadir, uint32_t result,
    const char *user, const char *canon, const char *client,
    const char *reason, const char *hint, int64_t locked)
{
	char	out[1024], home[PATH_MAX], when[40], esc[300];
	char	*slash;
	int	rc = 0;

	log_printable(esc, sizeof(esc), user, strlen(user));
	if (result == AUTH_RES_OK) {
		log_info("auth: imap login ok user=%s client=%s", esc, client);
		if (maildir_path(datadir, canon, home, sizeof(home)) == -1 ||
		    (slash = strrchr(home, '/')) == NULL) {
			log_warnx("auth: imap: no mail path for %s", esc);
			auth_imap_reply(fd, "111\t");
			return;
		}
		*slash = '\0';		/* home = the Maildir's parent */
		rc = util_snprintf(out, sizeof(out), "%d\tuser=%s\t"
		    "userdb_home=%s\tuserdb_uid=%lu\tuserdb_gid=%lu",
		    CHKPW_OK, canon, home, (unsigned long)getuid(),
		    (unsigned long)getgid());
	} else if (result == AUTH_RES_LOCKED) {
		log_info("auth: imap login refused user=%s reason=%s "
		    "client=%s", esc, reason, client);
		util_time_utc(locked, when, sizeof(when));
		rc = util_snprintf(out, sizeof(out), "%d\tnologin\treason="
		    RPL_LOCKED_TEXT, CHKPW_OK, when);
	} else if (result == AUTH_RES_FAIL) {
		log_info("auth: imap login failed user=%s reason=%s client=%s",
		    esc, reason, client);
		if (hint[0] != '\0')
			rc = util_snprintf(out, sizeof(out), "%d\tnologin\t"
			    "reason=Authentication failed: %s", CHKPW_OK,
			    hint);
		else
			rc = util_snprintf(out, sizeof(out), "%d\t",
			    CHKPW_FAIL);
	} else {
		log_info("auth: imap login tempfail user=%s reason=%s "
		    "client=%s", esc, reason, client);
		rc = util_snprintf(out, sizeof(out), "%d\t", CHKPW_TEMPFAIL);
	}
	if (rc == -1 || strpbrk(out, "\n\r") != NULL)
		util_strlcpy(out, "111\t", sizeof(out));
	auth_imap_reply(fd, out);
}

int
auth_imap_request(int fd, struct ipc_msg *m)
{
	char		 buf[IMAP_REQ_MAX];
	const char	*f[7], *p, *end;
	size_t		 len = 0, i;
	ssize_t		 n;
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	uint64_t	 deadline = util_monotonic_ms() + IMAP_REQ_TIMEOUT_MS;
	int		 rc = -1;

	for (;;) {
		uint64_t now = util_monotonic_ms();

		if (now >= deadline || poll(&pfd, 1, (int)(deadline - now)) <= 0)
			goto done;
		if ((n = read(fd, buf + len, sizeof(buf) - len)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			goto done;
		}
		if (n == 0)
			break;
		if ((len += (size_t)n) == sizeof(buf))
			goto done;	/* too long: not our helper */
	}
	/* seven NUL-terminated fields, nothing after them */
	for (p = buf, end = buf + len, i = 0; i < 7 && p < end; i++) {
		f[i] = p;
		if ((p = memchr(p, '\0', (size_t)(end - p))) == NULL)
			goto done;
		p++;
	}
	if (i != 7 || p != end || strcmp(f[0], "PCHK1") != 0)
		goto done;
	ipc_msg_init(m, IPC_AUTH_REQ, 0);
	if (ipc_put_str(m, f[4][0] ? f[4] : "PLAIN") == -1 ||
	    ipc_put_str(m, f[5]) == -1 || ipc_put_str(m, f[6]) == -1 ||
	    ipc_put_str(m, f[2]) == -1 || ipc_put_str(m, f[3]) == -1 ||
	    ipc_put_str(m, "imap") == -1)
		goto done;
	rc = 0;
done:
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

