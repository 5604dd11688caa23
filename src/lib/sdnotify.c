/*
 * sdnotify: see sdnotify.h.  The socket address is kept as found at
 * start; the datagram goes out on a fresh socket each time (a handful of
 * messages in a process's life: start, reloads, stop).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/sdnotify.h"

static struct sockaddr_un	sd_addr;
static socklen_t		sd_addrlen;	/* 0: no service manager */

void
sdnotify_init(void)
{
	const char	*path = getenv("NOTIFY_SOCKET");
	size_t		 len;

	sd_addrlen = 0;
	if (path == NULL)
		return;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len < 2 ||
	    len >= sizeof(sd_addr.sun_path)) {
		log_warnx("NOTIFY_SOCKET=%.64s: not a socket path, ignored",
		    path);
		unsetenv("NOTIFY_SOCKET");
		return;
	}
	memset(&sd_addr, 0, sizeof(sd_addr));
	sd_addr.sun_family = AF_UNIX;
	memcpy(sd_addr.sun_path, path, len);
	if (path[0] == '@')
		sd_addr.sun_path[0] = '\0';	/* abstract namespace */
	/* an abstract name is exactly its bytes, no terminating NUL */
	sd_addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    len + (path[0] == '/'));
	unsetenv("NOTIFY_SOCKET");
}

int
sdnotify(const char *fmt, ...)
{
	va_list	ap;
	char	msg[512];
	int	fd, n;

	if (sd_addrlen == 0)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(msg)) {
		log_warnx("sd_notify: message too long");
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    sendto(fd, msg, (size_t)n, MSG_NOSIGNAL,
	    (const struct sockaddr *)&sd_addr, sd_addrlen) != n) {
		log_warn("sd_notify");
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
sdnotify_reloading(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return sdnotify("RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000);
}
