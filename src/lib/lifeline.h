/*
 * lifeline: the children of `postern serve` never outlive the parent.
 *
 * The parent makes one pipe before it forks and keeps its write end for
 * life; nothing else holds that end.  When the parent dies, however it
 * dies (kill -9, the OOM killer, a crash), the kernel closes the write
 * end and every child's read end reports end of file: a thread in each
 * child waits for exactly that, logs it and exits at once, so no child
 * keeps a listening socket, the queue lock or a session without a
 * supervisor.  PR_SET_PDEATHSIG (SIGKILL) is the second guard; the kernel
 * sends it right after it closes the parent's files, so it often wins
 * the race and the child dies without its log line.
 */
#ifndef POSTERN_LIFELINE_H
#define POSTERN_LIFELINE_H

#include <sys/types.h>

/* Parent, before forking: the pipe, both ends close-on-exec.  0 or -1. */
int	lifeline_open(int fds[2]);

/*
 * Child, after its last change of credentials (a change of uid clears
 * the death signal): close the write end, arm PR_SET_PDEATHSIG, exit if
 * the parent is already gone, and start the thread that watches the read
 * end.  parent is the pid the parent had before the fork.  Fatal if the
 * thread cannot be started.
 */
void	lifeline_watch(int fds[2], pid_t parent, const char *role);

#endif
