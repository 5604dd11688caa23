/*
 * dotreader: the DATA stream decoder, see dotreader.h.
 *
 * The decoder is a five-state machine (enum dot_state) with one handler per
 * state in dot_states[].  Every byte of input is consumed by exactly one
 * handler call, except runs of ordinary bytes in the middle of a line,
 * which dot_run() copies in bulk (memchr finds the next CR or LF), so the
 * common path costs two memchr calls and one memcpy per line.
 *
 * Invariants:
 *  - All decoder state lives in struct dotreader, so any split of the input
 *    into dot_feed() calls gives the same output and flags as one call.
 *  - Only <CRLF>.<CRLF> ends the data (RFC 5321 §4.1.1.4); the start of
 *    DATA counts as the start of a line.  The state DOT_S_DOT_CR, the only
 *    one whose LF ends the data, is reached only by "." then CR at the start
 *    of a line, and a line starts only after CRLF, never after a bare CR or
 *    LF, so <LF>.<LF>, <LF>.<CRLF>, <CRLF>.<LF> and <CR>.<CR> are content.
 *  - Output is the input with the first dot of each line removed (RFC 5321
 *    §4.5.2) and the final ".\r\n" dropped; bare CR and LF are copied as
 *    they are.  A CR is emitted when it is read, except the CR of a leading
 *    ".\r", which is held (as the state) until the next byte shows whether
 *    it ends the data.  So one call writes at most inlen + 1 bytes.
 *
 * Once the end of data is seen, further dot_feed() calls consume nothing
 * and return 1 until dot_init() starts the next message.
 *
 * Failure: dot_feed never fails.  Bare LF, bare CR, over-long lines
 * (RFC 5321 §4.5.3.1.6) and content past size_max only set flags; the
 * caller reads to the end of data anyway, so that the rest of the message
 * is never taken for commands, and then rejects it.
 */
#include <string.h>

#include "core/dotreader.h"

enum dot_state {
	DOT_S_BOL,		/* beginning of line */
	DOT_S_DOT,		/* beginning of line, after a '.' */
	DOT_S_MID,		/* middle of line */
	DOT_S_CR,		/* middle of line, after a CR */
	DOT_S_DOT_CR,		/* after ".\r" at the beginning of a line */
	DOT_S_END,		/* end of data seen */
};

/* One dot_feed() call: where we are in the input and the output. */
struct dot_io {
	const char	*in;
	size_t		 inlen;
	size_t		 pos;
	char		*out;
	size_t		 outlen;
};

typedef int	(*dot_handler)(struct dotreader *, struct dot_io *, char);

static void	dot_wire(struct dotreader *, size_t);
static void	dot_emit(struct dotreader *, struct dot_io *, const char *,
		    size_t);
static void	dot_run(struct dotreader *, struct dot_io *);
static int	dot_bol(struct dotreader *, struct dot_io *, char);
static int	dot_dot(struct dotreader *, struct dot_io *, char);
static int	dot_mid(struct dotreader *, struct dot_io *, char);
static int	dot_cr(struct dotreader *, struct dot_io *, char);
static int	dot_dot_cr(struct dotreader *, struct dot_io *, char);

/* Indexed by enum dot_state; DOT_S_END never reaches the table. */
static const dot_handler dot_states[] = {
	[DOT_S_BOL] = dot_bol,
	[DOT_S_DOT] = dot_dot,
	[DOT_S_MID] = dot_mid,
	[DOT_S_CR] = dot_cr,
	[DOT_S_DOT_CR] = dot_dot_cr,
};

void
dot_init(struct dotreader *dr, size_t line_max, uint64_t size_max)
{
	dr->state = DOT_S_BOL;
	dr->linelen = 0;
	dr->line_max = line_max;
	dr->size = 0;
	dr->size_max = size_max;
	dr->flags = 0;
}

