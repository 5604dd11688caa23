/*
 * control: the operator's command channel into a running queue process.
 * `postern queue flush|delete|hold|release` (cli_queue.c) leaves one
 * command per file in DIR/spool/cmd: "VERB [ID]\n", written under a
 * hidden temporary name, fsynced and renamed into place, so a reader
 * never sees half a command.  The file's name starts with the time in
 * hex, so commands are applied in the order they were given.  The
 * queue's keeper thread (deliver.c) reads the directory every second,
 * hands each command to the scheduler and removes the file.
 * Failures: an unreadable file is skipped (and left); a line that does
 * not parse is ignored.  What a command does is the scheduler's concern.
 */
#ifndef POSTERN_CONTROL_H
#define POSTERN_CONTROL_H

#include <stddef.h>

/* DIR/spool/cmd in out.  0, or -1 if it does not fit. */
int	control_dir(const char *datadir, char *out, size_t outsz);
/* Leave "verb id" for the running server.  0, or -1 with errno. */
int	control_send(const char *datadir, const char *verb, const char *id);
/*
 * Apply the commands waiting in cmddir, oldest first: fn(verb, id, arg)
 * for each line (id "" when the command names no message), then remove
 * the file.
 */
void	control_read(const char *cmddir,
	    void (*fn)(const char *verb, const char *id, void *), void *arg);

#endif
