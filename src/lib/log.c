/*
 * log: see log.h.  Lines are formatted into one bounded buffer and written
 * with a single write(2) so lines from the parent and its children, which
 * share stderr, do not interleave.  Over-long lines are truncated, never
 * split.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"

#define LOG_LINE_MAX	2048

static char		 log_role[16] = "postern";
static enum log_level	 log_max = LOG_LVL_INFO;

static void	log_emit(enum log_level, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

void
log_init(const char *role, enum log_level level)
{
	log_set_role(role);
	log_max = level;
}

void
log_set_role(const char *role)
{
	snprintf(log_role, sizeof(log_role), "%s", role);
}

int
log_level_parse(const char *s, enum log_level *out)
{
	static const struct {
		const char	*name;
		enum log_level	 level;
	} names[] = {
		{ "error", LOG_LVL_ERR },
		{ "warning", LOG_LVL_WARN },
		{ "info", LOG_LVL_INFO },
		{ "debug", LOG_LVL_DEBUG },
	};
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(s, names[i].name) == 0) {
			*out = names[i].level;
			return 0;
		}
	}
	return -1;
}

int
log_debug_enabled(void)
{
	return log_max >= LOG_LVL_DEBUG;
}

static void
log_emit(enum log_level level, int err, const char *fmt, va_list ap)
{
	static const char *tags[] = { "error", "warning", "info", "debug" };
	char		 line[LOG_LINE_MAX];
	struct timespec	 ts;
	struct tm	 tm;
	size_t		 n;
	int		 r;

	if (level > log_max)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	r = snprintf(line + n, sizeof(line) - n, ".%03ldZ postern[%s:%ld] %s: ",
	    ts.tv_nsec / 1000000, log_role, (long)getpid(), tags[level]);
	if (r > 0 && (size_t)r < sizeof(line) - n)
		n += (size_t)r;
	r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (r > 0)
		n = ((size_t)r < sizeof(line) - n) ? n + (size_t)r :
		    sizeof(line) - 1;
	if (err && n < sizeof(line) - 1) {
		r = snprintf(line + n, sizeof(line) - n, ": %s",
		    strerror(err));
		if (r > 0)
			n = ((size_t)r < sizeof(line) - n) ? n + (size_t)r :
			    sizeof(line) - 1;
	}
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* one write: a short write to stderr is not worth a retry loop */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

#define LOG_WRAPPER(name, level, witherr)				\
void									\
name(const char *fmt, ...)						\
{									\
	int	saved = errno;						\
	va_list	ap;							\
									\
	va_start(ap, fmt);						\
	log_emit(level, witherr ? saved : 0, fmt, ap);			\
	va_end(ap);							\
	errno = saved;							\
}

LOG_WRAPPER(log_info, LOG_LVL_INFO, 0)
LOG_WRAPPER(log_debug, LOG_LVL_DEBUG, 0)
LOG_WRAPPER(log_warn, LOG_LVL_WARN, 1)
LOG_WRAPPER(log_warnx, LOG_LVL_WARN, 0)

void
fatal(const char *fmt, ...)
{
	int	saved = errno;
	va_list	ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_ERR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_ERR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

char *
log_printable(char *dst, size_t dstsz, const char *src, size_t srclen)
{
	static const char hex[] = "0123456789abcdef";
	size_t	i, o = 0;

	if (dstsz == 0)
		return dst;
	for (i = 0; i < srclen; i++) {
		unsigned char c = (unsigned char)src[i];
		int plain = c >= 0x20 && c < 0x7f && c != '\\' && c != '"';

		if (o + (plain ? 1 : 4) + 4 > dstsz) {
			if (dstsz >= 4) {
				o = o < dstsz - 4 ? o : dstsz - 4;
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (plain) {
			dst[o++] = (char)c;
			continue;
		}
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[c >> 4];
		dst[o++] = hex[c & 15];
	}
	dst[o] = '\0';
	return dst;
}