int
dot_feed(struct dotreader *dr, const char *in, size_t inlen, char *out,
    size_t *outlen, size_t *consumed)
{
	struct dot_io	io = { in, inlen, 0, out, 0 };
	int		done = dr->state == DOT_S_END;

	while (!done && io.pos < io.inlen) {
		if (dr->state == DOT_S_MID) {
			dot_run(dr, &io);
			if (io.pos == io.inlen)
				break;
		}
		dot_wire(dr, 1);
		done = dot_states[dr->state](dr, &io, io.in[io.pos++]);
	}
	*outlen = io.outlen;
	*consumed = io.pos;
	return done;
}

/*
 * Count n wire octets of the current line.  linelen saturates just past
 * line_max: the flag is all that is needed once the line is too long.
 */
static void
dot_wire(struct dotreader *dr, size_t n)
{
	if (dr->linelen > dr->line_max)
		return;
	dr->linelen = n > dr->line_max - dr->linelen ? dr->line_max + 1 :
	    dr->linelen + n;
	if (dr->linelen > dr->line_max)
		dr->flags |= DOT_LINE_TOO_LONG;
}

/*
 * Emit n content octets, or as many as fit under size_max.  size counts
 * them all, so it reports the size of the whole message.
 */
static void
dot_emit(struct dotreader *dr, struct dot_io *io, const char *p, size_t n)
{
	uint64_t	room;

	room = dr->size < dr->size_max ? dr->size_max - dr->size : 0;
	dr->size += n;
	if (n > room) {
		dr->flags |= DOT_TOO_BIG;
		n = (size_t)room;
	}
	if (n == 0)
		return;
	memcpy(io->out + io->outlen, p, n);
	io->outlen += n;
}

/* Copy the run of bytes up to the next CR or LF in the middle of a line. */
static void
dot_run(struct dotreader *dr, struct dot_io *io)
{
	const char	*p = io->in + io->pos, *cr, *lf;
	size_t		 n = io->inlen - io->pos;

	if ((cr = memchr(p, '\r', n)) != NULL)
		n = (size_t)(cr - p);
	if ((lf = memchr(p, '\n', n)) != NULL)
		n = (size_t)(lf - p);
	dot_wire(dr, n);
	dot_emit(dr, io, p, n);
	io->pos += n;
}

/* RFC 5321 §4.5.2: a line's leading dot is removed, or ends the data. */
static int
dot_bol(struct dotreader *dr, struct dot_io *io, char c)
{
	if (c == '.') {
		dr->state = DOT_S_DOT;
		return 0;
	}
	return dot_mid(dr, io, c);
}

static int
dot_dot(struct dotreader *dr, struct dot_io *io, char c)
{
	if (c == '\r') {
		dr->state = DOT_S_DOT_CR;
		return 0;
	}
	return dot_mid(dr, io, c);
}

/* A bare LF is content; it does not start a line. */
static int
dot_mid(struct dotreader *dr, struct dot_io *io, char c)
{
	if (c == '\r')
		dr->state = DOT_S_CR;
	else {
		if (c == '\n')
			dr->flags |= DOT_BARE_LF;
		dr->state = DOT_S_MID;
	}
	dot_emit(dr, io, &c, 1);
	return 0;
}

/* Only CRLF ends a line; a bare CR is content. */
static int
dot_cr(struct dotreader *dr, struct dot_io *io, char c)
{
	if (c != '\n') {
		dr->flags |= DOT_BARE_CR;
		return dot_mid(dr, io, c);
	}
	dot_emit(dr, io, &c, 1);
	dr->linelen = 0;
	dr->state = DOT_S_BOL;
	return 0;
}

/* ".\r" then LF ends the data; anything else makes the held CR bare. */
static int
dot_dot_cr(struct dotreader *dr, struct dot_io *io, char c)
{
	if (c == '\n') {
		dr->state = DOT_S_END;
		return 1;
	}
	dr->flags |= DOT_BARE_CR;
	dot_emit(dr, io, "\r", 1);
	return dot_mid(dr, io, c);
}
