/*
 * log: one line per event on stderr, prefixed with time, process role and
 * pid.  log_warn appends strerror(errno); log_warnx does not.  fatal and
 * fatalx are for failed set-up and impossible states only: they log and
 * exit(1).  Client-supplied text must go through log_printable() first so
 * a peer cannot forge log lines.
 */
#ifndef POSTERN_LOG_H
#define POSTERN_LOG_H

#include <stddef.h>

enum log_level {
	LOG_LVL_ERR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

void	log_init(const char *role, enum log_level level);
void	log_set_role(const char *role);
int	log_level_parse(const char *, enum log_level *);
int	log_debug_enabled(void);

void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * Copy at most srclen bytes of untrusted text into dst (size dstsz) with
 * control characters, backslashes, quotes and non-ASCII bytes escaped as
 * \xHH.  Always NUL-terminates; marks truncation with "...".  Returns dst.
 */
char	*log_printable(char *dst, size_t dstsz, const char *src, size_t srclen);

#endif
