/*
 * lifeline: see lifeline.h.
 */
#include <sys/prctl.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "lib/lifeline.h"
#include "lib/log.h"

struct lifeline {
	int		 fd;
	pid_t		 parent;
	const char	*role;
};

static struct lifeline	L;

int
lifeline_open(int fds[2])
{
	return pipe2(fds, O_CLOEXEC);
}

/* Never returns: nothing is ever written, so readable means EOF. */
static void *
lifeline_thread(void *arg)
{
	struct pollfd	pfd;
	char		c;

	(void)arg;
	pfd.fd = L.fd;
	pfd.events = POLLIN;
	for (;;) {
		pfd.revents = 0;
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("%s: lifeline poll", L.role);
		}
		if (read(L.fd, &c, 1) == 1)
			continue;	/* not ours to send; ignore */
		break;
	}
	log_warnx("%s: the parent process %ld is gone; exiting", L.role,
	    (long)L.parent);
	/*
	 * No exit handlers, no flushing of another thread's state: what is
	 * on disk is consistent at every point (the spool's commit is a
	 * rename), and what is not was never acknowledged.
	 */
	_exit(1);
}

void
lifeline_watch(int fds[2], pid_t parent, const char *role)
{
	pthread_attr_t	attr;
	pthread_t	tid;
	sigset_t	all, old;

	if (fds[1] != -1) {
		close(fds[1]);
		fds[1] = -1;
	}
	L.fd = fds[0];
	L.parent = parent;
	L.role = role;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		log_warn("%s: PR_SET_PDEATHSIG", role);
	/* the parent may have died before the signal was armed */
	if (getppid() != parent) {
		log_warnx("%s: the parent process %ld is gone; exiting", role,
		    (long)parent);
		_exit(1);
	}
	/*
	 * The thread is born with every signal blocked: a process-directed
	 * signal must go to the threads that expect it (the smtp process
	 * blocks a second SIGTERM in its main thread while it drains, and
	 * this thread must not take it with the default action).
	 */
	sigfillset(&all);
	if (pthread_sigmask(SIG_SETMASK, &all, &old) != 0 ||
	    pthread_attr_init(&attr) != 0 ||
	    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) != 0 ||
	    pthread_create(&tid, &attr, lifeline_thread, NULL) != 0)
		fatalx("%s: cannot start the lifeline thread", role);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}
